/**
 * Random inputs for `kiln bench` when no --input files are given: each input at its declared
 * shape, symbolic dims taken from --shapes. Values are small (floats in [-1, 1), integers in
 * [0, 4), so index-like inputs stay in range) and seeded, so two runs feed the same data.
 */
import { type DType, ErrorCode, KilnError, Tensor, type TensorDesc } from '@kiln/core';

export function randomFeeds(
  inputs: readonly TensorDesc[],
  shapes: ReadonlyMap<string, readonly number[]>,
  seed = 1,
): Record<string, Tensor> {
  for (const name of shapes.keys()) {
    if (!inputs.some((i) => i.name === name)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `--shapes names '${name}', which is not an input`, {
        hint: `inputs are: ${inputs.map((i) => i.name).join(', ')}`,
      });
    }
  }
  const next = mulberry32(seed);
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const shape = concreteShape(input, shapes.get(input.name));
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, () => randomValue(input.dtype, next));
    feeds[input.name] = Tensor.fromValues(input.dtype, shape, values);
  }
  return feeds;
}

function concreteShape(input: TensorDesc, given: readonly number[] | undefined): number[] {
  if (given) return [...given];
  const dims = input.shape;
  if (dims?.every((d): d is number => typeof d === 'number' && d >= 0)) return [...dims];
  throw new KilnError(ErrorCode.INVALID_SHAPE, `input '${input.name}' has symbolic or unknown dims [${(dims ?? ['?']).join(',')}]`, {
    hint: `give its shape with --shapes ${input.name}:${(dims ?? [1]).map((d) => (typeof d === 'number' && d >= 0 ? d : 1)).join('x')}`,
  });
}

function randomValue(dtype: DType, next: () => number): number | boolean | bigint | string {
  if (dtype === 'bool') return next() < 0.5;
  if (dtype === 'string') return 'kiln';
  if (dtype === 'int64' || dtype === 'uint64') return BigInt(Math.floor(next() * 4));
  if (dtype.startsWith('int') || dtype.startsWith('uint')) return Math.floor(next() * 4);
  return next() * 2 - 1;
}

/** A small seeded generator (Math.random cannot be seeded). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
