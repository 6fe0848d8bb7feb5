/**
 * Helpers shared by the data-movement kernels (transpose, slice, gather, pad …). They copy
 * storage elements without decoding them, so every dtype — strings, bools, int64 bigints,
 * float16 bit patterns — moves exactly.
 */
import { ErrorCode, KilnError, type Layer, shapeSize, stridesOf, Tensor, type TensorData } from '@kiln-inference/core';
import { gatherElements } from './values.js';

/** A KilnError naming the layer, for bad run-time inputs. */
export function layerError(layer: Layer, message: string, hint?: string, code: ErrorCode = ErrorCode.INVALID_ARGUMENT): KilnError {
  return new KilnError(code, message, { layer: { name: layer.name, kind: layer.kind }, ...(hint ? { hint } : {}) });
}

/** The tensor at input i, or a KilnError saying it is missing. */
export function requireInput(layer: Layer, inputs: readonly (Tensor | undefined)[], i: number, what: string): Tensor {
  const t = inputs[i];
  if (!t) throw layerError(layer, `input ${i} (${what}) is missing`, 'the converter must wire this input');
  return t;
}

/** Normalises a possibly negative axis against rank, naming the layer when it is out of range. */
export function axisIn(layer: Layer, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw layerError(
      layer,
      `axis ${axis} is out of range for rank ${rank}`,
      `use an axis in [${-rank}, ${rank - 1}]`,
      ErrorCode.INVALID_ATTRIBUTE,
    );
  }
  return a;
}

/** Integer values of a shape/axes/indices tensor, checked to be integers of a sane dtype. */
export function integerValues(layer: Layer, t: Tensor, what: string): number[] {
  if (t.dtype === 'string' || (t.dtype !== 'bool' && !t.dtype.startsWith('int') && !t.dtype.startsWith('uint'))) {
    throw layerError(layer, `${what} must be an integer tensor, got ${t.dtype}`, 'cast it to int64', ErrorCode.INVALID_DTYPE);
  }
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d, (v) => Number(v));
  return Array.from(d as ArrayLike<number>);
}

/** A shape checked for sane, non-negative integer dims (absurd sizes raise DIMENSION_TOO_LARGE). */
export function checkedShape(layer: Layer, shape: readonly number[]): number[] {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw layerError(layer, `invalid output dimension ${d} in [${shape.join(',')}]`, undefined, ErrorCode.INVALID_SHAPE);
  }
  shapeSize(shape, { layer: { name: layer.name, kind: layer.kind } });
  return [...shape];
}

/** Storage element i as an untyped value (for copying between storages of one dtype). */
export function storageAt(data: TensorData, i: number): unknown {
  return (data as unknown as unknown[])[i];
}

export function storageSet(data: TensorData, i: number, value: unknown): void {
  (data as unknown as unknown[])[i] = value;
}

/** Row-major transpose: out dim k is input dim perm[k]. */
export function transposeTensor(t: Tensor, perm: readonly number[]): Tensor {
  const rank = t.rank;
  const outShape = perm.map((p) => t.shape[p]!);
  if (perm.every((p, i) => p === i)) return t.reshape(outShape);
  const inStrides = stridesOf(t.shape);
  const permStrides = perm.map((p) => inStrides[p]!);
  const coord = new Array<number>(rank).fill(0);
  let src = 0;
  // Walks output coordinates in order, keeping the matching input offset incrementally.
  return gatherElements(t, outShape, (i) => {
    if (i === 0) return 0;
    for (let k = rank - 1; k >= 0; k--) {
      coord[k]!++;
      src += permStrides[k]!;
      if (coord[k]! < outShape[k]!) break;
      src -= permStrides[k]! * coord[k]!;
      coord[k] = 0;
    }
    return src;
  });
}

/** Copies `length` consecutive storage elements (a typed-array block copy where possible). */
export function copyRun(src: TensorData, srcOffset: number, dst: TensorData, dstOffset: number, length: number): void {
  if (Array.isArray(src) || Array.isArray(dst)) {
    for (let i = 0; i < length; i++) (dst as unknown[])[dstOffset + i] = (src as unknown[])[srcOffset + i];
    return;
  }
  (dst as Uint8Array).set((src as Uint8Array).subarray(srcOffset, srcOffset + length), dstOffset);
}

/**
 * Builds a tensor where output coordinate c of axis k reads input coordinate axisMaps[k][c]
 * (slice, tile, split, pad, nearest resize …). A map entry of -1 means "no source": the output
 * keeps `fill` (a storage element of the dtype; zero/'' when omitted).
 */
export function mapAxes(t: Tensor, outShape: readonly number[], axisMaps: readonly ArrayLike<number>[], fill?: unknown): Tensor {
  const out = new Tensor(t.dtype, outShape);
  const dst = out.data;
  const src = t.data;
  if (out.size === 0) return out;
  if (fill !== undefined) (dst as unknown as { fill(v: unknown): void }).fill(fill);
  const rank = outShape.length;
  if (rank === 0) {
    storageSet(dst, 0, storageAt(src, 0));
    return out;
  }
  const inStrides = stridesOf(t.shape);
  const last = rank - 1;
  const lastMap = axisMaps[last]!;
  const lastStride = inStrides[last]!;
  const n = outShape[last]!;
  // The innermost axis is often a plain consecutive run: copy it as a block.
  let contiguous = lastStride === 1 && lastMap[0]! >= 0;
  for (let c = 1; c < n && contiguous; c++) contiguous = lastMap[c] === lastMap[0]! + c;
  const coord = new Array<number>(last).fill(0);
  const outer = out.size / n;
  for (let o = 0, dstBase = 0; o < outer; o++, dstBase += n) {
    let srcBase = 0;
    for (let k = 0; k < last && srcBase >= 0; k++) {
      const m = axisMaps[k]![coord[k]!]!;
      srcBase = m < 0 ? -1 : srcBase + m * inStrides[k]!;
    }
    if (srcBase >= 0) {
      if (contiguous) copyRun(src, srcBase + lastMap[0]!, dst, dstBase, n);
      else {
        for (let c = 0; c < n; c++) {
          const m = lastMap[c]!;
          if (m >= 0) storageSet(dst, dstBase + c, storageAt(src, srcBase + m * lastStride));
        }
      }
    }
    for (let k = last - 1; k >= 0; k--) {
      if (++coord[k]! < outShape[k]!) break;
      coord[k] = 0;
    }
  }
  return out;
}
