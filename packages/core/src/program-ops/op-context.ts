/**
 * What a descriptor's checks and shape rule see of one op: the op, its index, the program's
 * values, and a way to fail that names the op (index, kind, label) and, optionally, one value
 * (id, name, shape) with a KilnError.
 */
import { ErrorCode, KilnError } from '../errors.js';
import type { ProgramDType, ProgramOp, ProgramValue } from '../program.js';
import type { ProgramOpBodyShape } from './descriptor.js';

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Any field value as message text: a malformed Program may hold anything where a list belongs. */
export function valueText(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 200) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The op's layer name when it carries a usable one. */
export function opLabel(op: unknown): string | undefined {
  const label = (op as { label?: unknown } | null)?.label;
  return typeof label === 'string' && label.length > 0 ? label : undefined;
}

/** "program op 3 (conv2d)": how messages name an op; the label travels in the error's layer context. */
export function opTitle(op: unknown, index: number): string {
  return `program op ${index} (${String((op as { op?: unknown } | null)?.op)})`;
}

export class ProgramOpContext<O extends ProgramOpBodyShape = ProgramOp> {
  constructor(
    readonly op: O,
    readonly index: number,
    readonly values: readonly ProgramValue[],
  ) {}

  /**
   * Throws the KilnError for this op: its layer context is the op's label (the Network layer)
   * when it has one, else the value concerned, else "op N".
   */
  fail(message: string, valueId?: number, hint?: string): never {
    const v = valueId !== undefined ? this.values[valueId] : undefined;
    const what = v ? `value ${valueId} '${v.name}' ${shapeText(v.shape)}: ` : '';
    const name = opLabel(this.op) ?? v?.name ?? `op ${this.index}`;
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${opTitle(this.op, this.index)}: ${what}${message}`, {
      layer: { name, kind: String((this.op as { op?: unknown } | null)?.op), index: this.index },
      ...(hint ? { hint } : {}),
    });
  }

  require(ok: boolean, message: string, valueId?: number, hint?: string): void {
    if (!ok) this.fail(message, valueId, hint);
  }

  /** The shape of a value id the validator already checked. */
  shape(id: number): number[] {
    return this.values[id]!.shape;
  }

  dtype(id: number): ProgramDType {
    return this.values[id]!.dtype;
  }

  size(id: number): number {
    return sizeOf(this.values[id]!.shape);
  }

  /** A non-negative axis of a rank-`rank` value (negative counts from the end), or a failure naming `id`. */
  axis(axis: number, rank: number, id: number): number {
    const a = axis < 0 ? axis + rank : axis;
    this.require(Number.isInteger(axis) && a >= 0 && a < rank, `axis ${axis} is out of range for rank ${rank}`, id);
    return a;
  }
}

/** y of an elementwise op over x: any shape with x's element count (a reshape may be folded in). */
export function sameCount(c: ProgramOpContext<ProgramOpBodyShape & { x: number }>) {
  const count = c.size(c.op.x);
  return { accepts: (ys: readonly number[]) => (sizeOf(ys) === count ? undefined : `must have x's element count ${count}`) };
}
