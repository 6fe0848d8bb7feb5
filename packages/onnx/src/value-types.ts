/** TypeProto ↔ kiln ValueType, and TensorShapeProto dims ↔ kiln Dim. */
import { checkCount, type Dim, type Shape, type ValueType } from '@kiln-inference/core';
import { kilnDTypeToOnnx, onnxDTypeToKiln } from './dtypes.js';
import { int64ToNumber, numberToInt64 } from './proto/int64.js';
import { type DimensionMsg, hasField, type TensorShapeMsg, type TensorTypeMsg, type TypeMsg } from './proto/messages.js';

export interface TypeImportOptions {
  /** Declared dims of 0 become unknown (null) and are reported through `onZeroDim`. */
  zeroDimsUnknown?: boolean;
  onZeroDim?: (axis: number) => void;
}

function dimFromProto(d: DimensionMsg, axis: number, options: TypeImportOptions): Dim {
  if (hasField(d, 'dimValue') && d.dimValue !== null && d.dimValue !== undefined) {
    const v = int64ToNumber(d.dimValue);
    if (v === 0 && options.zeroDimsUnknown) {
      options.onZeroDim?.(axis);
      return null;
    }
    // A negative declared dim means nothing concrete; treat it as unknown.
    return v < 0 || !Number.isSafeInteger(v) ? null : v;
  }
  if (hasField(d, 'dimParam') && d.dimParam) return d.dimParam;
  return null;
}

export function shapeFromProto(shape: TensorShapeMsg | null | undefined, options: TypeImportOptions = {}): Shape | null {
  if (!shape) return null;
  return shape.dim.map((d, axis) => dimFromProto(d, axis, options));
}

function dtypeOrNull(code: number) {
  try {
    return code === 0 ? null : onnxDTypeToKiln(code);
  } catch {
    return null;
  }
}

function tensorLike(kind: 'tensor' | 'sparse_tensor', t: TensorTypeMsg, options: TypeImportOptions): ValueType | null {
  const dtype = dtypeOrNull(t.elemType);
  if (dtype === null) return null;
  return { kind, dtype, shape: shapeFromProto(t.shape, options) } as ValueType;
}

/** A declared type; null when absent or when kiln cannot represent it (opaque, complex). */
export function valueTypeFromProto(t: TypeMsg | null | undefined, options: TypeImportOptions = {}, depth = 0): ValueType | null {
  if (!t) return null;
  // sequence(sequence(…)) nests without bound in the file; readers of the type recurse over it.
  checkCount('maxNestingDepth', depth, 'the nesting depth of a value type');
  if (t.tensorType) return tensorLike('tensor', t.tensorType, options);
  if (t.sparseTensorType) return tensorLike('sparse_tensor', t.sparseTensorType, options);
  if (t.sequenceType) return { kind: 'sequence', element: valueTypeFromProto(t.sequenceType.elemType, options, depth + 1) };
  if (t.optionalType) return { kind: 'optional', element: valueTypeFromProto(t.optionalType.elemType, options, depth + 1) };
  if (t.mapType) {
    const keyType = dtypeOrNull(t.mapType.keyType);
    return keyType === null ? null : { kind: 'map', keyType, valueType: valueTypeFromProto(t.mapType.valueType, options, depth + 1) };
  }
  return null;
}

// ---------------------------------------------------------------- export

export interface TypeProtoObject {
  tensorType?: { elemType: number; shape?: { dim: object[] } };
  sparseTensorType?: { elemType: number; shape?: { dim: object[] } };
  sequenceType?: { elemType?: TypeProtoObject };
  optionalType?: { elemType?: TypeProtoObject };
  mapType?: { keyType: number; valueType?: TypeProtoObject };
}

export function shapeToProto(shape: Shape): { dim: object[] } {
  return {
    dim: shape.map((d) => (typeof d === 'number' ? { dimValue: numberToInt64(d) } : typeof d === 'string' ? { dimParam: d } : {})),
  };
}

export function valueTypeToProto(t: ValueType): TypeProtoObject {
  switch (t.kind) {
    case 'tensor':
    case 'sparse_tensor': {
      const body =
        t.shape === null ? { elemType: kilnDTypeToOnnx(t.dtype) } : { elemType: kilnDTypeToOnnx(t.dtype), shape: shapeToProto(t.shape) };
      return t.kind === 'tensor' ? { tensorType: body } : { sparseTensorType: body };
    }
    case 'sequence':
      return { sequenceType: t.element ? { elemType: valueTypeToProto(t.element) } : {} };
    case 'optional':
      return { optionalType: t.element ? { elemType: valueTypeToProto(t.element) } : {} };
    case 'map':
      return {
        mapType: t.valueType
          ? { keyType: kilnDTypeToOnnx(t.keyType), valueType: valueTypeToProto(t.valueType) }
          : { keyType: kilnDTypeToOnnx(t.keyType) },
      };
  }
}
