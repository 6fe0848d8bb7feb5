/**
 * The contract of one Program op kind, stated once: its TypeScript shape (the op body type its
 * family file declares), which fields are operands (value ids) and what they are for, which are
 * attributes and their types, the output-shape rule, and the checks beyond types. ProgramOp, the
 * validator, the reference interpreter's operand access, the engine's operand tables and the
 * native reader's op table (tools/scripts/generate-native-op-table.mjs) are derived from these
 * descriptors, so adding an op means adding a descriptor to a family file.
 */
import type { ParamField } from '../layer-def.js';
import type { ProgramDType, ProgramOp, ProgramOpCommon, ProgramOpKind } from '../program.js';
import type { ProgramOpContext } from './op-context.js';

/** What every op body has: its kind (ProgramOp adds the common fields). */
export interface ProgramOpBodyShape {
  readonly op: string;
}

export type ProgramOpOf<K extends ProgramOpKind> = Extract<ProgramOp, { op: K }>;

/** The fields of op body O that its descriptor must describe (the discriminant and common fields aside). */
export type ProgramOpField<O extends ProgramOpBodyShape> = Exclude<keyof O, 'op' | keyof ProgramOpCommon>;

/**
 * What an operand is for. `input`: an activation (a feed or an arena value) read by the op;
 * `weight`: a tensor normally held in program.weights (filters, biases, scales), which
 * executors may prepack — any storage is valid; `output`: the value the op writes, which must
 * live in the arena.
 */
export type ProgramOperandRole = 'input' | 'weight' | 'output';

/**
 * The dtypes an operand may have: a list, or `{ same: field }` for "the dtype of that operand"
 * (an output that keeps its input's type, the second operand of a binary op). Absent: float32.
 */
export type ProgramOperandDType = readonly ProgramDType[] | { readonly same: string };

export interface ProgramOperandSpec<F extends string = string> {
  readonly field: F;
  readonly role: ProgramOperandRole;
  /** The field may be absent (an op without a bias, a residual, a scale …). */
  readonly optional?: boolean;
  /** The field holds a non-empty list of value ids (concat's inputs). */
  readonly list?: boolean;
  /**
   * Whether the output may share this operand's arena bytes. 'exact': the same offset and size
   * (the op reads it elementwise, each element before writing it); 'slice': a list operand may
   * already sit at its own slice of the output (concat skips copying it). Any other overlap of
   * an operand with the output is refused.
   */
  readonly inPlace?: 'exact' | 'slice';
  /** Which dtypes the operand takes (default: float32 only). */
  readonly dtype?: ProgramOperandDType;
}

/**
 * The output's shape, from the operands' shapes and the attributes. `shape` when they decide it;
 * `accepts` when y's shape carries information of its own (output padding, ceil mode, slice
 * lengths, resize sizes, a copy's target shape): it returns why a shape is wrong, or undefined.
 */
export type ProgramOutputRule =
  | {
      readonly shape: readonly number[];
      /** How y's shape is made, in the op's terms, for the error message ('[N, M, OH, OW]'). */
      readonly pattern: string;
    }
  | { readonly accepts: (y: readonly number[]) => string | undefined };

export interface ProgramOpDescriptor<O extends ProgramOpBodyShape = ProgramOpBodyShape> {
  readonly kind: O['op'];
  /** One line for docs and `kiln inspect`. */
  readonly summary: string;
  /** Every operand in the order executors and tables list them; the output last. */
  readonly operands: readonly ProgramOperandSpec<ProgramOpField<O> & string>[];
  /** The attribute fields with their types (checked before `check` and `output` run). */
  readonly attributes: { readonly [F in string & ProgramOpField<O>]?: ParamField };
  /**
   * Checks beyond types: ranks, attribute lengths, operand sizes, window arithmetic. Runs after
   * every operand id and attribute type is known to be valid; fails through `c`.
   */
  check?(c: ProgramOpContext<O & ProgramOpCommon>): void;
  /** y's shape rule; runs after `check`. */
  output(c: ProgramOpContext<O & ProgramOpCommon>): ProgramOutputRule;
}

/** The op type (body and common fields) a descriptor states: what ProgramOp is the union of. */
export type ProgramOpOfDescriptor<D> = D extends { output(c: ProgramOpContext<infer O>): ProgramOutputRule } ? O : never;

type OperandFieldsOf<O extends readonly ProgramOperandSpec[]> = O[number]['field'];

/**
 * States the descriptor of op body O (declared next to it in its family file) with the compiler
 * checking that operands and attributes together name every field of O exactly once.
 */
export function defineProgramOp<O extends ProgramOpBodyShape>(kind: O['op']) {
  return <const Ops extends readonly ProgramOperandSpec<ProgramOpField<O> & string>[]>(descriptor: {
    readonly summary: string;
    readonly operands: Ops;
    readonly attributes: { readonly [F in Exclude<ProgramOpField<O>, OperandFieldsOf<Ops>>]-?: ParamField };
    check?(c: ProgramOpContext<O & ProgramOpCommon>): void;
    output(c: ProgramOpContext<O & ProgramOpCommon>): ProgramOutputRule;
  }): ProgramOpDescriptor<O> & { readonly operands: Ops } =>
    ({ kind, ...descriptor }) as ProgramOpDescriptor<O> & { readonly operands: Ops };
}
