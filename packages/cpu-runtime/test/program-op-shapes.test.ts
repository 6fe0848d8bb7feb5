/**
 * Every Program op descriptor's output-shape rule (@kiln-inference/core program-ops) agrees with the
 * reference interpreter: for random valid small ops of each kind, the validator accepts the
 * program, the reference kernels compute exactly y's shape, and where the rule decides y's
 * shape it is that shape; a y one element longer is refused by the validator and cannot be
 * computed by the interpreter either.
 */
import {
  ACTIVATION_TYPES,
  type ActivationSpec,
  checkProgramOp,
  ErrorCode,
  isKilnError,
  PROGRAM_BINARY_OPS,
  PROGRAM_COMPARE_OPS,
  PROGRAM_OP_KINDS,
  PROGRAM_UNARY_OPS,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramOpKind,
  type ProgramValue,
  programDTypeBytes,
  Tensor,
  validateProgram,
} from '@kiln-inference/core';
import { mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { interpretProgram } from '../src/index.js';
import { evaluateProgramOp } from '../src/program/interpret-program.js';

type Rng = () => number;

/**
 * An op over operand values 0…n-1 (their shapes in `operands`, their dtypes in `dtypes`,
 * float32 when absent) writing value n, of shape `y` and dtype `yDtype` (float32 when absent).
 */
interface OpCase {
  operands: number[][];
  dtypes?: ProgramDType[];
  y: number[];
  yDtype?: ProgramDType;
  op: (y: number) => ProgramOp;
}

const NUMERIC = ['float32', 'int32', 'int64', 'int8', 'uint8'] as const;
const ANY = [...NUMERIC, 'bool'] as const;
const INDEX = ['int32', 'int64'] as const;
/** The numpy broadcast of shapes. */
function broadcast(...shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[s.length - rank + i] ?? 1)));
}

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const shapeOf = (rng: Rng, rank: number, lo = 1, hi = 4) => Array.from({ length: rank }, () => int(rng, lo, hi));
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Activations with parameters the kernels accept (clip needs alpha <= beta). */
function activation(rng: Rng): ActivationSpec | undefined {
  if (rng() < 0.4) return undefined;
  const type = pick(rng, ACTIVATION_TYPES);
  return type === 'clip' ? { type, alpha: -0.5, beta: 0.5 } : { type, alpha: 0.2, beta: 0.5 };
}
const withActivation = (rng: Rng) => {
  const a = activation(rng);
  return a ? { activation: a } : {};
};

/** A shape with `count` elements (a random factorization, as a reshape would give). */
function reshapeOf(rng: Rng, count: number): number[] {
  const out: number[] = [];
  let rest = count;
  while (rest > 1 && out.length < 3) {
    const divisors = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
    const d = pick(rng, divisors);
    out.push(d);
    rest /= d;
  }
  out.push(rest);
  return out;
}

const windowOut = (size: number, k: number, s: number, pb: number, pe: number, d: number) =>
  Math.floor((size + pb + pe - d * (k - 1) - 1) / s) + 1;

const GENERATORS: { [K in ProgramOpKind]: (rng: Rng) => OpCase } = {
  conv2d(rng) {
    const g = int(rng, 1, 2);
    const c = g * int(rng, 1, 2);
    const m = g * int(rng, 1, 2);
    const k = [int(rng, 1, 3), int(rng, 1, 3)];
    const strides: [number, number] = [int(rng, 1, 2), int(rng, 1, 2)];
    const dilations: [number, number] = [int(rng, 1, 2), int(rng, 1, 2)];
    const pads: [number, number, number, number] = [int(rng, 0, 1), int(rng, 0, 1), int(rng, 0, 1), int(rng, 0, 1)];
    const x = [int(rng, 1, 2), c, int(rng, 5, 7), int(rng, 5, 7)];
    const y = [x[0]!, m, ...[0, 1].map((d) => windowOut(x[2 + d]!, k[d]!, strides[d]!, pads[d]!, pads[d + 2]!, dilations[d]!))];
    const bias = rng() < 0.5;
    const residual = rng() < 0.3;
    const operands = [x, [m, c / g, ...k], ...(bias ? [[m]] : []), ...(residual ? [y] : [])];
    return {
      operands,
      y,
      op: (yi) => ({
        op: 'conv2d',
        x: 0,
        w: 1,
        ...(bias ? { b: 2 } : {}),
        ...(residual ? { residual: bias ? 3 : 2 } : {}),
        y: yi,
        strides,
        pads,
        dilations,
        groups: g,
        ...withActivation(rng),
      }),
    };
  },
  deconv2d(rng) {
    const g = int(rng, 1, 2);
    const c = g * int(rng, 1, 2);
    const mg = int(rng, 1, 2);
    const k = [int(rng, 1, 3), int(rng, 1, 3)];
    const strides: [number, number] = [int(rng, 1, 2), int(rng, 1, 2)];
    const dilations: [number, number] = [int(rng, 1, 2), 1];
    const pads: [number, number, number, number] = [int(rng, 0, 1), 0, int(rng, 0, 1), 0];
    // At least 3 rows and columns: two rows of padding still leave an output of one.
    const x = [1, c, int(rng, 3, 5), int(rng, 3, 5)];
    // The deconvolution's own size plus an output padding below the stride.
    const y = [
      1,
      mg * g,
      ...[0, 1].map(
        (d) => (x[2 + d]! - 1) * strides[d]! - pads[d]! - pads[d + 2]! + dilations[d]! * (k[d]! - 1) + 1 + int(rng, 0, strides[d]! - 1),
      ),
    ];
    const bias = rng() < 0.5;
    return {
      operands: [x, [c, mg, ...k], ...(bias ? [[mg * g]] : [])],
      y,
      op: (yi) => ({
        op: 'deconv2d',
        x: 0,
        w: 1,
        ...(bias ? { b: 2 } : {}),
        y: yi,
        strides,
        pads,
        dilations,
        groups: g,
        ...withActivation(rng),
      }),
    };
  },
  gemm(rng) {
    const [m, k, n] = [int(rng, 1, 4), int(rng, 1, 4), int(rng, 1, 4)];
    const transA = rng() < 0.5;
    const transB = rng() < 0.5;
    const bias = rng() < 0.7 ? pick(rng, [[n], [1, n], [m, 1], [m, n]]) : undefined;
    return {
      operands: [transA ? [k, m] : [m, k], transB ? [n, k] : [k, n], ...(bias ? [bias] : [])],
      y: [m, n],
      op: (yi) => ({
        op: 'gemm',
        a: 0,
        b: 1,
        ...(bias ? { bias: 2 } : {}),
        y: yi,
        transA,
        transB,
        alpha: pick(rng, [1, 0.5]),
        beta: pick(rng, [1, 2]),
        ...withActivation(rng),
      }),
    };
  },
  batched_matmul(rng) {
    const [m, k, n] = [int(rng, 1, 3), int(rng, 1, 3), int(rng, 1, 3)];
    const batch = shapeOf(rng, int(rng, 0, 2), 1, 3);
    const aBatch = batch.map((d) => (rng() < 0.3 ? 1 : d)).slice(int(rng, 0, batch.length));
    const bBatch = batch.map((d) => (rng() < 0.3 ? 1 : d)).slice(int(rng, 0, batch.length));
    const rank = Math.max(aBatch.length, bBatch.length);
    const y = Array.from({ length: rank }, (_, i) =>
      Math.max(aBatch[aBatch.length - rank + i] ?? 1, bBatch[bBatch.length - rank + i] ?? 1),
    );
    return {
      operands: [
        [...aBatch, m, k],
        [...bBatch, k, n],
      ],
      y: [...y, m, n],
      op: (yi) => ({ op: 'batched_matmul', a: 0, b: 1, y: yi }),
    };
  },
  pool2d(rng) {
    const window: [number, number] = [int(rng, 1, 3), int(rng, 1, 3)];
    const strides: [number, number] = [int(rng, 1, 3), int(rng, 1, 3)];
    const dilations: [number, number] = [1, 1];
    const pads: [number, number, number, number] = [
      int(rng, 0, window[0] - 1),
      int(rng, 0, window[1] - 1),
      int(rng, 0, window[0] - 1),
      int(rng, 0, window[1] - 1),
    ];
    const x = [1, int(rng, 1, 3), int(rng, 3, 7), int(rng, 3, 7)];
    const ceilMode = rng() < 0.5;
    // The ONNX/reference rule: ceil mode drops a last window that would start past the input and its begin padding.
    const out = [0, 1].map((d) => {
      const room = x[2 + d]! + pads[d]! + pads[d + 2]! - window[d]!;
      let o = (ceilMode ? Math.ceil(room / strides[d]!) : Math.floor(room / strides[d]!)) + 1;
      if (ceilMode && (o - 1) * strides[d]! >= x[2 + d]! + pads[d]!) o--;
      return o;
    });
    const type = pick(rng, ['max', 'average'] as const);
    return {
      operands: [x],
      y: [x[0]!, x[1]!, ...out],
      op: (yi) => ({ op: 'pool2d', type, x: 0, y: yi, window, strides, pads, dilations, countIncludePad: rng() < 0.5 }),
    };
  },
  global_pool(rng) {
    const x = shapeOf(rng, int(rng, 3, 4));
    return {
      operands: [x],
      y: x.map((d, i) => (i < 2 ? d : 1)),
      op: (yi) => ({ op: 'global_pool', type: pick(rng, ['max', 'average'] as const), x: 0, y: yi }),
    };
  },
  binary(rng) {
    const type = pick(rng, PROGRAM_BINARY_OPS);
    const full = shapeOf(rng, int(rng, 0, 3));
    const thin = (s: number[]) => s.map((d) => (rng() < 0.3 ? 1 : d)).slice(int(rng, 0, s.length));
    // PRelu's slope broadcasts to x; the other ops broadcast both ways.
    const a = type === 'prelu' ? full : thin(full);
    const b = thin(full);
    const rank = Math.max(a.length, b.length);
    const y = Array.from({ length: rank }, (_, i) => Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
    return { operands: [a, b], y, op: (yi) => ({ op: 'binary', type, a: 0, b: 1, y: yi, ...withActivation(rng) }) };
  },
  compare(rng) {
    const full = shapeOf(rng, int(rng, 0, 3));
    const thin = (s: number[]) => s.map((d) => (rng() < 0.3 ? 1 : d)).slice(int(rng, 0, s.length));
    const [a, b] = [thin(full), thin(full)];
    const dtype = pick(rng, NUMERIC);
    const type = pick(rng, PROGRAM_COMPARE_OPS);
    return {
      operands: [a, b],
      dtypes: [dtype, dtype],
      y: broadcast(a, b),
      yDtype: 'bool',
      op: (yi) => ({ op: 'compare', type, a: 0, b: 1, y: yi }),
    };
  },
  where(rng) {
    const full = shapeOf(rng, int(rng, 0, 3));
    const thin = (s: number[]) => s.map((d) => (rng() < 0.3 ? 1 : d)).slice(int(rng, 0, s.length));
    const [c, a, b] = [thin(full), thin(full), thin(full)];
    const dtype = pick(rng, ANY);
    return {
      operands: [c, a, b],
      dtypes: ['bool', dtype, dtype],
      y: broadcast(c, a, b),
      yDtype: dtype,
      op: (yi) => ({ op: 'where', condition: 0, a: 1, b: 2, y: yi }),
    };
  },
  cast(rng) {
    const x = shapeOf(rng, int(rng, 0, 3));
    return { operands: [x], dtypes: [pick(rng, ANY)], y: x, yDtype: pick(rng, ANY), op: (yi) => ({ op: 'cast', x: 0, y: yi }) };
  },
  gather(rng) {
    const x = shapeOf(rng, int(rng, 1, 3));
    const indices = shapeOf(rng, int(rng, 0, 2), 0, 3);
    const axis = int(rng, -x.length, x.length - 1);
    const a = axis < 0 ? axis + x.length : axis;
    const dtype = pick(rng, ANY);
    return {
      operands: [x, indices],
      dtypes: [dtype, pick(rng, INDEX)],
      y: [...x.slice(0, a), ...indices, ...x.slice(a + 1)],
      yDtype: dtype,
      op: (yi) => ({ op: 'gather', x: 0, indices: 1, y: yi, axis }),
    };
  },
  gather_nd(rng) {
    const x = shapeOf(rng, int(rng, 2, 3));
    // The reference interpreter limits these cases (reported to the lead): an index row of
    // length 0 (valid per the descriptor: it picks all of x) fails in its validIndices, and
    // over a rank-1 x the result has an extra dim ([3, 1] over [2] gives [3, 3], not [3]).
    const k = int(rng, 1, x.length);
    const indices = [int(rng, 0, 3), k];
    const dtype = pick(rng, ANY);
    return {
      operands: [x, indices],
      dtypes: [dtype, pick(rng, INDEX)],
      y: [...indices.slice(0, -1), ...x.slice(k)],
      yDtype: dtype,
      op: (yi) => ({ op: 'gather_nd', x: 0, indices: 1, y: yi }),
    };
  },
  arg_reduce(rng) {
    const x = shapeOf(rng, int(rng, 1, 3));
    const axis = int(rng, -x.length, x.length - 1);
    const a = axis < 0 ? axis + x.length : axis;
    const type = pick(rng, ['max', 'min'] as const);
    const selectLastIndex = rng() < 0.5;
    return {
      operands: [x],
      dtypes: [pick(rng, NUMERIC)],
      y: x.map((d, i) => (i === a ? 1 : d)),
      yDtype: pick(rng, INDEX),
      op: (yi) => ({ op: 'arg_reduce', type, x: 0, y: yi, axis, selectLastIndex }),
    };
  },
  activation(rng) {
    const x = shapeOf(rng, int(rng, 1, 3));
    return {
      operands: [x],
      y: rng() < 0.5 ? x : reshapeOf(rng, size(x)),
      op: (yi) => ({ op: 'activation', x: 0, y: yi, activation: activation(rng) ?? { type: 'relu' } }),
    };
  },
  unary(rng) {
    const x = shapeOf(rng, int(rng, 0, 3));
    return {
      operands: [x],
      y: rng() < 0.5 ? x : reshapeOf(rng, size(x)),
      op: (yi) => ({ op: 'unary', type: pick(rng, PROGRAM_UNARY_OPS), x: 0, y: yi }),
    };
  },
  channel_affine(rng) {
    const x = shapeOf(rng, int(rng, 1, 4));
    const channelAxis = int(rng, 0, x.length - 1);
    const scale = rng() < 0.7;
    const shift = rng() < 0.7;
    const channels = [x[channelAxis]!];
    return {
      operands: [x, ...(scale ? [channels] : []), ...(shift ? [channels] : [])],
      y: x,
      op: (yi) => ({
        op: 'channel_affine',
        x: 0,
        ...(scale ? { scale: 1 } : {}),
        ...(shift ? { shift: scale ? 2 : 1 } : {}),
        y: yi,
        channelAxis,
        ...withActivation(rng),
      }),
    };
  },
  quantize(rng) {
    const x = shapeOf(rng, int(rng, 0, 3));
    const perAxis = x.length > 0 && rng() < 0.6;
    const axis = perAxis ? int(rng, -x.length, x.length - 1) : 0;
    const params = perAxis ? [x[axis < 0 ? axis + x.length : axis]!] : pick(rng, [[], [1]]);
    const q = pick(rng, ['int8', 'uint8'] as const);
    const zeroPoint = rng() < 0.6;
    return {
      operands: [x, params, ...(zeroPoint ? [params] : [])],
      dtypes: ['float32', 'float32', ...(zeroPoint ? [q] : [])],
      y: x,
      yDtype: q,
      op: (yi) => ({ op: 'quantize', x: 0, scale: 1, ...(zeroPoint ? { zeroPoint: 2 } : {}), y: yi, axis }),
    };
  },
  dequantize(rng) {
    const x = shapeOf(rng, int(rng, 0, 3));
    const perAxis = x.length > 0 && rng() < 0.6;
    const axis = perAxis ? int(rng, -x.length, x.length - 1) : 0;
    const params = perAxis ? [x[axis < 0 ? axis + x.length : axis]!] : pick(rng, [[], [1]]);
    const q = pick(rng, ['int8', 'uint8'] as const);
    const zeroPoint = rng() < 0.6;
    return {
      operands: [x, params, ...(zeroPoint ? [params] : [])],
      dtypes: [q, 'float32', ...(zeroPoint ? [q] : [])],
      y: x,
      op: (yi) => ({ op: 'dequantize', x: 0, scale: 1, ...(zeroPoint ? { zeroPoint: 2 } : {}), y: yi, axis }),
    };
  },
  softmax(rng) {
    const x = shapeOf(rng, int(rng, 1, 4));
    const axis = int(rng, -x.length, x.length - 1);
    return { operands: [x], y: x, op: (yi) => ({ op: 'softmax', x: 0, y: yi, axis, log: rng() < 0.5 }) };
  },
  lrn(rng) {
    const x = shapeOf(rng, int(rng, 3, 4));
    const lrnSize = pick(rng, [1, 3, 5]);
    return { operands: [x], y: x, op: (yi) => ({ op: 'lrn', x: 0, y: yi, size: lrnSize, alpha: 1e-4, beta: 0.75, bias: 1 }) };
  },
  concat(rng) {
    const base = shapeOf(rng, int(rng, 1, 3));
    const axis = int(rng, 0, base.length - 1);
    const inputs = Array.from({ length: int(rng, 1, 3) }, () => base.map((d, i) => (i === axis ? int(rng, 1, 3) : d)));
    const y = base.map((d, i) => (i === axis ? inputs.reduce((s, x) => s + x[axis]!, 0) : d));
    const written = rng() < 0.5 ? axis : axis - base.length;
    return { operands: inputs, y, op: (yi) => ({ op: 'concat', inputs: inputs.map((_, i) => i), y: yi, axis: written }) };
  },
  copy(rng) {
    const x = shapeOf(rng, int(rng, 1, 3));
    return { operands: [x], y: reshapeOf(rng, size(x)), op: (yi) => ({ op: 'copy', x: 0, y: yi }) };
  },
  transpose(rng) {
    const x = shapeOf(rng, int(rng, 1, 4));
    const perm = x.map((_, i) => i).sort(() => rng() - 0.5);
    return { operands: [x], y: perm.map((p) => x[p]!), op: (yi) => ({ op: 'transpose', x: 0, y: yi, perm }) };
  },
  pad(rng) {
    const x = shapeOf(rng, int(rng, 1, 3), 2, 4);
    const pads = [...x.map(() => int(rng, -1, 2)), ...x.map(() => int(rng, -1, 2))];
    const y = x.map((d, i) => d + pads[i]! + pads[i + x.length]!);
    return { operands: [x], y, op: (yi) => ({ op: 'pad', x: 0, y: yi, pads, value: pick(rng, [0, -1.5]) }) };
  },
  slice(rng) {
    const x = shapeOf(rng, int(rng, 1, 3), 1, 6);
    const steps = x.map(() => pick(rng, [-2, -1, 1, 2]));
    const starts = x.map((d) => int(rng, 0, d - 1));
    // The most elements a start and step can take without leaving x, then any count up to it.
    const y = x.map((d, i) => {
      const room = steps[i]! > 0 ? Math.floor((d - 1 - starts[i]!) / steps[i]!) + 1 : Math.floor(starts[i]! / -steps[i]!) + 1;
      return int(rng, 1, room);
    });
    return { operands: [x], y, op: (yi) => ({ op: 'slice', x: 0, y: yi, starts, steps }) };
  },
  resize2d(rng) {
    const x = [1, int(rng, 1, 2), int(rng, 1, 4), int(rng, 1, 4)];
    const y = [x[0]!, x[1]!, int(rng, 1, 6), int(rng, 1, 6)];
    return {
      operands: [x],
      y,
      op: (yi) => ({
        op: 'resize2d',
        x: 0,
        y: yi,
        mode: pick(rng, ['nearest', 'linear'] as const),
        coordinateTransform: pick(rng, ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'] as const),
        nearestMode: pick(rng, ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const),
      }),
    };
  },
};

const dtypeOf = (c: OpCase, i: number): ProgramDType => c.dtypes?.[i] ?? 'float32';

/** The case as a Program: operands are feeds, y (value id operands.length) the only arena value. */
function programOf(c: OpCase, op: ProgramOp, y: readonly number[]): Program {
  const values: ProgramValue[] = c.operands.map((shape, i) => ({
    name: `in${i}`,
    dtype: dtypeOf(c, i),
    shape,
    storage: { kind: 'input', index: i },
  }));
  values.push({ name: 'y', dtype: c.yDtype ?? 'float32', shape: [...y], storage: { kind: 'arena', offset: 0 } });
  return {
    values,
    weights: [],
    ops: [op],
    inputs: c.operands.map((_, i) => i),
    outputs: [values.length - 1],
    arenaBytes: programDTypeBytes(c.yDtype ?? 'float32') * size(y),
  };
}

/** Random feeds of each operand's dtype: floats in [-1, 1), small integers (indices in and out of range), bools. */
function feedsOf(c: OpCase, rng: Rng): ProgramData[] {
  return c.operands.map((s, i) => {
    const dtype = dtypeOf(c, i);
    const n = size(s);
    if (dtype === 'float32') return Float32Array.from({ length: n }, () => rng() * 2 - 1);
    if (dtype === 'int64') return BigInt64Array.from({ length: n }, () => BigInt(int(rng, -4, 4)));
    const [lo, hi] = dtype === 'bool' ? [0, 1] : dtype === 'uint8' ? [0, 9] : [-4, 4];
    const values = Array.from({ length: n }, () => int(rng, lo, hi));
    return dtype === 'int32' ? Int32Array.from(values) : dtype === 'int8' ? Int8Array.from(values) : Uint8Array.from(values);
  });
}

const CASES_PER_KIND = 30;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('each op descriptor’s shape rule agrees with the reference interpreter', () => {
  for (const kind of PROGRAM_OP_KINDS) {
    it(kind, () => {
      // Seeded by the kind's name, so adding an op leaves every other kind's cases as they were.
      const rng = mulberry32(0x5eed + [...kind].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 0));
      for (let n = 0; n < CASES_PER_KIND; n++) {
        const c = GENERATORS[kind](rng);
        const op = c.op(c.operands.length);
        const program = programOf(c, op, c.y);
        const what = `${kind} case ${n}: ${JSON.stringify(op)} over ${JSON.stringify(c.operands)} → ${JSON.stringify(c.y)}`;
        expect(() => validateProgram(program), what).not.toThrow();
        const rule = checkProgramOp(op, 0, program.values);
        const feeds = feedsOf(c, rng);
        const computed = evaluateProgramOp(op, (id) => new Tensor(dtypeOf(c, id), c.operands[id]!, feeds[id]!), {
          shape: c.y,
          dtype: c.yDtype ?? 'float32',
        });
        if ('shape' in rule) {
          expect([...rule.shape], what).toEqual(c.y);
          expect([...computed.shape], what).toEqual(c.y);
        } else {
          // Rules that let y carry information accept the shape; the kernels fill exactly y's elements.
          expect(rule.accepts(c.y), what).toBeUndefined();
          expect(computed.size, what).toBe(size(c.y));
        }
        const [out] = interpretProgram(program, feeds);
        expect(out!.length, what).toBe(size(c.y));

        if (size(c.y) > 0) {
          // One element more along the last axis: the validator accepts it exactly when the
          // kernels can compute it (a deconv's output padding, a resize's size), and names the op
          // when it refuses.
          const longer = c.y.length > 0 ? [...c.y.slice(0, -1), c.y.at(-1)! + 1] : [2];
          const bad = programOf(c, op, longer);
          const refused = thrown(() => validateProgram(bad));
          const failed = thrown(() => interpretProgram(bad, feeds));
          expect(refused === undefined, `${what}; y ${JSON.stringify(longer)}: ${String(refused)} / ${String(failed)}`).toBe(
            failed === undefined,
          );
          if ('shape' in rule) expect(refused, what).toBeDefined();
          if (refused !== undefined) {
            expect(isKilnError(refused, ErrorCode.INVALID_ARGUMENT), what).toBe(true);
            expect(String((refused as Error).message), what).toMatch(new RegExp(`program op 0 \\(${kind}\\): value \\d+ '\\w+' \\[`));
          }
        }
      }
    });
  }
});

describe('the interpreter names the layer of an op it cannot run', () => {
  it('an op writing a feed, or computing another size than y, is refused with its label as the layer', () => {
    const feedWrite: Program = {
      values: [{ name: 'x', dtype: 'float32', shape: [4], storage: { kind: 'input', index: 0 } }],
      weights: [],
      ops: [{ op: 'unary', type: 'exp', x: 0, y: 0, label: 'head/exp' }],
      inputs: [0],
      outputs: [0],
      arenaBytes: 0,
    };
    const e = thrown(() => interpretProgram(feedWrite, [new Float32Array(4)]));
    expect(isKilnError(e, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((e as Error).message).toBe("layer 'head/exp' (unary): op 0 (unary) of layer 'head/exp' writes a value that is not in the arena");

    const wrongSize = programOf(
      { operands: [[4]], y: [5], op: () => ({ op: 'copy', x: 0, y: 1 }) },
      {
        op: 'transpose',
        x: 0,
        y: 1,
        perm: [0],
        label: 'flip',
      },
      [5],
    );
    const e2 = thrown(() => interpretProgram(wrongSize, [new Float32Array(4)]));
    expect(isKilnError(e2, ErrorCode.INTERNAL)).toBe(true);
    expect((e2 as Error).message).toMatch(
      /^layer 'flip' \(transpose\): op 0 \(transpose\) of layer 'flip' computed 4 float32 elements for 'y' float32 \[5\]/,
    );
  });
});
