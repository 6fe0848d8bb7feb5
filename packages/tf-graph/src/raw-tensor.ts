/**
 * Raw little-endian tensor data from model files, size-checked before anything is allocated:
 * a corrupted shape must fail with a KilnError, not try to allocate gigabytes.
 */
import { type DType, ErrorCode, KilnError, shapeSize, storageBytes, type Tensor, tensorFromLittleEndian } from '@kiln-inference/core';

/** Constants filled from a few typed values may not exceed this many elements (1 GiB of float32). */
export const MAX_CONSTANT_ELEMENTS = 2 ** 28;

export function rawTensor(dtype: DType, shape: readonly number[], bytes: Uint8Array, what: string): Tensor {
  const count = shapeSize(shape, { hint: `${what}: the shape is absurd; the file is corrupted` });
  const need = count * storageBytes(dtype);
  if (bytes.length !== need) {
    throw new KilnError(
      ErrorCode.INVALID_MODEL,
      `${what}: ${bytes.length} bytes do not hold ${dtype} [${shape.join(',')}] (${need} bytes)`,
      {
        hint: 'the file is corrupted or truncated',
      },
    );
  }
  return tensorFromLittleEndian(dtype, shape, bytes);
}

export function checkConstantSize(count: number, what: string): void {
  if (count > MAX_CONSTANT_ELEMENTS) {
    throw new KilnError(
      ErrorCode.DIMENSION_TOO_LARGE,
      `${what}: a constant of ${count} elements is larger than kiln reads (${MAX_CONSTANT_ELEMENTS})`,
      {
        hint: 'the file is corrupted, or the constant should be computed at run time',
      },
    );
  }
}
