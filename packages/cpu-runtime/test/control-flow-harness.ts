/** Tiny sub-networks for the conditional / loop / scan kernel tests. */
import { type DType, type ElementwiseOp, Network, type Shape, type Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '../src/index.js';

export interface BodySpec {
  inputs: { name: string; dtype: DType; shape?: Shape | null }[];
  /** [op, a, b, out, outDType] elementwise steps, or ['identity', a, '', out, dtype]. */
  steps: [ElementwiseOp | 'identity', string, string, string, DType][];
  outputs: string[];
}

export function body(name: string, spec: BodySpec): Network {
  const net = new Network(name);
  for (const i of spec.inputs) net.addInput({ name: i.name, dtype: i.dtype, shape: i.shape ?? null });
  for (const [op, a, b, out, dtype] of spec.steps) {
    if (op === 'identity') net.addLayer('identity', { inputs: [a], outputs: [{ name: out, dtype, shape: null }], params: {} });
    else net.addLayer('elementwise', { inputs: [a, b], outputs: [{ name: out, dtype, shape: null }], params: { op } });
  }
  for (const o of spec.outputs) net.markOutput(o);
  return net;
}

/** Runs a one-layer network built by `build`, feeding `feeds` as network inputs. */
export function runOne(build: (net: Network) => string[], feeds: Record<string, Tensor>): Tensor[] {
  const net = new Network('outer');
  for (const [name, t] of Object.entries(feeds)) net.addInput({ name, dtype: t.dtype, shape: t.shape });
  const outs = build(net);
  for (const o of outs) net.markOutput(o);
  const result = new ReferenceExecutor().run(net, feeds);
  return outs.map((o) => result.get(o)!);
}
