/**
 * Random conv/matmul → constant add/sub/mul/div chains → activation networks, with constants of
 * every broadcast shape (fusable or not), either operand order, and sometimes an intermediate
 * that is also a network output: the default rules must keep the values within float32
 * rounding of the reassociated arithmetic (folded/merged constants, one rounding instead of
 * two): 1e-5 relative, 1e-4 absolute for sums that cancel.
 */
import { type ElementwiseOp, Network, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { defaultBuilderRules } from '../../src/builder/default-rules.js';
import { runBuilderRules } from '../../src/builder/run-rules.js';
import { convParams } from './golden.js';

const OPS: ElementwiseOp[] = ['add', 'sub', 'mul', 'div'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

/** Values of magnitude 0.5–2 with either sign, so divisions stay tame. */
function constant(r: () => number, shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromValues(
    'float32',
    shape,
    Array.from({ length: size }, () => (0.5 + 1.5 * r()) * (r() < 0.5 ? -1 : 1)),
  );
}

function build(seed: number, producer: 'conv' | 'matmul' | 'none', steps: number): { net: Network; input: number[] } {
  const r = rng(seed);
  const net = new Network('affine');
  const conv = producer !== 'matmul';
  const shape = conv ? [1, 4, 3, 3] : [3, 5];
  const channels = conv ? 4 : 5;
  const input = conv ? [1, 2, 3, 3] : [3, 2];
  net.addInput({ name: 'x', dtype: 'float32', shape: producer === 'none' ? shape : input });
  let previous = 'x';
  const addConst = (name: string, value: Tensor) =>
    net.addLayer('constant', { name, inputs: [], outputs: [{ name, dtype: 'float32', shape: [...value.shape] }], params: { value } });
  if (producer === 'conv') {
    addConst('w', constant(r, [4, 2, 3, 3]));
    const bias = r() < 0.5;
    if (bias) addConst('b', constant(r, [4]));
    net.addLayer('convolution', {
      name: 'conv',
      inputs: ['x', 'w', bias ? 'b' : ''],
      outputs: [{ name: 'p', dtype: 'float32', shape }],
      params: convParams(3),
    });
    previous = 'p';
  } else if (producer === 'matmul') {
    addConst('w', constant(r, [2, 5]));
    net.addLayer('matrix_multiply', {
      name: 'mm',
      inputs: ['x', 'w'],
      outputs: [{ name: 'p', dtype: 'float32', shape }],
      params: { transposeA: false, transposeB: false },
    });
    previous = 'p';
  }
  const constantShapes = conv
    ? [[], [1], [channels, 1, 1], [1, channels, 1, 1], [3], [1, 1, 3, 1], shape, [1, 1, 1, 1]]
    : [[], [1], [channels], [1, channels], [3, 1], shape];
  for (let i = 0; i < steps; i++) {
    const c = `c${i}`;
    addConst(c, constant(r, pick(r, constantShapes)));
    const out = `e${i}`;
    const op = pick(r, OPS);
    // c / x is left out: near x = 0 it magnifies any rounding difference without bound.
    const inputs = r() < 0.5 || op === 'div' ? [previous, c] : [c, previous];
    net.addLayer('elementwise', { name: `op${i}`, inputs, outputs: [{ name: out, dtype: 'float32', shape }], params: { op } });
    if (r() < 0.1) net.markOutput(out);
    previous = out;
  }
  if (r() < 0.6) {
    net.addLayer('activation', {
      name: 'act',
      inputs: [previous],
      outputs: [{ name: 'y', dtype: 'float32', shape }],
      params: pick(r, [{ type: 'relu' as const }, { type: 'leaky_relu' as const, alpha: 0.1 }, { type: 'tanh' as const }]),
    });
    previous = 'y';
  }
  net.markOutput(previous);
  return { net, input: producer === 'none' ? shape : input };
}

describe('the default rules on random affine chains', () => {
  it('keep every output within rounding', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom('conv' as const, 'matmul' as const, 'none' as const),
        fc.integer({ min: 1, max: 4 }),
        (seed, producer, steps) => {
          const { net: before, input } = build(seed, producer, steps);
          const { net: after } = build(seed, producer, steps);
          runBuilderRules(after, defaultBuilderRules);
          after.validate();
          const x = randomTensor('float32', input, seed & 0xffff);
          const executor = new ReferenceExecutor();
          const expected = executor.run(before, { x });
          const actual = executor.run(after, { x });
          for (const [name, value] of expected) expectTensorClose(actual.get(name)!, value, { rtol: 1e-5, atol: 1e-4 });
        },
      ),
      { numRuns: 500, seed: 20261122 },
    );
  });
});
