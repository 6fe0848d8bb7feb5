import { describe, expect, it } from 'vitest';
import {
  type AnyLayer,
  type DType,
  ErrorCode,
  type LayerDef,
  type LayerKind,
  type LayerParamsMap,
  type Shape,
  Tensor,
  type ValueFacts,
} from '../../src/index.js';
import { DATA_MOVEMENT_DEFS as D } from '../../src/layer-defs/data-movement.js';
import { inferWith } from '../../src/layer-defs/infer-with.js';
import { t, thrown } from './infer-helpers.js';

const i64 = (values: readonly number[], shape: readonly number[] = [values.length]) =>
  Tensor.fromValues(
    'int64',
    shape,
    values.map((v) => BigInt(v)),
  );
/** Facts of a constant int64 operand (its value known at build time). */
const known = (values: readonly number[], shape: readonly number[] = [values.length]) => t('int64', shape, i64(values, shape));
const f32 = (shape: Shape | null) => t('float32', shape);

/** Marks an input that is connected but about which nothing is known. */
const UNKNOWN = 'unknown' as const;
type In = ValueFacts | typeof UNKNOWN | undefined;

/** Infers a layer 'L'; undefined inputs are omitted (''), UNKNOWN ones are wired without facts. */
function run<K extends LayerKind>(def: LayerDef<K>, params: LayerParamsMap[K], inputs: readonly In[], outputs = 1): ValueFacts[] {
  const layer = {
    name: 'L',
    kind: def.kind,
    inputs: inputs.map((f, i) => (f ? `in${i}` : '')),
    outputs: Array.from({ length: outputs }, (_, i) => `out${i}`),
    params,
  } as AnyLayer;
  return inferWith(
    def as unknown as LayerDef,
    layer,
    inputs.map((f) => (f === UNKNOWN ? undefined : f)),
  );
}

const shapeOf = <K extends LayerKind>(def: LayerDef<K>, params: LayerParamsMap[K], inputs: readonly In[]) =>
  run(def, params, inputs)[0]!.shape;
const codeOf = (f: () => unknown) => thrown(f).code;

// ---------------------------------------------------------------- reference-kernel oracle

type KernelFn = (layer: AnyLayer, inputs: (Tensor | undefined)[], ctx: unknown) => Tensor[];
/** cpu-runtime is not a dependency of core: loaded by name at run time (vitest's workspace aliases resolve it). */
const CPU_RUNTIME = '@kiln-inference/cpu-runtime';
let kernels: Promise<Record<string, KernelFn>> | undefined;
const referenceKernels = () => {
  kernels ??= import(/* @vite-ignore */ CPU_RUNTIME).then((m: { referenceKernels: Record<string, KernelFn> }) => m.referenceKernels);
  return kernels;
};

/**
 * Runs the reference kernel on concrete tensors and asserts the LayerDef predicted its output
 * dtypes and shapes exactly, once with every input's value known and once with only the shape
 * and scalar operands known; carried values must equal the kernel's.
 */
async function matchesKernel<K extends LayerKind>(
  def: LayerDef<K>,
  params: LayerParamsMap[K],
  inputs: readonly (Tensor | undefined)[],
  outputs = 1,
): Promise<void> {
  const layer = {
    name: 'L',
    kind: def.kind,
    inputs: inputs.map((x, i) => (x ? `in${i}` : '')),
    outputs: Array.from({ length: outputs }, (_, i) => `out${i}`),
    params,
  } as AnyLayer;
  const actual = (await referenceKernels())[def.kind]!(layer, [...inputs], {});
  for (const valuesOf of ['all', 'operands'] as const) {
    const facts = inputs.map((x, i): ValueFacts | undefined => {
      if (!x) return undefined;
      const role = def.inputs[Math.min(i, def.inputs.length - 1)]!.role;
      const withValue = valuesOf === 'all' || role === 'shape' || role === 'scalar';
      return withValue ? { dtype: x.dtype, shape: x.shape, value: x } : { dtype: x.dtype, shape: x.shape };
    });
    const predicted = inferWith(def as unknown as LayerDef, layer, facts);
    expect(predicted.map((p) => ({ dtype: p.dtype, shape: p.shape }))).toEqual(
      actual.map((a) => ({ dtype: a.dtype, shape: [...a.shape] })),
    );
    predicted.forEach((p, i) => {
      if (p.value) expect(p.value.toArray()).toEqual(actual[i]!.toArray());
    });
  }
}

/** A small deterministic generator (LCG) for the sweeps below. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const ramp = (dtype: DType, shape: readonly number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromValues(
    dtype,
    shape,
    Array.from({ length: n }, (_, i) => (dtype === 'int64' ? BigInt(i) : i)),
  );
};

// ---------------------------------------------------------------- tests

describe('symbolic shape arithmetic (`dims`)', () => {
  const sym = (dims: (number | string | null)[]): ValueFacts => ({ dtype: 'int64', shape: [dims.length], dims });
  const gather0 = { mode: 'default', axis: 0, batchDims: 0 } as const;

  it('follows Shape → Slice → Concat → Reshape keeping the batch symbol (PaddleOCR classifier head)', () => {
    const shapeOfX = sym(['N', 200, 1, 1]);
    const [batch] = run(D.slice, {}, [shapeOfX, known([0]), known([1]), known([0])]);
    expect(batch).toEqual({ dtype: 'int64', shape: [1], dims: ['N'] });
    const [target] = run(D.concatenation, { axis: 0 }, [batch!, known([200])]);
    expect(target).toEqual({ dtype: 'int64', shape: [2], dims: ['N', 200] });
    expect(shapeOf(D.shuffle, {}, [f32(['N', 200, 1, 1]), target!])).toEqual(['N', 200]);
  });

  it('follows Shape → Gather → Unsqueeze → Concat with -1 (flatten)', () => {
    const [n] = run(D.gather, gather0, [sym(['b', 3, 'h', 'w']), t('int64', [], Tensor.scalar('int64', 0n))]);
    expect(n).toEqual({ dtype: 'int64', shape: [], dims: ['b'] });
    const [n1] = run(D.unsqueeze, { axes: [0] }, [n!]);
    expect(n1).toEqual({ dtype: 'int64', shape: [1], dims: ['b'] });
    const [target] = run(D.concatenation, { axis: 0 }, [n1!, known([-1])]);
    expect(shapeOf(D.shuffle, {}, [f32(['b', 3, 4, 4]), target!])).toEqual(['b', 48]);
    // Unknown entries stay unknown; entries of known numbers become a value.
    const [hw] = run(D.gather, gather0, [sym(['b', 3, 'h', 'w']), known([1, 3])]);
    expect(hw).toEqual({ dtype: 'int64', shape: [2], dims: [3, 'w'] });
    const [c] = run(D.gather, gather0, [sym(['b', 3, 'h', 'w']), known([1])]);
    expect(c!.dims).toBeUndefined();
    expect(c!.value?.toArray()).toEqual([3n]);
  });

  it('splits a symbolic shape vector and expands to one', () => {
    const parts = run(D.split, { axis: 0, numOutputs: 2 }, [sym(['n', 'c', 5]), known([1, 2])], 2);
    expect(parts.map((p) => p.dims)).toEqual([['n'], ['c', 5]]);
    expect(shapeOf(D.expand, {}, [f32([1, 1]), sym(['n', 5])])).toEqual(['n', 5]);
    // A concatenated piece of unknown values keeps its place as unknown entries.
    const [mixed] = run(D.concatenation, { axis: 0 }, [sym(['n']), t('int64', [2])]);
    expect(mixed!.dims).toEqual(['n', null, null]);
    expect(shapeOf(D.shuffle, {}, [f32(['n', 6]), mixed!])).toEqual(['n', null, null]);
  });
});

describe('concatenation', () => {
  it('adds the axis dims and keeps the others, symbols included', () => {
    expect(shapeOf(D.concatenation, { axis: 1 }, [f32([2, 3]), f32([2, 5])])).toEqual([2, 8]);
    expect(shapeOf(D.concatenation, { axis: -1 }, [f32(['n', 3]), f32(['n', 4])])).toEqual(['n', 7]);
    // A symbol plus a number is unknown; a number beats a symbol in the other dims.
    expect(shapeOf(D.concatenation, { axis: 0 }, [f32(['n', 3]), f32([2, 'm'])])).toEqual([null, 3]);
    // An input of unknown rank leaves the axis unknown but not the rank.
    expect(shapeOf(D.concatenation, { axis: 1 }, [f32([2, 3]), f32(null)])).toEqual([2, null]);
    expect(shapeOf(D.concatenation, { axis: 0 }, [f32(null), f32(null)])).toBeNull();
  });

  it('rejects rank, dim and dtype mismatches and a bad axis', () => {
    expect(codeOf(() => run(D.concatenation, { axis: 0 }, [f32([2, 3]), f32([2, 3, 1])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.concatenation, { axis: 1 }, [f32([2, 3]), f32([4, 3])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.concatenation, { axis: 0 }, [f32([2]), t('int64', [2])]))).toBe(ErrorCode.INVALID_DTYPE);
    const e = thrown(() => run(D.concatenation, { axis: 2 }, [f32([2, 3]), f32([2, 3])]));
    expect(e.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(e.layer).toEqual({ name: 'L', kind: 'concatenation' });
    expect(e.hint).toContain('[-2, 1]');
  });

  it('joins small known integer values (shape arithmetic)', () => {
    const [out] = run(D.concatenation, { axis: 0 }, [known([1, 3]), known([-1]), known([7, 8])]);
    expect(out!.shape).toEqual([5]);
    expect(out!.value?.toArray()).toEqual([1n, 3n, -1n, 7n, 8n]);
  });

  it('matches the reference kernel', async () => {
    await matchesKernel(D.concatenation, { axis: 1 }, [ramp('int64', [2, 1, 3]), ramp('int64', [2, 2, 3]), ramp('int64', [2, 0, 3])]);
    await matchesKernel(D.concatenation, { axis: -1 }, [ramp('float32', [2, 2]), ramp('float32', [2, 3])]);
  });
});

describe('shuffle', () => {
  it('copies 0 dims and infers -1, cancelling symbols', () => {
    expect(shapeOf(D.shuffle, { reshape: [0, -1] }, [f32(['batch', 3, 4])])).toEqual(['batch', 12]);
    expect(shapeOf(D.shuffle, { reshape: [-1, 4] }, [f32(['n', 2, 2])])).toEqual(['n', 4]);
    expect(shapeOf(D.shuffle, { reshape: [-1, 3] }, [f32(['n', 2, 3])])).toEqual([null, 3]);
    expect(shapeOf(D.shuffle, { reshape: [0, 0], allowZero: true }, [f32([0, 5])])).toEqual([0, 0]);
  });

  it('reads the reshape dims from a known shape operand, else keeps its length as the rank', () => {
    expect(shapeOf(D.shuffle, {}, [f32([4, 6]), known([2, -1])])).toEqual([2, 12]);
    expect(shapeOf(D.shuffle, {}, [f32([4, 6]), t('int64', [3])])).toEqual([null, null, null]);
    expect(shapeOf(D.shuffle, {}, [f32([4, 6]), t('int64', [null])])).toBeNull();
    expect(shapeOf(D.shuffle, {}, [f32([4, 6]), UNKNOWN])).toBeNull();
  });

  it('applies both transposes', () => {
    expect(shapeOf(D.shuffle, { firstTranspose: [0, 2, 1] }, [f32(['n', 2, 3])])).toEqual(['n', 3, 2]);
    expect(shapeOf(D.shuffle, { firstTranspose: [1, 0], reshape: [-1], secondTranspose: [0] }, [f32([2, 3])])).toEqual([6]);
    expect(shapeOf(D.shuffle, { secondTranspose: [1, 0] }, [f32(null), t('int64', [2])])).toEqual([null, null]);
  });

  it('rejects two -1s, a changed element count, an indivisible -1 and a bad permutation', () => {
    expect(codeOf(() => run(D.shuffle, { reshape: [-1, -1] }, [f32([2, 3])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.shuffle, { reshape: [4] }, [f32([2, 3])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => run(D.shuffle, { reshape: [-1, 4] }, [f32([2, 3])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => run(D.shuffle, { reshape: [0, 0, 0] }, [f32([2, 3])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => run(D.shuffle, { firstTranspose: [0, 0] }, [f32([2, 3])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.shuffle, {}, [f32([2, 3]), known([-2, 3])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('carries a known value through a reshape', () => {
    const [out] = run(D.shuffle, { reshape: [2, 1] }, [known([5, 6])]);
    expect(out!.shape).toEqual([2, 1]);
    expect(out!.value?.toArray()).toEqual([5n, 6n]);
  });

  it('matches the reference kernel', async () => {
    await matchesKernel(D.shuffle, { reshape: [0, -1] }, [ramp('float32', [2, 3, 4])]);
    await matchesKernel(D.shuffle, { firstTranspose: [2, 0, 1], reshape: [-1, 6], secondTranspose: [1, 0] }, [ramp('float32', [2, 3, 2])]);
    await matchesKernel(D.shuffle, {}, [ramp('int64', [6]), i64([3, 2])]);
  });
});

describe('squeeze and unsqueeze', () => {
  it('squeeze removes the given axes, or all size-1 axes of a static shape', () => {
    expect(shapeOf(D.squeeze, { axes: [1] }, [f32(['n', 1, 3])])).toEqual(['n', 3]);
    expect(shapeOf(D.squeeze, { axes: [-1] }, [f32([2, 'one'])])).toEqual([2]);
    expect(shapeOf(D.squeeze, {}, [f32([1, 3, 1])])).toEqual([3]);
    // A symbol might be 1 at run time, so without axes the result rank is unknown.
    expect(shapeOf(D.squeeze, {}, [f32(['n', 1])])).toBeNull();
    expect(shapeOf(D.squeeze, {}, [f32([2, 1, 3]), known([1])])).toEqual([2, 3]);
    expect(shapeOf(D.squeeze, {}, [f32([2, 1, 3]), t('int64', [1])])).toEqual([null, null]);
  });

  it('squeeze rejects an axis whose size is not 1', () => {
    const e = thrown(() => run(D.squeeze, { axes: [0] }, [f32([2, 1])]));
    expect(e.code).toBe(ErrorCode.INVALID_SHAPE);
    expect(e.message).toContain('its size is 2');
  });

  it('unsqueeze inserts size-1 axes at output positions', () => {
    expect(shapeOf(D.unsqueeze, { axes: [0, 3] }, [f32(['n', 3])])).toEqual([1, 'n', 3, 1]);
    expect(shapeOf(D.unsqueeze, { axes: [-1] }, [f32([2])])).toEqual([2, 1]);
    expect(shapeOf(D.unsqueeze, {}, [f32([2, 3]), known([1])])).toEqual([2, 1, 3]);
    expect(shapeOf(D.unsqueeze, {}, [f32([2, 3]), t('int64', [2])])).toEqual([null, null, null, null]);
    expect(codeOf(() => run(D.unsqueeze, {}, [f32([2])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.unsqueeze, { axes: [0, 0] }, [f32([2])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.unsqueeze, { axes: [3] }, [f32([2])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('refuse a rank read from an operand declared absurdly long before sizing anything by it', () => {
    // Fuzz finding: an axes input declared int64[2147483647] filled a 2^31-entry array (V8 heap out of memory).
    const e = thrown(() => run(D.unsqueeze, {}, [f32([3, 4, 5]), t('int64', [2147483647])]));
    expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect(e.message).toMatch(/maxRank/);
    expect(e.layer?.name).toBeDefined();
  });

  it('carry known scalars and vectors (Shape → Gather → Unsqueeze)', () => {
    const [v] = run(D.unsqueeze, { axes: [0] }, [t('int64', [], Tensor.scalar('int64', 7n))]);
    expect(v!.shape).toEqual([1]);
    expect(v!.value?.toArray()).toEqual([7n]);
    const [s] = run(D.squeeze, {}, [known([9], [1])]);
    expect(s!.shape).toEqual([]);
    expect(s!.value?.toArray()).toEqual([9n]);
  });

  it('match the reference kernels', async () => {
    await matchesKernel(D.squeeze, {}, [ramp('float32', [1, 2, 1, 3])]);
    await matchesKernel(D.squeeze, {}, [ramp('float32', [1, 2, 1]), i64([-1])]);
    await matchesKernel(D.unsqueeze, { axes: [0, -1] }, [ramp('int64', [2, 3])]);
  });
});

describe('expand and tile', () => {
  it('expand broadcasts x against a known shape operand', () => {
    expect(shapeOf(D.expand, {}, [f32([3, 1]), known([2, 3, 4])])).toEqual([2, 3, 4]);
    expect(shapeOf(D.expand, {}, [f32(['n', 1]), known([1, 5])])).toEqual(['n', 5]);
    expect(codeOf(() => run(D.expand, {}, [f32([3]), known([4])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.expand, {}, [f32([3]), known([-1])]))).toBe(ErrorCode.INVALID_SHAPE);
  });

  it('expand with unknown target values keeps the rank and the dims other than 1', () => {
    expect(shapeOf(D.expand, {}, [f32([3, 1]), t('int64', [3])])).toEqual([null, 3, null]);
    expect(shapeOf(D.expand, {}, [f32([3, 1]), UNKNOWN])).toBeNull();
  });

  it('tile multiplies each dim by its repeat count', () => {
    expect(shapeOf(D.tile, {}, [f32([2, 'n']), known([3, 1])])).toEqual([6, 'n']);
    expect(shapeOf(D.tile, {}, [f32([2, 'n']), known([1, 2])])).toEqual([2, null]);
    expect(shapeOf(D.tile, {}, [f32([0, 4]), t('int64', [2])])).toEqual([0, null]);
    expect(shapeOf(D.tile, {}, [f32(null), t('int64', [3])])).toEqual([null, null, null]);
    expect(codeOf(() => run(D.tile, {}, [f32([2, 3]), known([2])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.tile, {}, [f32([2]), known([-1])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('match the reference kernels', async () => {
    await matchesKernel(D.expand, {}, [ramp('int64', [3, 1]), i64([2, 1, 4])]);
    await matchesKernel(D.expand, {}, [ramp('float32', [2, 3]), i64([1])]);
    await matchesKernel(D.tile, {}, [ramp('int64', [2, 3]), i64([2, 0])]);
    await matchesKernel(D.tile, {}, [ramp('int64', [2, 2]), i64([1, 3])]);
  });
});

describe('depth_space', () => {
  it('moves channels into space and back', () => {
    const d2s = { direction: 'depth_to_space', blockSize: 2, mode: 'DCR' } as const;
    const s2d = { direction: 'space_to_depth', blockSize: 2, mode: 'DCR' } as const;
    expect(shapeOf(D.depth_space, d2s, [f32(['n', 8, 2, 3])])).toEqual(['n', 2, 4, 6]);
    expect(shapeOf(D.depth_space, s2d, [f32([1, 2, 4, 'w'])])).toEqual([1, 8, 2, null]);
    expect(shapeOf(D.depth_space, d2s, [f32(null)])).toEqual([null, null, null, null]);
    expect(codeOf(() => run(D.depth_space, d2s, [f32([1, 6, 2, 2])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => run(D.depth_space, s2d, [f32([1, 2, 3, 4])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => run(D.depth_space, s2d, [f32([2, 4, 4])]))).toBe(ErrorCode.INVALID_SHAPE);
  });

  it('matches the reference kernel', async () => {
    await matchesKernel(D.depth_space, { direction: 'depth_to_space', blockSize: 2, mode: 'CRD' }, [ramp('float32', [1, 8, 2, 3])]);
    await matchesKernel(D.depth_space, { direction: 'space_to_depth', blockSize: 3, mode: 'DCR' }, [ramp('float32', [2, 1, 6, 3])]);
  });
});

describe('slice', () => {
  const INT64_MAX = 9223372036854775807n;
  const big = (values: bigint[]) => t('int64', [values.length], Tensor.fromValues('int64', [values.length], values));

  it('clamps known bounds as ONNX Slice does', () => {
    expect(shapeOf(D.slice, {}, [f32([10, 'n']), known([2]), known([-1]), known([0])])).toEqual([7, 'n']);
    expect(shapeOf(D.slice, {}, [f32([10]), known([-3]), big([INT64_MAX])])).toEqual([3]);
    expect(shapeOf(D.slice, {}, [f32([10]), known([-1]), big([-INT64_MAX]), undefined, known([-2])])).toEqual([5]);
    expect(shapeOf(D.slice, {}, [f32([10]), known([8]), known([2])])).toEqual([0]);
  });

  it('keeps a symbolic dim only for a whole-axis slice', () => {
    expect(shapeOf(D.slice, {}, [f32(['n', 4]), known([0, 1]), big([INT64_MAX, 3n])])).toEqual(['n', 2]);
    expect(shapeOf(D.slice, {}, [f32(['n']), big([INT64_MAX]), big([-INT64_MAX]), undefined, known([-1])])).toEqual(['n']);
    expect(shapeOf(D.slice, {}, [f32(['n']), known([1]), big([INT64_MAX])])).toEqual([null]);
  });

  it('keeps the rank, and unsliced dims when the axes are known, for unknown bounds', () => {
    expect(shapeOf(D.slice, {}, [f32([4, 5, 6]), t('int64', [1]), t('int64', [1]), known([1])])).toEqual([4, null, 6]);
    expect(shapeOf(D.slice, {}, [f32([4, 5, 6]), t('int64', [2]), t('int64', [2])])).toEqual([null, null, 6]);
    expect(shapeOf(D.slice, {}, [f32([4, 5, 6]), known([1]), known([3]), t('int64', [1])])).toEqual([null, null, null]);
    expect(shapeOf(D.slice, {}, [f32(null), known([1]), known([3])])).toBeNull();
  });

  it('rejects step 0, mismatched lengths, repeated and out-of-range axes', () => {
    const step0 = thrown(() => run(D.slice, {}, [f32([4]), known([0]), known([4]), known([0]), known([0])]));
    expect(step0.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(step0.hint).toContain('non-zero');
    expect(codeOf(() => run(D.slice, {}, [f32([4, 4]), known([0, 0]), known([1])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.slice, {}, [f32([4, 4]), known([0, 0]), known([1, 1]), known([1, -1])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.slice, {}, [f32([4, 4]), known([0]), known([1]), known([2])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.slice, {}, [f32([4]), t('float32', [1], Tensor.fromValues('float32', [1], [0])), known([1])]))).toBe(
      ErrorCode.INVALID_DTYPE,
    );
  });

  it('carries a sliced known value', () => {
    const [out] = run(D.slice, {}, [known([1, 3, 224, 224]), known([-2]), big([INT64_MAX])]);
    expect(out!.value?.toArray()).toEqual([224n, 224n]);
  });

  it('matches the reference kernel over a seeded sweep of bounds and steps', async () => {
    const next = lcg(18);
    for (let c = 0; c < 60; c++) {
      const shape = [1 + next(6), 1 + next(5)];
      const a = next(2);
      const step = [1, 2, 3, -1, -2][next(5)]!;
      const start = next(16) - 8;
      const end = next(16) - 8;
      await matchesKernel(D.slice, {}, [ramp('int64', shape), i64([start]), i64([end]), i64([a]), i64([step])]);
    }
  });
});

describe('split', () => {
  it('cuts into near-equal parts or the given sizes', () => {
    const three = (x: Shape, axis = 0) => run(D.split, { axis, numOutputs: 3 }, [f32(x)], 3).map((f) => f.shape);
    expect(three([6, 4])).toEqual([
      [2, 4],
      [2, 4],
      [2, 4],
    ]);
    expect(three([7, 4])).toEqual([
      [3, 4],
      [3, 4],
      [1, 4],
    ]);
    // ONNX Split-18: parts of ceil(4 / 3) = 2, the last one empty.
    expect(three(['n', 4], 1)).toEqual([
      ['n', 2],
      ['n', 2],
      ['n', 0],
    ]);
    expect(three(['n', 4])).toEqual([
      [null, 4],
      [null, 4],
      [null, 4],
    ]);
    const sized = run(D.split, { axis: -1, numOutputs: 2 }, [f32(['b', 6]), known([1, 5])], 2);
    expect(sized.map((f) => f.shape)).toEqual([
      ['b', 1],
      ['b', 5],
    ]);
    const unknownSizes = run(D.split, { axis: 1, numOutputs: 2 }, [f32(['b', 6]), t('int64', [2])], 2);
    expect(unknownSizes.map((f) => f.shape)).toEqual([
      ['b', null],
      ['b', null],
    ]);
  });

  it('rejects sizes that do not add up and a part count unlike the outputs', () => {
    const e = thrown(() => run(D.split, { axis: 0, numOutputs: 2 }, [f32([6]), known([2, 3])], 2));
    expect(e.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(e.message).toContain('add up to 5');
    expect(codeOf(() => run(D.split, { axis: 0, numOutputs: 3 }, [f32([6])], 2))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.split, { axis: 0, numOutputs: 2 }, [f32([6]), known([1, 2, 3])], 2))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('matches the reference kernel', async () => {
    await matchesKernel(D.split, { axis: 1, numOutputs: 3 }, [ramp('float32', [2, 8])], 3);
    await matchesKernel(D.split, { axis: 0, numOutputs: 3 }, [ramp('float32', [5, 2]), i64([0, 3, 2])], 3);
  });
});

describe('gather', () => {
  const gather = (mode: 'default' | 'elements' | 'nd', axis = 0, batchDims = 0) => ({ mode, axis, batchDims });

  it('default: data[:axis] + indices[batchDims:] + data[axis+1:]', () => {
    expect(shapeOf(D.gather, gather('default'), [f32([5, 4]), t('int64', [2, 3])])).toEqual([2, 3, 4]);
    expect(shapeOf(D.gather, gather('default', 1), [f32(['n', 5, 4]), t('int32', ['k'])])).toEqual(['n', 'k', 4]);
    expect(shapeOf(D.gather, gather('default', 1), [f32([3, 5]), t('int64', [])])).toEqual([3]);
    expect(shapeOf(D.gather, gather('default', 1, 1), [f32(['b', 5, 4]), t('int64', ['b', 2])])).toEqual(['b', 2, 4]);
    expect(shapeOf(D.gather, gather('default'), [f32(null), t('int64', [2])])).toBeNull();
  });

  it('elements takes the indices shape; nd drops the indexed dims', () => {
    expect(shapeOf(D.gather, gather('elements', 1), [f32([3, 4]), t('int64', [3, 'k'])])).toEqual([3, 'k']);
    expect(shapeOf(D.gather, gather('nd'), [f32([2, 3, 4]), t('int64', [5, 2])])).toEqual([5, 4]);
    expect(shapeOf(D.gather, gather('nd', 0, 1), [f32([2, 3, 4]), t('int64', [2, 1])])).toEqual([2, 4]);
    expect(shapeOf(D.gather, gather('nd'), [f32([2, 3]), t('int64', [5, 'k'])])).toBeNull();
  });

  it('rejects an indices rank mismatch, bad batch dims, long index tuples and float indices', () => {
    expect(codeOf(() => run(D.gather, gather('elements'), [f32([3, 4]), t('int64', [3])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    // Larger than data on a non-gathered axis: every run would read out of range.
    expect(codeOf(() => run(D.gather, gather('elements', 1), [f32([3, 4]), t('int64', [5, 2])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(shapeOf(D.gather, gather('elements', 1), [f32([3, 4]), t('int64', [2, 9])])).toEqual([2, 9]);
    expect(codeOf(() => run(D.gather, gather('default', 1, 1), [f32([2, 5]), t('int64', [3, 1])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.gather, gather('default', 0, 1), [f32([2, 5]), t('int64', [2, 1])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.gather, gather('nd'), [f32([2, 3]), t('int64', [5, 3])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.gather, gather('default'), [f32([2]), t('float32', [1])]))).toBe(ErrorCode.INVALID_DTYPE);
    expect(codeOf(() => run(D.gather, gather('default', 2), [f32([2, 3]), t('int64', [1])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('carries known values (Shape → Gather) and rejects a known index out of range', () => {
    const shape = known([1, 3, 224, 224]);
    const [n] = run(D.gather, gather('default'), [shape, t('int64', [], Tensor.scalar('int64', -1n))]);
    expect(n!.shape).toEqual([]);
    expect(n!.value?.toArray()).toEqual([224n]);
    const [hw] = run(D.gather, gather('default'), [shape, known([2, 3])]);
    expect(hw!.value?.toArray()).toEqual([224n, 224n]);
    expect(codeOf(() => run(D.gather, gather('default'), [shape, known([4])]))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('matches the reference kernel', async () => {
    await matchesKernel(D.gather, gather('default', 1), [ramp('int64', [3, 4, 2]), i64([3, 0, -1, 1], [2, 2])]);
    await matchesKernel(D.gather, gather('default', 1, 1), [ramp('float32', [2, 4, 3]), i64([0, 3, 1, 1], [2, 2])]);
    await matchesKernel(D.gather, gather('elements', 0), [ramp('float32', [3, 2]), i64([2, 0, 1, 1], [2, 2])]);
    await matchesKernel(D.gather, gather('nd'), [ramp('float32', [2, 3, 4]), i64([1, 2, 0, 1], [2, 2])]);
  });
});

describe('scatter', () => {
  const elements = { mode: 'elements', axis: 1, reduction: 'none' } as const;
  const nd = { mode: 'nd', axis: 0, reduction: 'add' } as const;

  it('outputs the data facts', () => {
    expect(run(D.scatter, elements, [f32(['n', 4]), t('int64', ['n', 2]), f32(['n', 2])])[0]).toEqual({
      dtype: 'float32',
      shape: ['n', 4],
    });
    expect(shapeOf(D.scatter, nd, [f32([4, 5]), t('int64', [3, 1]), f32([3, 5])])).toEqual([4, 5]);
  });

  it('rejects updates of the wrong shape or dtype', () => {
    expect(codeOf(() => run(D.scatter, elements, [f32([3, 4]), t('int64', [3, 2]), f32([3, 3])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.scatter, elements, [f32([3, 4]), t('int64', [3]), f32([3])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.scatter, elements, [f32([3, 4]), t('int64', [4, 2]), f32([4, 2])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.scatter, nd, [f32([4, 5]), t('int64', [3, 1]), f32([3, 4])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.scatter, nd, [f32([4, 5]), t('int64', [3, 3]), f32([3])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.scatter, nd, [f32([4, 5]), t('int64', [3, 1]), t('float16', [3, 5])]))).toBe(ErrorCode.INVALID_DTYPE);
  });

  it('is in-place capable', () => {
    expect(D.scatter.traits.inPlace).toBe(true);
  });
});

describe('padding', () => {
  it('adds known pads, crops with negative ones, and keeps symbols with zero pads', () => {
    const mode = { mode: 'constant' } as const;
    expect(shapeOf(D.padding, mode, [f32(['n', 3, 4, 4]), known([0, 0, 1, 1, 0, 0, 1, 1])])).toEqual(['n', 3, 6, 6]);
    expect(shapeOf(D.padding, mode, [f32([5, 'w']), known([-1, 2, -2, 3])])).toEqual([2, null]);
    expect(shapeOf(D.padding, mode, [f32([5, 'w']), known([1, 2]), undefined, known([0])])).toEqual([8, 'w']);
    expect(shapeOf(D.padding, mode, [f32([5, 6]), t('int64', [4])])).toEqual([null, null]);
    expect(shapeOf(D.padding, mode, [f32([5, 6]), t('int64', [2]), undefined, known([-1])])).toEqual([5, null]);
  });

  it('rejects a wrong pad count, over-cropping, a mistyped value and reflecting an empty axis', () => {
    expect(codeOf(() => run(D.padding, { mode: 'constant' }, [f32([5, 6]), known([1, 1])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.padding, { mode: 'constant' }, [f32([2]), known([-2, -1])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => run(D.padding, { mode: 'constant' }, [f32([2]), known([1, 1]), t('int32', [])]))).toBe(ErrorCode.INVALID_DTYPE);
    expect(codeOf(() => run(D.padding, { mode: 'reflect' }, [f32([0]), known([1, 0])]))).toBe(ErrorCode.INVALID_SHAPE);
  });

  it('matches the reference kernel over a seeded sweep of pads and modes', async () => {
    const next = lcg(3);
    const modes = ['constant', 'reflect', 'edge', 'wrap'] as const;
    for (let c = 0; c < 40; c++) {
      const shape = [1 + next(4), 1 + next(4)];
      const pads = [next(5) - 1, next(5) - 1, next(5) - 1, next(5) - 1];
      const mode = modes[next(4)]!;
      await matchesKernel(D.padding, { mode }, [ramp('int64', shape), i64(pads)]);
    }
  });

  it('matches the reference kernel', async () => {
    await matchesKernel(D.padding, { mode: 'reflect' }, [ramp('float32', [3, 4]), i64([1, -1, 2, 0])]);
    await matchesKernel(D.padding, { mode: 'edge' }, [ramp('float32', [2, 3, 4]), i64([2, 1]), undefined, i64([-1])]);
  });
});

describe('resize', () => {
  const base = {
    mode: 'nearest',
    coordinateTransform: 'asymmetric',
    nearestMode: 'floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    antialias: false,
    keepAspectRatioPolicy: 'stretch',
  } as const;
  const scales = (values: number[]) => t('float32', [values.length], Tensor.fromValues('float32', [values.length], values));
  const empty = t('float32', [0], Tensor.fromValues('float32', [0], []));

  it('sizes the output from scales (floor) or sizes', () => {
    expect(shapeOf(D.resize, base, [f32([1, 3, 5, 5]), undefined, scales([1, 1, 2, 1.5])])).toEqual([1, 3, 10, 7]);
    expect(shapeOf(D.resize, base, [f32(['n', 3, 5, 5]), undefined, scales([1, 1, 2, 2])])).toEqual(['n', 3, 10, 10]);
    expect(shapeOf(D.resize, base, [f32(['n', 3, 5, 5]), empty, empty, known([1, 3, 8, 9])])).toEqual([1, 3, 8, 9]);
    expect(shapeOf(D.resize, { ...base, axes: [2, 3] }, [f32(['n', 3, 'h', 5]), undefined, undefined, known([8, 9])])).toEqual([
      'n',
      3,
      8,
      9,
    ]);
  });

  it('keeps the aspect ratio when asked', () => {
    const x = f32([1, 1, 4, 8]);
    const sizes = known([2, 2]);
    expect(shapeOf(D.resize, { ...base, axes: [2, 3], keepAspectRatioPolicy: 'not_larger' }, [x, undefined, undefined, sizes])).toEqual([
      1, 1, 1, 2,
    ]);
    expect(shapeOf(D.resize, { ...base, axes: [2, 3], keepAspectRatioPolicy: 'not_smaller' }, [x, undefined, undefined, sizes])).toEqual([
      1, 1, 2, 4,
    ]);
  });

  it('takes symbolic sizes as they are (Concat(Shape(x)[0:2], [64, 64]))', () => {
    const sizes = { dtype: 'int64', shape: [4], dims: ['n', 3, 64, 64] } as const;
    expect(shapeOf(D.resize, base, [f32(['n', 3, 'h', 'w']), undefined, undefined, sizes])).toEqual(['n', 3, 64, 64]);
    expect(
      shapeOf(D.resize, { ...base, keepAspectRatioPolicy: 'not_larger' }, [f32(['n', 3, 'h', 'w']), undefined, undefined, sizes]),
    ).toEqual([null, null, null, null]);
  });

  it('leaves the resized dims unknown when scales or sizes are not known', () => {
    expect(shapeOf(D.resize, { ...base, axes: [2, 3] }, [f32([1, 3, 5, 5]), undefined, UNKNOWN])).toEqual([1, 3, null, null]);
    expect(shapeOf(D.resize, base, [f32([1, 3, 5, 5]), undefined, scales([1, 1, 2, 2]), t('int64', [4])])).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it('rejects missing scales and sizes, wrong counts and non-positive scales', () => {
    expect(codeOf(() => run(D.resize, base, [f32([1, 3, 5, 5])]))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => run(D.resize, base, [f32([1, 3, 5, 5]), empty, empty]))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => run(D.resize, base, [f32([1, 3, 5, 5]), undefined, scales([2, 2])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.resize, base, [f32([1, 3, 5, 5]), t('float32', [4]), scales([1, 1, 2, 2])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(shapeOf(D.resize, base, [f32([1, 3, 5, 5]), t('float32', [8]), scales([1, 1, 2, 2])])).toEqual([1, 3, 10, 10]);
    expect(codeOf(() => run(D.resize, base, [f32([1, 3, 5, 5]), undefined, scales([1, 1, 0, 2])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('matches the reference kernel over a seeded sweep of scales, sizes and policies', async () => {
    const next = lcg(7);
    const policies = ['stretch', 'not_larger', 'not_smaller'] as const;
    for (let c = 0; c < 30; c++) {
      const x = ramp('float32', [1, 1, 1 + next(6), 1 + next(6)]);
      if (c % 2 === 0) {
        const sc = Tensor.fromValues('float32', [2], [0.25 + next(12) / 4, 0.25 + next(12) / 4]);
        await matchesKernel(D.resize, { ...base, axes: [2, 3] }, [x, undefined, sc]);
      } else {
        const policy = policies[next(3)]!;
        await matchesKernel(D.resize, { ...base, axes: [2, 3], keepAspectRatioPolicy: policy }, [
          x,
          undefined,
          undefined,
          i64([1 + next(9), 1 + next(9)]),
        ]);
      }
    }
  });

  it('matches the reference kernel', async () => {
    const x = ramp('float32', [1, 2, 3, 5]);
    const sc = Tensor.fromValues('float32', [4], [1, 1, 1.7, 0.6]);
    await matchesKernel(D.resize, { ...base, mode: 'linear', coordinateTransform: 'half_pixel' }, [x, undefined, sc]);
    await matchesKernel(D.resize, { ...base, axes: [2, 3], keepAspectRatioPolicy: 'not_larger' }, [x, undefined, undefined, i64([7, 7])]);
  });
});

describe('grid_sample and one_hot', () => {
  const grid = { mode: 'linear', paddingMode: 'zeros', alignCorners: false } as const;

  it('grid_sample gives [N, C, grid output dims]', () => {
    expect(shapeOf(D.grid_sample, grid, [f32(['n', 3, 8, 8]), f32(['n', 5, 6, 2])])).toEqual(['n', 3, 5, 6]);
    expect(shapeOf(D.grid_sample, grid, [f32(null), f32([2, 5, 1])])).toEqual([2, null, 5]);
    expect(codeOf(() => run(D.grid_sample, grid, [f32([2, 3, 8, 8]), f32([2, 5, 6, 3])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.grid_sample, grid, [f32([2, 3, 8, 8]), f32([1, 5, 6, 2])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => run(D.grid_sample, grid, [f32([2, 3]), f32([2, 2])]))).toBe(ErrorCode.INVALID_SHAPE);
  });

  it('one_hot inserts a depth axis and takes the values dtype', () => {
    const depth = (n: number) => t('int64', [], Tensor.scalar('int64', BigInt(n)));
    const values = t('float16', [2]);
    expect(run(D.one_hot, { axis: -1 }, [t('int64', ['n', 3]), depth(10), values])[0]).toEqual({ dtype: 'float16', shape: ['n', 3, 10] });
    expect(shapeOf(D.one_hot, { axis: 0 }, [t('int64', [2, 3]), depth(4), values])).toEqual([4, 2, 3]);
    expect(shapeOf(D.one_hot, { axis: 1 }, [t('int64', [2, 3]), t('int64', []), values])).toEqual([2, null, 3]);
    expect(codeOf(() => run(D.one_hot, { axis: 0 }, [t('int64', [2]), depth(0), values]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => run(D.one_hot, { axis: 0 }, [t('int64', [2]), depth(3), t('float32', [3])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => run(D.one_hot, { axis: 3 }, [t('int64', [2]), depth(3), values]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('match the reference kernels', async () => {
    const g = Tensor.fromValues('float32', [1, 2, 3, 2], [0, 0, 0.5, -0.5, 1, 1, -1, 0.2, 0.3, 0.1, 0.9, -0.9]);
    await matchesKernel(D.grid_sample, grid, [ramp('float32', [1, 2, 4, 5]), g]);
    await matchesKernel(D.one_hot, { axis: 1 }, [
      i64([0, 2, -1, 5], [2, 2]),
      Tensor.scalar('float32', 3.7),
      Tensor.fromValues('int32', [2], [0, 9]),
    ]);
  });
});
