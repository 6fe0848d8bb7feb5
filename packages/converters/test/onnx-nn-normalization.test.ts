import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, float, int, runNode, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape: number[]) => Tensor.fromValues('float32', shape, values);
const x = f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
const stats = { scale: f32([2, 1], [2]), bias: f32([0, 1], [2]), mean: f32([2.5, 6.5], [2]), var: f32([1.25, 1.25], [2]) };
const expectedBn = [1, 2, 3, 4]
  .map((v) => (2 * (v - 2.5)) / Math.sqrt(1.25 + 1e-5))
  .concat([5, 6, 7, 8].map((v) => (v - 6.5) / Math.sqrt(1.25 + 1e-5) + 1));

describe('ONNX normalization converters', () => {
  it('BatchNormalization with constant statistics folds into one per-channel scale layer', () => {
    const spec = { op: 'BatchNormalization', feeds: { x }, weights: stats, opset: 15 };
    const net = convertNode(spec);
    expect(net.layers.filter((l) => l.kind !== 'constant' && l.kind !== 'identity').map((l) => l.kind)).toEqual(['scale']);
    expectTensorClose(runNode(spec)[0]!, f32(expectedBn, [1, 2, 2, 2]), { rtol: 1e-5, atol: 1e-6 });
  });

  it('BatchNormalization with fed statistics computes the same per-channel scale at run time', () => {
    const spec = { op: 'BatchNormalization', feeds: { x, ...stats }, opset: 15 };
    expectTensorClose(runNode(spec)[0]!, f32(expectedBn, [1, 2, 2, 2]), { rtol: 1e-5, atol: 1e-6 });
  });

  it('BatchNormalization in training mode normalizes with batch statistics and blends running stats', () => {
    const spec = {
      op: 'BatchNormalization',
      feeds: { x },
      weights: stats,
      outputs: ['y', 'rm', 'rv'],
      attributes: { training_mode: int(1), momentum: float(0.5), epsilon: float(0) },
      opset: 15,
    };
    const [y, rm, rv] = runNode(spec);
    expectTensorClose(rm!, f32([2.5, 6.5], [2]), { rtol: 1e-6, atol: 1e-6 });
    expectTensorClose(rv!, f32([1.25, 1.25], [2]), { rtol: 1e-5, atol: 1e-6 });
    expectTensorClose(y!, f32(expectedBn, [1, 2, 2, 2]), { rtol: 1e-4, atol: 1e-4 });
  });

  it('LayerNormalization with Mean / InvStdDev outputs in the stash type', () => {
    const [y, mean, inv] = runNode({
      op: 'LayerNormalization',
      feeds: { x: f32([1, 3, 2, 6], [2, 2]) },
      weights: { s: f32([1, 1], [2]) },
      outputs: ['y', 'm', 'i'],
      attributes: { epsilon: float(0) },
      opset: 17,
    });
    expectTensorClose(y!, f32([-1, 1, -1, 1], [2, 2]), { rtol: 1e-6, atol: 1e-6 });
    expectTensorClose(mean!, f32([2, 4], [2, 1]), { rtol: 0, atol: 1e-6 });
    expectTensorClose(inv!, f32([1, 0.5], [2, 1]), { rtol: 1e-6, atol: 0 });
  });

  it('InstanceNormalization, GroupNormalization, RMSNormalization and MeanVarianceNormalization run', () => {
    const inst = runNode({
      op: 'InstanceNormalization',
      feeds: { x },
      weights: { s: f32([1, 1], [2]), b: f32([0, 0], [2]) },
      attributes: { epsilon: float(0) },
    })[0]!;
    const z = [-3, -1, 1, 3].map((v) => v / Math.sqrt(5));
    expectTensorClose(inst, f32([...z, ...z], [1, 2, 2, 2]), { rtol: 1e-5, atol: 1e-6 });
    const group = runNode({
      op: 'GroupNormalization',
      feeds: { x },
      weights: { s: f32([1, 1], [2]), b: f32([0, 0], [2]) },
      attributes: { num_groups: int(1), epsilon: float(0) },
    })[0]!;
    expect(group.toFloat64()[0]).toBeCloseTo(-3.5 / Math.sqrt(5.25), 5);
    const rms = runNode({
      op: 'RMSNormalization',
      feeds: { x: f32([3, 4], [1, 2]) },
      weights: { s: f32([1, 1], [2]) },
      attributes: { epsilon: float(0) },
      opset: 23,
    })[0]!;
    expectTensorClose(rms, f32([3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)], [1, 2]), { rtol: 1e-6, atol: 0 });
    const mvn = runNode({ op: 'MeanVarianceNormalization', feeds: { x } })[0]!;
    expectTensorClose(mvn, f32([...z, ...z], [1, 2, 2, 2]), { rtol: 1e-5, atol: 1e-6 });
  });

  it('LRN and LpNormalization', () => {
    const lrn = runNode({
      op: 'LRN',
      feeds: { x: f32([1, 1], [1, 2, 1, 1]) },
      attributes: { size: int(1), alpha: float(1), beta: float(1), bias: float(1) },
    })[0]!;
    expectTensorClose(lrn, f32([0.5, 0.5], [1, 2, 1, 1]), { rtol: 1e-6, atol: 0 });
    const lp = runNode({ op: 'LpNormalization', feeds: { x: f32([3, 4], [1, 2]) }, attributes: { p: int(1) } })[0]!;
    expectTensorClose(lp, f32([3 / 7, 4 / 7], [1, 2]), { rtol: 1e-6, atol: 0 });
  });

  it('validators: BN spatial=0, LayerNorm positive axis on unknown rank, GroupNorm without num_groups, LRN without size', () => {
    expect(supportOf({ op: 'BatchNormalization', feeds: { x }, weights: stats, attributes: { spatial: int(0) }, opset: 7 })).toMatchObject({
      supported: false,
      category: 'unsupported-attribute',
    });
    expect(
      supportOf({
        op: 'LayerNormalization',
        feeds: { x },
        shapes: { x: null },
        weights: { s: f32([1], [1]) },
        attributes: { axis: int(1) },
        opset: 17,
      }),
    ).toMatchObject({ supported: false, category: 'dynamic-shape' });
    expect(supportOf({ op: 'GroupNormalization', feeds: { x }, opset: 21 })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/num_groups/),
    });
    expect(supportOf({ op: 'LRN', feeds: { x } })).toMatchObject({ supported: false, reason: expect.stringMatching(/size/) });
  });
});

describe('MeanVarianceNormalization opset differences', () => {
  it('MVN-1 normalizes per (n, c) unless across_channels, and rejects mean-only mode', () => {
    const x = f32([1, 3, 10, 30], [1, 2, 2, 1]);
    const perChannel = runNode({ op: 'MeanVarianceNormalization', feeds: { x }, opset: 1 })[0]!;
    expectTensorClose(perChannel, f32([-1, 1, -1, 1], [1, 2, 2, 1]), { rtol: 1e-6, atol: 1e-6 });
    const across = runNode({ op: 'MeanVarianceNormalization', feeds: { x }, attributes: { across_channels: int(1) }, opset: 1 })[0]!;
    const mean = 11;
    const std = Math.sqrt([1, 3, 10, 30].reduce((a, v) => a + (v - mean) ** 2, 0) / 4);
    expectTensorClose(
      across,
      f32(
        [1, 3, 10, 30].map((v) => (v - mean) / std),
        [1, 2, 2, 1],
      ),
      { rtol: 1e-5, atol: 1e-6 },
    );
    expect(
      supportOf({ op: 'MeanVarianceNormalization', feeds: { x }, attributes: { normalize_variance: int(0) }, opset: 1 }),
    ).toMatchObject({ supported: false });
  });
});
