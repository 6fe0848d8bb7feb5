/** Shared by the rule golden tests: build with some rules, compare kinds and numerics before/after. */
import type { ConvolutionParams, Network, Tensor, TensorDesc } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { expect } from 'vitest';
import { type BuilderRule, buildPlan } from '../../src/index.js';

/** Runs the builder (rules only: tactic timing says nothing about a rewrite) and returns the optimized network. */
export async function optimize(network: Network, rules?: readonly BuilderRule[]): Promise<Network> {
  const plan = await buildPlan(network, { tune: false, ...(rules ? { rules } : {}) });
  return plan.network;
}

export function kinds(network: Network): string[] {
  return network.layers.map((l) => l.kind);
}

/** Runs both networks on the same feeds and expects every output equal within 1e-5. */
export function expectSameOutputs(before: Network, after: Network, feeds: Record<string, Tensor>): void {
  const executor = new ReferenceExecutor();
  const expected = executor.run(before, feeds);
  const actual = executor.run(after, feeds);
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, value] of expected) expectTensorClose(actual.get(name)!, value, { rtol: 1e-5, atol: 1e-5 });
}

/** Both networks' outputs, bit for bit (for rewrites that must not change rounding). */
export function expectIdenticalOutputs(before: Network, after: Network, feeds: Record<string, Tensor>): void {
  const executor = new ReferenceExecutor();
  const expected = executor.run(before, feeds);
  const actual = executor.run(after, feeds);
  for (const [name, value] of expected) {
    expect(actual.get(name)!.shape).toEqual(value.shape);
    expect(Array.from(actual.get(name)!.data as Float32Array)).toEqual(Array.from(value.data as Float32Array));
  }
}

export function addConstant(net: Network, name: string, value: Tensor): string {
  net.addLayer('constant', { name, inputs: [], outputs: [{ name, dtype: value.dtype, shape: [...value.shape] }], params: { value } });
  return name;
}

export function float32(name: string, shape: TensorDesc['shape']): TensorDesc {
  return { name, dtype: 'float32', shape };
}

/** Convolution params for a square kernel with 'same' padding and stride 1 (unless overridden). */
export function convParams(kernel: number, overrides: Partial<ConvolutionParams> = {}): ConvolutionParams {
  const pad = Math.floor(kernel / 2);
  return {
    kernelShape: [kernel, kernel],
    strides: [1, 1],
    padsBegin: [pad, pad],
    padsEnd: [pad, pad],
    dilations: [1, 1],
    groups: 1,
    paddingMode: 'explicit',
    ...overrides,
  };
}
