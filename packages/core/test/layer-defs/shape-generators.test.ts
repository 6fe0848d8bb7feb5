import { describe, expect, it } from 'vitest';
import { type AnyLayer, ErrorCode, type LayerDef, type LayerParamsMap, Tensor, type ValueFacts } from '../../src/index.js';
import { inferWith } from '../../src/layer-defs/infer-with.js';
import { SHAPE_GENERATOR_DEFS as D } from '../../src/layer-defs/shape-generators.js';
import { infer, t, thrown } from './infer-helpers.js';

const scalar = (dtype: 'int64' | 'float32' | 'int32', v: number) => t(dtype, [], Tensor.scalar(dtype, dtype === 'int64' ? BigInt(v) : v));
const codeOf = (f: () => unknown) => thrown(f).code;

type Fill = LayerParamsMap['fill'];
const fill = (params: Partial<Fill> & Pick<Fill, 'mode'>): Fill => ({ dtype: 'float32', ...params });

/** Infers a fill layer whose inputs are all wired, some with unknown facts (undefined). */
function inferFillWired(params: Fill, inputs: readonly (ValueFacts | undefined)[]): ValueFacts {
  const layer = { name: 'L', kind: 'fill', inputs: inputs.map((_, i) => `in${i}`), outputs: ['y'], params } as AnyLayer;
  return inferWith(D.fill as unknown as LayerDef, layer, inputs)[0]!;
}

type KernelFn = (layer: AnyLayer, inputs: (Tensor | undefined)[], ctx: unknown) => Tensor[];
/** cpu-runtime is not a dependency of core: loaded by name at run time (vitest's workspace aliases resolve it). */
const CPU_RUNTIME = '@kiln-inference/cpu-runtime';
async function kernelOutput(layer: AnyLayer, inputs: Tensor[]): Promise<Tensor> {
  const m = (await import(/* @vite-ignore */ CPU_RUNTIME)) as { referenceKernels: Record<string, KernelFn> };
  return m.referenceKernels[layer.kind]!(layer, inputs, {})[0]!;
}

describe('shape', () => {
  it('gives the dims as an int64 vector with their value when static', () => {
    const [out] = infer(D.shape, {}, [t('float32', [2, 3, 4])]);
    expect(out!.dtype).toBe('int64');
    expect(out!.shape).toEqual([3]);
    expect(out!.value?.toArray()).toEqual([2n, 3n, 4n]);
  });

  it('slices with Shape-15 clamping, keeping the value when the slice is static', () => {
    const [tail] = infer(D.shape, { start: -2 }, [t('float32', ['n', 3, 4])]);
    expect(tail!.shape).toEqual([2]);
    expect(tail!.value?.toArray()).toEqual([3n, 4n]);
    expect(infer(D.shape, { start: 1, end: 100 }, [t('float32', ['n', 3])])[0]!.value?.toArray()).toEqual([3n]);
    expect(infer(D.shape, { start: 2, end: 1 }, [t('float32', [5, 6, 7])])[0]!.shape).toEqual([0]);
  });

  it('gives symbolic dims as `dims` (no value), nothing for an unknown rank', () => {
    expect(infer(D.shape, {}, [t('float32', ['batch', 3])])[0]).toEqual({ dtype: 'int64', shape: [2], dims: ['batch', 3] });
    expect(infer(D.shape, { start: 1 }, [t('float32', ['batch', null, 'w'])])[0]).toEqual({
      dtype: 'int64',
      shape: [2],
      dims: [null, 'w'],
    });
    expect(infer(D.shape, {}, [t('float32', [null, null])])[0]).toEqual({ dtype: 'int64', shape: [2] });
    expect(infer(D.shape, {}, [t('float32', null)])[0]).toEqual({ dtype: 'int64', shape: [null] });
  });

  it('matches the reference kernel for every start and end', async () => {
    const x = new Tensor('float32', [2, 3, 4]);
    for (let start = -4; start <= 4; start++) {
      for (let end = -4; end <= 4; end++) {
        const layer = { name: 'L', kind: 'shape', inputs: ['x'], outputs: ['y'], params: { start, end } } as AnyLayer;
        const actual = await kernelOutput(layer, [x]);
        const [p] = infer(D.shape, { start, end }, [t('float32', [2, 3, 4])]);
        expect(p!.shape).toEqual([...actual.shape]);
        expect(p!.value?.toArray()).toEqual(actual.toArray());
      }
    }
  });
});

describe('size', () => {
  it('gives an int64 scalar, its value when the count is known', () => {
    expect(infer(D.size, {}, [t('float32', [2, 3, 4])])[0]!.value?.toArray()).toEqual([24n]);
    // A zero dim fixes the count whatever the symbols.
    expect(infer(D.size, {}, [t('float32', ['n', 0])])[0]!.value?.toArray()).toEqual([0n]);
    expect(infer(D.size, {}, [t('float32', ['n', 3])])[0]).toEqual({ dtype: 'int64', shape: [] });
    expect(infer(D.size, {}, [t('float32', null)])[0]).toEqual({ dtype: 'int64', shape: [] });
  });
});

describe('fill', () => {
  it('constant_of_shape reads a known shape operand, else its length', () => {
    const shape = t('int64', [3], Tensor.fromValues('int64', [3], [2n, 0n, 5n]));
    expect(infer(D.fill, fill({ mode: 'constant_of_shape', dtype: 'float32', value: 1 }), [shape])[0]).toEqual({
      dtype: 'float32',
      shape: [2, 0, 5],
    });
    expect(infer(D.fill, fill({ mode: 'constant_of_shape' }), [t('int64', [2])])[0]!.shape).toEqual([null, null]);
    expect(infer(D.fill, fill({ mode: 'constant_of_shape' }), [t('int64', [null])])[0]!.shape).toBeNull();
    expect(inferFillWired(fill({ mode: 'constant_of_shape' }), [undefined]).shape).toBeNull();
    const negative = t('int64', [1], Tensor.fromValues('int64', [1], [-1n]));
    expect(codeOf(() => infer(D.fill, fill({ mode: 'constant_of_shape' }), [negative]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => infer(D.fill, fill({ mode: 'constant_of_shape' }), []))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('constant_of_shape takes a symbolic shape operand (ConstantOfShape(Shape(x)))', () => {
    const shapeOfX = { dtype: 'int64', shape: [3], dims: ['n', 4, null] } as const;
    expect(infer(D.fill, fill({ mode: 'constant_of_shape' }), [shapeOfX])[0]).toEqual({ dtype: 'float32', shape: ['n', 4, null] });
  });

  it('range counts ceil((limit - start) / delta) when all three are known', () => {
    const range = (s: number, l: number, d: number) =>
      infer(D.fill, fill({ mode: 'range', dtype: 'float32' }), [scalar('float32', s), scalar('float32', l), scalar('float32', d)])[0]!
        .shape;
    expect(range(0, 10, 3)).toEqual([4]);
    expect(range(10, 0, -2.5)).toEqual([4]);
    expect(range(5, 0, 1)).toEqual([0]);
    expect(inferFillWired(fill({ mode: 'range', dtype: 'int64' }), [scalar('int64', 0), undefined, scalar('int64', 1)]).shape).toEqual([
      null,
    ]);
    const e = thrown(() => range(0, 1, 0));
    expect(e.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(e.layer).toEqual({ name: 'L', kind: 'fill' });
  });

  it('carries small integer values for shape arithmetic (ConstantOfShape, Range)', () => {
    const two = t('int64', [1], Tensor.fromValues('int64', [1], [2n]));
    const [ones] = infer(D.fill, fill({ mode: 'constant_of_shape', dtype: 'int64', value: 1 }), [two]);
    expect(ones!.value?.toArray()).toEqual([1n, 1n]);
    const [axes] = infer(D.fill, fill({ mode: 'range', dtype: 'int64' }), [scalar('int64', 0), scalar('int64', 3), scalar('int64', 1)]);
    expect(axes!.value?.toArray()).toEqual([0n, 1n, 2n]);
    // Floats are data, not shape arithmetic: no value is carried.
    expect(infer(D.fill, fill({ mode: 'constant_of_shape', value: 1 }), [two])[0]!.value).toBeUndefined();
    expect(
      infer(D.fill, fill({ mode: 'range' }), [scalar('float32', 0), scalar('float32', 3), scalar('float32', 1)])[0]!.value,
    ).toBeUndefined();
  });

  it('range matches the reference kernel', async () => {
    for (const [s, l, d] of [
      [0, 10, 3],
      [10, 0, -2.5],
      [1.5, 2, 0.1],
      [-3, 3, 7],
    ] as const) {
      const inputs = [Tensor.scalar('float32', s), Tensor.scalar('float32', l), Tensor.scalar('float32', d)];
      const layer = { name: 'L', kind: 'fill', inputs: ['a', 'b', 'c'], outputs: ['y'], params: fill({ mode: 'range' }) } as AnyLayer;
      const actual = await kernelOutput(layer, inputs);
      const facts = inputs.map((x) => t(x.dtype, x.shape, x));
      expect(infer(D.fill, fill({ mode: 'range' }), facts)[0]!.shape).toEqual([...actual.shape]);
    }
  });

  it('random fills take params.shape or a template input; eye_like keeps a matrix shape', () => {
    expect(infer(D.fill, fill({ mode: 'random_normal', shape: [3, 4] }), [])[0]!.shape).toEqual([3, 4]);
    expect(infer(D.fill, fill({ mode: 'random_uniform', dtype: 'float16' }), [t('float32', ['n', 2])])[0]).toEqual({
      dtype: 'float16',
      shape: ['n', 2],
    });
    expect(codeOf(() => infer(D.fill, fill({ mode: 'random_uniform' }), []))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(infer(D.fill, fill({ mode: 'eye_like', k: 1 }), [t('int32', ['r', 5])])[0]!.shape).toEqual(['r', 5]);
    expect(infer(D.fill, fill({ mode: 'eye_like' }), [t('int32', null)])[0]!.shape).toEqual([null, null]);
    expect(codeOf(() => infer(D.fill, fill({ mode: 'eye_like' }), [t('int32', [2, 2, 2])]))).toBe(ErrorCode.INVALID_SHAPE);
  });

  it('is foldable but not deterministic (random modes are told apart per layer)', () => {
    expect(D.fill.traits).toEqual({ foldable: true, deterministic: false });
    expect(D.fill.params.value.default).toBe(0);
    expect(D.fill.params.high.default).toBe(1);
  });
});

describe('non_zero and nms', () => {
  it('non_zero gives int64 [rank, unknown count]', () => {
    expect(infer(D.non_zero, {}, [t('float32', ['n', 3, 4])])[0]).toEqual({ dtype: 'int64', shape: [3, null] });
    expect(infer(D.non_zero, {}, [t('bool', [])])[0]!.shape).toEqual([1, null]);
    expect(infer(D.non_zero, {}, [t('bool', null)])[0]!.shape).toEqual([null, null]);
  });

  it('nms gives int64 [unknown, 3], or [0, 3] when no box may be selected', () => {
    const boxes = t('float32', ['b', 10, 4]);
    const scores = t('float32', ['b', 2, 10]);
    const nms = { centerPointBox: false };
    expect(infer(D.nms, nms, [boxes, scores, scalar('int64', 5)])[0]).toEqual({ dtype: 'int64', shape: [null, 3] });
    expect(infer(D.nms, nms, [boxes, scores])[0]!.shape).toEqual([0, 3]);
    expect(infer(D.nms, nms, [boxes, scores, scalar('int64', 0)])[0]!.shape).toEqual([0, 3]);
    expect(infer(D.nms, nms, [boxes, scores, t('int64', [])])[0]!.shape).toEqual([null, 3]);
  });

  it('nms rejects malformed boxes, scores and IoU thresholds', () => {
    const nms = { centerPointBox: true };
    const scores = t('float32', [1, 2, 10]);
    expect(codeOf(() => infer(D.nms, nms, [t('float32', [1, 10, 5]), scores]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => infer(D.nms, nms, [t('float32', [1, 10, 4]), t('float32', [1, 10])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => infer(D.nms, nms, [t('float32', [1, 9, 4]), scores]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => infer(D.nms, nms, [t('float32', [1, 10, 4]), scores, scalar('int64', 3), scalar('float32', 1.5)]))).toBe(
      ErrorCode.INVALID_ATTRIBUTE,
    );
  });
});
