/**
 * Tensor generators: Range, ConstantOfShape, EyeLike, RandomUniform/Normal(+Like) and
 * Bernoulli (a uniform draw compared with the probabilities, cast to the output type).
 */
import type { DType, LayerParamsMap } from '@kiln-inference/core';
import { checkComputedShape, checkConstantShapeInput, checkRangeLength } from '../computed-sizes.js';
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import { allOf, checkInputDTypes, dtypeAttr, FLOAT_TYPES, NUMERIC_TYPES, onnxConverter, requireDType } from './math/common.js';

type FillParams = LayerParamsMap['fill'];

/** A dtype attribute with a fallback; validators have already rejected invalid codes. */
function dtypeOr(ctx: ValidationContext, name: string, fallback: DType): DType {
  const d = dtypeAttr(ctx, name);
  return d === undefined || d === 'invalid' ? fallback : d;
}

function validateDTypeAttr(ctx: ValidationContext, allowed: readonly DType[]) {
  const d = dtypeAttr(ctx, 'dtype');
  if (d === 'invalid' || (d !== undefined && !allowed.includes(d))) {
    return unsupported('unsupported-dtype', `${ctx.node.op} cannot produce dtype ${String(d === 'invalid' ? ctx.attrs.int('dtype') : d)}`);
  }
  return SUPPORTED;
}

function addFill(ctx: ConversionContext, params: FillParams, inputs: string[], outIndex = 0): string {
  return ctx.addLayer('fill', params, inputs, [{ name: ctx.output(outIndex), dtype: params.dtype }])[0]!;
}

const RANGE_TYPES: readonly DType[] = [...FLOAT_TYPES, 'int16', 'int32', 'int64'];

const rangeConverter = onnxConverter(
  'Range',
  (ctx) => {
    const dtype = requireDType(ctx, 0);
    checkRangeLength(ctx, dtype);
    addFill(ctx, { mode: 'range', dtype }, [ctx.input(0), ctx.input(1), ctx.input(2)]);
  },
  { dtypes: RANGE_TYPES, validate: (ctx) => checkInputDTypes(ctx, RANGE_TYPES, [0, 1, 2]) },
);

const constantOfShapeConverter = onnxConverter(
  'ConstantOfShape',
  (ctx) => {
    const value = ctx.attrs.tensor('value');
    const params: FillParams = {
      mode: 'constant_of_shape',
      dtype: value?.dtype ?? 'float32',
      value: value ? (value.toFloat64()[0] ?? 0) : 0,
    };
    checkConstantShapeInput(ctx, 0, params.dtype);
    addFill(ctx, params, [ctx.input(0)]);
  },
  {
    validate: (ctx) => {
      const value = ctx.attrs.tensor('value');
      if (value && value.size !== 1)
        return unsupported('unsupported-attribute', `ConstantOfShape value must hold one element, got ${value.size}`);
      if (value?.dtype === 'string') return unsupported('unsupported-dtype', 'ConstantOfShape cannot fill string tensors');
      // 64-bit fill values travel as a JS number: exact only within 2^53.
      if (value && (value.dtype === 'int64' || value.dtype === 'uint64') && !Number.isSafeInteger(value.toFloat64()[0])) {
        return unsupported('unsupported-attribute', 'ConstantOfShape 64-bit fill values beyond 2^53 are not supported');
      }
      return SUPPORTED;
    },
  },
);

const eyeLikeConverter = onnxConverter(
  'EyeLike',
  (ctx) => {
    const dtype = dtypeOr(ctx, 'dtype', requireDType(ctx, 0));
    addFill(ctx, { mode: 'eye_like', dtype, k: ctx.attrs.int('k', 0) }, [ctx.input(0)]);
  },
  { validate: (ctx) => validateDTypeAttr(ctx, [...NUMERIC_TYPES, 'bool']) },
);

const RANDOM_RESTRICTION = 'seeded draws are reproducible within kiln but do not reproduce numpy/onnxruntime random streams';

/** RandomUniform / RandomNormal and their *Like forms share every attribute but the template. */
function randomConverter(onnxOp: string, kind: 'uniform' | 'normal', like: boolean): Converter {
  return onnxConverter(
    onnxOp,
    (ctx) => {
      const dtype = dtypeOr(ctx, 'dtype', like ? requireDType(ctx, 0) : 'float32');
      const params: FillParams = { mode: kind === 'uniform' ? 'random_uniform' : 'random_normal', dtype };
      if (kind === 'uniform') Object.assign(params, { low: ctx.attrs.float('low', 0), high: ctx.attrs.float('high', 1) });
      else Object.assign(params, { mean: ctx.attrs.float('mean', 0), scale: ctx.attrs.float('scale', 1) });
      const seed = ctx.attrs.float('seed');
      if (seed !== undefined) params.seed = seed;
      if (!like) {
        params.shape = ctx.attrs.ints('shape', []);
        checkComputedShape(ctx, dtype, params.shape);
      }
      addFill(ctx, params, like ? [ctx.input(0)] : []);
    },
    {
      dtypes: FLOAT_TYPES,
      restrictions: RANDOM_RESTRICTION,
      validate: (ctx) => {
        if (!like && !ctx.attrs.has('shape')) return unsupported('unsupported-attribute', `${onnxOp} needs a 'shape' attribute`);
        const shape = ctx.attrs.ints('shape', []);
        if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
          return unsupported('unsupported-attribute', `${onnxOp} shape [${shape.join(',')}] has a negative dimension`);
        }
        return validateDTypeAttr(ctx, FLOAT_TYPES);
      },
    },
  );
}

const bernoulliConverter = onnxConverter(
  'Bernoulli',
  (ctx) => {
    const inType = requireDType(ctx, 0);
    const dtype = dtypeOr(ctx, 'dtype', inType);
    const params: FillParams = { mode: 'random_uniform', dtype: inType, low: 0, high: 1 };
    const seed = ctx.attrs.float('seed');
    if (seed !== undefined) params.seed = seed;
    const draw = ctx.addLayer('fill', params, [ctx.input(0)], [{ dtype: inType }])[0]!;
    const hit = ctx.addLayer('elementwise', { op: 'less' }, [draw, ctx.input(0)], [{ dtype: 'bool' }])[0]!;
    ctx.addLayer('cast', { to: dtype }, [hit], [{ name: ctx.output(0), dtype }]);
  },
  {
    dtypes: FLOAT_TYPES,
    restrictions: RANDOM_RESTRICTION,
    validate: (ctx) =>
      allOf(
        () => checkInputDTypes(ctx, FLOAT_TYPES),
        () => validateDTypeAttr(ctx, [...NUMERIC_TYPES, 'bool']),
      ),
  },
);

export const generatorConverters: readonly Converter[] = [
  rangeConverter,
  constantOfShapeConverter,
  eyeLikeConverter,
  randomConverter('RandomUniform', 'uniform', false),
  randomConverter('RandomNormal', 'normal', false),
  randomConverter('RandomUniformLike', 'uniform', true),
  randomConverter('RandomNormalLike', 'normal', true),
  bernoulliConverter,
];
