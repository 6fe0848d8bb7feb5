/**
 * ONNX Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Expand, Tile, DepthToSpace and
 * SpaceToDepth: layout-only ops lowered onto shuffle, squeeze, unsqueeze, expand, tile and
 * depth_space layers.
 */
import { broadcastSymbolic, type Dim, formatShape, isStaticShape, type Shape } from '@kiln-inference/core';
import { checkComputedShape } from '../../computed-sizes.js';
import type { ConversionContext, Converter } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { allOf, constInts, dtypeOf, int64Const, normAxis, out, rankOf, requireChoice, staticProduct } from './helpers.js';

/** Output shape of a reshape with known dims, when it can be worked out without running it. */
function inferReshape(input: Shape | null | undefined, dims: readonly number[], allowZero: boolean): Dim[] | null {
  const resolved: Dim[] = dims.map((d, i) => (d === 0 && !allowZero ? (input?.[i] ?? null) : d));
  const unknown = resolved.filter((d) => d === -1).length;
  if (unknown === 0) return resolved;
  const total = input ? staticProduct(input) : undefined;
  const known = staticProduct(resolved.filter((d) => d !== -1));
  if (unknown === 1 && total !== undefined && known !== undefined && known > 0) return resolved.map((d) => (d === -1 ? total / known : d));
  return resolved.map((d) => (d === -1 ? null : d));
}

const reshape: Converter = {
  domain: 'ai.onnx',
  op: 'Reshape',
  restrictions: 'opset < 5 reads the shape attribute; allowzero (opset 14) is honoured',
  validate: (ctx) =>
    ctx.opset < 5 && !ctx.attrs.has('shape') ? unsupported('unsupported-attribute', 'Reshape-1 needs a shape attribute') : SUPPORTED,
  convert(ctx) {
    const allowZero = ctx.attrs.int('allowzero', 0) === 1;
    const dims = ctx.opset < 5 ? ctx.attrs.ints('shape', []) : constInts(ctx, 1);
    const dtype = dtypeOf(ctx, 0);
    if (dims) {
      const shape = inferReshape(ctx.inputShape(0), dims, allowZero);
      ctx.addLayer('shuffle', { reshape: dims, ...(allowZero ? { allowZero } : {}) }, [ctx.input(0)], [out(ctx, 0, dtype, shape)]);
      return;
    }
    ctx.addLayer('shuffle', allowZero ? { allowZero } : {}, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtype)]);
  },
};

/**
 * Flatten to [prod(dims before axis), prod(dims from axis)]. Static dims give a fixed reshape;
 * otherwise the leading product is computed at run time from the input's shape.
 */
function convertFlatten(ctx: ConversionContext): void {
  const input = ctx.inputShape(0);
  const dtype = dtypeOf(ctx, 0);
  if (!input) throw ctx.error('Flatten needs the input rank', 'run shape inference on the model');
  const rank = input.length;
  const raw = ctx.attrs.int('axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis > rank) throw ctx.error(`axis ${raw} is out of range for rank ${rank}`);
  const lead = staticProduct(input.slice(0, axis));
  const tail = staticProduct(input.slice(axis));
  const x = ctx.input(0);
  if (lead !== undefined || tail !== undefined || axis === 1) {
    // A copied leading dim (0) also works when only d0 precedes the axis.
    const dims = lead !== undefined ? [lead, -1] : tail !== undefined ? [-1, tail] : [0, -1];
    const outShape: Dim[] = [lead ?? (axis === 1 ? input[0]! : null), tail ?? null];
    ctx.addLayer('shuffle', { reshape: dims }, [x], [out(ctx, 0, dtype, outShape)]);
    return;
  }
  const shapeOf = ctx.addLayer('shape', {}, [x], [{ dtype: 'int64', shape: [rank] }])[0]!;
  const head = ctx.addLayer(
    'slice',
    {},
    [shapeOf, int64Const(ctx, [0], 'start'), int64Const(ctx, [axis], 'end')],
    [{ dtype: 'int64', shape: [axis] }],
  )[0]!;
  const leadDim = ctx.addLayer('reduce', { op: 'prod', axes: [0], keepDims: true }, [head], [{ dtype: 'int64', shape: [1] }])[0]!;
  const dims = ctx.addLayer('concatenation', { axis: 0 }, [leadDim, int64Const(ctx, [-1], 'rest')], [{ dtype: 'int64', shape: [2] }])[0]!;
  ctx.addLayer('shuffle', {}, [x, dims], [out(ctx, 0, dtype, [null, null])]);
}

const flatten: Converter = {
  domain: 'ai.onnx',
  op: 'Flatten',
  validate: (ctx) =>
    rankOf(ctx, 0) !== undefined ? SUPPORTED : unsupported('dynamic-shape', 'Flatten needs the input rank to place its axis'),
  convert: convertFlatten,
};

const transpose: Converter = {
  domain: 'ai.onnx',
  op: 'Transpose',
  validate: (ctx) =>
    ctx.attrs.has('perm') || rankOf(ctx, 0) !== undefined
      ? SUPPORTED
      : unsupported('dynamic-shape', 'without perm the input rank must be known'),
  convert(ctx) {
    const input = ctx.inputShape(0);
    const perm = ctx.attrs.ints('perm') ?? (input ? input.map((_, i) => input.length - 1 - i) : undefined);
    if (!perm) throw ctx.error('without perm the input rank must be known');
    const shape = input && input.length === perm.length ? perm.map((p) => input[p] ?? null) : null;
    ctx.addLayer('shuffle', { firstTranspose: perm }, [ctx.input(0)], [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

/** Axes of Squeeze/Unsqueeze: an attribute before opset 13, an input from 13 on. */
function axesOf(ctx: ConversionContext): number[] | undefined {
  return ctx.opset < 13 ? ctx.attrs.ints('axes') : ctx.hasInput(1) ? constInts(ctx, 1) : undefined;
}

const squeeze: Converter = {
  domain: 'ai.onnx',
  op: 'Squeeze',
  convert(ctx) {
    const input = ctx.inputShape(0);
    const axes = axesOf(ctx);
    const dtype = dtypeOf(ctx, 0);
    if (axes === undefined && ctx.opset >= 13 && ctx.hasInput(1)) {
      ctx.addLayer('squeeze', {}, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtype)]);
      return;
    }
    const norm = axes?.map((a) => normAxis(ctx, a, input?.length));
    let shape: Dim[] | null = null;
    if (input && norm) shape = input.filter((_, i) => !norm.includes(i));
    else if (input && isStaticShape(input)) shape = input.filter((d) => d !== 1);
    ctx.addLayer('squeeze', norm ? { axes: norm } : {}, [ctx.input(0)], [out(ctx, 0, dtype, shape)]);
  },
};

const unsqueeze: Converter = {
  domain: 'ai.onnx',
  op: 'Unsqueeze',
  validate: (ctx) => (ctx.opset < 13 && !ctx.attrs.has('axes') ? unsupported('unsupported-attribute', 'Unsqueeze needs axes') : SUPPORTED),
  convert(ctx) {
    const input = ctx.inputShape(0);
    const axes = axesOf(ctx);
    const dtype = dtypeOf(ctx, 0);
    if (axes === undefined) {
      ctx.addLayer('unsqueeze', {}, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtype)]);
      return;
    }
    const rank = input ? input.length + axes.length : undefined;
    const norm = axes.map((a) => normAxis(ctx, a, rank));
    let shape: Dim[] | null = null;
    if (input && rank !== undefined) {
      let next = 0;
      shape = Array.from({ length: rank }, (_, i) => (norm.includes(i) ? 1 : input[next++]!));
    }
    ctx.addLayer('unsqueeze', { axes: norm }, [ctx.input(0)], [out(ctx, 0, dtype, shape)]);
  },
};

const expand: Converter = {
  domain: 'ai.onnx',
  op: 'Expand',
  convert(ctx) {
    const input = ctx.inputShape(0);
    const target = constInts(ctx, 1);
    let shape: Dim[] | null = null;
    if (input && target) {
      try {
        shape = broadcastSymbolic(input, target);
      } catch {
        throw ctx.error(`cannot expand ${formatShape(input)} to [${target.join(',')}]`, 'the shapes must broadcast');
      }
      checkComputedShape(ctx, dtypeOf(ctx, 0), shape);
    }
    ctx.addLayer('expand', {}, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

const tile: Converter = {
  domain: 'ai.onnx',
  op: 'Tile',
  sinceVersion: 6,
  convert(ctx) {
    const input = ctx.inputShape(0);
    const repeats = constInts(ctx, 1);
    const shape =
      input && repeats && repeats.length === input.length ? input.map((d, i) => (typeof d === 'number' ? d * repeats[i]! : null)) : null;
    checkComputedShape(ctx, dtypeOf(ctx, 0), shape);
    ctx.addLayer('tile', {}, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

/** Tile-1 took (input, tiles, axis): repeat `tiles` times along one axis. */
const tileV1: Converter = {
  domain: 'ai.onnx',
  op: 'Tile',
  untilVersion: 5,
  validate: (ctx) =>
    allOf(
      constInts(ctx, 1) && constInts(ctx, 2) ? SUPPORTED : unsupported('dynamic-shape', 'Tile-1 needs constant tiles and axis'),
      rankOf(ctx, 0) !== undefined ? SUPPORTED : unsupported('dynamic-shape', 'Tile-1 needs the input rank'),
    ),
  convert(ctx) {
    const rank = rankOf(ctx, 0)!;
    const axis = normAxis(ctx, constInts(ctx, 2)![0]!, rank);
    const repeats = Array.from({ length: rank }, (_, i) => (i === axis ? constInts(ctx, 1)![0]! : 1));
    ctx.addLayer('tile', {}, [ctx.input(0), int64Const(ctx, repeats, 'repeats')], [out(ctx, 0, dtypeOf(ctx, 0))]);
  },
};

function depthSpace(direction: 'depth_to_space' | 'space_to_depth'): Converter['convert'] {
  return (ctx) => {
    const blockSize = ctx.attrs.int('blocksize');
    if (blockSize === undefined || blockSize < 1) throw ctx.error(`blocksize must be a positive integer, got ${blockSize}`);
    const mode = direction === 'depth_to_space' ? (ctx.attrs.string('mode', 'DCR') as 'DCR' | 'CRD') : 'DCR';
    const s = ctx.inputShape(0);
    let shape: Dim[] | null = null;
    if (s && s.length === 4 && isStaticShape(s)) {
      const [n, c, h, w] = s;
      const b2 = blockSize * blockSize;
      shape =
        direction === 'depth_to_space' ? [n!, c! / b2, h! * blockSize, w! * blockSize] : [n!, c! * b2, h! / blockSize, w! / blockSize];
    }
    ctx.addLayer('depth_space', { direction, blockSize, mode }, [ctx.input(0)], [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  };
}

const depthToSpace: Converter = {
  domain: 'ai.onnx',
  op: 'DepthToSpace',
  validate: (ctx) => requireChoice(ctx, 'mode', ['DCR', 'CRD'], 'DCR'),
  convert: depthSpace('depth_to_space'),
};

const spaceToDepth: Converter = { domain: 'ai.onnx', op: 'SpaceToDepth', convert: depthSpace('space_to_depth') };

export const reshapeConverters: readonly Converter[] = [
  reshape,
  flatten,
  transpose,
  squeeze,
  unsqueeze,
  expand,
  tile,
  tileV1,
  depthToSpace,
  spaceToDepth,
];
