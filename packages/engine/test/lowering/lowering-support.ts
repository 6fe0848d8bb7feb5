/** Shared by the lowering tests: small networks, and running them staged vs the reference executor. */
import { type DType, Network, type Tensor } from '@kiln-inference/core';
import { interpretProgram, ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { expect } from 'vitest';
import { programSupport, type StageBackend, StagedRunner } from '../../src/index.js';

/** The CPU's layer support, with programs run by the TypeScript interpreter: lowering tests need no native addon. */
export const interpreted: StageBackend = {
  support: (layer, network, isConstant) => programSupport(layer, network, isConstant, 'cpu'),
  createProgram: (program) => ({
    run: async (inputs) => interpretProgram(program, inputs),
    dispose: () => {},
  }),
};

/** A network under construction with helpers for constants. */
export class NetBuilder {
  readonly net = new Network('lowering-test');
  private seed = 11;

  input(name: string, shape: number[], dtype: DType = 'float32'): string {
    this.net.addInput({ name, dtype, shape });
    return name;
  }

  constant(value: Tensor): string {
    const name = this.net.uniqueName('const');
    this.net.addLayer('constant', { inputs: [], outputs: [{ name, dtype: value.dtype, shape: [...value.shape] }], params: { value } });
    return name;
  }

  random(shape: number[], low = -1, high = 1): string {
    return this.constant(randomTensor('float32', shape, this.seed++, low, high));
  }

  /** Adds a layer with one float32 output of unknown shape; returns the output name. */
  layer<K extends Parameters<Network['addLayer']>[0]>(
    kind: K,
    inputs: string[],
    params: Parameters<Network['addLayer']>[1]['params'],
    outputs = 1,
  ): string {
    const names = Array.from({ length: outputs }, () => this.net.uniqueName(`${kind}_out`));
    this.net.addLayer(kind, { inputs, outputs: names, params: params as never });
    return names[0]!;
  }

  output(...names: string[]): Network {
    for (const n of names) this.net.markOutput(n);
    return this.net;
  }
}

/** Runs the network staged (interpreted programs) and with the reference executor; outputs must agree. */
export async function expectStagedMatchesReference(
  network: Network,
  feeds: Record<string, Tensor>,
  options: { rtol?: number; atol?: number; nativeStages?: number; backend?: StageBackend } = {},
): Promise<StagedRunner> {
  const staged = new StagedRunner(network, { backend: options.backend ?? interpreted });
  if (options.nativeStages !== undefined) {
    expect(staged.describe().filter((s) => s.kind === 'native').length).toBe(options.nativeStages);
  }
  const actual = await staged.runValues(new Map(Object.entries(feeds)));
  const expected = new ReferenceExecutor().run(network, feeds);
  for (const [name, value] of expected) {
    expectTensorClose(actual.get(name) as Tensor, value, { rtol: options.rtol ?? 1e-5, atol: options.atol ?? 1e-5 });
  }
  return staged;
}
