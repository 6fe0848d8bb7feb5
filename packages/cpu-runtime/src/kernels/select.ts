/** ONNX Where: out = condition ? a : b, with three-way numpy broadcasting; any element type. */
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { broadcastIndexMaps } from './util/broadcast.js';

export const selectKernel: Kernel<'select'> = (_layer, inputs) => {
  const [cond, a, b] = inputs;
  if (!cond || !a || !b) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'select needs inputs [condition, a, b]');
  if (cond.dtype !== 'bool') throw new KilnError(ErrorCode.INVALID_DTYPE, `select condition must be bool, got ${cond.dtype}`);
  if (a.dtype !== b.dtype) {
    throw new KilnError(ErrorCode.INVALID_DTYPE, `select branches have different dtypes (${a.dtype} and ${b.dtype})`, {
      hint: 'cast one branch so both share a dtype',
    });
  }
  const { shape, maps, size } = broadcastIndexMaps([cond.shape, a.shape, b.shape]);
  const [mc, ma, mb] = maps as [Int32Array, Int32Array, Int32Array];
  const out = new Tensor(a.dtype, shape);
  const c = cond.data as Uint8Array;
  const src = [a.data, b.data] as unknown as unknown[][];
  const dst = out.data as unknown as unknown[];
  for (let i = 0; i < size; i++) dst[i] = c[mc[i]!] ? src[0]![ma[i]!] : src[1]![mb[i]!];
  return [out];
};
