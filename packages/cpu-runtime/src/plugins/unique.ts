/**
 * kiln::Unique v1 — ONNX Unique. Fields: sorted (bool), axis (number | null; null flattens).
 * Outputs [Y, indices, inverse_indices, counts]; the last three are int64. Slices along the
 * axis are compared element by element (lexicographic order when sorted, else first occurrence).
 */
import { Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { axisIn, layerError, mapAxes, requireInput } from '../kernels/util/data-movement.js';

type Value = number | bigint | string;

function elementValues(t: Tensor): Value[] {
  const d = t.data;
  if (Array.isArray(d)) return [...d];
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d);
  return Array.from(t.toFloat64());
}

function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function compareSlices(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

const int64 = (values: readonly number[]): Tensor =>
  new Tensor(
    'int64',
    [values.length],
    BigInt64Array.from(values, (v) => BigInt(v)),
  );

export const uniquePlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x0 = requireInput(layer, inputs, 0, 'x');
  const { sorted, axis: axisField } = layer.params.fields;
  if (axisField !== null && axisField !== undefined && typeof axisField !== 'number')
    throw layerError(layer, 'field axis must be a number or null');
  const x = axisField === null || axisField === undefined ? x0.reshape([x0.size]) : x0;
  const axis = axisField === null || axisField === undefined ? 0 : axisIn(layer, axisField, x.rank);
  const values = elementValues(x);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = x.shape[axis]!;
  const slices = Array.from({ length: n }, (_, j) => {
    const s: Value[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) s.push(values[(o * n + j) * inner + i]!);
    return s;
  });
  const key = (s: Value[]): string => JSON.stringify(s.map((v) => (typeof v === 'bigint' ? `${v}n` : v)));
  const keys = slices.map(key);
  const seen = new Set<string>();
  // First occurrence of every distinct slice, in input order.
  const uniques: number[] = [];
  keys.forEach((k, i) => {
    if (!seen.has(k)) {
      seen.add(k);
      uniques.push(i);
    }
  });
  if (sorted === true) uniques.sort((a, b) => compareSlices(slices[a]!, slices[b]!));
  const position = new Map(uniques.map((u, p) => [keys[u]!, p]));
  const inverse = keys.map((k) => position.get(k)!);
  const counts = uniques.map(() => 0);
  for (const p of inverse) counts[p]!++;
  const shape = [...x.shape];
  shape[axis] = uniques.length;
  const y = mapAxes(
    x,
    shape,
    shape.map((d, a) => (a === axis ? uniques : Array.from({ length: d }, (_, c) => c))),
  );
  return [y, int64(uniques), int64(inverse), int64(counts)];
};
