/**
 * Quantize layers lower to the quantize Program op where their dtypes fit (float32 in, int8 or
 * uint8 out, per tensor or per axis) and match the reference kernels; the rest (blocked
 * scales, other types, the CUDA target) stays on the reference kernels, and a scale that does
 * not fit its axis is an error naming the layer.
 */
import { type DType, ErrorCode, isKilnError, type Network, Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { lowerNetwork, networkConstants, splitStages } from '../../src/index.js';
import { expectStagedMatchesReference, NetBuilder } from './lowering-support.js';

interface QuantizeCase {
  shape: number[];
  axis: number | null;
  scale: Tensor;
  zeroPoint?: Tensor;
  quantizedType: DType;
  blockSize?: number;
}

function quantizeNet(c: QuantizeCase): { net: Network; y: string } {
  const b = new NetBuilder();
  const x = b.input('x', c.shape);
  const inputs = [x, b.constant(c.scale), ...(c.zeroPoint ? [b.constant(c.zeroPoint)] : [])];
  const y = b.layer('quantize', inputs, {
    axis: c.axis,
    quantizedType: c.quantizedType,
    floatType: 'float32',
    ...(c.blockSize ? { blockSize: c.blockSize } : {}),
  });
  b.net.tensors.get(y)!.dtype = c.quantizedType;
  return { net: b.output(y), y };
}

const stageKinds = (net: Network, target: 'cpu' | 'cuda' = 'cpu') =>
  splitStages(net, networkConstants(net), new Set(), target).map((s) => s.kind);

describe('quantize lowering', () => {
  it('per axis to int8 with a zero point: one native quantize op, as the reference kernel computes', async () => {
    const { net } = quantizeNet({
      shape: [2, 3, 5],
      axis: 1,
      scale: Tensor.fromValues('float32', [3], [0.02, 0.05, 0.1]),
      zeroPoint: Tensor.fromValues('int8', [3], [-3, 0, 7]),
      quantizedType: 'int8',
    });
    expect(stageKinds(net)).toEqual(['native']);
    const lowered = lowerNetwork(net, new Map([['x', [2, 3, 5]]]));
    const program = lowered.stages[0]!.kind === 'program' ? lowered.stages[0]!.program : undefined;
    expect(program?.ops.map((o) => o.op)).toEqual(['quantize']);
    expect(program?.ops[0]).toMatchObject({ op: 'quantize', axis: 1 });
    await expectStagedMatchesReference(net, { x: randomTensor('float32', [2, 3, 5], 5, -2, 2) }, { nativeStages: 1, atol: 0 });
  });

  it('per tensor to uint8 without a zero point (scalar scale, axis left null)', async () => {
    const { net } = quantizeNet({ shape: [4, 6], axis: null, scale: Tensor.scalar('float32', 0.01), quantizedType: 'uint8' });
    await expectStagedMatchesReference(net, { x: randomTensor('float32', [4, 6], 6, -0.5, 3) }, { nativeStages: 1, atol: 0 });
  });

  it('keeps blocked scales, int16 targets and the CUDA target on the reference kernels', () => {
    const scale = Tensor.fromValues('float32', [2, 2], [0.1, 0.2, 0.3, 0.4]);
    expect(stageKinds(quantizeNet({ shape: [2, 4], axis: 1, scale, quantizedType: 'int8', blockSize: 2 }).net)).toEqual(['reference']);
    const perTensor = Tensor.scalar('float32', 0.5);
    expect(stageKinds(quantizeNet({ shape: [2, 4], axis: null, scale: perTensor, quantizedType: 'int16' }).net)).toEqual(['reference']);
    expect(stageKinds(quantizeNet({ shape: [2, 4], axis: null, scale: perTensor, quantizedType: 'int8' }).net, 'cuda')).toEqual([
      'reference',
    ]);
  });

  it('refuses a per-axis scale that does not span its axis, naming the layer', () => {
    const { net } = quantizeNet({
      shape: [2, 3],
      axis: 1,
      scale: Tensor.fromValues('float32', [2], [0.1, 0.2]),
      quantizedType: 'int8',
    });
    let error: unknown;
    try {
      lowerNetwork(net, new Map([['x', [2, 3]]]));
    } catch (e) {
      error = e;
    }
    expect(isKilnError(error, ErrorCode.UNSUPPORTED_LAYER)).toBe(true);
    expect((error as { layer?: { kind: string } }).layer?.kind).toBe('quantize');
    expect(String((error as Error).message)).toMatch(/scale \[2\] does not give one value per index of axis 1/);
  });
});
