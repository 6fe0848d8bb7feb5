/**
 * Random inputs for `kiln bench` when no --input files are given: each input at its declared
 * shape, symbolic dims taken from --shapes. Values are small (floats in [-1, 1), integers in
 * [0, 4), so index-like inputs stay in range). Math.random suffices: dense kernels take as long
 * whatever the values, and a seeded generator would be a fourth copy of mulberry32.
 */
import { type DType, ErrorCode, KilnError, Tensor, type TensorDesc } from '@kiln-inference/core';

export function randomFeeds(inputs: readonly TensorDesc[], shapes: ReadonlyMap<string, readonly number[]>): Record<string, Tensor> {
  for (const name of shapes.keys()) {
    if (!inputs.some((i) => i.name === name)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `--shapes names '${name}', which is not an input`, {
        hint: `inputs are: ${inputs.map((i) => i.name).join(', ')}`,
      });
    }
  }
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const shape = concreteShape(input, shapes.get(input.name));
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, () => randomValue(input.dtype));
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

function randomValue(dtype: DType): number | boolean | bigint | string {
  if (dtype === 'bool') return Math.random() < 0.5;
  if (dtype === 'string') return 'kiln';
  if (dtype === 'int64' || dtype === 'uint64') return BigInt(Math.floor(Math.random() * 4));
  if (dtype.startsWith('int') || dtype.startsWith('uint')) return Math.floor(Math.random() * 4);
  return Math.random() * 2 - 1;
}
