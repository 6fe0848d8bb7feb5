/**
 * Checks a Program before it reaches native code, so a bad one fails with a KilnError that
 * names the op (index, kind, and its layer through the label) and the value (id, name, shape)
 * instead of a native message: value ids in range, storage kinds and bounds, sizes against the
 * resource limits, and, per op from its descriptor, operand ids, attribute types, the op's
 * checks, its output-shape rule and which operands the output may overlap. The native side
 * repeats the checks that memory safety depends on.
 */
import { ErrorCode, KilnError } from '../errors.js';
import { opt, string } from '../layer-defs/param-builders.js';
import {
  isProgramDType,
  PROGRAM_DTYPE_ARRAYS,
  PROGRAM_DTYPES,
  type Program,
  type ProgramOp,
  type ProgramValue,
  programDTypeBytes,
} from '../program.js';
import { checkModelBytes, checkTensorSize, currentResourceLimits, type ResourceLimits } from '../resource-limits.js';
import { typeMismatch } from './attribute-types.js';
import type { ProgramOpDescriptor, ProgramOperandSpec, ProgramOutputRule } from './descriptor.js';
import { programOpDescriptor } from './descriptors.js';
import { ProgramOpContext, sameShape, shapeText, sizeOf, valueText } from './op-context.js';

/** Fields any op may carry (program.ts ProgramOpCommon). */
const COMMON_ATTRIBUTES = { label: opt(string), tactic: opt(string) };

function descriptorFor(c: ProgramOpContext): ProgramOpDescriptor {
  const kind = (c.op as { op?: unknown }).op;
  const d = programOpDescriptor(kind);
  if (!d) c.fail(`unknown op kind '${String(kind)}'`, undefined, 'see PROGRAM_OP_DESCRIPTORS in @kiln-inference/core');
  return d;
}

function checkId(c: ProgramOpContext, field: string, id: unknown): void {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= c.values.length) {
    c.fail(
      `${field} = ${valueText(id)} is not a value id (the program has ${c.values.length} values)`,
      undefined,
      'operands are indices into program.values',
    );
  }
}

function checkOperandIds(c: ProgramOpContext, spec: ProgramOperandSpec): void {
  const v = (c.op as unknown as Record<string, unknown>)[spec.field];
  if (spec.list) {
    c.require(Array.isArray(v) && v.length > 0, `${spec.field} needs at least one value id`);
    (v as unknown[]).forEach((id, i) => {
      checkId(c, `${spec.field}[${i}]`, id);
    });
  } else if (v !== undefined || !spec.optional) {
    checkId(c, spec.field, v);
  }
}

function checkAttributes(c: ProgramOpContext, attributes: ProgramOpDescriptor['attributes']): void {
  const record = c.op as unknown as Record<string, unknown>;
  for (const [field, spec] of Object.entries({ ...COMMON_ATTRIBUTES, ...attributes })) {
    if (!spec) continue;
    const v = record[field];
    if (v === undefined) {
      c.require(spec.optional, `${field} is missing`);
      continue;
    }
    const wrong = typeMismatch(spec.type, v, field, valueText);
    if (wrong) c.fail(wrong);
  }
}

/** Each operand's dtype against its spec (a list, or the dtype of another operand). */
function checkOperandDTypes(c: ProgramOpContext, specs: readonly ProgramOperandSpec[]): void {
  const record = c.op as unknown as Record<string, unknown>;
  const idsOf = (field: string) => [record[field]].flat().filter((v): v is number => typeof v === 'number');
  for (const spec of specs) {
    const ids = idsOf(spec.field);
    for (const id of ids) {
      const dtype = c.dtype(id);
      c.require(dtype === c.dtype(ids[0]!), `every ${spec.field} value must have one dtype (${c.dtype(ids[0]!)})`, id);
      const rule = spec.dtype ?? ['float32'];
      if ('same' in rule) {
        const other = c.dtype(idsOf(rule.same)[0]!);
        c.require(dtype === other, `${spec.field} is ${dtype} but must have ${rule.same}'s dtype ${other}`, id);
      } else {
        c.require(rule.includes(dtype), `${spec.field} is ${dtype} but must be ${rule.join(' or ')}`, id);
      }
    }
  }
}

function checkOutput(c: ProgramOpContext, rule: ProgramOutputRule, y: number): void {
  const ys = c.shape(y);
  if ('shape' in rule) {
    c.require(sameShape(ys, rule.shape), `y must be ${rule.pattern} = ${shapeText(rule.shape)}`, y);
  } else {
    const wrong = rule.accepts(ys);
    if (wrong) c.fail(wrong, y);
  }
}

/** The output field of a descriptor (every op writes exactly one value). */
function outputField(d: ProgramOpDescriptor): string {
  return d.operands.find((s) => s.role === 'output')!.field;
}

/**
 * Checks one op's operand ids, attribute types, its own checks and its output shape (storage
 * aside); returns its output rule (the exact shape, or the test y's shape passed). Throws a
 * KilnError naming the op when anything is wrong.
 */
export function checkProgramOp(op: ProgramOp, index: number, values: readonly ProgramValue[]): ProgramOutputRule {
  const c = new ProgramOpContext(op, index, values);
  if (typeof op !== 'object' || op === null) c.fail('must be an object with an op field');
  const d = descriptorFor(c);
  for (const spec of d.operands) checkOperandIds(c, spec);
  checkOperandDTypes(c, d.operands);
  checkAttributes(c, d.attributes);
  d.check?.(c);
  const rule = d.output(c);
  checkOutput(c, rule, (op as unknown as Record<string, number>)[outputField(d)]!);
  return rule;
}

/** Arena bytes [begin, end) of a value, or undefined when it is not in the arena. */
function arenaBytes(v: ProgramValue): [number, number] | undefined {
  return v.storage.kind === 'arena' ? [v.storage.offset, v.storage.offset + programDTypeBytes(v.dtype) * sizeOf(v.shape)] : undefined;
}

/**
 * The output lives in the arena and shares bytes with no operand, except exactly where the
 * descriptor lets it (elementwise in-place writes, concat inputs already at their slice).
 */
function checkOpStorage(c: ProgramOpContext, d: ProgramOpDescriptor): void {
  const record = c.op as unknown as Record<string, unknown>;
  const y = record[outputField(d)] as number;
  c.require(c.values[y]!.storage.kind === 'arena', "writes a value that is not in the arena (ops may only write 'arena' values)", y);
  const [yBegin, yEnd] = arenaBytes(c.values[y]!)!;
  if (yBegin === yEnd) return;
  for (const spec of d.operands) {
    if (spec.role === 'output') continue;
    const v = record[spec.field];
    const ids = spec.list ? (v as number[]) : v === undefined ? [] : [v as number];
    let sliceStart = yBegin;
    for (const id of ids) {
      const range = arenaBytes(c.values[id]!);
      const slice = spec.list ? sliceOf(c, id, y, sliceStart) : undefined;
      if (slice) sliceStart = slice[1];
      if (!range || range[0] === range[1] || range[1] <= yBegin || yEnd <= range[0]) continue;
      const exact = spec.inPlace === 'exact' && range[0] === yBegin && range[1] === yEnd;
      const atSlice = spec.inPlace === 'slice' && slice !== undefined && range[0] === slice[0] && range[1] === slice[1];
      if (exact || atSlice) continue;
      c.fail(
        `${spec.field} occupies arena bytes [${range[0]}, ${range[1]}) which overlap y's [${yBegin}, ${yEnd})`,
        id,
        spec.inPlace === 'exact'
          ? `${spec.field} may share y's bytes only exactly (same offset and size)`
          : spec.inPlace === 'slice'
            ? "a concat input may share y's bytes only as its own contiguous slice of y"
            : `the op reads ${spec.field} while writing y, so they must not overlap`,
      );
    }
  }
}

/**
 * Where a concat input's elements sit in y when they form one contiguous run (every dim before
 * the axis is 1): [begin, end) in arena bytes, starting at `start`; undefined otherwise.
 */
function sliceOf(c: ProgramOpContext, id: number, y: number, start: number): [number, number] | undefined {
  const axis = (c.op as { axis?: number }).axis ?? 0;
  const ys = c.shape(y);
  const a = axis < 0 ? axis + ys.length : axis;
  if (ys.slice(0, a).some((d) => d !== 1)) return undefined;
  return [start, start + programDTypeBytes(c.dtype(id)) * c.size(id)];
}

function programError(message: string, hint?: string): KilnError {
  return new KilnError(ErrorCode.INVALID_ARGUMENT, `program: ${message}`, hint ? { hint } : {});
}

/**
 * The op that writes each value (for naming a value in errors), or the first that reads it
 * for feeds and weights. Reads fields loosely: the ops are not validated yet.
 */
function valueOwners(program: Program): Map<number, { index: number; kind: string }> {
  const owners = new Map<number, { index: number; kind: string }>();
  const ownerOf = (op: ProgramOp, index: number) => ({ index, kind: String(op?.op) });
  const operandsOf = (op: ProgramOp) => {
    const d = programOpDescriptor(op?.op);
    const record = (op ?? {}) as unknown as Record<string, unknown>;
    return (d?.operands ?? []).map((s) => ({ spec: s, ids: [record[s.field]].flat().filter((v) => typeof v === 'number') }));
  };
  program.ops.forEach((op, index) => {
    for (const { spec, ids } of operandsOf(op)) if (spec.role === 'output') for (const id of ids) owners.set(id, ownerOf(op, index));
  });
  program.ops.forEach((op, index) => {
    for (const { spec, ids } of operandsOf(op)) {
      if (spec.role !== 'output') for (const id of ids) if (!owners.has(id)) owners.set(id, ownerOf(op, index));
    }
  });
  return owners;
}

function checkValues(program: Program, limits: ResourceLimits): void {
  const { values, weights, inputs, arenaBytes: arena } = program;
  const owners = valueOwners(program);
  values.forEach((v, id) => {
    const what = `value ${id} '${v?.name}'`;
    if (typeof v !== 'object' || v === null || typeof v.name !== 'string')
      throw programError(`${what} must be { name, dtype, shape, storage }`);
    if (!isProgramDType(v.dtype)) {
      throw programError(`${what} has dtype ${valueText(v.dtype)}; use one of ${PROGRAM_DTYPES.join(', ')}`);
    }
    if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw programError(`${what} has shape ${valueText(v.shape)}; dims must be integers >= 0`);
    }
    const size = sizeOf(v.shape);
    const owner = owners.get(id);
    checkTensorSize(
      v.dtype,
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
      const array = PROGRAM_DTYPE_ARRAYS[v.dtype];
      if (!(w instanceof array)) throw programError(`weight ${s.index} (for ${what}, ${v.dtype}) must be a ${array.name}`);
      if (w.length !== size)
        throw programError(`${what} ${shapeText(v.shape)} needs ${size} elements but weight ${s.index} has ${w.length}`);
    } else if (s?.kind === 'arena') {
      const bytes = programDTypeBytes(v.dtype);
      if (!Number.isInteger(s.offset) || s.offset < 0 || s.offset % bytes !== 0 || s.offset + bytes * size > arena) {
        throw programError(
          `${what} occupies arena bytes [${s.offset}, ${s.offset + bytes * size}) outside the arena of ${arena} bytes`,
          "arena offsets must be multiples of the dtype's size and every arena value must fit in arenaBytes",
        );
      }
    } else {
      throw programError(`${what} has storage kind '${(s as { kind?: string } | undefined)?.kind}'; use 'input', 'weight' or 'arena'`);
    }
  });
}

/**
 * Validates storage, feeds/outputs, sizes against `limits` (every value a tensor, the arena and
 * the weights one model) and every op; throws a KilnError naming what is wrong (an op's error
 * carries its label as the layer). Runs before an executor sees the program, so nothing is
 * allocated for a program that would exhaust memory.
 */
export function validateProgram(program: Program, limits: ResourceLimits = currentResourceLimits()): void {
  const { values, weights, inputs, outputs, arenaBytes: arena } = program;
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
  if (!Number.isInteger(arena) || arena < 0) throw programError(`arenaBytes ${arena} must be an integer >= 0`);
  checkValues(program, limits);
  // After the values: a value over the limits is named; the totals name no op.
  let weightBytes = 0;
  for (const w of weights) if (ArrayBuffer.isView(w)) weightBytes += w.byteLength;
  checkModelBytes(arena + weightBytes, `the program's activation arena (${arena} bytes) and weights (${weightBytes} bytes)`, {}, limits);
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
    const c = new ProgramOpContext(op, index, values);
    checkOpStorage(c, descriptorFor(c));
  });
}
