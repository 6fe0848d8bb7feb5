/**
 * gather: ONNX Gather ('default', with TF-style batchDims), GatherElements ('elements') and
 * GatherND ('nd'). Negative indices count from the end; out-of-range indices are errors.
 */
import { type Layer, stridesOf, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { axisIn, checkedShape, integerValues, layerError, requireInput, storageAt, storageSet } from './util/data-movement.js';

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Resolves a possibly negative index against dim, naming the layer when out of range. */
export function resolveIndex(layer: Layer, index: number, dim: number): number {
  const i = index < 0 ? index + dim : index;
  if (!(i >= 0 && i < dim))
    throw layerError(layer, `index ${index} is out of range for a dimension of size ${dim}`, `indices must lie in [${-dim}, ${dim - 1}]`);
  return i;
}

function checkBatchDims(layer: Layer, data: Tensor, indices: Tensor, batchDims: number): void {
  if (!Number.isInteger(batchDims) || batchDims < 0 || batchDims > Math.min(data.rank, indices.rank)) {
    throw layerError(layer, `batchDims ${batchDims} does not fit data rank ${data.rank} and indices rank ${indices.rank}`);
  }
  for (let i = 0; i < batchDims; i++) {
    if (data.shape[i] !== indices.shape[i])
      throw layerError(layer, `batch dim ${i} differs: data ${data.shape[i]} vs indices ${indices.shape[i]}`);
  }
}

function gatherDefault(layer: Layer<'gather'>, data: Tensor, indices: Tensor, idx: number[]): Tensor {
  const b = layer.params.batchDims;
  const axis = axisIn(layer, layer.params.axis, data.rank);
  checkBatchDims(layer, data, indices, b);
  if (axis < b) throw layerError(layer, `axis ${axis} must not be below batchDims ${b}`);
  const D = data.shape;
  const shape = checkedShape(layer, [...D.slice(0, axis), ...indices.shape.slice(b), ...D.slice(axis + 1)]);
  const B = product(D.slice(0, b));
  const P = product(D.slice(b, axis));
  const K = product(indices.shape.slice(b));
  const A = D[axis]!;
  const Q = product(D.slice(axis + 1));
  const out = new Tensor(data.dtype, shape);
  let o = 0;
  for (let bi = 0; bi < B; bi++) {
    for (let p = 0; p < P; p++) {
      for (let k = 0; k < K; k++) {
        const src = ((bi * P + p) * A + resolveIndex(layer, idx[bi * K + k]!, A)) * Q;
        for (let q = 0; q < Q; q++) storageSet(out.data, o++, storageAt(data.data, src + q));
      }
    }
  }
  return out;
}

function gatherElements(layer: Layer<'gather'>, data: Tensor, indices: Tensor, idx: number[]): Tensor {
  const axis = axisIn(layer, layer.params.axis, data.rank);
  if (indices.rank !== data.rank) throw layerError(layer, `indices rank ${indices.rank} differs from data rank ${data.rank}`);
  const out = new Tensor(data.dtype, indices.shape);
  const dStrides = stridesOf(data.shape);
  const iShape = indices.shape;
  const coord = new Array<number>(iShape.length).fill(0);
  for (let i = 0; i < idx.length; i++) {
    let rem = i;
    for (let d = iShape.length - 1; d >= 0; d--) {
      coord[d] = rem % iShape[d]!;
      rem = Math.floor(rem / iShape[d]!);
    }
    let src = 0;
    for (let d = 0; d < coord.length; d++) {
      const c = d === axis ? resolveIndex(layer, idx[i]!, data.shape[axis]!) : coord[d]!;
      if (c >= data.shape[d]!)
        throw layerError(layer, `indices shape [${iShape.join(',')}] exceeds data shape [${data.shape.join(',')}] on axis ${d}`);
      src += c * dStrides[d]!;
    }
    storageSet(out.data, i, storageAt(data.data, src));
  }
  return out;
}

function gatherNd(layer: Layer<'gather'>, data: Tensor, indices: Tensor, idx: number[]): Tensor {
  const b = layer.params.batchDims;
  checkBatchDims(layer, data, indices, b);
  if (indices.rank < 1) throw layerError(layer, 'GatherND indices must have rank ≥ 1');
  const k = indices.shape[indices.rank - 1]!;
  if (k > data.rank - b) throw layerError(layer, `index tuples of length ${k} exceed data rank ${data.rank} minus batchDims ${b}`);
  const D = data.shape;
  const shape = checkedShape(layer, [...indices.shape.slice(0, -1), ...D.slice(b + k)]);
  const B = product(D.slice(0, b));
  const M = product(indices.shape.slice(b, -1));
  const S = product(D.slice(b + k));
  const batchStride = product(D.slice(b));
  const strides = stridesOf(D);
  const out = new Tensor(data.dtype, shape);
  let o = 0;
  for (let bi = 0; bi < B; bi++) {
    for (let m = 0; m < M; m++) {
      const tuple = (bi * M + m) * k;
      let src = bi * batchStride;
      for (let t = 0; t < k; t++) src += resolveIndex(layer, idx[tuple + t]!, D[b + t]!) * strides[b + t]!;
      for (let s = 0; s < S; s++) storageSet(out.data, o++, storageAt(data.data, src + s));
    }
  }
  return out;
}

export const gatherKernel: Kernel<'gather'> = (layer, inputs) => {
  const data = requireInput(layer, inputs, 0, 'data');
  const indices = requireInput(layer, inputs, 1, 'indices');
  const idx = integerValues(layer, indices, 'indices');
  if (layer.params.mode === 'elements') return [gatherElements(layer, data, indices, idx)];
  if (layer.params.mode === 'nd') return [gatherNd(layer, data, indices, idx)];
  return [gatherDefault(layer, data, indices, idx)];
};
