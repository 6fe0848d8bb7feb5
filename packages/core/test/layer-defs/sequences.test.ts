import { describe, expect, it } from 'vitest';
import { type DType, ErrorCode, type Shape, Tensor, type ValueFacts } from '../../src/index.js';
import { SEQUENCE_DEFS as D } from '../../src/layer-defs/sequences.js';
import { infer, t, thrown } from './infer-helpers.js';

const seq = (dtype: DType, elementShape: Shape | null): ValueFacts => ({ dtype, shape: elementShape, valueKind: 'sequence' });
const position = (p: number) => t('int64', [], Tensor.scalar('int64', BigInt(p)));
const sizes = (values: number[], shape: number[] = [values.length]) =>
  t(
    'int64',
    shape,
    Tensor.fromValues(
      'int64',
      shape,
      values.map((v) => BigInt(v)),
    ),
  );
const codeOf = (f: () => unknown) => thrown(f).code;

describe('building sequences', () => {
  it('sequence_construct keeps the dims every element shares', () => {
    expect(infer(D.sequence_construct, {}, [t('float32', [2, 3]), t('float32', [2, 3])])[0]).toEqual(seq('float32', [2, 3]));
    expect(infer(D.sequence_construct, {}, [t('int64', ['n', 3]), t('int64', [4, 3])])[0]).toEqual(seq('int64', [null, 3]));
    expect(infer(D.sequence_construct, {}, [t('int64', [3]), t('int64', [3, 1])])[0]).toEqual(seq('int64', null));
  });

  it('sequence_construct rejects mixed dtypes, no inputs and sequence inputs', () => {
    expect(codeOf(() => infer(D.sequence_construct, {}, [t('float32', [2]), t('float16', [2])]))).toBe(ErrorCode.INVALID_DTYPE);
    expect(codeOf(() => infer(D.sequence_construct, {}, []))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => infer(D.sequence_construct, {}, [seq('float32', [2])]))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('sequence_empty knows the element dtype only', () => {
    expect(infer(D.sequence_empty, { dtype: 'int32' }, [])[0]).toEqual(seq('int32', null));
  });

  it('sequence_insert merges the element shapes and checks the dtype and position', () => {
    expect(infer(D.sequence_insert, {}, [seq('float32', [2, 3]), t('float32', [2, 3])])[0]).toEqual(seq('float32', [2, 3]));
    expect(infer(D.sequence_insert, {}, [seq('float32', [2, 3]), t('float32', [5, 3]), position(0)])[0]).toEqual(seq('float32', [null, 3]));
    expect(codeOf(() => infer(D.sequence_insert, {}, [seq('float32', [2]), t('int32', [2])]))).toBe(ErrorCode.INVALID_DTYPE);
    expect(codeOf(() => infer(D.sequence_insert, {}, [t('float32', [2]), t('float32', [2])]))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => infer(D.sequence_insert, {}, [seq('float32', [2]), t('float32', [2]), t('float32', [])]))).toBe(
      ErrorCode.INVALID_DTYPE,
    );
  });

  it('sequence_erase keeps the sequence facts; sequence_length is an int64 scalar', () => {
    expect(infer(D.sequence_erase, {}, [seq('float32', ['n', 3])])[0]).toEqual(seq('float32', ['n', 3]));
    expect(infer(D.sequence_erase, {}, [seq('float32', [3]), position(-1)])[0]).toEqual(seq('float32', [3]));
    expect(codeOf(() => infer(D.sequence_erase, {}, [seq('float32', [3]), t('int64', [2])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(infer(D.sequence_length, {}, [seq('float32', [3])])[0]).toEqual({ dtype: 'int64', shape: [] });
    expect(codeOf(() => infer(D.sequence_length, {}, [t('float32', [3])]))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('reading sequences', () => {
  it('sequence_at gives a tensor with the element facts', () => {
    const [out] = infer(D.sequence_at, {}, [seq('float16', ['n', 4]), position(1)]);
    expect(out).toEqual({ dtype: 'float16', shape: ['n', 4] });
    expect(out!.valueKind ?? 'tensor').toBe('tensor');
    expect(codeOf(() => infer(D.sequence_at, {}, [seq('float16', [4]), t('int16', [])]))).toBe(ErrorCode.INVALID_DTYPE);
    expect(codeOf(() => infer(D.sequence_at, {}, [seq('float16', [4])]))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('concat_from_sequence leaves the joined dim unknown', () => {
    expect(infer(D.concat_from_sequence, { axis: 1, newAxis: false }, [seq('float32', [2, 3])])[0]).toEqual({
      dtype: 'float32',
      shape: [2, null],
    });
    expect(infer(D.concat_from_sequence, { axis: -1, newAxis: true }, [seq('float32', [2, 3])])[0]!.shape).toEqual([2, 3, null]);
    expect(infer(D.concat_from_sequence, { axis: 0, newAxis: true }, [seq('float32', ['n'])])[0]!.shape).toEqual([null, 'n']);
    expect(infer(D.concat_from_sequence, { axis: 0, newAxis: false }, [seq('float32', null)])[0]!.shape).toBeNull();
    expect(codeOf(() => infer(D.concat_from_sequence, { axis: 2, newAxis: false }, [seq('float32', [2, 3])]))).toBe(
      ErrorCode.INVALID_ATTRIBUTE,
    );
    expect(infer(D.concat_from_sequence, { axis: 2, newAxis: true }, [seq('float32', [2, 3])])[0]!.shape).toEqual([2, 3, null]);
  });
});

describe('split_to_sequence', () => {
  const split = (axis: number, keepDims: boolean) => ({ axis, keepDims });

  it('cuts pieces of 1, squeezed unless keepDims', () => {
    expect(infer(D.split_to_sequence, split(1, false), [t('float32', ['n', 5, 2])])[0]).toEqual(seq('float32', ['n', 2]));
    expect(infer(D.split_to_sequence, split(1, true), [t('float32', ['n', 5, 2])])[0]).toEqual(seq('float32', ['n', 1, 2]));
  });

  it('knows the piece size when every piece has it', () => {
    const x = t('float32', [6, 4]);
    expect(infer(D.split_to_sequence, split(0, false), [x, sizes([2], [])])[0]!.shape).toEqual([2, 4]);
    expect(infer(D.split_to_sequence, split(0, false), [x, sizes([4], [])])[0]!.shape).toEqual([null, 4]);
    expect(infer(D.split_to_sequence, split(0, false), [x, sizes([3, 3])])[0]!.shape).toEqual([3, 4]);
    expect(infer(D.split_to_sequence, split(0, false), [x, sizes([1, 5])])[0]!.shape).toEqual([null, 4]);
    expect(infer(D.split_to_sequence, split(-1, false), [x, t('int64', [])])[0]!.shape).toEqual([6, null]);
  });

  it('rejects sizes that do not add up, a non-positive piece size and a rank-2 split', () => {
    const x = t('float32', [6, 4]);
    expect(codeOf(() => infer(D.split_to_sequence, split(0, false), [x, sizes([2, 2])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => infer(D.split_to_sequence, split(0, false), [x, sizes([0], [])]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => infer(D.split_to_sequence, split(0, false), [x, t('int64', [1, 2])]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => infer(D.split_to_sequence, split(2, false), [x]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });
});

describe('sequence traits', () => {
  it('no sequence layer is folded (sequences cannot be stored as constants)', () => {
    for (const def of Object.values(D)) expect(def.traits.foldable).toBe(false);
  });

  it('sequence inputs have the sequence role', () => {
    expect(D.sequence_at.inputs[0]!.role).toBe('sequence');
    expect(D.concat_from_sequence.inputs[0]!.role).toBe('sequence');
    expect(D.split_to_sequence.inputs[0]!.role).toBe('data');
  });
});

describe('against the reference sequence kernels', () => {
  type Sequence = { readonly dtype: DType; readonly elements: readonly Tensor[] };
  type Value = Tensor | Sequence;
  type ValueKernel = (layer: unknown, inputs: (Value | undefined)[], ctx: unknown) => Value[];
  interface CpuRuntime {
    valueKernels: Record<string, ValueKernel>;
    TensorSequence: new (dtype: DType, elements: readonly Tensor[]) => Sequence;
  }
  /** cpu-runtime is not a dependency of core: loaded by name at run time (vitest's workspace aliases resolve it). */
  const CPU_RUNTIME = '@kiln-inference/cpu-runtime';
  const runtime = async () => (await import(/* @vite-ignore */ CPU_RUNTIME)) as CpuRuntime;
  const layer = (kind: string, params: unknown, inputs: number) => ({
    name: 'L',
    kind,
    inputs: Array.from({ length: inputs }, (_, i) => `in${i}`),
    outputs: ['y'],
    params,
  });
  const ramp = (shape: number[]) =>
    Tensor.fromValues(
      'float32',
      shape,
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
    );

  it('split_to_sequence predicts every element shape the kernel makes, where the pieces agree', async () => {
    const k = (await runtime()).valueKernels;
    for (const [params, x, split] of [
      [{ axis: 1, keepDims: false }, ramp([2, 3, 4]), undefined],
      [{ axis: -1, keepDims: true }, ramp([2, 3, 4]), undefined],
      [{ axis: 2, keepDims: false }, ramp([2, 3, 4]), Tensor.scalar('int64', 2n)],
      [{ axis: 0, keepDims: false }, ramp([6, 2]), Tensor.fromValues('int64', [3], [2n, 2n, 2n])],
    ] as const) {
      const inputs = split ? [x, split] : [x];
      const seq = k.split_to_sequence!(layer('split_to_sequence', params, inputs.length), inputs, {})[0] as Sequence;
      const facts = inputs.map((v) => t(v.dtype, v.shape, v === x ? undefined : v));
      const [predicted] = infer(D.split_to_sequence, params, facts);
      for (const element of seq.elements) expect(predicted!.shape).toEqual([...element.shape]);
    }
  });

  it('concat_from_sequence predicts every dim but the joined one', async () => {
    const { valueKernels: k, TensorSequence } = await runtime();
    const elements = new TensorSequence('float32', [ramp([2, 3]), ramp([2, 3]), ramp([2, 3])]);
    for (const params of [
      { axis: 0, newAxis: false },
      { axis: 1, newAxis: true },
      { axis: -1, newAxis: true },
    ]) {
      const out = k.concat_from_sequence!(layer('concat_from_sequence', params, 1), [elements], {})[0] as Tensor;
      const [predicted] = infer(D.concat_from_sequence, params, [seq('float32', [2, 3])]);
      expect(predicted!.shape!.length).toBe(out.rank);
      predicted!.shape!.forEach((d, i) => {
        if (d !== null) expect(d).toBe(out.shape[i]);
      });
      expect(predicted!.shape!.filter((d) => d === null)).toHaveLength(1);
    }
  });
});
