// Tensor's onnxruntime-style constructor forms beside Kiln's, and the rule that tells them apart.
import { describe, expect, it } from 'vitest';
import { dtypeFromTypeName, KilnError, ORT_TENSOR_TYPES, Tensor } from '../src/index.js';

// Calls TypeScript would refuse, as untyped JavaScript callers can make them.
const UntypedTensor = Tensor as unknown as new (...args: unknown[]) => Tensor;

function thrown(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

describe("Kiln's form (dtype, shape, data?)", () => {
  it('takes storage of the dtype', () => {
    const t = new Tensor('float32', [2, 2], new Float32Array([1, 2, 3, 4]));
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('zero-fills when data is left out: two plain number arrays stay Kiln (shape) when valid', () => {
    const t = new Tensor('float32', [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
  });

  it("keeps Kiln's own errors when the third argument can only be storage", () => {
    expect(thrown(() => new Tensor('float32', [2, 2], new Float32Array(3))).code).toBe('SHAPE_MISMATCH');
    expect(thrown(() => new Tensor('float32', [2], new Int32Array(2))).code).toBe('INVALID_DTYPE');
    expect(thrown(() => new Tensor('float32', [-1], new Float32Array(1))).code).toBe('INVALID_SHAPE');
  });
});

describe("onnxruntime's forms", () => {
  it('(type, typedArray, dims) shares the array', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = new Tensor('float32', data, [2, 3]);
    expect(t.dims).toEqual([2, 3]);
    expect(t.type).toBe('float32');
    expect(t.data).toBe(data);
  });

  it('(type, typedArray) is 1-D', () => {
    expect(new Tensor('int32', new Int32Array([1, 2, 3])).dims).toEqual([3]);
  });

  it("(type, plain numbers, dims): Kiln's reading is invalid (number[] is not storage), so onnxruntime's", () => {
    const t = new Tensor('float32', [1, 2, 3, 4], [2, 2]);
    expect(t.dims).toEqual([2, 2]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it("(type, numbers) without dims: onnxruntime's only when Kiln's shape reading is invalid", () => {
    const t = new Tensor('float32', [0.5, 1.5]);
    expect(t.dims).toEqual([2]);
    expect(Array.from(t.data as Float32Array)).toEqual([0.5, 1.5]);
  });

  it('(type, strings | booleans | bigints, dims)', () => {
    expect(new Tensor('string', ['a', 'b'], [2]).data).toEqual(['a', 'b']);
    const b = new Tensor('bool', [true, false, true], [3]);
    expect(b.dtype).toBe('bool');
    expect(Array.from(b.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(new Tensor('int64', [1n, -2n], [2]).data as BigInt64Array)).toEqual([1n, -2n]);
    expect(Array.from(new Tensor('int64', [3, 4], [1, 2]).data as BigInt64Array)).toEqual([3n, 4n]);
  });

  it('(data, dims) infers the type', () => {
    expect(new Tensor(new Float32Array(6), [2, 3]).type).toBe('float32');
    expect(new Tensor(new BigInt64Array(2), [2]).type).toBe('int64');
    expect(new Tensor(new Uint8Array(2)).type).toBe('uint8');
    expect(new Tensor(['x'], [1]).type).toBe('string');
    expect(new Tensor([true, false]).type).toBe('bool');
    expect(new Tensor([1, 2, 3]).type).toBe('float32');
  });

  it('float16 takes bit patterns in a Uint16Array', () => {
    const t = new Tensor('float16', new Uint16Array([0x3c00]), [1]);
    expect(t.getNumber(0)).toBe(1);
  });

  it('int4/uint4 unpack from two nibbles a byte, low nibble first', () => {
    const t = new Tensor('int4', new Uint8Array([0xf1, 0x07]), [3]);
    expect(Array.from(t.data as Int8Array)).toEqual([1, -1, 7]);
    expect(Array.from(new Tensor('uint4', new Uint8Array([0x21]), [2]).data as Uint8Array)).toEqual([1, 2]);
  });
});

describe('refusals', () => {
  it('neither reading valid: one KilnError naming both problems, with a hint', () => {
    const e = thrown(() => new Tensor('float32', [1, 2, 3], [2, 2]));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/fits neither form/);
    expect(e.message).toMatch(/as Kiln's .*as onnxruntime's .*3 elements do not fill dims \[2,2\]/);
    expect(e.hint).toMatch(/new Tensor\('float32', \[1, 2, 3, 4\], \[2, 2\]\)/);
  });

  it('wrong typed array for the type', () => {
    expect(thrown(() => new Tensor('float32', new Int32Array(2), [2])).message).toMatch(
      /float32 data must be a Float32Array, not a Int32Array/,
    );
  });

  it('unknown type names', () => {
    const e = thrown(() => new UntypedTensor('float', new Float32Array(1), [1]));
    expect(e.code).toBe('INVALID_DTYPE');
    expect(e.hint).toMatch(/float32/);
    expect(thrown(() => dtypeFromTypeName('double')).message).toMatch(/unknown tensor type "double"/);
  });

  it('data without a readable type, a third argument to (data, dims), mixed values, no shape', () => {
    expect(thrown(() => new UntypedTensor([{}], [1])).message).toMatch(/cannot tell the element type/);
    expect(thrown(() => new UntypedTensor(new Float32Array(1), [1], [1])).message).toMatch(/takes two arguments/);
    expect(thrown(() => new UntypedTensor('float32', [1, 'a'], [2])).message).toMatch(/needs numbers/);
    expect(thrown(() => new UntypedTensor('float32')).message).toMatch(/neither a shape nor data/);
  });

  it('every onnxruntime type name is a Kiln dtype', () => {
    for (const t of ORT_TENSOR_TYPES) expect(dtypeFromTypeName(t)).toBe(t);
  });
});

describe("onnxruntime's members", () => {
  it('dims, type, size, location', () => {
    const t = new Tensor('float32', [2, 3]);
    expect([t.dims, t.type, t.size, t.location]).toEqual([[2, 3], 'float32', 6, 'cpu']);
  });

  it('getData resolves the storage; getData(true) hands it over and disposes', async () => {
    const data = new Float32Array([1, 2]);
    const t = new Tensor('float32', data, [2]);
    expect(await t.getData()).toBe(data);
    expect(await t.getData(true)).toBe(data);
    expect(t.isDisposed).toBe(true);
    await expect(t.getData()).rejects.toThrow(/was disposed/);
  });

  it('dispose drops the storage and is idempotent', () => {
    const t = new Tensor('float32', [4]);
    t.dispose();
    t.dispose();
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data.length).toBe(0);
    expect(t.shape).toEqual([4]);
  });
});
