/**
 * What flows between layers at run time: a tensor, or (for ONNX sequence layers) a sequence of
 * tensors. A sequence records its element dtype so an empty one still has a type.
 */
import { type DType, ErrorCode, KilnError, Tensor } from '@kiln-inference/core';

export class TensorSequence {
  readonly elements: readonly Tensor[];

  constructor(
    readonly dtype: DType,
    elements: readonly Tensor[] = [],
  ) {
    for (const [i, t] of elements.entries()) {
      if (t.dtype !== dtype) {
        throw new KilnError(ErrorCode.INVALID_ARGUMENT, `sequence element ${i} is ${t.dtype}; the sequence holds ${dtype}`, {
          hint: 'every element of a tensor sequence has the same dtype',
        });
      }
    }
    this.elements = [...elements];
  }

  get length(): number {
    return this.elements.length;
  }

  toString(): string {
    return `sequence<${this.dtype}>[${this.elements.length}]`;
  }
}

export type RuntimeValue = Tensor | TensorSequence;

export function isSequence(v: RuntimeValue | undefined): v is TensorSequence {
  return v instanceof TensorSequence;
}

/** A short description for error messages. */
export function describeValue(v: RuntimeValue): string {
  return v instanceof Tensor ? `a ${v.dtype} tensor` : `a sequence of ${v.dtype}`;
}
