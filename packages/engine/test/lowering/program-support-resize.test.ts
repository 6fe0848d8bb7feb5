/**
 * The native resize op scales the last two dims. A resize given two other axes (TF's NHWC
 * ResizeBilinear) is supported: the builder's resize-axes-last rule moves them last between
 * two transposes. One whose full-rank scales change other dims must stay off the native path at
 * partition time rather than fail later in the lowering (MoveNet's NHWC upsampling did).
 */
import { Network, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { programSupport } from '../../src/lowering/program-support.js';

function resizeNetwork(x: number[], y: number[], scales: number[], axes?: number[]): Network {
  const network = new Network('resize');
  network.addInput({ name: 'x', dtype: 'float32', shape: x });
  network.addLayer('constant', {
    name: 'scales',
    inputs: [],
    outputs: ['s'],
    params: { value: new Tensor('float32', [scales.length], Float32Array.from(scales)) },
  });
  network.addLayer('resize', {
    name: 'up',
    inputs: ['x', '', 's'],
    outputs: [{ name: 'y', dtype: 'float32', shape: y }],
    params: {
      mode: 'nearest',
      coordinateTransform: 'asymmetric',
      nearestMode: 'floor',
      cubicCoeffA: -0.75,
      excludeOutside: false,
      extrapolationValue: 0,
      antialias: false,
      keepAspectRatioPolicy: 'stretch',
      ...(axes ? { axes } : {}),
    },
  });
  network.markOutput('y');
  return network;
}

const support = (network: Network) => programSupport(network.layers.find((l) => l.kind === 'resize')!, network, (t) => t === 's');

describe('program support: resize', () => {
  it('lowers an NCHW resize of H and W', () => {
    const network = resizeNetwork([1, 64, 6, 6], [1, 64, 12, 12], [1, 1, 2, 2]);
    expect(support(network)).toEqual({ supported: true });
  });

  it('refuses a channels-last resize by full-rank scales, with the reason', () => {
    const answer = support(resizeNetwork([1, 6, 6, 64], [1, 12, 12, 64], [1, 2, 2, 1]));
    expect(answer.supported).toBe(false);
    expect(answer.supported === false && answer.reason).toMatch(/dims other than the last two/);
  });

  it('takes a channels-last resize given its two axes (the builder moves them last)', () => {
    expect(support(resizeNetwork([1, 6, 6, 64], [1, 12, 12, 64], [2, 2], [1, 2]))).toEqual({ supported: true });
  });
});
