/**
 * A lowerer turns one layer into Program ops for its inputs' static shapes, records its
 * outputs' shapes, and refuses (KilnError naming the layer) what programSupport let through but
 * the actual shapes do not allow.
 */
import { type AnyLayer, ErrorCode, KilnError, type LayerKind } from '@kiln/core';
import type { ProgramAssembler } from './program-assembler.js';

export type Lowerer<L extends AnyLayer = AnyLayer> = (layer: L, asm: ProgramAssembler) => void;

export type LowererTable = { [K in LayerKind]?: Lowerer<Extract<AnyLayer, { kind: K }>> };

export function loweringError(layer: AnyLayer, message: string, hint?: string): KilnError {
  return new KilnError(ErrorCode.UNSUPPORTED_LAYER, `cannot lower to native ops: ${message}`, {
    layer: { name: layer.name, kind: layer.kind },
    hint: hint ?? 'run this layer with the reference kernels (EngineOptions.kernels: "reference") and report the model',
  });
}

export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Integer values of a constant operand (shapes, axes, pads …). */
export function constantIntegers(layer: AnyLayer, asm: ProgramAssembler, index: number, what: string): number[] {
  const name = layer.inputs[index];
  const t = name ? asm.constant(name) : undefined;
  if (!t) throw loweringError(layer, `its ${what} (input ${index}) is not a build-time constant`);
  return Array.from(t.toFloat64(), (v) => Number(v));
}
