/** Indexing ops: Gather, GatherElements, GatherND, Slice, Scatter*, TopK, OneHot. */
import type { Dim } from '@kiln-inference/core';
import { type InferenceRule, type KnownValue, type NodeView, type TensorInfo, tensor } from './context.js';
import { axisIn, unknownShape } from './dims.js';

function gatherValue(v: NodeView, axis: number): KnownValue | undefined {
  const data = v.value(0);
  const indices = v.numbers(1);
  if (!data || data.scalar || axis !== 0 || !indices) return undefined;
  const n = data.dims.length;
  const picked = indices.map((i) => data.dims[i < 0 ? i + n : i]);
  if (picked.some((d) => d === undefined)) return undefined;
  return { scalar: v.value(1)!.scalar, dims: picked as Dim[] };
}

const gather: InferenceRule = (v) => {
  const data = v.shape(0);
  const indices = v.shape(1);
  if (!data || !indices) return [tensor(v.dtype(0), null)];
  const axis = axisIn(v.int('axis', 0), data.length);
  if (axis === null) return [tensor(v.dtype(0), null)];
  const info = tensor(v.dtype(0), [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)]);
  const value = gatherValue(v, axis);
  return [value ? { info, value } : info];
};

const gatherND: InferenceRule = (v) => {
  const data = v.shape(0);
  const indices = v.shape(1);
  const last = indices?.[indices.length - 1];
  if (!data || !indices || typeof last !== 'number') return [tensor(v.dtype(0), null)];
  const batch = v.int('batch_dims', 0);
  return [tensor(v.dtype(0), [...indices.slice(0, -1), ...data.slice(batch + last)])];
};

/** Slice bounds from attributes (opset < 10) or inputs 1..4. */
function sliceParams(v: NodeView): { starts: number[]; ends: number[]; axes?: number[]; steps?: number[] } | null {
  const attrStarts = v.ints('starts');
  if (attrStarts) return { starts: attrStarts, ends: v.ints('ends') ?? [], axes: v.ints('axes') };
  const starts = v.numbers(1);
  const ends = v.numbers(2);
  if (!starts || !ends) return null;
  const axes = v.has(3) ? v.numbers(3) : undefined;
  const steps = v.has(4) ? v.numbers(4) : undefined;
  if (axes === null || steps === null) return null;
  return { starts, ends, axes, steps };
}

/** Elements a slice keeps on one axis of `size`, following the spec's clamping rules. */
function sliceLength(size: number, start: number, end: number, step: number): number {
  const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
  let s = start < 0 ? start + size : start;
  let e = end < 0 ? end + size : end;
  if (step > 0) {
    s = clamp(s, 0, size);
    e = clamp(e, 0, size);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  s = clamp(s, 0, size - 1);
  e = clamp(e, -1, size - 1);
  return Math.max(0, Math.ceil((e - s) / step));
}

function sliceValue(v: NodeView, p: { starts: number[]; ends: number[]; steps?: number[] }): KnownValue | undefined {
  const data = v.value(0);
  if (!data || data.scalar || p.starts.length !== 1) return undefined;
  const n = data.dims.length;
  const step = p.steps?.[0] ?? 1;
  const len = sliceLength(n, p.starts[0]!, p.ends[0]!, step);
  let s = p.starts[0]! < 0 ? p.starts[0]! + n : p.starts[0]!;
  s = step > 0 ? Math.min(Math.max(s, 0), n) : Math.min(Math.max(s, 0), n - 1);
  return { scalar: false, dims: Array.from({ length: len }, (_, i) => data.dims[s + i * step] ?? null) };
}

const slice: InferenceRule = (v) => {
  const x = v.shape(0);
  const p = sliceParams(v);
  if (!x) return [tensor(v.dtype(0), null)];
  if (!p) return [tensor(v.dtype(0), unknownShape(x.length))];
  const shape: Dim[] = [...x];
  const axes = p.axes ?? p.starts.map((_, i) => i);
  axes.forEach((a, k) => {
    const axis = axisIn(a, x.length);
    if (axis === null) return;
    const d = x[axis];
    shape[axis] = typeof d === 'number' ? sliceLength(d, p.starts[k]!, p.ends[k]!, p.steps?.[k] ?? 1) : null;
  });
  const info = tensor(v.dtype(0), shape);
  const value = axes.length === 1 && (axes[0] === 0 || axes[0] === -1) ? sliceValue(v, p) : undefined;
  return [value ? { info, value } : info];
};

const sameAsData: InferenceRule = (v) => [tensor(v.dtype(0), v.shape(0))];

const topK: InferenceRule = (v) => {
  const x = v.shape(0);
  const k = v.attr('k', 'int') ?? v.numbers(1)?.[0];
  let shape: Dim[] | null = null;
  if (x) {
    const axis = axisIn(v.int('axis', -1), x.length);
    shape = x.map((d, i) => (i === axis ? (k ?? null) : d));
  }
  return [tensor(v.dtype(0), shape), tensor('int64', shape)];
};

const oneHot: InferenceRule = (v) => {
  const indices = v.shape(0);
  const depth = v.numbers(1)?.[0] ?? null;
  if (!indices) return [tensor(v.dtype(2), null)];
  const rank = indices.length + 1;
  const axis = axisIn(v.int('axis', -1), rank) ?? rank - 1;
  const shape: Dim[] = [...indices];
  shape.splice(axis, 0, depth);
  return [tensor(v.dtype(2), shape)];
};

export const GATHER_SLICE_RULES: Record<string, InferenceRule> = {
  Gather: gather,
  GatherElements: (v): TensorInfo[] => [tensor(v.dtype(0), v.shape(1))],
  GatherND: gatherND,
  Slice: slice,
  Scatter: sameAsData,
  ScatterElements: sameAsData,
  ScatterND: sameAsData,
  TopK: topK,
  OneHot: oneHot,
};
