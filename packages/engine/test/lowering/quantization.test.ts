/**
 * Quantize and dequantize layers lower to their Program ops where their dtypes fit (float32 and
 * int8 or uint8, per tensor or per axis) and match the reference kernels; the rest (blocked
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

describe('dequantize lowering', () => {
  it('a Q/DQ pair per axis (uint8, zero point) and a per-tensor int8 dequantize of a feed, each one native op', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [2, 4, 3]);
    const scale = b.constant(Tensor.fromValues('float32', [4], [0.01, 0.02, 0.05, 0.1]));
    const zeroPoint = b.constant(Tensor.fromValues('uint8', [4], [128, 120, 100, 90]));
    const params = { axis: 1, quantizedType: 'uint8' as const, floatType: 'float32' as const };
    const q = b.layer('quantize', [x, scale, zeroPoint], params);
    b.net.tensors.get(q)!.dtype = 'uint8';
    const dq = b.layer('dequantize', [q, scale, zeroPoint], params);
    const k = b.input('k', [5], 'int8');
    const dk = b.layer('dequantize', [k, b.constant(Tensor.scalar('float32', 0.5))], {
      axis: null,
      quantizedType: 'int8',
      floatType: 'float32',
    });
    const net = b.output(dq, dk);
    expect(stageKinds(net)).toEqual(['native']);
    const lowered = lowerNetwork(
      net,
      new Map([
        ['x', [2, 4, 3]],
        ['k', [5]],
      ]),
    );
    const program = lowered.stages[0]!.kind === 'program' ? lowered.stages[0]!.program : undefined;
    expect(program?.ops.map((o) => o.op).sort()).toEqual(['dequantize', 'dequantize', 'quantize']);
    await expectStagedMatchesReference(
      net,
      { x: randomTensor('float32', [2, 4, 3], 8, -1, 1), k: Tensor.fromValues('int8', [5], [-128, -1, 0, 1, 127]) },
      { nativeStages: 1, atol: 0 },
    );
  });

  it('keeps a dequantize to float16 and the CUDA target on the reference kernels', () => {
    const b = new NetBuilder();
    const k = b.input('k', [5], 'int8');
    const y = b.layer('dequantize', [k, b.constant(Tensor.scalar('float32', 0.5))], {
      axis: null,
      quantizedType: 'int8',
      floatType: 'float16',
    });
    b.net.tensors.get(y)!.dtype = 'float16';
    expect(stageKinds(b.output(y))).toEqual(['reference']);
    const c = new NetBuilder();
    const k2 = c.input('k', [5], 'int8');
    const y2 = c.layer('dequantize', [k2, c.constant(Tensor.scalar('float32', 0.5))], {
      axis: null,
      quantizedType: 'int8',
      floatType: 'float32',
    });
    expect(stageKinds(c.output(y2), 'cuda')).toEqual(['reference']);
  });
});
