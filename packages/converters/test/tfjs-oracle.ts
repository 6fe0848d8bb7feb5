/**
 * TF.js (tfjs-core on its CPU backend) as an independent oracle for the TF converter tests:
 * runs an op there and hands back the result as a kiln Tensor.
 */
import '@tensorflow/tfjs-backend-cpu';
import { type DType, Tensor } from '@kiln-inference/core';
import * as tf from '@tensorflow/tfjs-core';

await tf.setBackend('cpu');

export { tf };

const DTYPES: Record<string, DType> = { float32: 'float32', int32: 'int32', bool: 'bool' };

/** A tfjs tensor as a kiln Tensor (int32/float32/bool; others refused). */
export function fromTf(t: tf.Tensor, as?: DType): Tensor {
  const dtype = as ?? DTYPES[t.dtype];
  if (!dtype) throw new Error(`no kiln dtype for tfjs ${t.dtype}`);
  return Tensor.fromValues(dtype, t.shape, Array.from(t.dataSync() as ArrayLike<number>));
}

/** A kiln float32/int32 tensor as a tfjs tensor. */
export function toTf(t: Tensor): tf.Tensor {
  return tf.tensor(Array.from(t.toFloat64()), [...t.shape], t.dtype === 'float32' ? 'float32' : 'int32');
}
