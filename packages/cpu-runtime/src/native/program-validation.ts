/**
 * Checks a Program before it reaches native code, so a bad one fails with a KilnError that
 * names the op (index and kind) and the value (id, name, shape) instead of a native message:
 * value ids in range, storage kinds and bounds, and each op's shapes (program.ts semantics).
 * The native side repeats the checks that memory safety depends on.
 */
import {
  ACTIVATION_TYPES,
  checkModelBytes,
  checkTensorSize,
  currentResourceLimits,
  ErrorCode,
  KilnError,
  PROGRAM_BINARY_OPS,
  PROGRAM_UNARY_OPS,
  type Program,
  type ProgramOp,
  type ProgramOpKind,
  type ProgramValue,
  type ResourceLimits,
} from '@kiln/core';

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Any field value as message text: a malformed Program may hold anything where a list belongs. */
function valueText(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 200) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Fails for one op, naming it and (optionally) one of its values. */
export class OpChecker {
  constructor(
    readonly op: ProgramOp,
    readonly index: number,
    readonly values: readonly ProgramValue[],
  ) {}

  fail(message: string, valueId?: number, hint?: string): never {
    const v = valueId !== undefined ? this.values[valueId] : undefined;
    const what = v ? `value ${valueId} '${v.name}' ${shapeText(v.shape)}: ` : '';
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `program op ${this.index} (${this.op.op}): ${what}${message}`, {
      layer: { name: v?.name ?? `op ${this.index}`, kind: this.op.op, index: this.index },
      ...(hint ? { hint } : {}),
    });
  }

  require(ok: boolean, message: string, valueId?: number, hint?: string): void {
    if (!ok) this.fail(message, valueId, hint);
  }

  /** A value id field: an integer index into program.values. */
  id(field: string, id: number | undefined, optional = false): number | undefined {
    if (id === undefined && optional) return undefined;
    if (!Number.isInteger(id) || id! < 0 || id! >= this.values.length) {
      this.fail(
        `${field} = ${String(id)} is not a value id (the program has ${this.values.length} values)`,
        undefined,
        'operands are indices into program.values',
      );
    }
    return id;
  }

  shape(id: number): number[] {
    return this.values[id]!.shape;
  }

  size(id: number): number {
    return sizeOf(this.values[id]!.shape);
  }
}

function ints(v: readonly number[] | undefined, n: number): boolean {
  return Array.isArray(v) && v.length === n && v.every(Number.isInteger);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Output size of one conv/pool axis, or -1 when the window does not fit. */
export function windowOutput(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  const span = dilation * (kernel - 1) + 1;
  const padded = size + padBegin + padEnd;
  return padded < span ? -1 : Math.floor((padded - span) / stride) + 1;
}

// 'none' marks an op with no fused activation.
const ACTIVATIONS = new Set<string>([...ACTIVATION_TYPES, 'none']);

function checkActivation(c: OpChecker, activation: { type: string } | undefined): void {
  if (activation !== undefined) c.require(ACTIVATIONS.has(activation.type), `unknown activation '${activation.type}'`);
}

function checkConv(c: OpChecker, op: Extract<ProgramOp, { op: 'conv2d' }>): void {
  const x = c.id('x', op.x)!;
  const w = c.id('w', op.w)!;
  const y = c.id('y', op.y)!;
  const b = c.id('b', op.b, true);
  const r = c.id('residual', op.residual, true);
  const xs = c.shape(x);
  const ws = c.shape(w);
  c.require(xs.length === 4, 'x must be [N, C, H, W]', x);
  c.require(ws.length === 4, 'w must be [M, C/groups, kH, kW]', w);
  c.require(ints(op.strides, 2) && op.strides.every((s) => s >= 1), 'strides must be two integers >= 1');
  c.require(ints(op.dilations, 2) && op.dilations.every((s) => s >= 1), 'dilations must be two integers >= 1');
  c.require(ints(op.pads, 4) && op.pads.every((s) => s >= 0), 'pads must be four integers >= 0 [top, left, bottom, right]');
  const g = op.groups;
  c.require(
    Number.isInteger(g) && g >= 1 && xs[1]! % g === 0 && ws[0]! % g === 0,
    `groups = ${g} must divide the input and output channels`,
    w,
  );
  c.require(ws[1]! * g === xs[1], `w[1] · groups must equal the input channels ${xs[1]}`, w);
  const oh = windowOutput(xs[2]!, ws[2]!, op.strides[0], op.pads[0], op.pads[2], op.dilations[0]);
  const ow = windowOutput(xs[3]!, ws[3]!, op.strides[1], op.pads[1], op.pads[3], op.dilations[1]);
  c.require(oh >= 0 && ow >= 0, 'the dilated kernel does not fit the padded input', w);
  const want = [xs[0]!, ws[0]!, oh, ow];
  c.require(sameShape(c.shape(y), want), `y must be [N, M, OH, OW] = ${shapeText(want)}`, y);
  if (b !== undefined) c.require(c.size(b) === ws[0], `the bias must have M = ${ws[0]} elements`, b);
  if (r !== undefined) c.require(sameShape(c.shape(r), want), `the residual must have y's shape ${shapeText(want)}`, r);
  checkActivation(c, op.activation);
}

/** Output size of one transposed-conv axis before output padding (ONNX ConvTranspose). */
export function deconvOutput(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return (size - 1) * stride - padBegin - padEnd + dilation * (kernel - 1) + 1;
}

function checkDeconv(c: OpChecker, op: Extract<ProgramOp, { op: 'deconv2d' }>): void {
  const x = c.id('x', op.x)!;
  const w = c.id('w', op.w)!;
  const y = c.id('y', op.y)!;
  const b = c.id('b', op.b, true);
  const xs = c.shape(x);
  const ws = c.shape(w);
  const ys = c.shape(y);
  c.require(xs.length === 4, 'x must be [N, C, H, W]', x);
  c.require(ws.length === 4, 'w must be [C, M/groups, kH, kW]', w);
  c.require(ints(op.strides, 2) && op.strides.every((s) => s >= 1), 'strides must be two integers >= 1');
  c.require(ints(op.dilations, 2) && op.dilations.every((s) => s >= 1), 'dilations must be two integers >= 1');
  c.require(ints(op.pads, 4) && op.pads.every((s) => s >= 0), 'pads must be four integers >= 0 [top, left, bottom, right]');
  const g = op.groups;
  c.require(Number.isInteger(g) && g >= 1 && xs[1]! % g === 0, `groups = ${g} must divide the input channels ${xs[1]}`, x);
  c.require(ws[0] === xs[1], `w[0] must equal the input channels ${xs[1]}`, w);
  c.require(ws[2]! >= 1 && ws[3]! >= 1, 'kernel dims must be >= 1', w);
  const m = ws[1]! * g;
  c.require(
    ys.length === 4 && ys[0] === xs[0] && ys[1] === m,
    `y must be [N, M, OH, OW] with N = ${xs[0]} and M = w[1] · groups = ${m}`,
    y,
  );
  for (const d of [0, 1]) {
    const natural = deconvOutput(xs[2 + d]!, ws[2 + d]!, op.strides[d]!, op.pads[d]!, op.pads[d + 2]!, op.dilations[d]!);
    c.require(
      ys[2 + d]! >= 1 && ys[2 + d]! >= natural,
      `${d === 0 ? 'OH' : 'OW'} must be at least 1 and at least the deconvolution's size ${natural} (more is output padding)`,
      y,
    );
  }
  if (b !== undefined) c.require(c.size(b) === m, `the bias must have M = ${m} elements`, b);
  checkActivation(c, op.activation);
}

const UNARY_TYPES = new Set<string>(PROGRAM_UNARY_OPS);

function checkUnary(c: OpChecker, op: Extract<ProgramOp, { op: 'unary' }>): void {
  checkSameSize(c, c.id('x', op.x)!, c.id('y', op.y)!);
  c.require(UNARY_TYPES.has(op.type), `unknown unary type '${op.type}'`, undefined, `use one of ${[...UNARY_TYPES].join(', ')}`);
}

function checkGemm(c: OpChecker, op: Extract<ProgramOp, { op: 'gemm' }>): void {
  const a = c.id('a', op.a)!;
  const b = c.id('b', op.b)!;
  const y = c.id('y', op.y)!;
  const bias = c.id('bias', op.bias, true);
  const as = c.shape(a);
  const bs = c.shape(b);
  c.require(as.length === 2, 'a must be a matrix', a);
  c.require(bs.length === 2, 'b must be a matrix', b);
  const [m, k] = op.transA ? [as[1]!, as[0]!] : [as[0]!, as[1]!];
  const [kb, n] = op.transB ? [bs[1]!, bs[0]!] : [bs[0]!, bs[1]!];
  c.require(k === kb, `inner dimensions differ (op(a) is [${m}, ${k}], op(b) is [${kb}, ${n}])`, b);
  c.require(sameShape(c.shape(y), [m, n]), `y must be [M, N] = [${m}, ${n}]`, y);
  if (bias !== undefined) {
    const s = c.shape(bias);
    const full = [...new Array<number>(Math.max(0, 2 - s.length)).fill(1), ...s];
    c.require(
      s.length <= 2 && (full[0] === 1 || full[0] === m) && (full[1] === 1 || full[1] === n),
      `the bias must broadcast to [M, N] = [${m}, ${n}]`,
      bias,
    );
  }
  c.require(Number.isFinite(op.alpha) && Number.isFinite(op.beta), 'alpha and beta must be finite numbers');
  checkActivation(c, op.activation);
}

function checkBatchedMatmul(c: OpChecker, op: Extract<ProgramOp, { op: 'batched_matmul' }>): void {
  const a = c.id('a', op.a)!;
  const b = c.id('b', op.b)!;
  const y = c.id('y', op.y)!;
  const as = c.shape(a);
  const bs = c.shape(b);
  const ys = c.shape(y);
  c.require(as.length >= 2, 'a must have rank >= 2', a);
  c.require(bs.length >= 2, 'b must have rank >= 2', b);
  const m = as[as.length - 2]!;
  const k = as[as.length - 1]!;
  const n = bs[bs.length - 1]!;
  c.require(bs[bs.length - 2] === k, `b's rows must equal a's columns ${k}`, b);
  const rank = Math.max(as.length, bs.length);
  const want: number[] = [];
  for (let i = rank - 3; i >= 0; i--) {
    const ad = as[as.length - rank + i] ?? 1;
    const bd = bs[bs.length - rank + i] ?? 1;
    c.require(ad === bd || ad === 1 || bd === 1, `batch dims of a ${shapeText(as)} and b ${shapeText(bs)} do not broadcast`, b);
    want.unshift(ad === 1 ? bd : ad);
  }
  want.push(m, n);
  c.require(sameShape(ys, want), `y must be ${shapeText(want)}`, y);
}

function checkPool(c: OpChecker, op: Extract<ProgramOp, { op: 'pool2d' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  c.require(op.type === 'max' || op.type === 'average', `type must be 'max' or 'average'`);
  const xs = c.shape(x);
  c.require(xs.length === 4, 'x must be [N, C, H, W]', x);
  c.require(ints(op.window, 2) && op.window.every((v) => v >= 1), 'window must be two integers >= 1');
  c.require(ints(op.strides, 2) && op.strides.every((v) => v >= 1), 'strides must be two integers >= 1');
  c.require(ints(op.dilations, 2) && op.dilations.every((v) => v >= 1), 'dilations must be two integers >= 1');
  c.require(ints(op.pads, 4) && op.pads.every((v) => v >= 0), 'pads must be four integers >= 0');
  const ys = c.shape(y);
  c.require(ys.length === 4 && ys[0] === xs[0] && ys[1] === xs[1], 'y must be [N, C, OH, OW]', y);
  for (const d of [0, 1]) {
    const args = [xs[2 + d]!, op.window[d]!, op.strides[d]!, op.pads[d]!, op.pads[d + 2]!, op.dilations[d]!] as const;
    const floor = windowOutput(...args);
    // Ceil mode may add one window that starts inside the padded input.
    const ceil = windowOutput(args[0] + args[2] - 1, args[1], args[2], args[3], args[4], args[5]);
    c.require(
      floor >= 0 && ys[2 + d]! >= floor && ys[2 + d]! <= Math.max(floor, ceil),
      `${d === 0 ? 'OH' : 'OW'} = ${ys[2 + d]} does not follow from the window (${floor < 0 ? 'the dilated window does not fit the padded input' : `expected ${floor}${ceil > floor ? ` or ${ceil}` : ''}`})`,
      y,
    );
  }
}

function checkGlobalPool(c: OpChecker, op: Extract<ProgramOp, { op: 'global_pool' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  c.require(op.type === 'max' || op.type === 'average', `type must be 'max' or 'average'`);
  const xs = c.shape(x);
  c.require(xs.length >= 3, 'x must be [N, C, spatial...]', x);
  const want = xs.map((d, i) => (i < 2 ? d : 1));
  c.require(sameShape(c.shape(y), want), `y must be ${shapeText(want)}`, y);
}

function checkBinary(c: OpChecker, op: Extract<ProgramOp, { op: 'binary' }>): void {
  const a = c.id('a', op.a)!;
  const b = c.id('b', op.b)!;
  const y = c.id('y', op.y)!;
  c.require(
    (PROGRAM_BINARY_OPS as readonly string[]).includes(op.type),
    `unknown binary type '${op.type}'`,
    undefined,
    'use add, sub, mul, div, max, min, pow or prelu',
  );
  const ys = c.shape(y);
  for (const id of [a, b]) {
    const s = c.shape(id);
    c.require(s.length <= ys.length, `has a higher rank than y ${shapeText(ys)}`, id);
    for (let i = 1; i <= s.length; i++) {
      const d = s[s.length - i]!;
      c.require(d === 1 || d === ys[ys.length - i], `does not broadcast to y ${shapeText(ys)}`, id);
    }
  }
  checkActivation(c, op.activation);
}

function checkSameSize(c: OpChecker, x: number, y: number): void {
  c.require(c.size(x) === c.size(y), `must have x's element count ${c.size(x)}`, y);
}

function checkChannelAffine(c: OpChecker, op: Extract<ProgramOp, { op: 'channel_affine' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  const xs = c.shape(x);
  c.require(sameShape(c.shape(y), xs), `must have x's shape ${shapeText(xs)}`, y);
  c.require(
    Number.isInteger(op.channelAxis) && op.channelAxis >= 0 && op.channelAxis < xs.length,
    `channelAxis ${op.channelAxis} is not an axis of x`,
    x,
  );
  const channels = xs[op.channelAxis]!;
  for (const [field, id] of [
    ['scale', op.scale],
    ['shift', op.shift],
  ] as const) {
    const v = c.id(field, id, true);
    if (v !== undefined) c.require(c.size(v) === channels, `${field} must have one value per channel (${channels})`, v);
  }
  checkActivation(c, op.activation);
}

function checkAxis(c: OpChecker, axis: number, rank: number, id: number): number {
  const a = axis < 0 ? axis + rank : axis;
  c.require(Number.isInteger(axis) && a >= 0 && a < rank, `axis ${axis} is out of range for rank ${rank}`, id);
  return a;
}

function checkConcat(c: OpChecker, op: Extract<ProgramOp, { op: 'concat' }>): void {
  const y = c.id('y', op.y)!;
  c.require(Array.isArray(op.inputs) && op.inputs.length > 0, 'needs at least one input');
  const ys = c.shape(y);
  const axis = checkAxis(c, op.axis, ys.length, y);
  let total = 0;
  op.inputs.forEach((id, i) => {
    c.id(`inputs[${i}]`, id);
    const s = c.shape(id);
    c.require(
      s.length === ys.length && s.every((d, j) => j === axis || d === ys[j]),
      `differs from y ${shapeText(ys)} outside the concat axis`,
      id,
    );
    total += s[axis]!;
  });
  c.require(total === ys[axis], `the inputs' sizes along axis ${axis} add up to ${total}, not ${ys[axis]}`, y);
}

function checkTranspose(c: OpChecker, op: Extract<ProgramOp, { op: 'transpose' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  const xs = c.shape(x);
  const perm = op.perm;
  c.require(
    ints(perm, xs.length) && new Set(perm).size === xs.length && perm.every((p) => p >= 0 && p < xs.length),
    `perm ${valueText(perm)} is not a permutation of x's axes`,
    x,
  );
  c.require(
    sameShape(
      c.shape(y),
      perm.map((p) => xs[p]!),
    ),
    "must be x's shape permuted by perm",
    y,
  );
}

function checkSlice(c: OpChecker, op: Extract<ProgramOp, { op: 'slice' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  const xs = c.shape(x);
  const ys = c.shape(y);
  c.require(
    ints(op.starts, xs.length) && ints(op.steps, xs.length) && ys.length === xs.length,
    "starts and steps need one integer per axis of x, and y x's rank",
    x,
  );
  xs.forEach((d, i) => {
    const start = op.starts[i]!;
    const step = op.steps[i]!;
    c.require(step !== 0, 'steps must be non-zero', x);
    if (ys[i]! > 0) {
      const last = start + (ys[i]! - 1) * step;
      c.require(
        start >= 0 && start < d && last >= 0 && last < d,
        `axis ${i}: start ${start} with step ${step} reads outside x for y's ${ys[i]} elements`,
        x,
      );
    }
  });
}

function checkPad(c: OpChecker, op: Extract<ProgramOp, { op: 'pad' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  const xs = c.shape(x);
  const ys = c.shape(y);
  c.require(ints(op.pads, 2 * xs.length) && ys.length === xs.length, 'pads need [begin…, end…] for every axis of x', x);
  xs.forEach((d, i) => {
    c.require(ys[i] === d + op.pads[i]! + op.pads[i + xs.length]!, `axis ${i} must be x's size plus its pads`, y);
  });
  c.require(Number.isFinite(op.value) || Number.isNaN(op.value) || Math.abs(op.value) === Infinity, 'value must be a number');
}

function checkLrn(c: OpChecker, op: Extract<ProgramOp, { op: 'lrn' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  c.require(c.shape(x).length >= 2, 'needs a channel axis (rank >= 2)', x);
  c.require(sameShape(c.shape(y), c.shape(x)), "must have x's shape", y);
  c.require(Number.isInteger(op.size) && op.size >= 1, `size ${op.size} must be an integer >= 1`);
}

function checkResize(c: OpChecker, op: Extract<ProgramOp, { op: 'resize2d' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  const xs = c.shape(x);
  const ys = c.shape(y);
  c.require(
    xs.length >= 2 && ys.length === xs.length && xs.slice(0, -2).every((d, i) => d === ys[i]),
    'x and y need the same rank >= 2 and may differ only in the last two dims',
    y,
  );
  c.require(op.mode === 'nearest' || op.mode === 'linear', `mode '${op.mode}' must be 'nearest' or 'linear'`);
  c.require(
    ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'].includes(op.coordinateTransform),
    `unknown coordinateTransform '${op.coordinateTransform}'`,
  );
  c.require(
    op.mode !== 'nearest' || ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].includes(op.nearestMode),
    `unknown nearestMode '${op.nearestMode}'`,
  );
  const inPlane = xs[xs.length - 1]! * xs[xs.length - 2]!;
  c.require(inPlane > 0 || ys[ys.length - 1]! * ys[ys.length - 2]! === 0, 'cannot resize an empty image to a non-empty one', x);
}

function checkActivationOp(c: OpChecker, op: Extract<ProgramOp, { op: 'activation' }>): void {
  checkSameSize(c, c.id('x', op.x)!, c.id('y', op.y)!);
  c.require(op.activation !== undefined, 'needs an activation');
  checkActivation(c, op.activation);
}

function checkSoftmax(c: OpChecker, op: Extract<ProgramOp, { op: 'softmax' }>): void {
  const x = c.id('x', op.x)!;
  const y = c.id('y', op.y)!;
  c.require(sameShape(c.shape(y), c.shape(x)), "must have x's shape", y);
  if (c.shape(x).length > 0) checkAxis(c, op.axis, c.shape(x).length, x);
}

type Checker<K extends ProgramOpKind> = (c: OpChecker, op: Extract<ProgramOp, { op: K }>) => void;

/** One checker per op kind. */
const CHECKERS: { [K in ProgramOpKind]: Checker<K> } = {
  conv2d: checkConv,
  gemm: checkGemm,
  batched_matmul: checkBatchedMatmul,
  pool2d: checkPool,
  global_pool: checkGlobalPool,
  binary: checkBinary,
  activation: checkActivationOp,
  unary: checkUnary,
  deconv2d: checkDeconv,
  channel_affine: checkChannelAffine,
  softmax: checkSoftmax,
  concat: checkConcat,
  copy: (c, op) => checkSameSize(c, c.id('x', op.x)!, c.id('y', op.y)!),
  transpose: checkTranspose,
  lrn: checkLrn,
  pad: checkPad,
  slice: checkSlice,
  resize2d: checkResize,
};

/** Checks one op's operands and shapes. */
export function checkProgramOp(op: ProgramOp, index: number, values: readonly ProgramValue[]): void {
  const c: OpChecker = new OpChecker(op, index, values);
  const check = CHECKERS[op.op] as Checker<ProgramOpKind> | undefined;
  if (!check) c.fail(`unknown op kind '${(op as { op: string }).op}'`, undefined, 'see PROGRAM_OP_KINDS in @kiln/core');
  check(c, op as never);
}

function programError(message: string, hint?: string): KilnError {
  return new KilnError(ErrorCode.INVALID_ARGUMENT, `program: ${message}`, hint ? { hint } : {});
}

/**
 * The op that writes each value (for naming a value in errors), or the first that reads it
 * for feeds and weights.
 */
function valueOwners(program: Program): Map<number, { index: number; kind: string }> {
  const owners = new Map<number, { index: number; kind: string }>();
  program.ops.forEach((op, index) => {
    const y = (op as { y?: unknown }).y;
    if (typeof y === 'number') owners.set(y, { index, kind: op.op });
  });
  program.ops.forEach((op, index) => {
    for (const [key, v] of Object.entries(op)) {
      const ids = key === 'inputs' && Array.isArray(v) ? v : key !== 'y' && typeof v === 'number' ? [v] : [];
      for (const id of ids) if (typeof id === 'number' && !owners.has(id)) owners.set(id, { index, kind: op.op });
    }
  });
  return owners;
}

/**
 * Validates storage, feeds/outputs, sizes against `limits` (every value a tensor, the arena and
 * the weights one model) and every op; throws a KilnError naming what is wrong. Runs before the
 * addon sees the program, so nothing is allocated for a program that would exhaust memory.
 */
export function validateProgram(program: Program, limits: ResourceLimits = currentResourceLimits()): void {
  const { values, weights, inputs, outputs, arenaBytes } = program;
  if (
    !Array.isArray(values) ||
    !Array.isArray(weights) ||
    !Array.isArray(program.ops) ||
    !Array.isArray(inputs) ||
    !Array.isArray(outputs)
  ) {
    throw programError('needs values, weights, ops, inputs and outputs arrays');
  }
  // Any integer passes here: one past 2^53 is over maxModelBytes, a RESOURCE_LIMIT just below.
  if (!Number.isInteger(arenaBytes) || arenaBytes < 0) throw programError(`arenaBytes ${arenaBytes} must be an integer >= 0`);
  const owners = valueOwners(program);
  values.forEach((v, id) => {
    const what = `value ${id} '${v?.name}'`;
    if (typeof v !== 'object' || v === null || typeof v.name !== 'string') throw programError(`${what} must be { name, shape, storage }`);
    if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw programError(`${what} has shape ${JSON.stringify(v.shape)}; dims must be integers >= 0`);
    }
    const size = sizeOf(v.shape);
    const owner = owners.get(id);
    checkTensorSize(
      'float32',
      size,
      { layer: { name: v.name, kind: owner?.kind ?? 'value', ...(owner ? { index: owner.index } : {}) } },
      limits,
    );
    const s = v.storage;
    if (s?.kind === 'input') {
      if (!Number.isInteger(s.index) || s.index < 0 || s.index >= inputs.length) {
        throw programError(`${what} reads feed ${s.index} but the program has ${inputs.length} inputs`);
      }
    } else if (s?.kind === 'weight') {
      const w = weights[s.index];
      if (!Number.isInteger(s.index) || !w)
        throw programError(`${what} reads weight ${s.index} but the program has ${weights.length} weights`);
      if (!(w instanceof Float32Array)) throw programError(`weight ${s.index} (for ${what}) must be a Float32Array`);
      if (w.length !== size)
        throw programError(`${what} ${shapeText(v.shape)} needs ${size} elements but weight ${s.index} has ${w.length}`);
    } else if (s?.kind === 'arena') {
      if (!Number.isInteger(s.offset) || s.offset < 0 || s.offset % 4 !== 0 || s.offset + 4 * size > arenaBytes) {
        throw programError(
          `${what} occupies arena bytes [${s.offset}, ${s.offset + 4 * size}) outside the arena of ${arenaBytes} bytes`,
          'arena offsets must be multiples of 4 and every arena value must fit in arenaBytes',
        );
      }
    } else {
      throw programError(`${what} has storage kind '${(s as { kind?: string } | undefined)?.kind}'; use 'input', 'weight' or 'arena'`);
    }
  });
  // After the values: a value over the limits is named; the totals name no op.
  let weightBytes = 0;
  for (const w of weights) if (w instanceof Float32Array) weightBytes += w.byteLength;
  checkModelBytes(
    arenaBytes + weightBytes,
    `the program's activation arena (${arenaBytes} bytes) and weights (${weightBytes} bytes)`,
    {},
    limits,
  );
  inputs.forEach((id, i) => {
    const v = values[id];
    if (!Number.isInteger(id) || !v || v.storage.kind !== 'input' || v.storage.index !== i) {
      throw programError(`inputs[${i}] = ${id} must be a value with storage { kind: 'input', index: ${i} }`);
    }
  });
  outputs.forEach((id, i) => {
    if (!Number.isInteger(id) || !values[id]) throw programError(`outputs[${i}] = ${id} is not a value id`);
  });
  program.ops.forEach((op, index) => {
    checkProgramOp(op, index, values);
    const c = new OpChecker(op, index, values);
    const y = (op as { y: number }).y;
    c.require(values[y]?.storage.kind === 'arena', "writes a value that is not in the arena (ops may only write 'arena' values)", y);
  });
}
