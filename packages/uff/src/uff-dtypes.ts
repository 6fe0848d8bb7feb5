/** UFF's DataType enum (a width-tagged code: kind << 16 | bits). */
import type { DType } from '@kiln-inference/core';

const UFF_DTYPES: Record<number, DType> = {
  65544: 'int8',
  65552: 'int16',
  65568: 'int32',
  65600: 'int64',
  131088: 'float16',
  131104: 'float32',
};

export function uffDType(code: number): DType | undefined {
  return UFF_DTYPES[code];
}
