import { type Layer, Network, Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { scaleMerging } from '../../src/builder/rules/scale-merging.js';
import { addConstant, expectSameOutputs, float32, kinds, optimize } from './golden.js';

const S = [2, 3, 4];

interface ScaleSpec {
  mode: 'uniform' | 'channel' | 'elementwise';
  axis?: number;
  shift?: Tensor;
  scale?: Tensor;
  power?: Tensor;
}

/** x → scale → scale → y (the middle tensor optionally also an output). */
function twoScales(first: ScaleSpec, second: ScaleSpec, middleIsOutput = false): Network {
  const net = new Network('scales');
  net.addInput(float32('x', S));
  const params = (spec: ScaleSpec, tag: string) => {
    const names = (['shift', 'scale', 'power'] as const).map((p) => (spec[p] ? addConstant(net, `${tag}_${p}`, spec[p]!) : ''));
    return { names, params: { mode: spec.mode, channelAxis: spec.axis ?? 0 } };
  };
  const a = params(first, 'a');
  net.addLayer('scale', { name: 'first', inputs: ['x', ...a.names], outputs: [float32('m', S)], params: a.params });
  const b = params(second, 'b');
  net.addLayer('scale', { name: 'second', inputs: ['m', ...b.names], outputs: [float32('y', S)], params: b.params });
  net.markOutput('y');
  if (middleIsOutput) net.markOutput('m');
  return net;
}

const perChannel = (seed: number, axis = 1) => randomTensor('float32', [S[axis]!], seed, 0.5, 2);
const one = (v: number) => Tensor.fromValues('float32', [1], [v]);
const feeds = { x: randomTensor('float32', S, 9) };

describe('scale-merging', () => {
  const cases: [string, ScaleSpec, ScaleSpec][] = [
    [
      'two channel affines',
      { mode: 'channel', axis: 1, scale: perChannel(1), shift: perChannel(2) },
      { mode: 'channel', axis: 1, scale: perChannel(3), shift: perChannel(4) },
    ],
    [
      'a multiplier then a shift (Mul + Add)',
      { mode: 'channel', axis: -2, scale: perChannel(5) },
      { mode: 'channel', axis: 1, shift: perChannel(6) },
    ],
    [
      'a uniform then a channel scale',
      { mode: 'uniform', scale: one(-2), shift: one(0.5) },
      { mode: 'channel', axis: 2, scale: perChannel(7, 2) },
    ],
    ['two uniform scales', { mode: 'uniform', shift: one(1) }, { mode: 'uniform', scale: one(3) }],
    [
      'a power of one',
      { mode: 'channel', axis: 1, scale: perChannel(8), power: Tensor.fromValues('float32', [3], [1, 1, 1]) },
      { mode: 'uniform', shift: one(2) },
    ],
  ];
  for (const [label, first, second] of cases) {
    it(`merges ${label}`, async () => {
      const before = twoScales(first, second);
      const after = await optimize(before, [scaleMerging]);
      expect(kinds(after).filter((k) => k !== 'constant')).toEqual(['scale']);
      const merged = after.layers.find((l) => l.kind === 'scale') as Layer<'scale'>;
      expect(merged.inputs[0]).toBe('x');
      expectSameOutputs(before, after, feeds);
    });
  }

  it('leaves scales it cannot merge', async () => {
    const stays = [
      twoScales({ mode: 'channel', axis: 1, scale: perChannel(1) }, { mode: 'channel', axis: 2, scale: perChannel(2, 2) }), // different axes
      twoScales(
        { mode: 'channel', axis: 1, scale: perChannel(1), power: Tensor.fromValues('float32', [3], [2, 2, 2]) },
        { mode: 'uniform', shift: one(1) },
      ),
      twoScales({ mode: 'elementwise', scale: randomTensor('float32', S, 3) }, { mode: 'uniform', shift: one(1) }),
      twoScales({ mode: 'uniform', shift: one(1) }, { mode: 'uniform', scale: one(3) }, true), // the middle is an output
    ];
    for (const net of stays) expect(kinds(await optimize(net, [scaleMerging])).filter((k) => k === 'scale')).toHaveLength(2);
  });
});
