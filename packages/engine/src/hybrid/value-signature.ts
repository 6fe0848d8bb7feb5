/**
 * What an engine is keyed by: the shapes (and dtypes) of the values a segment reads. Batch
 * reuse follows TF-TRT's implicit-batch rule: dimension 0 of every input is the batch, and an
 * engine built for batch B serves batch b ≤ B when every other dimension matches exactly.
 */
import type { DType, Shape } from '@kiln-inference/core';
import { type RuntimeValue, TensorSequence } from '@kiln-inference/cpu-runtime';

/** One input as an engine sees it: a tensor's dtype and concrete shape, or a sequence. */
export type InputSignature = { kind: 'tensor'; dtype: DType; shape: number[] } | { kind: 'sequence'; dtype: DType };

export function signatureOf(value: RuntimeValue): InputSignature {
  if (value instanceof TensorSequence) return { kind: 'sequence', dtype: value.dtype };
  return { kind: 'tensor', dtype: value.dtype, shape: [...value.shape] };
}

/** A stable string for a list of input signatures (cache keys, events, file names). */
export function signatureKey(inputs: readonly InputSignature[]): string {
  return inputs.map((s) => (s.kind === 'sequence' ? `seq<${s.dtype}>` : `${s.dtype}[${s.shape.join('x')}]`)).join(',');
}

/** The shapes alone, for events and reports (null for a sequence). */
export function signatureShapes(inputs: readonly InputSignature[]): (number[] | null)[] {
  return inputs.map((s) => (s.kind === 'sequence' ? null : [...s.shape]));
}

/**
 * The batch shared by every input of rank ≥ 1, or null when there is none (no such input,
 * inputs disagree on dimension 0, or a sequence input). Only such engines can serve smaller batches.
 */
export function commonBatch(inputs: readonly InputSignature[]): number | null {
  let batch: number | null = null;
  for (const s of inputs) {
    if (s.kind === 'sequence') return null;
    if (s.shape.length === 0) continue;
    const b = s.shape[0]!;
    if (batch === null) batch = b;
    else if (batch !== b) return null;
  }
  return batch;
}

export function sameSignatures(a: readonly InputSignature[], b: readonly InputSignature[]): boolean {
  return signatureKey(a) === signatureKey(b);
}

/**
 * Whether an engine built for `built` (batch B) can run `actual`: same dtypes and ranks, equal
 * dimensions except dimension 0, and a common batch b ≤ B.
 */
export function servesSmallerBatch(built: readonly InputSignature[], actual: readonly InputSignature[]): boolean {
  if (built.length !== actual.length) return false;
  const B = commonBatch(built);
  const b = commonBatch(actual);
  if (B === null || b === null || b > B) return false;
  return built.every((s, i) => {
    const t = actual[i]!;
    if (s.kind !== 'tensor' || t.kind !== 'tensor' || s.dtype !== t.dtype || s.shape.length !== t.shape.length) return false;
    return s.shape.every((d, k) => k === 0 || d === t.shape[k]);
  });
}

/** Dimension 0 of every rank ≥ 1 input replaced by the symbol `batch` (other dims kept). */
export function withSymbolicBatch(inputs: readonly InputSignature[], symbol = 'batch'): (Shape | null)[] {
  return inputs.map((s) => (s.kind === 'sequence' ? null : s.shape.length === 0 ? [] : [symbol, ...s.shape.slice(1)]));
}
