/**
 * The native resize op scales the last two dims; a channels-last resize must stay off the
 * native path at partition time rather than fail later in the lowering (MoveNet's NHWC
 * upsampling did, on the CUDA target).
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

  it('refuses a channels-last resize, by declared shapes or by axes, with the reason', () => {
    for (const network of [
      resizeNetwork([1, 6, 6, 64], [1, 12, 12, 64], [1, 2, 2, 1]),
      resizeNetwork([1, 6, 6, 64], [1, 12, 12, 64], [2, 2], [1, 2]),
    ]) {
      const answer = support(network);
      expect(answer.supported).toBe(false);
      expect(answer.supported === false && answer.reason).toMatch(/dims other than the last two/);
    }
  });
});
