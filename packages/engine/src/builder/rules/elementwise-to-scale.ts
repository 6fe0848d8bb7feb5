/**
 * Elementwise to scale: `x + c`, `c + x`, `x − c`, `c − x`, `x · c`, `c · x` and `x / c` with a
 * constant c that is one value or one value per channel become a `scale` layer (uniform or
 * channel mode). BatchNorm exported as Mul + Add then folds into a preceding convolution or
 * matmul (scale folding), and otherwise the two scales merge into one affine (scale merging).
 * Division becomes multiplication by 1/c (within one rounding of the original).
 */
import { type AnyLayer, isFloatDType, type Layer, Tensor } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { constantValue, indexNetwork } from './network-index.js';
import { broadcastAxis, newConstantLayer } from './rewrite-helpers.js';

const AFFINE_OPS = new Set(['add', 'sub', 'mul', 'div']);

interface Affine {
  x: string;
  mode: 'uniform' | 'channel';
  channelAxis: number;
  /** y = x · multiplier + shift; an absent part is 1 or 0. */
  multiplier?: Float64Array;
  shift?: Float64Array;
  dtype: Tensor['dtype'];
}

export const elementwiseToScale: BuilderRule = {
  name: 'elementwise-to-scale',
  targets: ['elementwise'],
  condition: (match) => affineOf(match) !== undefined,
  apply({ network, layer, index }) {
    const affine = affineOf({ network, layer, index })!;
    const params: AnyLayer[] = [];
    const input = (part: Float64Array | undefined, suffix: string) => {
      if (!part) return '';
      const constant = newConstantLayer(network, `${layer.name}/${suffix}`, Tensor.fromValues(affine.dtype, [part.length], part));
      params.push(constant);
      return constant.outputs[0]!;
    };
    const shift = input(affine.shift, 'shift');
    const multiplier = input(affine.multiplier, 'scale');
    const scale: Layer<'scale'> = {
      ...withoutParams(layer),
      kind: 'scale',
      inputs: [affine.x, shift, multiplier],
      params: { mode: affine.mode, channelAxis: affine.channelAxis },
    };
    network.layers.splice(index, 1, ...params, scale as AnyLayer);
    const where = affine.mode === 'channel' ? ` along axis ${affine.channelAxis}` : '';
    return `${(layer as Layer<'elementwise'>).params.op} by a constant → ${affine.mode} scale${where}`;
  },
};

function withoutParams(layer: AnyLayer): Omit<AnyLayer, 'kind' | 'params' | 'inputs'> {
  const { kind: _k, params: _p, inputs: _i, ...rest } = layer;
  return rest;
}

function affineOf({ network, layer }: RuleMatch): Affine | undefined {
  if (layer.kind !== 'elementwise' || !AFFINE_OPS.has(layer.params.op)) return undefined;
  if (layer.inputs.length !== 2 || layer.outputs.length !== 1) return undefined;
  const index = indexNetwork(network);
  const [a = '', b = ''] = layer.inputs;
  const ca = constantValue(network, index, a);
  const cb = constantValue(network, index, b);
  // Both constant is constant folding's work; neither is not an affine map.
  if ((ca && cb) || (!ca && !cb)) return undefined;
  const constantFirst = ca !== undefined;
  const c = (ca ?? cb)!;
  const op = layer.params.op;
  if (constantFirst && op === 'div') return undefined;
  const x = constantFirst ? b : a;
  const xDesc = network.tensors.get(x);
  const yDesc = network.tensors.get(layer.outputs[0]!);
  if (!xDesc?.shape || !yDesc || (xDesc.valueKind ?? 'tensor') !== 'tensor') return undefined;
  if (!isFloatDType(xDesc.dtype) || c.dtype !== xDesc.dtype || yDesc.dtype !== xDesc.dtype) return undefined;
  const axis = broadcastAxis(c, xDesc.shape);
  if (axis === undefined) return undefined;
  const values = c.toFloat64();
  const base = {
    x,
    dtype: xDesc.dtype,
    ...(axis === 'scalar' ? { mode: 'uniform' as const, channelAxis: 0 } : { mode: 'channel' as const, channelAxis: axis }),
  };
  switch (op) {
    case 'add':
      return { ...base, shift: values };
    case 'mul':
      return { ...base, multiplier: values };
    case 'div':
      return { ...base, multiplier: values.map((v) => 1 / v) };
    default:
      // sub: x − c = x + (−c); c − x = x · (−1) + c.
      return constantFirst ? { ...base, multiplier: values.map(() => -1), shift: values } : { ...base, shift: values.map((v) => -v) };
  }
}
