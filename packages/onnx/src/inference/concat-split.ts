/** Concat, Split and Pad: one axis grows or shrinks. */
import type { Dim, Shape } from '@kiln-inference/core';
import { type InferenceRule, type KnownValue, type NodeView, type TensorInfo, tensor } from './context.js';
import { axisIn, dimAdd, unknownShape } from './dims.js';

/** Dims of several shapes that must agree: the first concrete or symbolic one wins. */
function mergeDim(dims: Dim[]): Dim {
  return dims.find((d) => typeof d === 'number') ?? dims.find((d) => d !== null) ?? null;
}

function concatValue(v: NodeView, count: number): KnownValue | undefined {
  const values: KnownValue[] = [];
  for (let i = 0; i < count; i++) {
    const value = v.value(i);
    if (!value) return undefined;
    values.push(value);
  }
  return { scalar: false, dims: values.flatMap((x) => x.dims) };
}

const concat: InferenceRule = (v) => {
  const n = v.node.inputs.length;
  const shapes = Array.from({ length: n }, (_, i) => v.shape(i));
  const dtype = Array.from({ length: n }, (_, i) => v.dtype(i)).find((d) => d !== null) ?? null;
  const known = shapes.filter((s): s is Shape => s !== null);
  if (known.length === 0) return [tensor(dtype, null)];
  const rank = known[0]!.length;
  const axis = axisIn(v.int('axis', 0), rank);
  let shape: Dim[] = unknownShape(rank);
  if (axis !== null) {
    shape = Array.from({ length: rank }, (_, d) =>
      d === axis ? shapes.reduce<Dim>((acc, s) => (s ? dimAdd(acc, s[d] ?? null) : null), 0) : mergeDim(known.map((s) => s[d] ?? null)),
    );
  }
  const info = tensor(dtype, shape);
  const value = concatValue(v, n);
  return [value ? { info, value } : info];
};

function splitSizes(v: NodeView, size: Dim, outputs: number): (number | null)[] {
  const explicit = v.ints('split') ?? (v.has(1) ? v.numbers(1) : undefined);
  if (explicit) return explicit;
  if (explicit === null) return new Array<number | null>(outputs).fill(null);
  if (typeof size !== 'number') return new Array<number | null>(outputs).fill(null);
  const chunk = Math.ceil(size / outputs);
  return Array.from({ length: outputs }, (_, i) => Math.max(0, Math.min(chunk, size - chunk * i)));
}

const split: InferenceRule = (v) => {
  const x = v.shape(0);
  const outputs = v.node.outputs.length;
  if (!x) return v.node.outputs.map(() => tensor(v.dtype(0), null));
  const axis = axisIn(v.int('axis', 0), x.length);
  if (axis === null) return v.node.outputs.map(() => tensor(v.dtype(0), unknownShape(x.length)));
  const sizes = splitSizes(v, x[axis] ?? null, outputs);
  return v.node.outputs.map(
    (_, i): TensorInfo =>
      tensor(
        v.dtype(0),
        x.map((d, k) => (k === axis ? (sizes[i] ?? null) : d)),
      ),
  );
};

const pad: InferenceRule = (v) => {
  const x = v.shape(0);
  if (!x) return [tensor(v.dtype(0), null)];
  const pads = v.ints('pads') ?? v.ints('paddings') ?? (v.has(1) ? v.numbers(1) : null);
  if (!pads) return [tensor(v.dtype(0), unknownShape(x.length))];
  const axes = v.has(3) ? v.numbers(3) : x.map((_, i) => i);
  if (!axes) return [tensor(v.dtype(0), unknownShape(x.length))];
  const shape: Dim[] = [...x];
  axes.forEach((a, k) => {
    const axis = axisIn(a, x.length);
    if (axis !== null) shape[axis] = dimAdd(dimAdd(x[axis] ?? null, pads[k] ?? 0), pads[k + axes.length] ?? 0);
  });
  return [tensor(v.dtype(0), shape)];
};

export const CONCAT_SPLIT_RULES: Record<string, InferenceRule> = {
  Concat: concat,
  Split: split,
  Pad: pad,
};
