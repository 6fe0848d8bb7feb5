/**
 * scatter: ONNX ScatterElements ('elements') and ScatterND ('nd') with an optional reduction.
 * Without a reduction, storage elements are copied (exact for every dtype, later duplicates
 * win); with one, values are combined as float64 numbers, or bigints for 64-bit integers.
 */
import { type Layer, stridesOf, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { resolveIndex } from './gather.js';
import { axisIn, integerValues, layerError, requireInput, storageAt, storageSet } from './util/data-movement.js';
import { fromNumbers } from './util/values.js';

type Reduction = Layer<'scatter'>['params']['reduction'];

/** Calls visit(destination, updateIndex) for every update element. */
type Visitor = (dst: number, upd: number) => void;

function combineNumbers(r: Reduction): (a: number, b: number) => number {
  if (r === 'add') return (a, b) => a + b;
  if (r === 'mul') return (a, b) => a * b;
  if (r === 'max') return (a, b) => (a >= b || Number.isNaN(a) ? a : b);
  if (r === 'min') return (a, b) => (a <= b || Number.isNaN(a) ? a : b);
  return (_, b) => b;
}

function combineBigInts(r: Reduction): (a: bigint, b: bigint) => bigint {
  if (r === 'add') return (a, b) => a + b;
  if (r === 'mul') return (a, b) => a * b;
  // Not Math.max/min: NaN in `updates` must not replace a number already stored (numpy's maximum.at does the same).
  // biome-ignore lint/complexity/useMathMinMax: NaN handling differs
  if (r === 'max') return (a, b) => (a >= b ? a : b);
  // biome-ignore lint/complexity/useMathMinMax: NaN handling differs, as above
  if (r === 'min') return (a, b) => (a <= b ? a : b);
  return (_, b) => b;
}

/** Applies the updates to a copy of data, walking them with `walk`. */
function applyUpdates(layer: Layer<'scatter'>, data: Tensor, updates: Tensor, walk: (visit: Visitor) => void): Tensor {
  const r = layer.params.reduction;
  if (updates.dtype !== data.dtype) throw layerError(layer, `updates are ${updates.dtype} but data is ${data.dtype}`);
  if (r === 'none') {
    const out = data.clone();
    walk((dst, upd) => storageSet(out.data, dst, storageAt(updates.data, upd)));
    return out;
  }
  if (data.dtype === 'string') throw layerError(layer, `reduction '${r}' is not defined for strings`);
  const d = data.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = data.clone();
    const f = combineBigInts(r);
    const o = out.data as BigInt64Array;
    const u = updates.data as BigInt64Array;
    // Typed bigint arrays wrap on store, as the C++ reference implementations do.
    walk((dst, upd) => (o[dst] = f(o[dst]!, u[upd]!)));
    return out;
  }
  const acc = data.toFloat64();
  const u = updates.toFloat64();
  const f = combineNumbers(r);
  walk((dst, upd) => (acc[dst] = f(acc[dst]!, u[upd]!)));
  return fromNumbers(data.dtype, data.shape, acc);
}

function scatterElements(layer: Layer<'scatter'>, data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  const axis = axisIn(layer, layer.params.axis, data.rank);
  if (indices.rank !== data.rank || updates.shape.some((d, i) => d !== indices.shape[i]) || updates.rank !== indices.rank) {
    throw layerError(
      layer,
      `indices ${indices.toString()} and updates ${updates.toString()} must have one shape and data's rank ${data.rank}`,
    );
  }
  const idx = integerValues(layer, indices, 'indices');
  const strides = stridesOf(data.shape);
  const iShape = indices.shape;
  return applyUpdates(layer, data, updates, (visit) => {
    for (let i = 0; i < idx.length; i++) {
      let rem = i;
      let dst = 0;
      for (let d = iShape.length - 1; d >= 0; d--) {
        const c = rem % iShape[d]!;
        rem = Math.floor(rem / iShape[d]!);
        const coord = d === axis ? resolveIndex(layer, idx[i]!, data.shape[d]!) : c;
        if (coord >= data.shape[d]!)
          throw layerError(layer, `indices shape [${iShape.join(',')}] exceeds data shape [${data.shape.join(',')}]`);
        dst += coord * strides[d]!;
      }
      visit(dst, i);
    }
  });
}

function scatterNd(layer: Layer<'scatter'>, data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  if (indices.rank < 1) throw layerError(layer, 'ScatterND indices must have rank ≥ 1');
  const k = indices.shape[indices.rank - 1]!;
  if (k > data.rank) throw layerError(layer, `index tuples of length ${k} exceed data rank ${data.rank}`);
  const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
  if (updates.rank !== expected.length || updates.shape.some((d, i) => d !== expected[i])) {
    throw layerError(layer, `updates ${updates.toString()} should have shape [${expected.join(',')}]`);
  }
  const idx = integerValues(layer, indices, 'indices');
  const strides = stridesOf(data.shape);
  const slice = data.shape.slice(k).reduce((a, b) => a * b, 1);
  const tuples = k === 0 ? updates.size / Math.max(slice, 1) : idx.length / k;
  return applyUpdates(layer, data, updates, (visit) => {
    for (let t = 0; t < tuples; t++) {
      let dst = 0;
      for (let j = 0; j < k; j++) dst += resolveIndex(layer, idx[t * k + j]!, data.shape[j]!) * strides[j]!;
      for (let s = 0; s < slice; s++) visit(dst + s, t * slice + s);
    }
  });
}

export const scatterKernel: Kernel<'scatter'> = (layer, inputs) => {
  const data = requireInput(layer, inputs, 0, 'data');
  const indices = requireInput(layer, inputs, 1, 'indices');
  const updates = requireInput(layer, inputs, 2, 'updates');
  return [layer.params.mode === 'nd' ? scatterNd(layer, data, indices, updates) : scatterElements(layer, data, indices, updates)];
};
