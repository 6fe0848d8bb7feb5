/** Runs one layer on the reference executor: inputs become network inputs (undefined = omitted). */
import { type DType, type LayerKind, type LayerParamsMap, Network, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '../src/index.js';

export function runLayer<K extends LayerKind>(
  kind: K,
  params: LayerParamsMap[K],
  inputs: (Tensor | undefined)[],
  outputs = 1,
  outputDType: DType = 'float32',
): Tensor[] {
  const network = new Network('test');
  const feeds = new Map<string, Tensor>();
  const names = inputs.map((t, i) => {
    if (!t) return '';
    network.addInput({ name: `in${i}`, dtype: t.dtype, shape: t.shape });
    feeds.set(`in${i}`, t);
    return `in${i}`;
  });
  const outs = Array.from({ length: outputs }, (_, i) => ({ name: `out${i}`, dtype: outputDType, shape: null }));
  network.addLayer(kind, { name: `${kind}_layer`, inputs: names, outputs: outs, params });
  for (const o of outs) network.markOutput(o.name);
  const result = new ReferenceExecutor().run(network, feeds);
  return outs.map((o) => result.get(o.name)!);
}

export const i64 = (values: number[], shape: number[] = [values.length]): Tensor => Tensor.fromValues('int64', shape, values);
export const f32 = (values: number[], shape: number[] = [values.length]): Tensor => Tensor.fromValues('float32', shape, values);
export const iota = (dtype: DType, shape: number[]): Tensor =>
  Tensor.fromValues(
    dtype,
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );

/**
 * A tensor of `dtype` whose storage holds distinct valid bit patterns (or strings), so a
 * data-movement kernel can be checked for exact, decode-free copying.
 */
export function patternTensor(dtype: DType, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = new Tensor(dtype, shape);
  const d = t.data;
  for (let i = 0; i < n; i++) {
    if (Array.isArray(d)) d[i] = `s${i}`;
    else if (d instanceof BigInt64Array) d[i] = BigInt(i) * 1234567890123n - 7n;
    else if (d instanceof BigUint64Array) d[i] = BigInt(i) * 1234567890123n;
    else if (dtype === 'bool') (d as Uint8Array)[i] = i % 2;
    else if (dtype === 'int4' || dtype === 'int2') (d as Int8Array)[i] = (i % 3) - 1;
    else if (dtype === 'uint4' || dtype === 'uint2' || dtype === 'float4e2m1') (d as Uint8Array)[i] = i % 4;
    else (d as Uint8Array)[i] = (i * 37 + 3) % 120;
  }
  return t;
}

/** Storage elements as plain values, for exact comparison across dtypes. */
export function storageOf(t: Tensor): unknown[] {
  return Array.from(t.data as ArrayLike<unknown>);
}
