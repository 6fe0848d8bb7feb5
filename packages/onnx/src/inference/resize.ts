/** Resize and Upsample: output dims from known sizes, or input dims times known scales. */
import type { Dim } from '@kiln-inference/core';
import { type InferenceRule, type NodeView, tensor } from './context.js';
import { axisIn, unknownShape } from './dims.js';

function scaled(x: readonly Dim[], scales: readonly number[], axes: readonly number[]): Dim[] {
  const out = [...x];
  axes.forEach((a, k) => {
    const axis = axisIn(a, x.length);
    const d = axis === null ? null : x[axis];
    if (axis !== null) out[axis] = typeof d === 'number' ? Math.floor(d * (scales[k] ?? 1) + 1e-9) : scales[k] === 1 ? (d ?? null) : null;
  });
  return out;
}

const resize: InferenceRule = (v) => {
  const x = v.shape(0);
  if (!x) return [tensor(v.dtype(0), null)];
  const axes = v.ints('axes') ?? x.map((_, i) => i);
  // Opset 10 has (X, scales); later opsets (X, roi, scales, sizes).
  const sizes = v.opset >= 11 && v.has(3) ? v.numbers(3) : null;
  if (sizes && sizes.length === axes.length && (v.attr('keep_aspect_ratio_policy', 'string') ?? 'stretch') === 'stretch') {
    const out = [...x];
    axes.forEach((a, k) => {
      const axis = axisIn(a, x.length);
      if (axis !== null) out[axis] = sizes[k] ?? null;
    });
    return [tensor(v.dtype(0), out)];
  }
  const scales = v.opset >= 11 ? (v.has(2) ? v.numbers(2) : null) : v.numbers(1);
  if (scales && scales.length === axes.length && !sizes) return [tensor(v.dtype(0), scaled(x, scales, axes))];
  return [tensor(v.dtype(0), unknownShape(x.length))];
};

const upsample: InferenceRule = (v: NodeView) => {
  const x = v.shape(0);
  if (!x) return [tensor(v.dtype(0), null)];
  const scales = v.attr('scales', 'floats') ?? v.numbers(1);
  return [
    tensor(
      v.dtype(0),
      scales && scales.length === x.length
        ? scaled(
            x,
            scales,
            x.map((_, i) => i),
          )
        : unknownShape(x.length),
    ),
  ];
};

export const RESIZE_RULES: Record<string, InferenceRule> = { Resize: resize, Upsample: upsample };
