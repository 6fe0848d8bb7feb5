/**
 * Tensor generators: constant_of_shape (inputs [shape]), range (inputs [start, limit, delta]),
 * random_uniform / random_normal (shape from params or from inputs [like]) and eye_like
 * (inputs [x]). A given seed makes random fills reproducible across runs.
 */
import { ErrorCode, encodeValues, KilnError, type Layer, shapeSize, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from './util/values.js';

/** A small seeded generator (splitmix32) giving uniform floats in [0, 1). */
export function seededUniform(seed: number): () => number {
  let state = Math.trunc(seed * 1000003) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

function uniformSource(seed: number | undefined): () => number {
  return seed === undefined ? Math.random : seededUniform(seed);
}

function checkedShape(dims: number[], layer: Layer<'fill'>): number[] {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new KilnError(ErrorCode.INVALID_SHAPE, `fill shape [${dims.join(',')}] has an invalid dimension ${d}`, {
        layer: { name: layer.name, kind: layer.kind },
      });
    }
  }
  shapeSize(dims, { layer: { name: layer.name, kind: layer.kind } });
  return dims;
}

function randomShape(layer: Layer<'fill'>, like: Tensor | undefined): number[] {
  if (like) return [...like.shape];
  if (!layer.params.shape) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'random fill needs a shape parameter or a template input');
  return checkedShape(layer.params.shape, layer);
}

function range(layer: Layer<'fill'>, inputs: (Tensor | undefined)[]): Tensor {
  const [start, limit, delta] = inputs.map((t) => (t && t.size === 1 ? numbers(t)[0]! : undefined));
  if (start === undefined || limit === undefined || delta === undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'range needs scalar inputs [start, limit, delta]');
  }
  if (delta === 0)
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'range delta must not be zero', { hint: 'a zero step never reaches the limit' });
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  checkedShape([n], layer);
  return fromNumbers(
    layer.params.dtype,
    [n],
    Array.from({ length: n }, (_, i) => start + i * delta),
  );
}

function eyeLike(layer: Layer<'fill'>, x: Tensor | undefined): Tensor {
  if (x?.rank !== 2) throw new KilnError(ErrorCode.INVALID_SHAPE, `eye_like needs a rank-2 input, got ${x ? `rank ${x.rank}` : 'none'}`);
  const [rows, cols] = x.shape as [number, number];
  const k = layer.params.k ?? 0;
  const out = new Array<number>(rows * cols).fill(0);
  for (let r = 0; r < rows; r++) {
    const c = r + k;
    if (c >= 0 && c < cols) out[r * cols + c] = 1;
  }
  return fromNumbers(layer.params.dtype, [rows, cols], out);
}

/** Fills the storage directly with the encoded value: weights-sized fills stay fast. */
function constantOfShape(layer: Layer<'fill'>, shape: number[]): Tensor {
  const out = new Tensor(layer.params.dtype, shape);
  const value = layer.params.value ?? 0;
  if (value === 0 || Array.isArray(out.data)) return out;
  const encoded = encodeValues(layer.params.dtype, [value]);
  (out.data as { fill(v: number | bigint): unknown }).fill((encoded as ArrayLike<number | bigint>)[0]!);
  return out;
}

export const fillKernel: Kernel<'fill'> = (layer, inputs) => {
  const p = layer.params;
  switch (p.mode) {
    case 'constant_of_shape': {
      if (!inputs[0]) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'constant_of_shape needs a shape input');
      return [constantOfShape(layer, checkedShape(ints(inputs[0]), layer))];
    }
    case 'range':
      return [range(layer, inputs)];
    case 'eye_like':
      return [eyeLike(layer, inputs[0])];
    case 'random_uniform': {
      const shape = randomShape(layer, inputs[0]);
      const rand = uniformSource(p.seed);
      const [low, high] = [p.low ?? 0, p.high ?? 1];
      return [
        fromNumbers(
          p.dtype,
          shape,
          Array.from({ length: shapeSize(shape) }, () => low + (high - low) * rand()),
        ),
      ];
    }
    case 'random_normal': {
      const shape = randomShape(layer, inputs[0]);
      const rand = uniformSource(p.seed);
      const [mean, scale] = [p.mean ?? 0, p.scale ?? 1];
      // Box–Muller: two uniforms give one standard normal sample.
      const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      return [
        fromNumbers(
          p.dtype,
          shape,
          Array.from({ length: shapeSize(shape) }, () => mean + scale * normal()),
        ),
      ];
    }
    default:
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown fill mode '${String((p as { mode: unknown }).mode)}'`);
  }
};
