/**
 * The one native Program parser/validator (native/common: program_reader, program_validator)
 * that kiln_cpu.node and kiln_cuda.node both build their executors from. A native caller may
 * skip the TypeScript validator, so every malformed Program below goes straight to the addons'
 * createProgram: each must be refused before any pointer is formed, with an error whose message
 * and `layer` name the op (index, kind and, when the Program carries one, its layer label). The
 * TypeScript validator must refuse each of them too (the native checks are at least as strict),
 * and valid Programs must be accepted and run to the interpreter's results.
 *
 * kiln_cuda.node parses synchronously inside createProgram, before any device work, so its
 * parser is exercised here too wherever it was built with CUDA (no GPU needed); set
 * KILN_CUDA_NATIVE_PATH to test another build.
 */
import { ErrorCode, KilnError, type Program, type ProgramOp, validateProgram } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { interpretProgram, NativeProgram, nativeErrorToKilnError } from '../../src/index.js';
import {
  expectClose,
  loadCudaCreateProgram,
  native,
  ProgramBuilder,
  randomArray,
  runFloat32,
  skipReason,
  tensor,
} from './program-harness.js';

interface RawNativeError {
  message: string;
  code?: string;
  layer?: { name: string; kind: string; index: number };
}

/** The error `fn` throws synchronously (a refused Program), or undefined when it accepts. */
function thrownBy(fn: () => unknown): RawNativeError | undefined {
  try {
    const result = fn();
    // kiln_cuda.node accepted the Program and went on to the device: settle that quietly.
    if (result instanceof Promise)
      void result.then(
        (p: { dispose?: () => unknown }) => p?.dispose?.(),
        () => undefined,
      );
  } catch (e) {
    return e as RawNativeError;
  }
  return undefined;
}

/** A program of one op over `values` (arena values placed one after another). */
function oneOp(build: (b: ProgramBuilder) => ProgramOp | ProgramOp[]): Program {
  const b = new ProgramBuilder();
  const ops = build(b);
  for (const op of Array.isArray(ops) ? ops : [ops]) b.op(op);
  const last = b.ops[b.ops.length - 1] as { y: number };
  return b.output(last.y).build();
}

/** `program` with op `index`'s field `key` replaced by a value the Program type does not allow. */
function withField(program: Program, index: number, key: string, value: unknown): Program {
  const ops = program.ops.map((op, i) => (i === index ? ({ ...op, [key]: value } as unknown as ProgramOp) : op));
  return { ...program, ops };
}

const conv = oneOp((b) => {
  const x = b.input('x', [1, 4, 5, 5]);
  const w = b.weight('w', [4, 2, 3, 3], randomArray(72, 1));
  const y = b.arena('conv_out', [1, 4, 3, 3]);
  return { op: 'conv2d', x, w, y, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2 };
});

const concat = (aShape: number[], bShape: number[], yShape: number[], axis = 0): Program =>
  oneOp((b) => {
    const a = b.input('a', aShape);
    const c = b.input('b', bShape);
    return { op: 'concat', inputs: [a, c], y: b.arena('cat', yShape), axis };
  });

const binary = (aShape: number[], bShape: number[], yShape: number[]): Program =>
  oneOp((b) => {
    const a = b.input('a', aShape);
    const c = b.input('b', bShape);
    return { op: 'binary', type: 'mul', a, b: c, y: b.arena('prod', yShape) };
  });

/** A 2x2/2 max pool over 1x1x4x4 declaring a [1, 1, ...outDims] output. */
const poolTo = (outDims: [number, number]): Program =>
  oneOp((b) => {
    const x = b.input('x', [1, 1, 4, 4]);
    const y = b.arena('pool_out', [1, 1, ...outDims]);
    return {
      op: 'pool2d',
      type: 'max',
      x,
      y,
      window: [2, 2],
      strides: [2, 2],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      countIncludePad: false,
    };
  });
const pool = poolTo([2, 2]);

const gemm = (aShape: number[], bShape: number[], yShape: number[], biasShape?: number[]): Program =>
  oneOp((b) => {
    const a = b.input('a', aShape);
    const w = b.input('b', bShape);
    const bias = biasShape ? b.input('bias', biasShape) : undefined;
    const y = b.arena('gemm_out', yShape);
    return { op: 'gemm', a, b: w, ...(bias !== undefined ? { bias } : {}), y, transA: false, transB: false, alpha: 1, beta: 1 };
  });

const slice = (starts: number[], steps: number[], yShape: number[]): Program =>
  oneOp((b) => ({ op: 'slice', x: b.input('x', [4, 6]), y: b.arena('sliced', yShape), starts, steps }));

interface Case {
  name: string;
  program: Program;
  code?: ErrorCode;
  /** Matched against the native message (after its "NativeProgram: " / "CudaProgram.create: " prefix). */
  message: RegExp;
  /** The op the error must name (KilnError.layer), when the problem is in an op. */
  op?: { index: number; kind: string; name?: string };
}

/** Each hole the CUDA parser had, and the other ways a Program can point outside its buffers. */
const MALFORMED: Case[] = [
  {
    name: "an 'input' storage index past the program's inputs (the executor indexes inputs[index])",
    program: oneOp((b) => {
      const x = b.input('x', [4]);
      b.values.push({ name: 'stray', dtype: 'float32', shape: [4], storage: { kind: 'input', index: 5 } });
      return { op: 'binary', type: 'add', a: x, b: 1, y: b.arena('y', [4]) };
    }),
    message: /'stray' storage\.index = 5 is outside \[0, 0\]/,
  },
  {
    name: 'a concat input of another rank',
    program: concat([2, 3], [6], [4, 3]),
    message: /op 0 \(concat\): value 1 'b' \[6\]: concat input 1 differs from y \[4, 3\] in rank/,
    op: { index: 0, kind: 'concat' },
  },
  {
    name: 'a concat input that differs outside the concat axis',
    program: concat([2, 3], [2, 4], [4, 3]),
    message: /op 0 \(concat\).*differs from y/,
    op: { index: 0, kind: 'concat' },
  },
  {
    name: 'concat sizes that do not add up to the output',
    program: concat([2, 3], [2, 3], [5, 3]),
    message: /op 0 \(concat\).*add up to 4, not 5/,
    op: { index: 0, kind: 'concat' },
  },
  {
    name: 'a concat axis past the rank',
    program: concat([2, 3], [2, 3], [4, 3], 2),
    message: /op 0 \(concat\).*axis 2 is out of range for rank 2/,
    op: { index: 0, kind: 'concat' },
  },
  {
    name: 'a binary operand that does not broadcast to y',
    program: binary([4, 3], [5], [4, 3]),
    message: /op 0 \(binary\): value 1 'b' \[5\]: does not broadcast to y \[4, 3\]/,
    op: { index: 0, kind: 'binary' },
  },
  {
    name: 'a binary operand of higher rank than y',
    program: binary([2, 4, 3], [3], [4, 3]),
    message: /op 0 \(binary\): value 0 'a'.*does not broadcast/,
    op: { index: 0, kind: 'binary' },
  },
  {
    name: 'a binary output larger than the broadcast of its operands',
    program: binary([4, 3], [3], [2, 4, 3]),
    message: /op 0 \(binary\): value 2 'prod' \[2, 4, 3\]: y must be the broadcast of a and b = \[4, 3\]/,
    op: { index: 0, kind: 'binary' },
  },
  {
    name: 'a fractional groups count (read as a double and truncated before)',
    program: withField(conv, 0, 'groups', 2.5),
    message: /op 0 \(conv2d\)\.groups must be an integer, got 2\.5/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'a NaN stride',
    program: withField(conv, 0, 'strides', [Number.NaN, 1]),
    message: /op 0 \(conv2d\)\.strides\[0\] must be an integer, got NaN/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'an infinite pad',
    program: withField(conv, 0, 'pads', [0, 0, Number.POSITIVE_INFINITY, 0]),
    message: /op 0 \(conv2d\)\.pads\[2\] must be an integer, got Infinity/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'a fractional operand id',
    program: withField(conv, 0, 'x', 0.5),
    message: /op 0 \(conv2d\)\.x must be an integer, got 0\.5/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'a negative operand id',
    program: withField(conv, 0, 'w', -1),
    message: /op 0 \(conv2d\)\.w = -1 is outside \[0, 2\]/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'an operand id past the values',
    program: withField(conv, 0, 'b', 3),
    message: /op 0 \(conv2d\)\.b = 3 is outside \[0, 2\]/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'an operand id given as a string',
    program: withField(conv, 0, 'x', '0'),
    message: /op 0 \(conv2d\)\.x must be an integer, got the string '0'/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'a missing required window field',
    program: withField(conv, 0, 'dilations', undefined),
    message: /op 0 \(conv2d\)\.dilations must be an array of integers, got undefined/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'groups that do not divide the channels',
    program: withField(conv, 0, 'groups', 3),
    message: /op 0 \(conv2d\).*groups = 3 must divide/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'a conv whose declared output the window arithmetic does not give',
    program: withField(conv, 0, 'strides', [2, 1]),
    message: /op 0 \(conv2d\).*OH = 3 does not follow from the window \(expected 2\)/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'a pool output past the ceil-mode window count',
    program: poolTo([3, 2]),
    message: /op 0 \(pool2d\).*OH = 3 does not follow from the window \(expected 2\)/,
    op: { index: 0, kind: 'pool2d' },
  },
  {
    name: 'a ceil-mode pool window that would start past the input (ONNX drops it)',
    program: withField(pool, 0, 'strides', [255, 2]),
    message: /op 0 \(pool2d\).*OH = 2 does not follow from the window \(expected 1\)/,
    op: { index: 0, kind: 'pool2d' },
  },
  {
    name: 'a pool window of 0',
    program: withField(pool, 0, 'window', [0, 2]),
    message: /op 0 \(pool2d\)\.window\[0\] = 0 is outside/,
    op: { index: 0, kind: 'pool2d' },
  },
  {
    name: 'gemm inner dimensions that differ',
    program: gemm([2, 3], [4, 5], [2, 5]),
    message: /op 0 \(gemm\).*inner dimensions differ/,
    op: { index: 0, kind: 'gemm' },
  },
  {
    name: 'a gemm bias that does not broadcast to [M, N]',
    program: gemm([2, 3], [3, 5], [2, 5], [3]),
    message: /op 0 \(gemm\).*the bias must broadcast to \[M, N\] = \[2, 5\]/,
    op: { index: 0, kind: 'gemm' },
  },
  {
    name: 'a NaN gemm alpha',
    program: withField(gemm([2, 3], [3, 5], [2, 5]), 0, 'alpha', Number.NaN),
    message: /op 0 \(gemm\).*alpha and beta must be finite/,
    op: { index: 0, kind: 'gemm' },
  },
  {
    name: 'batched_matmul batch dims that do not broadcast',
    program: oneOp((b) => ({
      op: 'batched_matmul',
      a: b.input('a', [3, 2, 4]),
      b: b.input('b', [2, 4, 5]),
      y: b.arena('bmm', [3, 2, 5]),
    })),
    message: /op 0 \(batched_matmul\).*do not broadcast/,
    op: { index: 0, kind: 'batched_matmul' },
  },
  {
    name: 'a slice that reads past the end of x',
    program: slice([0, 2], [1, 2], [4, 3]),
    message: /op 0 \(slice\).*axis 1: start 2 with step 2 reads outside x/,
    op: { index: 0, kind: 'slice' },
  },
  {
    name: 'a slice whose negative step runs below 0',
    program: slice([3, 0], [-2, 1], [3, 6]),
    message: /op 0 \(slice\).*axis 0: start 3 with step -2 reads outside x/,
    op: { index: 0, kind: 'slice' },
  },
  {
    name: 'a slice step of 0',
    program: slice([0, 0], [0, 1], [4, 6]),
    message: /op 0 \(slice\).*steps must be non-zero/,
    op: { index: 0, kind: 'slice' },
  },
  {
    name: 'a pad whose output is not x plus its pads',
    program: oneOp((b) => ({ op: 'pad', x: b.input('x', [2, 3]), y: b.arena('padded', [4, 3]), pads: [1, 0, 0, 0], value: 0 })),
    message: /op 0 \(pad\).*axis 0 must be x's size plus its pads/,
    op: { index: 0, kind: 'pad' },
  },
  {
    name: 'a transpose perm that repeats an axis',
    program: oneOp((b) => ({ op: 'transpose', x: b.input('x', [2, 3]), y: b.arena('t', [2, 2]), perm: [0, 0] })),
    message: /op 0 \(transpose\).*perm \[0, 0\] is not a permutation/,
    op: { index: 0, kind: 'transpose' },
  },
  {
    name: 'a channel_affine scale with the wrong channel count',
    program: oneOp((b) => ({
      op: 'channel_affine',
      x: b.input('x', [1, 3, 2, 2]),
      scale: b.weight('scale', [4], randomArray(4, 2)),
      y: b.arena('affine', [1, 3, 2, 2]),
      channelAxis: 1,
    })),
    message: /op 0 \(channel_affine\).*scale must have one value per channel \(3\)/,
    op: { index: 0, kind: 'channel_affine' },
  },
  {
    name: 'a softmax axis past the rank',
    program: oneOp((b) => ({ op: 'softmax', x: b.input('x', [2, 3]), y: b.arena('sm', [2, 3]), axis: -3, log: false })),
    message: /op 0 \(softmax\).*axis -3 is out of range for rank 2/,
    op: { index: 0, kind: 'softmax' },
  },
  {
    name: 'a softmax without its log flag',
    program: oneOp((b) => ({ op: 'softmax', x: b.input('x', [2, 3]), y: b.arena('sm', [2, 3]), axis: 1 }) as unknown as ProgramOp),
    message: /op 0 \(softmax\)\.log must be a boolean, got undefined/,
    op: { index: 0, kind: 'softmax' },
  },
  {
    name: 'a softmax that writes over the input it reads',
    program: oneOp((b) => {
      const x = b.input('x', [2, 3]);
      const t = b.arena('t', [2, 3]);
      return [
        { op: 'copy', x, y: t },
        { op: 'softmax', x: t, y: b.view('sm', [2, 3], t), axis: 1, log: false },
      ];
    }),
    message: /op 1 \(softmax\): value 1 't' \[2, 3\]: x occupies arena bytes \[0, 24\) which overlap y's \[0, 24\)/,
    op: { index: 1, kind: 'softmax' },
  },
  {
    name: 'a transpose whose output overlaps its input by half',
    program: oneOp((b) => {
      const x = b.input('x', [2, 4]);
      const t = b.arena('t', [2, 4]);
      b.arena('pad', [4]);
      return [
        { op: 'copy', x, y: t },
        { op: 'transpose', x: t, y: b.view('tt', [4, 2], t, 4), perm: [1, 0] },
      ];
    }),
    message: /op 1 \(transpose\).*x occupies arena bytes \[0, 32\) which overlap y's \[16, 48\)/,
    op: { index: 1, kind: 'transpose' },
  },
  {
    name: 'a resize of an empty image to a non-empty one',
    program: oneOp((b) => ({
      op: 'resize2d',
      x: b.input('x', [1, 1, 0, 4]),
      y: b.arena('big', [1, 1, 8, 8]),
      mode: 'linear',
      coordinateTransform: 'half_pixel',
      nearestMode: 'floor',
    })),
    message: /op 0 \(resize2d\).*cannot resize an empty image/,
    op: { index: 0, kind: 'resize2d' },
  },
  {
    name: 'an op that writes a feed',
    program: oneOp((b) => {
      const x = b.input('x', [4]);
      const y = b.input('y', [4]);
      return { op: 'copy', x, y };
    }),
    message: /op 0 \(copy\).*writes a value that is not in the arena/,
    op: { index: 0, kind: 'copy' },
  },
  {
    name: 'an unknown activation',
    program: withField(conv, 0, 'activation', { type: 'sparkle' }),
    message: /op 0 \(conv2d\).*unknown activation 'sparkle'/,
    op: { index: 0, kind: 'conv2d' },
  },
  {
    name: 'an unknown op kind',
    program: withField(conv, 0, 'op', 'fft'),
    message: /program\.ops\[0\]: unknown op kind 'fft'/,
    op: { index: 0, kind: 'fft' },
  },
  {
    name: 'a weight shorter than its value',
    program: { ...conv, weights: [new Float32Array(71)] },
    message: /'w' \[4, 2, 3, 3\] needs 72 elements but weight 0 has 71/,
  },
  {
    name: 'a fractional shape dim',
    program: { ...conv, values: conv.values.map((v, i) => (i === 2 ? { ...v, shape: [1, 4, 2.5, 3] } : v)) },
    message: /program\.values\[2\] \('conv_out'\)\.shape\[2\] must be an integer, got 2\.5/,
  },
  {
    name: 'an arena offset that is not a multiple of 4',
    program: { ...conv, values: conv.values.map((v, i) => (i === 2 ? { ...v, storage: { kind: 'arena', offset: 2 } } : v)) },
    message: /'conv_out' occupies arena bytes \[2, /,
  },
  {
    name: 'an arena value past arenaBytes',
    program: { ...conv, arenaBytes: 16 },
    message: /'conv_out' occupies arena bytes .* outside the arena of 16 bytes/,
  },
  {
    name: 'a fractional arenaBytes',
    program: { ...conv, arenaBytes: 1000.5 },
    message: /program\.arenaBytes must be an integer >= 0, got 1000\.5/,
  },
  {
    name: 'an output id past the values',
    program: { ...conv, outputs: [7] },
    message: /program\.outputs\[0\] = 7 is not a value id/,
  },
];

const cudaCreateProgram = loadCudaCreateProgram();

describe('the TypeScript validator refuses every malformed Program the native one does', () => {
  for (const c of MALFORMED) {
    it(`refuses ${c.name}`, () => {
      expect(() => validateProgram(c.program)).toThrow(KilnError);
    });
  }
});

describe.skipIf(!native.ok)(`kiln_cpu.node's parser refuses malformed Programs itself${skipReason}`, () => {
  const addon = native.ok ? native.addon : undefined;
  for (const c of MALFORMED) {
    it(`refuses ${c.name}`, () => {
      const e = thrownBy(() => addon!.createProgram(c.program));
      expect(e, 'the addon accepted the Program').toBeDefined();
      expect(e!.code).toBe(c.code ?? ErrorCode.INVALID_ARGUMENT);
      expect(e!.message).toMatch(/^NativeProgram: /);
      expect(e!.message).toMatch(c.message);
      if (c.op) expect(e!.layer).toMatchObject(c.op);
      // And the binding's error becomes a KilnError with the same code.
      expect(nativeErrorToKilnError(e).code).toBe(c.code ?? ErrorCode.INVALID_ARGUMENT);
    });
  }

  it("names the op's layer when the Program carries a label", () => {
    const labelled = withField(withField(conv, 0, 'groups', 3), 0, 'label', 'stem.conv');
    const e = thrownBy(() => addon!.createProgram(labelled));
    expect(e!.message).toMatch(/^NativeProgram: op 0 \(conv2d, layer 'stem\.conv'\): .*groups = 3/);
    expect(e!.layer).toEqual({ name: 'stem.conv', kind: 'conv2d', index: 0 });
  });

  it('refuses a non-string label', () => {
    const e = thrownBy(() => addon!.createProgram(withField(conv, 0, 'label', 42)));
    expect(e!.message).toMatch(/op 0 \(conv2d\)\.label must be a string/);
  });

  it('refuses a zero-size value whose other dims span more than 2^40 elements (no stride may overflow)', () => {
    const p = oneOp((b) => ({ op: 'copy', x: b.input('x', [0, 2 ** 30, 2 ** 30]), y: b.arena('y', [0, 2 ** 30, 2 ** 30]) }));
    const e = thrownBy(() => addon!.createProgram(p));
    expect(e!.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e!.message).toMatch(/'x' has shape \[0, 1073741824, 1073741824\] whose non-zero dims span more than 2\^40/);
  });

  it('refuses a window attribute past int32 even where the shapes are consistent', () => {
    // A zero-batch conv keeps every value empty, so no size limit catches the stride.
    const p = oneOp((b) => {
      const x = b.input('x', [0, 1, 4, 4]);
      const w = b.weight('w', [1, 1, 1, 1], randomArray(1, 3));
      const y = b.arena('y', [0, 1, 1, 1]);
      return { op: 'conv2d', x, w, y, strides: [2 ** 31, 2 ** 31], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    });
    const e = thrownBy(() => addon!.createProgram(p));
    expect(e!.message).toMatch(/op 0 \(conv2d\)\.strides\[0\] = 2147483648 is outside \[1, 2147483647\]/);
  });

  it('accepts valid Programs, in-place writes and concat slices included, and runs them to the interpreter results', async () => {
    const b = new ProgramBuilder();
    const x = b.input('x', [1, 4, 5, 5]);
    const w = b.weight('w', [4, 2, 3, 3], randomArray(72, 4));
    const bias = b.weight('bias', [4, 1, 1], randomArray(4, 5));
    const t = b.arena('cat', [1, 8, 3, 3]);
    // The conv writes straight into the first half of the concat output (its own slice), the
    // add writes the second half, and a sigmoid runs in place over that half.
    const c = b.view('conv', [1, 4, 3, 3], t);
    const s = b.view('sum', [1, 4, 3, 3], t, 36);
    const act = b.view('sum_act', [1, 4, 3, 3], s);
    const r = b.arena('rev', [1, 8, 2, 3]);
    b.op({ op: 'conv2d', x, w, y: c, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2, activation: { type: 'relu' } })
      .op({ op: 'binary', type: 'add', a: c, b: bias, y: s })
      .op({ op: 'activation', x: s, y: act, activation: { type: 'sigmoid' } })
      .op({ op: 'concat', inputs: [c, act], y: t, axis: -3 })
      .op({ op: 'slice', x: t, y: r, starts: [0, 0, 2, 0], steps: [1, 1, -1, 1] })
      .output(r);
    const program = withField(b.build(), 0, 'label', 'stem.conv');
    expect(() => validateProgram(program)).not.toThrow();
    const feed = randomArray(100, 6);
    const [got] = await runFloat32(NativeProgram.create(program), [feed]);
    expectClose(got!, tensor([1, 8, 2, 3], interpretProgram(program, [feed])[0] as Float32Array));
  });
});

const cudaSkip = cudaCreateProgram ? '' : ' (skipped: kiln_cuda.node is not built with CUDA here)';

describe.skipIf(!cudaCreateProgram)(`kiln_cuda.node's parser refuses the same Programs before any device work${cudaSkip}`, () => {
  for (const c of MALFORMED) {
    it(`refuses ${c.name}`, () => {
      const e = thrownBy(() => cudaCreateProgram!(c.program, {}));
      expect(e, 'the CUDA parser accepted the Program').toBeDefined();
      expect(e!.code).toBe(c.code ?? ErrorCode.INVALID_ARGUMENT);
      expect(e!.message).toMatch(/^CudaProgram\.create: /);
      expect(e!.message).toMatch(c.message);
      if (c.op) expect(e!.layer).toMatchObject(c.op);
    });
  }

  it('parses the valid Programs CPU accepts (what follows is device work)', () => {
    for (const program of [conv, pool, concat([2, 3], [2, 3], [4, 3]), binary([4, 3], [3], [4, 3]), slice([3, 0], [-1, 2], [4, 3])]) {
      expect(thrownBy(() => cudaCreateProgram!(program, {}))).toBeUndefined();
    }
  });

  it('refuses what only the CUDA executor cannot run (a rank past its tensor descriptors) as UNSUPPORTED_LAYER', () => {
    const shape = [1, 1, 1, 1, 1, 1, 1, 1, 2];
    const p = oneOp((b) => ({ op: 'unary', type: 'abs', x: b.input('x', shape), y: b.arena('y', shape) }));
    const e = thrownBy(() => cudaCreateProgram!(p, {}));
    expect(e!.code).toBe(ErrorCode.UNSUPPORTED_LAYER);
    expect(e!.message).toMatch(/\('x'\) has rank 9; the CUDA executor handles rank ≤ 8/);
  });
});
