/**
 * The planner against the brute-force checker on random networks mixing every rule: views,
 * splits, in-place concatenations (accepted or refused), in-place elementwise layers, residual
 * convolutions, casts, captured tensors in conditionals and random network outputs.
 */
import { Network } from '@kiln-inference/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planMemory } from '../../src/memory/plan-memory.js';
import { conv1x1, TestNet } from './network-builder.js';
import { memoryPlanProblems } from './overlap-checker.js';

const OPS = ['relu', 'add', 'identity', 'reshape', 'split', 'split_last', 'concat', 'conv', 'cast', 'cond', 'output'] as const;

/** One step: which op, which tensors it picks (indices taken modulo what exists) and a size. */
const stepArb = fc.record({
  op: fc.constantFrom(...OPS),
  picks: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  size: fc.integer({ min: 1, max: 4 }),
  inPlace: fc.boolean(),
});

interface T {
  name: string;
  /** [1, c, 4] float32 ('int32' after a cast) */
  c: number;
  dtype: 'float32' | 'int32';
}

type Step = { op: (typeof OPS)[number]; picks: number[]; size: number; inPlace: boolean };

function randomNetwork(steps: readonly Step[]): Network {
  const t = new TestNet();
  t.input('x', [1, 4, 4]);
  t.input('flag', [], 'bool');
  const w = (k: number, c: number) => t.constant(`w${k}`, [c, c, 1]);
  const pool: T[] = [{ name: 'x', c: 4, dtype: 'float32' }];
  const outputs = new Set<string>();
  steps.forEach((s, k) => {
    const floats = pool.filter((p) => p.dtype === 'float32');
    const pick = (i: number, from: T[] = floats) => from[s.picks[i]! % from.length]!;
    const a = pick(0);
    const n = `t${k}`;
    const shape = (c: number) => [1, c, 4];
    switch (s.op) {
      case 'relu':
        pool.push({ name: t.relu(n, a.name, shape(a.c)), c: a.c, dtype: 'float32' });
        break;
      case 'add': {
        const b = pick(
          1,
          floats.filter((p) => p.c === a.c),
        );
        pool.push({ name: t.add(n, a.name, b.name, shape(a.c)), c: a.c, dtype: 'float32' });
        break;
      }
      case 'identity':
        pool.push({ name: t.layer('identity', n, [a.name], {}, [{ shape: shape(a.c) }])[0]!, c: a.c, dtype: 'float32' });
        break;
      case 'reshape':
        pool.push({ name: t.reshape(n, a.name, shape(a.c)), c: a.c, dtype: 'float32' });
        break;
      case 'split':
      case 'split_last': {
        if (a.c < 2 && s.op === 'split') break;
        const axis = s.op === 'split' ? 1 : 2;
        const first = s.op === 'split' ? 1 + (s.size % (a.c - 1)) : 2;
        const outs =
          s.op === 'split'
            ? [shape(first), shape(a.c - first)]
            : [
                [1, a.c, 2],
                [1, a.c, 2],
              ];
        const names = t.layer(
          'split',
          n,
          [a.name],
          { axis, numOutputs: 2 },
          outs.map((o) => ({ shape: o })),
        );
        if (s.op === 'split') pool.push(...names.map((m, i): T => ({ name: m, c: outs[i]![1]!, dtype: 'float32' })));
        else t.output(...names);
        break;
      }
      case 'concat': {
        const b = pick(1);
        const c = pick(2);
        pool.push({
          name: t.concat(n, [a.name, b.name, c.name], 1, shape(a.c + b.c + c.c), s.inPlace),
          c: a.c + b.c + c.c,
          dtype: 'float32',
        });
        break;
      }
      case 'conv': {
        const r = pick(
          1,
          floats.filter((p) => p.c === a.c),
        );
        const epilogue = { residualInput: 3, activation: { type: 'relu' as const } };
        const y = t.layer('convolution', n, [a.name, w(k, a.c), '', r.name], { ...conv1x1, epilogue }, [{ shape: shape(a.c) }])[0]!;
        pool.push({ name: y, c: a.c, dtype: 'float32' });
        break;
      }
      case 'cast': {
        const y = t.layer('cast', n, [a.name], { to: 'int32' }, [{ shape: shape(a.c), dtype: 'int32' }])[0]!;
        const back = t.layer('cast', `${n}_back`, [y], { to: 'float32' }, [{ shape: shape(a.c) }])[0]!;
        pool.push({ name: y, c: a.c, dtype: 'int32' }, { name: back, c: a.c, dtype: 'float32' });
        break;
      }
      case 'cond': {
        // Reads `a` only through its branches: a capture, not a layer input.
        const branch = (name: string) => {
          const b = new Network(name);
          b.addInput({ name: a.name, dtype: 'float32', shape: shape(a.c) });
          b.addLayer('identity', {
            name: `${name}_id`,
            inputs: [a.name],
            outputs: [{ name: `${name}_y`, dtype: 'float32', shape: shape(a.c) }],
            params: {},
          });
          b.markOutput(`${name}_y`);
          return b;
        };
        const y = t.layer('conditional', n, ['flag'], { thenBranch: branch(`${n}_then`), elseBranch: branch(`${n}_else`) }, [
          { shape: shape(a.c) },
        ])[0]!;
        pool.push({ name: y, c: a.c, dtype: 'float32' });
        break;
      }
      case 'output':
        outputs.add(pick(0, pool).name);
        break;
    }
  });
  outputs.add(pool.at(-1)!.name);
  t.output(...outputs);
  return t.net;
}

describe('memory plans of random networks', () => {
  it('never lets two live tensors share bytes unless one is a view or in-place of the other', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.constantFrom(1, 16, 64),
        (steps, inPlace, alignment) => {
          const network = randomNetwork(steps);
          const plan = planMemory(network, { inPlace, alignment });
          expect(memoryPlanProblems(network, plan)).toEqual([]);
          expect(plan.arenaBytes).toBeLessThanOrEqual(plan.sumBytes + Object.keys(plan.placements).length * alignment);
        },
      ),
      { numRuns: 300, seed: 20261122 },
    );
  });

  it('gives the same plan every time', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        expect(JSON.stringify(planMemory(randomNetwork(steps)))).toBe(JSON.stringify(planMemory(randomNetwork(steps))));
      }),
      { numRuns: 50, seed: 7 },
    );
  });

  it('exercises every rule (the generator is not vacuous)', () => {
    const seen = { view: 0, inPlace: 0, concat: 0, external: 0 };
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 10, maxLength: 40 }), (steps) => {
        const plan = planMemory(randomNetwork(steps));
        for (const p of Object.values(plan.placements)) {
          if (p.viewOf) seen.view++;
          if (p.inPlaceOf) seen.inPlace++;
        }
        seen.concat += plan.inPlaceConcats.length;
        seen.external += Object.keys(plan.externalViews).length;
      }),
      { numRuns: 100, seed: 11 },
    );
    expect(Math.min(...Object.values(seen))).toBeGreaterThan(0);
  });
});
