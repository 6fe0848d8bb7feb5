/**
 * A lowerer turns one layer into Program ops for its inputs' static shapes, records its
 * outputs' shapes, and refuses (KilnError naming the layer) what programSupport let through but
 * the actual shapes do not allow.
 */
import { type AnyLayer, type DType, ErrorCode, KilnError, type LayerKind } from '@kiln-inference/core';
import type { ProgramAssembler } from './program-assembler.js';
import type { NativeTarget, ProgramSupport } from './program-support.js';

export type Lowerer<L extends AnyLayer = AnyLayer> = (layer: L, asm: ProgramAssembler) => void;

/**
 * Whether a layer of one kind lowers for `target`, judged by the kind's own lowerer file from its
 * params and its tensors' dtypes (`dtypeOf`, undefined where unknown). programSupport asks it
 * instead of its generic dtype and kind rules, so what a lowerer accepts sits beside how it lowers.
 */
export type SupportRule<L extends AnyLayer = AnyLayer> = (
  layer: L,
  dtypeOf: (tensor: string) => DType | undefined,
  target: NativeTarget,
) => ProgramSupport;

/** A lowerer with its own support rule. */
export interface RuledLowerer<L extends AnyLayer = AnyLayer> {
  lower: Lowerer<L>;
  support: SupportRule<L>;
}

export type LowererTable = {
  [K in LayerKind]?: Lowerer<Extract<AnyLayer, { kind: K }>> | RuledLowerer<Extract<AnyLayer, { kind: K }>>;
};

/** The lowering function of a table entry. */
export function lowerOf(entry: LowererTable[LayerKind]): Lowerer | undefined {
  return (typeof entry === 'function' ? entry : entry?.lower) as Lowerer | undefined;
}

/** A table entry's own support rule, when it has one. */
export function supportRuleOf(entry: LowererTable[LayerKind]): SupportRule | undefined {
  return (typeof entry === 'object' ? entry.support : undefined) as SupportRule | undefined;
}

export function loweringError(layer: AnyLayer, message: string, hint?: string): KilnError {
  return new KilnError(ErrorCode.UNSUPPORTED_LAYER, `cannot lower to native ops: ${message}`, {
    layer: { name: layer.name, kind: layer.kind },
    hint: hint ?? 'run this layer with the reference kernels (EngineOptions.kernels: "reference") and report the model',
  });
}

/**
 * Runs one layer's lowering so that any KilnError it raises names the layer: shape helpers shared
 * with core (broadcasting, window arithmetic) throw without knowing which layer asked.
 */
export function lowerWithLayerContext(layer: AnyLayer, lower: () => void): void {
  try {
    lower();
  } catch (e) {
    if (!(e instanceof KilnError) || e.layer || e.node) throw e;
    const plain = e.hint ? e.message.slice(0, e.message.lastIndexOf(' Hint: ')) : e.message;
    throw new KilnError(e.code, plain, { layer: { name: layer.name, kind: layer.kind }, hint: e.hint, cause: e });
  }
}

export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * An axis of a rank-`rank` tensor, made non-negative. A plan's params are only checksummed, so
 * an axis may be anything: out of range it is an INVALID_ATTRIBUTE naming the layer, never an
 * index that grows a shape array to 2^31 entries.
 */
export function layerAxis(layer: AnyLayer, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isSafeInteger(axis) || axis < -rank || axis >= rank) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `${what} ${axis} is out of range for a rank-${rank} input`, {
      layer: { name: layer.name, kind: layer.kind },
      hint: `${what} must be an integer in [${-rank}, ${rank - 1}]`,
    });
  }
  return axis < 0 ? axis + rank : axis;
}

/** Integer values of a constant operand (shapes, axes, pads …). */
export function constantIntegers(layer: AnyLayer, asm: ProgramAssembler, index: number, what: string): number[] {
  const name = layer.inputs[index];
  const t = name ? asm.constant(name) : undefined;
  if (!t) throw loweringError(layer, `its ${what} (input ${index}) is not a build-time constant`);
  return Array.from(t.toFloat64(), (v) => Number(v));
}
