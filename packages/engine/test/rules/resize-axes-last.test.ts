import { Network, Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { resizeAxesLast } from '../../src/builder/rules/resize-axes-last.js';
import { shuffleCancellation } from '../../src/builder/rules/shuffle-cancellation.js';
import { addConstant, expectSameOutputs, float32, kinds, optimize } from './golden.js';

type Shape = (number | string | null)[] | null;

/** x (NHWC) → resize(axes, sizes) → relu → resize(axes, sizes) → y: TF's ResizeBilinear twice. */
function nhwcResizes(x: Shape, mid: Shape, y: Shape, axes: number[], mode: 'linear' | 'nearest' = 'linear'): Network {
  const net = new Network('nhwc-resizes');
  net.addInput(float32('x', x));
  const params = {
    mode,
    coordinateTransform: 'half_pixel' as const,
    nearestMode: 'floor' as const,
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    antialias: false,
    axes,
    keepAspectRatioPolicy: 'stretch' as const,
  };
  const first = addConstant(net, 'sizes1', new Tensor('int64', [2], BigInt64Array.of(6n, 10n)));
  const second = addConstant(net, 'sizes2', new Tensor('int64', [2], BigInt64Array.of(12n, 20n)));
  net.addLayer('resize', { name: 'up1', inputs: ['x', '', '', first], outputs: [float32('a', mid)], params });
  net.addLayer('activation', { name: 'relu', inputs: ['a'], outputs: [float32('b', mid)], params: { type: 'relu' } });
  net.addLayer('resize', { name: 'up2', inputs: ['b', '', '', second], outputs: [float32('y', y)], params });
  net.markOutput('y');
  return net;
}

describe('resize-axes-last', () => {
  it('resizes NHWC images between transposes, with or without declared shapes, and matches the original', async () => {
    const x = randomTensor('float32', [2, 3, 5, 4], 5, -1, 1);
    for (const declared of [true, false]) {
      const before = nhwcResizes(declared ? [2, 3, 5, 4] : null, declared ? [2, 6, 10, 4] : null, declared ? [2, 12, 20, 4] : null, [1, 2]);
      if (!declared) {
        // Without declared shapes the rank comes from LayerDef inference, which needs the input's.
        before.tensors.set('x', { ...before.tensors.get('x')!, shape: [2, 3, 5, 4] });
      }
      const after = await optimize(before, [resizeAxesLast, shuffleCancellation]);
      // The relu between the resizes keeps their transposes apart (nothing to cancel).
      expect(kinds(after).filter((k) => k !== 'constant')).toEqual([
        'shuffle',
        'resize',
        'shuffle',
        'activation',
        'shuffle',
        'resize',
        'shuffle',
      ]);
      const resizes = after.layers.filter((l) => l.kind === 'resize');
      expect(resizes.map((l) => (l.params as { axes?: number[] }).axes)).toEqual([
        [2, 3],
        [2, 3],
      ]);
      expectSameOutputs(before, after, { x });
    }
  });

  it('keeps the sizes order of unsorted axes, and leaves last-two-axes and unknown-rank resizes alone', async () => {
    const x = randomTensor('float32', [1, 4, 7, 3], 6, -1, 1);
    const swapped = nhwcResizes([1, 4, 7, 3], [1, 10, 6, 3], [1, 20, 12, 3], [2, 1], 'nearest');
    const after = await optimize(swapped, [resizeAxesLast]);
    expect(after.layers.filter((l) => l.kind === 'resize').map((l) => (l.params as { axes?: number[] }).axes)).toEqual([
      [3, 2],
      [3, 2],
    ]);
    expectSameOutputs(swapped, after, { x });
    const lastTwo = nhwcResizes([1, 3, 4, 7], [1, 3, 6, 10], [1, 3, 12, 20], [2, 3]);
    expect(kinds(await optimize(lastTwo, [resizeAxesLast]))).toEqual(kinds(lastTwo));
    const unknown = nhwcResizes(null, null, null, [1, 2]);
    expect(kinds(await optimize(unknown, [resizeAxesLast]))).toEqual(kinds(unknown));
  });
});
