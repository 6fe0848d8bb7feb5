/**
 * inputMetadata / outputMetadata in onnxruntime's shape, derived from the engine's inputs and
 * outputs: symbolic dims keep their names (strings), dims nothing is known about read as ''
 * (as onnxruntime reports them), and an unknown rank is an empty shape.
 */
import type { DType } from '@kiln-inference/core';
import type { EngineIO } from '@kiln-inference/engine';

/** One input or output as onnxruntime-node's `inputMetadata` / `outputMetadata` describe it. */
export type ValueMetadata =
  | { readonly name: string; readonly isTensor: false }
  | {
      readonly name: string;
      readonly isTensor: true;
      /** onnxruntime's type names are Kiln dtype names; Kiln-only dtypes (bfloat16, float8…) appear as themselves. */
      readonly type: DType;
      readonly shape: readonly (number | string)[];
    };

export function valueMetadata(io: EngineIO): ValueMetadata {
  // Tensor sequences are not tensors to onnxruntime either.
  if (io.valueKind === 'sequence') return Object.freeze({ name: io.name, isTensor: false });
  const shape = Object.freeze((io.shape ?? []).map((d) => (d === null ? '' : d)));
  return Object.freeze({ name: io.name, isTensor: true, type: io.dtype, shape });
}
