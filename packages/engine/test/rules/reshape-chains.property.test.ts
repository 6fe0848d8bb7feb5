/**
 * Random chains of shuffles (transposes, reshapes with 0/-1 dims, constant shape inputs) and
 * squeeze/unsqueeze layers, with shapes declared or unknown: after shuffle and squeeze
 * cancellation the network must still be valid and give exactly the same values.
 */
import { type AnyLayer, Network, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadLayerElimination } from '../../src/builder/rules/dead-layer-elimination.js';
import { identityRemoval } from '../../src/builder/rules/identity-removal.js';
import { shuffleCancellation } from '../../src/builder/rules/shuffle-cancellation.js';
import { squeezeCancellation } from '../../src/builder/rules/squeeze-cancellation.js';
import { runBuilderRules } from '../../src/builder/run-rules.js';

const RULES = [shuffleCancellation, squeezeCancellation, identityRemoval, deadLayerElimination];

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

function permutation(r: () => number, rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  for (let i = rank - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** A new shape with the same element count, written as reshape dims (sometimes with 0 copies or one -1). */
function reshapeTo(r: () => number, shape: number[]): { dims: number[]; shape: number[] } {
  const size = shape.reduce((a, b) => a * b, 1);
  const choices: number[][] = [[size], shape, [1, ...shape], [...shape, 1], shape.filter((d) => d !== 1)];
  if (shape.length >= 2) choices.push([shape[0]! * shape[1]!, ...shape.slice(2)], [...shape.slice(0, -2), shape.at(-2)! * shape.at(-1)!]);
  const next = pick(r, choices);
  const dims = next.map((d, i) => (i < shape.length && shape[i] === d && r() < 0.3 ? 0 : d));
  if (r() < 0.4 && dims.length > 0) dims[Math.floor(r() * dims.length)] = -1;
  return { dims, shape: next };
}

interface Chain {
  input: number[];
  build(): Network;
}

function chain(input: number[], seed: number, steps: number): Chain {
  return {
    input,
    build() {
      const r = rng(seed);
      const net = new Network('chain');
      net.addInput({ name: 'x', dtype: 'float32', shape: input });
      let shape = [...input];
      let previous = 'x';
      for (let i = 0; i < steps; i++) {
        const kind = pick(r, ['transpose', 'reshape', 'shuffle', 'squeeze', 'unsqueeze', 'shape-input'] as const);
        let params: Record<string, unknown> = {};
        const inputs = [previous];
        let layerKind: AnyLayer['kind'] = 'shuffle';
        if (kind === 'transpose' || kind === 'shuffle') {
          const perm = permutation(r, shape.length);
          shape = perm.map((a) => shape[a]!);
          params = r() < 0.5 ? { firstTranspose: perm } : { secondTranspose: perm };
          if (kind === 'shuffle' && params.firstTranspose) {
            const next = reshapeTo(r, shape);
            params.reshape = next.dims;
            shape = next.shape;
          }
        } else if (kind === 'reshape' || kind === 'shape-input') {
          const next = reshapeTo(r, shape);
          shape = next.shape;
          if (kind === 'reshape') params = { reshape: next.dims };
          else {
            const dims = `dims${i}`;
            net.addLayer('constant', {
              name: dims,
              inputs: [],
              outputs: [{ name: dims, dtype: 'int64', shape: [next.dims.length] }],
              params: { value: Tensor.fromValues('int64', [next.dims.length], next.dims.map(BigInt)) },
            });
            inputs.push(dims);
          }
        } else if (kind === 'squeeze') {
          layerKind = 'squeeze';
          const ones = shape.map((d, a) => (d === 1 ? a : -1)).filter((a) => a >= 0);
          params = ones.length > 0 && r() < 0.5 ? { axes: [pick(r, ones)] } : {};
          const axes = (params.axes as number[] | undefined) ?? ones;
          shape = shape.filter((_, a) => !axes.includes(a));
        } else {
          layerKind = 'unsqueeze';
          const axis = Math.floor(r() * (shape.length + 1));
          params = { axes: [axis] };
          shape = [...shape.slice(0, axis), 1, ...shape.slice(axis)];
        }
        const out = `t${i}`;
        // Sometimes the declared shape is unknown, so the rules must not rely on it.
        const declared = r() < 0.25 ? null : r() < 0.15 ? shape.map(() => null) : [...shape];
        net.addLayer(layerKind, { name: `l${i}`, inputs, outputs: [{ name: out, dtype: 'float32', shape: declared }], params } as never);
        previous = out;
      }
      net.addLayer('unary', {
        name: 'abs',
        inputs: [previous],
        outputs: [{ name: 'y', dtype: 'float32', shape: [...shape] }],
        params: { op: 'abs' },
      });
      net.markOutput('y');
      return net;
    },
  };
}

describe('shuffle and squeeze cancellation on random chains', () => {
  it('keep the network valid and its values exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.integer(),
        fc.integer({ min: 1, max: 5 }),
        (dims, seed, steps) => {
          const c = chain(dims, seed, steps);
          const before = c.build();
          const after = c.build();
          runBuilderRules(after, RULES);
          after.validate();
          const size = dims.reduce((a, b) => a * b, 1);
          const x = Tensor.fromValues(
            'float32',
            dims,
            Array.from({ length: size }, (_, i) => i - size / 2),
          );
          const executor = new ReferenceExecutor();
          const expected = executor.run(before, { x }).get('y')!;
          const actual = executor.run(after, { x }).get('y')!;
          expect(actual.shape).toEqual(expected.shape);
          expect(Array.from(actual.toFloat64())).toEqual(Array.from(expected.toFloat64()));
        },
      ),
      { numRuns: 400, seed: 20261122 },
    );
  });
});
