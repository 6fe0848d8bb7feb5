/**
 * MatMul, Gemm, MatMulInteger and QLinearMatMul. Gemm is matrix_multiply, a uniform scale
 * layer for alpha ≠ 1 and beta ≠ 1, and an elementwise add of C. The integer forms subtract
 * zero points in int32 before an int32 matrix_multiply.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import { addBinary } from './elementwise.js';
import { allOf, checkInputDTypes, FLOAT_TYPES, knownRank, onnxConverter, requireDType } from './math/common.js';

const MATMUL_TYPES: readonly DType[] = [...FLOAT_TYPES, 'int32', 'int64', 'uint32', 'uint64'];
const INT8_TYPES: readonly DType[] = ['int8', 'uint8'];

/** Multiplies `x` by a scalar with a uniform scale layer (constant in float32, or float64 for float64). */
function scaleBy(ctx: ConversionContext, x: string, factor: number, dtype: DType, name?: string): string {
  const factorType: DType = dtype === 'float64' ? 'float64' : 'float32';
  const scale = ctx.constant(Tensor.fromValues(factorType, [1], [factor]), `${ctx.node.name || ctx.node.op}/factor`);
  const out = name ? { name, dtype } : { dtype };
  return ctx.addLayer('scale', { mode: 'uniform', channelAxis: 0 }, [x, '', scale], [out])[0]!;
}

const matMulConverter = onnxConverter(
  'MatMul',
  (ctx) => {
    const params = { transposeA: false, transposeB: false };
    ctx.addLayer('matrix_multiply', params, [ctx.input(0), ctx.input(1)], [{ name: ctx.output(0), dtype: requireDType(ctx, 0) }]);
  },
  { dtypes: MATMUL_TYPES, validate: (ctx) => checkInputDTypes(ctx, MATMUL_TYPES, [0, 1]) },
);

function validateGemm(ctx: ValidationContext) {
  return allOf(
    () => checkInputDTypes(ctx, MATMUL_TYPES, [0, 1, 2]),
    () => {
      for (const i of [0, 1]) {
        const rank = knownRank(ctx, i);
        if (rank !== undefined && rank !== 2) return unsupported('other', `Gemm input ${i} must be 2-D, got rank ${rank}`);
      }
      return SUPPORTED;
    },
  );
}

const gemmConverter = onnxConverter(
  'Gemm',
  (ctx) => {
    const dtype = requireDType(ctx, 0);
    const alpha = ctx.attrs.float('alpha', 1);
    const beta = ctx.attrs.float('beta', 1);
    const hasC = ctx.hasInput(2) && beta !== 0;
    const params = { transposeA: ctx.attrs.int('transA', 0) !== 0, transposeB: ctx.attrs.int('transB', 0) !== 0 };
    const lastName = (isLast: boolean) => (isLast ? ctx.output(0) : undefined);
    const product = ctx.addLayer(
      'matrix_multiply',
      params,
      [ctx.input(0), ctx.input(1)],
      [alpha === 1 && !hasC ? { name: ctx.output(0), dtype } : { dtype }],
    )[0]!;
    const scaled = alpha === 1 ? product : scaleBy(ctx, product, alpha, dtype, lastName(!hasC));
    if (!hasC) return;
    const c = beta === 1 ? ctx.input(2) : scaleBy(ctx, ctx.input(2), beta, dtype);
    addBinary(ctx, 'add', scaled, c, { name: ctx.output(0), dtype });
  },
  { dtypes: MATMUL_TYPES, validate: validateGemm },
);

/** Casts an 8-bit operand to int32 and subtracts its zero point (shaped by `zeroPointShape`). */
function centered(ctx: ConversionContext, input: number, zeroPoint: number, zeroPointShape?: (zp: Tensor) => number[]): string {
  const x = ctx.addLayer('cast', { to: 'int32' }, [ctx.input(input)], [{ dtype: 'int32' }])[0]!;
  if (!ctx.hasInput(zeroPoint)) return x;
  const constant = ctx.constantInput(zeroPoint);
  let zp: string;
  if (constant && zeroPointShape) {
    const reshaped = new Tensor(constant.dtype, zeroPointShape(constant), constant.data);
    zp = ctx.addLayer('cast', { to: 'int32' }, [ctx.constant(reshaped)], [{ dtype: 'int32' }])[0]!;
  } else {
    zp = ctx.addLayer('cast', { to: 'int32' }, [ctx.input(zeroPoint)], [{ dtype: 'int32' }])[0]!;
  }
  return addBinary(ctx, 'sub', x, zp, { dtype: 'int32' });
}

/** A's zero point is per row ([M]): it must broadcast along the last dim, so it becomes [M, 1]. */
const perRow = (zp: Tensor): number[] => (zp.size > 1 && zp.rank === 1 ? [zp.size, 1] : [...zp.shape]);

function validatePerRowZeroPoint(ctx: ValidationContext, index: number) {
  const zp = ctx.constantInput(index);
  if (ctx.hasInput(index) && !zp) {
    const shape = ctx.inputShape(index);
    const scalar = shape?.every((d) => d === 1);
    if (!scalar) return unsupported('dynamic-shape', `${ctx.node.op} needs a constant per-row zero point for A (input ${index})`);
  }
  return SUPPORTED;
}

const matMulIntegerConverter = onnxConverter(
  'MatMulInteger',
  (ctx) => {
    const a = centered(ctx, 0, 2, perRow);
    const b = centered(ctx, 1, 3);
    const params = { transposeA: false, transposeB: false };
    ctx.addLayer('matrix_multiply', params, [a, b], [{ name: ctx.output(0), dtype: 'int32' }]);
  },
  {
    dtypes: INT8_TYPES,
    restrictions: 'a per-row zero point of A must be a constant (scalars may be computed)',
    validate: (ctx) =>
      allOf(
        () => checkInputDTypes(ctx, INT8_TYPES, [0, 1, 2, 3]),
        () => validatePerRowZeroPoint(ctx, 2),
      ),
  },
);

/** A per-row scale of A must be [M, 1] to broadcast; scalars pass through. */
function perRowScale(ctx: ConversionContext, index: number): string {
  const constant = ctx.constantInput(index);
  if (constant && constant.rank === 1 && constant.size > 1)
    return ctx.constant(new Tensor(constant.dtype, perRow(constant), constant.data));
  return ctx.input(index);
}

/**
 * QLinearMatMul: y = saturate(round((a − a_zp)·(b − b_zp) · (a_scale · b_scale / y_scale)) + y_zp),
 * the integer product formed exactly in int32 and the requantisation in the scales' float type.
 */
const qlinearMatMulConverter = onnxConverter(
  'QLinearMatMul',
  (ctx) => {
    const outType = requireDType(ctx, 7);
    const scaleType = requireDType(ctx, 1);
    const a = centered(ctx, 0, 2, perRow);
    const b = centered(ctx, 3, 5);
    const product = ctx.addLayer('matrix_multiply', { transposeA: false, transposeB: false }, [a, b], [{ dtype: 'int32' }])[0]!;
    const asFloat = ctx.addLayer('cast', { to: 'float32' }, [product], [{ dtype: 'float32' }])[0]!;
    const toFloat32 = (name: string): string =>
      scaleType === 'float32' ? name : ctx.addLayer('cast', { to: 'float32' }, [name], [{ dtype: 'float32' }])[0]!;
    const abScale = addBinary(ctx, 'mul', toFloat32(perRowScale(ctx, 1)), toFloat32(ctx.input(4)), { dtype: 'float32' });
    const factor = addBinary(ctx, 'div', abScale, toFloat32(ctx.input(6)), { dtype: 'float32' });
    const rescaled = addBinary(ctx, 'mul', asFloat, factor, { dtype: 'float32' });
    const one = ctx.constant(Tensor.fromValues('float32', [], [1]));
    const params = { axis: null, quantizedType: outType, floatType: 'float32' as const };
    ctx.addLayer('quantize', params, [rescaled, one, ctx.input(7)], [{ name: ctx.output(0), dtype: outType }]);
  },
  {
    dtypes: INT8_TYPES,
    restrictions: 'a per-row zero point of A must be a constant (scalars may be computed)',
    validate: (ctx) =>
      allOf(
        () => checkInputDTypes(ctx, INT8_TYPES, [0, 2, 3, 5, 7]),
        () => checkInputDTypes(ctx, ['float32', 'float16', 'bfloat16'], [1, 4, 6]),
        () => validatePerRowZeroPoint(ctx, 2),
      ),
  },
);

export const matmulConverters: readonly Converter[] = [matMulConverter, gemmConverter, matMulIntegerConverter, qlinearMatMulConverter];
