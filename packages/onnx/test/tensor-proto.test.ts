/** TensorProto codecs: every element type, raw_data and typed fields, packed sub-byte types. */
import { DTYPES, type DType, float32ToBfloat16, float32ToFloat16, KilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose, mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { decodeTensorProto, encodeTensorProto, kilnDTypeToOnnx, OnnxDataType, onnxDTypeToKiln } from '../src/index.js';
import { ProtoTypes } from '../src/proto/schema.js';
import { tensorDifference } from './helpers/graph-equality.js';

function encodeMessage(fields: Record<string, unknown>): Uint8Array {
  return ProtoTypes.TensorProto.encode(fields).finish();
}

/** Sample values that fit every dtype's range (sub-byte types included). */
function sampleValues(dtype: DType, n: number): (number | bigint | string | boolean)[] {
  const rand = mulberry32(n * 7 + dtype.length);
  if (dtype === 'string') return Array.from({ length: n }, (_, i) => `s${i}-é`);
  if (dtype === 'bool') return Array.from({ length: n }, () => rand() > 0.5);
  if (dtype === 'int64') return Array.from({ length: n }, (_, i) => (i === 0 ? -(2n ** 62n) - 3n : BigInt(i * 1000 - 7)));
  if (dtype === 'uint64') return Array.from({ length: n }, (_, i) => (i === 0 ? 2n ** 64n - 1n : BigInt(i)));
  if (dtype === 'int4') return Array.from({ length: n }, (_, i) => (i % 16) - 8);
  if (dtype === 'uint4') return Array.from({ length: n }, (_, i) => i % 16);
  if (dtype === 'int2') return Array.from({ length: n }, (_, i) => (i % 4) - 2);
  if (dtype === 'uint2') return Array.from({ length: n }, (_, i) => i % 4);
  if (dtype === 'float4e2m1') return Array.from({ length: n }, (_, i) => [0, 0.5, -1, 1.5, 2, -3, 4, 6][i % 8]!);
  if (dtype.startsWith('float') || dtype === 'bfloat16') return Array.from({ length: n }, () => Math.round((rand() * 8 - 4) * 8) / 8);
  if (dtype.startsWith('uint')) return Array.from({ length: n }, (_, i) => i * 3);
  return Array.from({ length: n }, (_, i) => i * 3 - 5);
}

describe('dtype codes', () => {
  it('map every kiln dtype to an ONNX code and back', () => {
    for (const dtype of DTYPES) expect(onnxDTypeToKiln(kilnDTypeToOnnx(dtype))).toBe(dtype);
    expect(kilnDTypeToOnnx('float16')).toBe(10);
    expect(kilnDTypeToOnnx('int2')).toBe(26);
  });

  it('reject complex and unknown codes with clear errors', () => {
    expect(() => onnxDTypeToKiln(OnnxDataType.COMPLEX64)).toThrowError(/COMPLEX64.*not supported/);
    expect(() => onnxDTypeToKiln(OnnxDataType.COMPLEX64)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_DTYPE' }));
    expect(() => onnxDTypeToKiln(99)).toThrow(expect.objectContaining({ code: 'INVALID_DTYPE' }));
  });
});

describe('encodeTensorProto / decodeTensorProto', () => {
  for (const dtype of DTYPES) {
    for (const shape of [[], [5], [2, 3, 3]]) {
      it(`round-trips ${dtype} of shape [${shape}] bit-exactly`, () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const t = Tensor.fromValues(dtype, shape, sampleValues(dtype, n));
        const back = decodeTensorProto(encodeTensorProto(t, 'x'));
        expect(back.name).toBe('x');
        expect(tensorDifference(t, back.tensor, dtype)).toBeUndefined();
      });
    }
  }

  it('packs int4 two per byte, low nibble first, for odd lengths', () => {
    const t = Tensor.fromValues('int4', [3], [-1, 7, -8]);
    const msg = ProtoTypes.TensorProto.decode(encodeTensorProto(t, 'q')) as unknown as { rawData: Uint8Array };
    expect(Array.from(msg.rawData)).toEqual([0x7f, 0x08]);
    expect(Array.from(decodeTensorProto(encodeTensorProto(t, 'q')).tensor.data as Int8Array)).toEqual([-1, 7, -8]);
  });

  it('packs uint2 four per byte', () => {
    const t = Tensor.fromValues('uint2', [5], [1, 2, 3, 0, 3]);
    const msg = ProtoTypes.TensorProto.decode(encodeTensorProto(t, 'q')) as unknown as { rawData: Uint8Array };
    expect(Array.from(msg.rawData)).toEqual([0b00111001, 0b11]);
  });

  it('reads float16 and bfloat16 bit patterns from int32_data', () => {
    const values = [1.5, -2.25, 65504, 0.0001];
    const f16 = decodeTensorProto(encodeMessage({ dims: [4], dataType: OnnxDataType.FLOAT16, int32Data: values.map(float32ToFloat16) }));
    expectTensorClose(f16.tensor, Tensor.fromValues('float16', [4], values), { rtol: 0, atol: 0 });
    const bf = decodeTensorProto(
      encodeMessage({ dims: [2, 2], dataType: OnnxDataType.BFLOAT16, int32Data: values.map(float32ToBfloat16) }),
    );
    expect(Array.from(bf.tensor.data as Uint16Array)).toEqual(values.map(float32ToBfloat16));
  });

  it('reads the other typed fields', () => {
    const ints = decodeTensorProto(encodeMessage({ dims: [3], dataType: OnnxDataType.INT8, int32Data: [-128, 0, 127] })).tensor;
    expect(Array.from(ints.data as Int8Array)).toEqual([-128, 0, 127]);
    const bools = decodeTensorProto(encodeMessage({ dims: [3], dataType: OnnxDataType.BOOL, int32Data: [1, 0, 1] })).tensor;
    expect(bools.toArray()).toEqual([true, false, true]);
    const floats = decodeTensorProto(encodeMessage({ dims: [2], dataType: OnnxDataType.FLOAT, floatData: [0.5, -3] })).tensor;
    expectTensorClose(floats, Tensor.fromValues('float32', [2], [0.5, -3]), { rtol: 0, atol: 0 });
    const doubles = decodeTensorProto(encodeMessage({ dims: [1], dataType: OnnxDataType.DOUBLE, doubleData: [Math.PI] })).tensor;
    expect(doubles.toArray()).toEqual([Math.PI]);
    const i64 = decodeTensorProto(
      encodeMessage({ dims: [2], dataType: OnnxDataType.INT64, int64Data: ['-9223372036854775808', 5] }),
    ).tensor;
    expect(i64.toArray()).toEqual([-(2n ** 63n), 5n]);
    const u64 = decodeTensorProto(encodeMessage({ dims: [1], dataType: OnnxDataType.UINT64, uint64Data: ['18446744073709551615'] })).tensor;
    expect(u64.toArray()).toEqual([2n ** 64n - 1n]);
    const u32 = decodeTensorProto(encodeMessage({ dims: [1], dataType: OnnxDataType.UINT32, uint64Data: [4294967295] })).tensor;
    expect(u32.toArray()).toEqual([4294967295]);
    const strs = decodeTensorProto(
      encodeMessage({ dims: [2], dataType: OnnxDataType.STRING, stringData: [new TextEncoder().encode('ä'), new Uint8Array(0)] }),
    ).tensor;
    expect(strs.toArray()).toEqual(['ä', '']);
  });

  it('reads int4 from packed int32_data, odd length, and one-per-int32 writers', () => {
    const packed = decodeTensorProto(encodeMessage({ dims: [3], dataType: OnnxDataType.INT4, int32Data: [0x7f, 0x08] })).tensor;
    expect(Array.from(packed.data as Int8Array)).toEqual([-1, 7, -8]);
    const unpacked = decodeTensorProto(encodeMessage({ dims: [4], dataType: OnnxDataType.UINT4, int32Data: [1, 15, 0, 9] })).tensor;
    expect(Array.from(unpacked.data as Uint8Array)).toEqual([1, 15, 0, 9]);
  });

  it('decodes float8 and float4 raw bytes by the spec encodings', () => {
    const e4m3 = decodeTensorProto(
      encodeMessage({ dims: [3], dataType: OnnxDataType.FLOAT8E4M3FN, rawData: new Uint8Array([0x38, 0xc0, 0x7e]) }),
    ).tensor;
    expect(Array.from(e4m3.toFloat64())).toEqual([1, -2, 448]);
    const e2m1 = decodeTensorProto(
      encodeMessage({ dims: [3], dataType: OnnxDataType.FLOAT4E2M1, rawData: new Uint8Array([0x2f, 0x07]) }),
    ).tensor;
    expect(Array.from(e2m1.toFloat64())).toEqual([-6, 1, 6]);
  });

  it('rejects data that does not fill the shape, naming the tensor', () => {
    const short = encodeMessage({ name: 'w', dims: [4], dataType: OnnxDataType.FLOAT, rawData: new Uint8Array(12) });
    expect(() => decodeTensorProto(short)).toThrowError(/tensor 'w'.*12 bytes is shorter/);
    const typed = encodeMessage({ name: 'w', dims: [4], dataType: OnnxDataType.FLOAT, floatData: [1, 2] });
    expect(() => decodeTensorProto(typed)).toThrowError(KilnError);
    expect(() => decodeTensorProto(typed)).toThrowError(/floatData holds 2 values but the shape needs 4/);
  });

  it('rejects negative and absurd dims before allocating', () => {
    expect(() => decodeTensorProto(encodeMessage({ name: 'n', dims: [2, -1], dataType: 1 }))).toThrow(
      expect.objectContaining({ code: 'INVALID_SHAPE' }),
    );
    const huge = encodeMessage({ name: 'h', dims: [1 << 20, 1 << 20, 2], dataType: 1, rawData: new Uint8Array(8) });
    expect(() => decodeTensorProto(huge)).toThrow(expect.objectContaining({ code: 'DIMENSION_TOO_LARGE' }));
  });

  it('rejects complex tensors with UNSUPPORTED_DTYPE', () => {
    const c = encodeMessage({ name: 'c', dims: [1], dataType: OnnxDataType.COMPLEX64, rawData: new Uint8Array(8) });
    expect(() => decodeTensorProto(c)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_DTYPE' }));
  });
});
