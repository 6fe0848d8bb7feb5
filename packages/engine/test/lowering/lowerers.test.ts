/**
 * Each lowerer against the reference executor: the network runs as interpreted Programs (the
 * lowering, the memory plan's views and in-place placements and the op semantics) and must
 * match the reference kernels.
 */
import { Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { networkConstants, splitStages } from '../../src/index.js';
import { expectStagedMatchesReference, NetBuilder } from './lowering-support.js';

const ints = (v: number[]) => Tensor.fromValues('int64', [v.length], v.map(BigInt));
const conv = (k: number[], extra: Record<string, unknown> = {}) => ({
  kernelShape: k,
  strides: k.map(() => 1),
  padsBegin: k.map(() => 0),
  padsEnd: k.map(() => 0),
  dilations: k.map(() => 1),
  groups: 1,
  paddingMode: 'explicit' as const,
  ...extra,
});

describe('convolution lowering', () => {
  it('2-D conv with bias, residual and activation in one op, SAME padding and stride 2', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [2, 3, 9, 11]);
    const r = b.input('r', [2, 4, 5, 6]);
    const y = b.layer('convolution', [x, b.random([4, 3, 3, 3]), b.random([4]), r], {
      ...conv([3, 3], { strides: [2, 2], paddingMode: 'same_upper' }),
      epilogue: { residualInput: 3, activation: { type: 'leaky_relu', alpha: 0.1 } },
    });
    const net = b.output(y);
    const staged = await expectStagedMatchesReference(
      net,
      { x: randomTensor('float32', [2, 3, 9, 11], 1), r: randomTensor('float32', [2, 4, 5, 6], 2) },
      { nativeStages: 1 },
    );
    expect(staged.describe()).toEqual([{ kind: 'native', layers: 1 }]);
  });

  it('1-D conv as 2-D, dilation and groups; a broadcast residual follows as its own add', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [1, 4, 17]);
    const r = b.input('r', [1, 1, 1]);
    const y = b.layer('convolution', [x, b.random([6, 2, 3]), '', r], {
      ...conv([3], { dilations: [2], groups: 2, padsBegin: [1], padsEnd: [2] }),
      epilogue: { residualInput: 3, activation: { type: 'relu' } },
    });
    await expectStagedMatchesReference(b.output(y), {
      x: randomTensor('float32', [1, 4, 17], 3),
      r: randomTensor('float32', [1, 1, 1], 4),
    });
  });

  it('depthwise conv', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [1, 5, 8, 8]);
    const y = b.layer('convolution', [x, b.random([5, 1, 3, 3]), b.random([5])], {
      ...conv([3, 3], { groups: 5, padsBegin: [1, 1], padsEnd: [1, 1] }),
    });
    await expectStagedMatchesReference(b.output(y), { x: randomTensor('float32', [1, 5, 8, 8], 5) });
  });
});

describe('matrix multiply lowering', () => {
  it('rank-3 activations times a weight matrix fold into one GEMM with a bias epilogue', async () => {
    const b = new NetBuilder();
    const a = b.input('a', [2, 3, 5]);
    const y = b.layer('matrix_multiply', [a, b.random([5, 4]), b.random([4])], {
      transposeA: false,
      transposeB: false,
      epilogue: { residualInput: 2, activation: { type: 'sigmoid' } },
    });
    await expectStagedMatchesReference(b.output(y), { a: randomTensor('float32', [2, 3, 5], 6) });
  });

  it('transposes, a [M,1] bias, 1-D operands and batched matmul', async () => {
    const b = new NetBuilder();
    const a = b.input('a', [5, 3]);
    const g = b.layer('matrix_multiply', [a, b.random([4, 5]), b.random([3, 1])], {
      transposeA: true,
      transposeB: true,
      epilogue: { residualInput: 2 },
    });
    const v = b.layer('matrix_multiply', [b.random([3]), g], { transposeA: false, transposeB: false });
    const p = b.input('p', [2, 1, 3, 4]);
    const q = b.input('q', [3, 4, 2]);
    const batched = b.layer('matrix_multiply', [p, q], { transposeA: false, transposeB: false });
    await expectStagedMatchesReference(b.output(g, v, batched), {
      a: randomTensor('float32', [5, 3], 7),
      p: randomTensor('float32', [2, 1, 3, 4], 8),
      q: randomTensor('float32', [3, 4, 2], 9),
    });
  });
});

describe('pooling, reduce, pointwise', () => {
  it('max/average pooling with ceil mode, pads, count_include_pad; global pooling; trailing reduce', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [1, 3, 10, 9]);
    const pool = (type: 'max' | 'average', extra: Record<string, unknown>) =>
      b.layer('pooling', [x], {
        type,
        global: false,
        window: [3, 3],
        strides: [2, 2],
        padsBegin: [1, 0],
        padsEnd: [1, 1],
        dilations: [1, 1],
        paddingMode: 'explicit',
        ceilMode: false,
        countIncludePad: false,
        ...extra,
      });
    const m = pool('max', { ceilMode: true });
    const a1 = pool('average', { countIncludePad: true });
    const a2 = pool('average', { ceilMode: true, paddingMode: 'same_lower' });
    const g = b.layer('pooling', [x], {
      type: 'average',
      global: true,
      window: [],
      strides: [],
      padsBegin: [],
      padsEnd: [],
      dilations: [],
      paddingMode: 'explicit',
      ceilMode: false,
      countIncludePad: false,
    });
    const r = b.layer('reduce', [x], { op: 'max', axes: [-1, 2], keepDims: true });
    await expectStagedMatchesReference(b.output(m, a1, a2, g, r), { x: randomTensor('float32', [1, 3, 10, 9], 10) }, { nativeStages: 1 });
  });

  it('scale (channel, uniform, elementwise), broadcast binary ops, softmax (coerce2d, log), lrn', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [2, 4, 3, 5]);
    const s1 = b.layer('scale', [x, b.random([4]), b.random([4])], { mode: 'channel', channelAxis: 1 });
    const s2 = b.layer('scale', [s1, b.random([1]), ''], { mode: 'uniform', channelAxis: 1 });
    const s3 = b.layer('scale', [s2, '', b.random([2, 4, 3, 5])], { mode: 'elementwise', channelAxis: 1 });
    const act = b.layer('activation', [s3], { type: 'relu' });
    const add = b.layer('elementwise', [act, b.random([3, 1])], { op: 'add' });
    const pow = b.layer('elementwise', [b.layer('activation', [add], { type: 'softplus' }), b.random([5], 0.5, 2)], { op: 'pow' });
    const soft = b.layer('softmax', [pow], { axis: 2, mode: 'softmax', coerce2d: true });
    const log = b.layer('softmax', [pow], { axis: 1, mode: 'log_softmax' });
    const lrn = b.layer('lrn', [x], { size: 3, alpha: 1e-3, beta: 0.75, bias: 1 });
    await expectStagedMatchesReference(b.output(soft, log, lrn), { x: randomTensor('float32', [2, 4, 3, 5], 11) }, { nativeStages: 1 });
  });
});

describe('data movement', () => {
  it('reshape/squeeze/unsqueeze views, transposes, concat, split, pad, slice, resize', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [1, 6, 4, 4]);
    const relu = b.layer('activation', [x], { type: 'relu' });
    const flat = b.layer('shuffle', [relu, b.constant(ints([1, 6, 16]))], {});
    const un = b.layer('unsqueeze', [flat], { axes: [0] });
    const sq = b.layer('squeeze', [un], { axes: [0] });
    const t = b.layer('shuffle', [sq], { firstTranspose: [0, 2, 1], reshape: [1, 16, 2, 3] });
    const t2 = b.layer('shuffle', [t], { reshape: [1, 16, 6], secondTranspose: [0, 2, 1] });
    const names = [b.net.uniqueName('split_a'), b.net.uniqueName('split_b')];
    b.net.addLayer('split', { inputs: [relu, b.constant(ints([2, 4]))], outputs: names, params: { axis: 1, numOutputs: 2 } });
    const cat = b.layer('concatenation', [names[1]!, relu, names[0]!], { axis: 1 });
    const pad = b.layer('padding', [cat, b.constant(ints([0, 0, 1, -1, 0, 0, 2, 1])), b.constant(Tensor.scalar('float32', 0.5))], {
      mode: 'constant',
    });
    const sl = b.layer(
      'slice',
      [pad, b.constant(ints([-1, 1])), b.constant(ints([-100, 9])), b.constant(ints([3, 1])), b.constant(ints([-2, 3]))],
      {},
    );
    const resize = (
      mode: 'nearest' | 'linear',
      coordinateTransform: 'asymmetric' | 'half_pixel' | 'align_corners' | 'pytorch_half_pixel',
    ) =>
      b.layer('resize', [x, '', '', b.constant(ints([1, 6, 7, 9]))], {
        mode,
        coordinateTransform,
        nearestMode: 'floor',
        cubicCoeffA: -0.75,
        excludeOutside: false,
        extrapolationValue: 0,
        antialias: false,
        keepAspectRatioPolicy: 'stretch',
      });
    const r1 = resize('nearest', 'asymmetric');
    const r2 = resize('linear', 'half_pixel');
    const r3 = resize('linear', 'align_corners');
    const net = b.output(t2, sl, r1, r2, r3);
    await expectStagedMatchesReference(net, { x: randomTensor('float32', [1, 6, 4, 4], 12) }, { nativeStages: 1 });
  });

  it('an in-place concatenation (builder flag) writes its inputs where the output lives', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [1, 3, 5, 5]);
    const c1 = b.layer('convolution', [x, b.random([2, 3, 1, 1])], conv([1, 1]));
    const c2 = b.layer('convolution', [x, b.random([4, 3, 3, 3])], conv([3, 3], { padsBegin: [1, 1], padsEnd: [1, 1] }));
    const cat = b.layer('concatenation', [c1, c2], { axis: 1, inPlace: true });
    const net = b.output(b.layer('activation', [cat], { type: 'tanh' }));
    await expectStagedMatchesReference(net, { x: randomTensor('float32', [1, 3, 5, 5], 13) }, { nativeStages: 1 });
  });
});

describe('stages', () => {
  it('layers without native ops split the network into native and reference stages', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [1, 2, 3, 3]);
    const a = b.layer('activation', [x], { type: 'relu' });
    const e = b.layer('lp_normalization', [a], { axis: 1, p: 2 });
    const c = b.layer('convolution', [e, b.random([2, 2, 1, 1])], conv([1, 1]));
    const net = b.output(c);
    const stages = splitStages(net, networkConstants(net));
    expect(stages.map((s) => [s.kind, s.inputs, s.outputs])).toEqual([
      ['native', ['x'], [a]],
      ['reference', [a], [e]],
      ['native', [e], [c]],
    ]);
    await expectStagedMatchesReference(net, { x: randomTensor('float32', [1, 2, 3, 3], 14) }, { nativeStages: 2 });
  });

  it('programs are compiled per input shape and reused', async () => {
    const b = new NetBuilder();
    const x = b.input('x', ['batch', 2] as unknown as number[]);
    const net = b.output(b.layer('activation', [x], { type: 'relu' }));
    const staged = await expectStagedMatchesReference(net, { x: randomTensor('float32', [3, 2], 15) });
    const again = await staged.runValues(new Map([['x', randomTensor('float32', [5, 2], 16)]]));
    expect((again.get(net.outputs[0]!) as Tensor).shape).toEqual([5, 2]);
  });
});

describe('tactics and shapes', () => {
  it('forces plan tactics only for the input shapes they were timed for', async () => {
    const { lowerNetwork } = await import('../../src/index.js');
    const b = new NetBuilder();
    const x = b.input('x', ['batch', 3, 8, 8] as unknown as number[]);
    const net = b.output(b.layer('convolution', [x, b.random([4, 3, 3, 3])], conv([3, 3])));
    const layer = net.layers.find((l) => l.kind === 'convolution')!.name;
    const compile = { tactics: new Map([[layer, 'im2col_gemm']]), tacticShapes: new Map([['x', [1, 3, 8, 8]]]) };
    const tacticOf = (shape: number[]) => {
      const stage = lowerNetwork(net, new Map([['x', shape]]), compile).stages[0]!;
      return stage.kind === 'program' ? (stage.program.ops[0] as { tactic?: string }).tactic : undefined;
    };
    expect(tacticOf([1, 3, 8, 8])).toBe('im2col_gemm');
    expect(tacticOf([4, 3, 8, 8])).toBeUndefined();
  });
});

describe('CPU-only ops: unary, PReLU, transposed convolution', () => {
  const deconv = (extra: Record<string, unknown>) => ({
    kernelShape: [3, 3],
    strides: [2, 2],
    padsBegin: [1, 0],
    padsEnd: [0, 1],
    dilations: [1, 1],
    groups: 1,
    paddingMode: 'explicit' as const,
    outputPadding: [0, 0],
    ...extra,
  });

  it('lower and match the reference kernels', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [2, 4, 5, 6]);
    const e = b.layer('unary', [b.layer('unary', [x], { op: 'abs' })], { op: 'sqrt' });
    const p = b.layer('parametric_relu', [x, b.random([4, 1, 1])], {});
    const d1 = b.layer('deconvolution', [p, b.random([4, 3, 3, 3]), b.random([3])], deconv({ outputPadding: [1, 1] }));
    const d2 = b.layer('deconvolution', [e, b.random([4, 1, 3, 3])], deconv({ groups: 2, dilations: [2, 1], paddingMode: 'same_upper' }));
    const d3 = b.layer('deconvolution', [x, b.random([4, 2, 2, 2])], deconv({ kernelShape: [2, 2], outputShape: [11, 13] }));
    const net = b.output(d1, d2, d3, b.layer('unary', [x], { op: 'round' }));
    await expectStagedMatchesReference(net, { x: randomTensor('float32', [2, 4, 5, 6], 21) }, { nativeStages: 1 });
  });
});
