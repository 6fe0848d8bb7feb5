/**
 * The elementwise family: binary (numpy broadcast; float and integer), compare, where, cast,
 * activation, unary, channel_affine.
 */
import { int, oneOf, opt, req } from '../layer-defs/param-builders.js';
import { PROGRAM_BINARY_OPS, PROGRAM_COMPARE_OPS, PROGRAM_UNARY_OPS } from '../program.js';
import { activationType, fusedActivation } from './attribute-types.js';
import { defineProgramOp, type ProgramOpOf } from './descriptor.js';
import { ANY_DTYPE, ARITHMETIC_DTYPES, BOOL_DTYPE, NUMERIC_DTYPES } from './dtype-sets.js';
import { type ProgramOpContext, shapeText, sizeOf } from './op-context.js';

/** numpy broadcast of the named operands, failing on the first that does not fit the ones before it. */
function broadcastOperands(c: ProgramOpContext, operands: readonly (readonly [string, number])[]): number[] {
  let out: number[] = [];
  const before: string[] = [];
  for (const [field, id] of operands) {
    const s = c.shape(id);
    const rank = Math.max(out.length, s.length);
    const next: number[] = [];
    for (let i = 1; i <= rank; i++) {
      const od = out[out.length - i] ?? 1;
      const sd = s[s.length - i] ?? 1;
      c.require(od === sd || od === 1 || sd === 1, `does not broadcast with ${before.join(' and ')} ${shapeText(out)}`, id);
      next.unshift(od === 1 ? sd : od);
    }
    out = next;
    before.push(field);
  }
  return out;
}

/** y of an elementwise op over x: any shape with x's element count (a reshape may be folded in). */
export function sameCount(c: ProgramOpContext<ProgramOpOf<'activation' | 'unary' | 'copy'>>) {
  const count = c.size(c.op.x);
  return { accepts: (ys: readonly number[]) => (sizeOf(ys) === count ? undefined : `must have x's element count ${count}`) };
}

/** binary's and compare's y: the broadcast of a and b. */
const broadcastOfAB = (c: ProgramOpContext<ProgramOpOf<'binary' | 'compare'>>) => ({
  shape: broadcastOperands(c, [
    ['a', c.op.a],
    ['b', c.op.b],
  ]),
  pattern: 'the broadcast of a and b',
});

export const binary = defineProgramOp('binary')({
  summary: "elementwise a ∘ b with numpy broadcasting to y; 'prelu' is a ≥ 0 ? a : a·b",
  operands: [
    { field: 'a', role: 'input', inPlace: 'exact', dtype: ARITHMETIC_DTYPES },
    { field: 'b', role: 'input', inPlace: 'exact', dtype: { same: 'a' } },
    { field: 'y', role: 'output', dtype: { same: 'a' } },
  ],
  attributes: { type: req(oneOf(...PROGRAM_BINARY_OPS)), activation: fusedActivation },
  check(c) {
    if (c.dtype(c.op.a) === 'float32') return;
    c.require(c.op.type !== 'pow' && c.op.type !== 'prelu', `'${c.op.type}' takes float32 operands`, c.op.a);
    c.require(c.op.activation === undefined, 'a fused activation needs float32 operands', c.op.a);
  },
  output: broadcastOfAB,
});

export const compare = defineProgramOp('compare')({
  summary: 'y (bool) = a ∘ b with numpy broadcasting',
  operands: [
    { field: 'a', role: 'input', dtype: NUMERIC_DTYPES },
    { field: 'b', role: 'input', dtype: { same: 'a' } },
    { field: 'y', role: 'output', dtype: BOOL_DTYPE },
  ],
  attributes: { type: req(oneOf(...PROGRAM_COMPARE_OPS)) },
  output: broadcastOfAB,
});

export const where = defineProgramOp('where')({
  summary: 'y = condition ? a : b, the three broadcast together',
  operands: [
    { field: 'condition', role: 'input', dtype: BOOL_DTYPE },
    { field: 'a', role: 'input', dtype: ANY_DTYPE },
    { field: 'b', role: 'input', dtype: { same: 'a' } },
    { field: 'y', role: 'output', dtype: { same: 'a' } },
  ],
  attributes: {},
  output: (c) => ({
    shape: broadcastOperands(c, [
      ['condition', c.op.condition],
      ['a', c.op.a],
      ['b', c.op.b],
    ]),
    pattern: 'the broadcast of condition, a and b',
  }),
});

export const cast = defineProgramOp('cast')({
  summary: "y = x converted to y's dtype (float → integer truncates; → bool is x ≠ 0)",
  operands: [
    { field: 'x', role: 'input', dtype: ANY_DTYPE },
    { field: 'y', role: 'output', dtype: ANY_DTYPE },
  ],
  attributes: {},
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
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
