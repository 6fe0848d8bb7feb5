/** The elementwise family: binary (numpy broadcast), activation, unary, channel_affine. */
import { int, oneOf, opt, req } from '../layer-defs/param-builders.js';
import { PROGRAM_BINARY_OPS, PROGRAM_UNARY_OPS } from '../program.js';
import { activationType, fusedActivation } from './attribute-types.js';
import { defineProgramOp, type ProgramOpOf } from './descriptor.js';
import { type ProgramOpContext, shapeText, sizeOf } from './op-context.js';

/** numpy broadcast of a and b, failing on b (the operand that usually carries the smaller shape). */
function broadcastOperands(c: ProgramOpContext<ProgramOpOf<'binary'>>): number[] {
  const as = c.shape(c.op.a);
  const bs = c.shape(c.op.b);
  const rank = Math.max(as.length, bs.length);
  const out: number[] = [];
  for (let i = 1; i <= rank; i++) {
    const ad = as[as.length - i] ?? 1;
    const bd = bs[bs.length - i] ?? 1;
    c.require(ad === bd || ad === 1 || bd === 1, `does not broadcast with a ${shapeText(as)}`, c.op.b);
    out.unshift(ad === 1 ? bd : ad);
  }
  return out;
}

/** y of an elementwise op over x: any shape with x's element count (a reshape may be folded in). */
export function sameCount(c: ProgramOpContext<ProgramOpOf<'activation' | 'unary' | 'copy'>>) {
  const count = c.size(c.op.x);
  return { accepts: (ys: readonly number[]) => (sizeOf(ys) === count ? undefined : `must have x's element count ${count}`) };
}

export const binary = defineProgramOp('binary')({
  summary: "elementwise a ∘ b with numpy broadcasting to y; 'prelu' is a ≥ 0 ? a : a·b",
  operands: [
    { field: 'a', role: 'input', inPlace: 'exact' },
    { field: 'b', role: 'input', inPlace: 'exact' },
    { field: 'y', role: 'output' },
  ],
  attributes: { type: req(oneOf(...PROGRAM_BINARY_OPS)), activation: fusedActivation },
  output: (c) => ({ shape: broadcastOperands(c), pattern: 'the broadcast of a and b' }),
});

export const activation = defineProgramOp('activation')({
  summary: 'y = act(x), element by element',
  operands: [
    { field: 'x', role: 'input', inPlace: 'exact' },
    { field: 'y', role: 'output' },
  ],
  attributes: { activation: req(activationType) },
  output: sameCount,
});

export const unary = defineProgramOp('unary')({
  summary: "y = f(x) element by element (ONNX semantics; 'round' is half to even)",
  operands: [
    { field: 'x', role: 'input', inPlace: 'exact' },
    { field: 'y', role: 'output' },
  ],
  attributes: { type: req(oneOf(...PROGRAM_UNARY_OPS)) },
  output: sameCount,
});

export const channel_affine = defineProgramOp('channel_affine')({
  summary: 'y = act(x·scale[c] + shift[c]) with c the index along channelAxis',
  operands: [
    { field: 'x', role: 'input', inPlace: 'exact' },
    { field: 'scale', role: 'weight', optional: true },
    { field: 'shift', role: 'weight', optional: true },
    { field: 'y', role: 'output' },
  ],
  attributes: { channelAxis: req(int(0)), activation: opt(activationType) },
  check(c) {
    const { op } = c;
    const xs = c.shape(op.x);
    c.require(op.channelAxis < xs.length, `channelAxis ${op.channelAxis} is not an axis of x`, op.x);
    const channels = xs[op.channelAxis]!;
    for (const [field, id] of [
      ['scale', op.scale],
      ['shift', op.shift],
    ] as const) {
      if (id !== undefined) c.require(c.size(id) === channels, `${field} must have one value per channel (${channels})`, id);
    }
  },
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
});
