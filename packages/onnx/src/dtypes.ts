/** ONNX TensorProto.DataType codes ↔ kiln dtypes. */
import { type DType, ErrorCode, KilnError } from '@kiln-inference/core';

/** TensorProto.DataType values from onnx.proto. */
export const OnnxDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

const TO_KILN: ReadonlyMap<number, DType> = new Map<number, DType>([
  [OnnxDataType.FLOAT, 'float32'],
  [OnnxDataType.UINT8, 'uint8'],
  [OnnxDataType.INT8, 'int8'],
  [OnnxDataType.UINT16, 'uint16'],
  [OnnxDataType.INT16, 'int16'],
  [OnnxDataType.INT32, 'int32'],
  [OnnxDataType.INT64, 'int64'],
  [OnnxDataType.STRING, 'string'],
  [OnnxDataType.BOOL, 'bool'],
  [OnnxDataType.FLOAT16, 'float16'],
  [OnnxDataType.DOUBLE, 'float64'],
  [OnnxDataType.UINT32, 'uint32'],
  [OnnxDataType.UINT64, 'uint64'],
  [OnnxDataType.BFLOAT16, 'bfloat16'],
  [OnnxDataType.FLOAT8E4M3FN, 'float8e4m3fn'],
  [OnnxDataType.FLOAT8E4M3FNUZ, 'float8e4m3fnuz'],
  [OnnxDataType.FLOAT8E5M2, 'float8e5m2'],
  [OnnxDataType.FLOAT8E5M2FNUZ, 'float8e5m2fnuz'],
  [OnnxDataType.UINT4, 'uint4'],
  [OnnxDataType.INT4, 'int4'],
  [OnnxDataType.FLOAT4E2M1, 'float4e2m1'],
  [OnnxDataType.UINT2, 'uint2'],
  [OnnxDataType.INT2, 'int2'],
]);

const TO_ONNX: ReadonlyMap<DType, number> = new Map([...TO_KILN].map(([code, dtype]) => [dtype, code]));

const UNSUPPORTED_NAMES: Record<number, string> = {
  [OnnxDataType.COMPLEX64]: 'COMPLEX64',
  [OnnxDataType.COMPLEX128]: 'COMPLEX128',
  [OnnxDataType.FLOAT8E8M0]: 'FLOAT8E8M0',
};

export function onnxDTypeToKiln(code: number, where?: string): DType {
  const dtype = TO_KILN.get(code);
  if (dtype) return dtype;
  const prefix = where ? `${where}: ` : '';
  const known = UNSUPPORTED_NAMES[code];
  if (known) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `${prefix}ONNX element type ${known} (${code}) is not supported by kiln`, {
      hint: 'cast the value to a supported type (float32, float64, …) in the exporting framework',
    });
  }
  throw new KilnError(ErrorCode.INVALID_DTYPE, `${prefix}ONNX element type code ${code} is not a valid TensorProto.DataType`, {
    hint: 'the model is corrupted or was written by a newer ONNX than kiln knows',
  });
}

export function kilnDTypeToOnnx(dtype: DType): number {
  const code = TO_ONNX.get(dtype);
  if (code === undefined) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `dtype '${String(dtype)}' has no ONNX element type`, {
      hint: 'cast the tensor to an ONNX element type before exporting',
    });
  }
  return code;
}
