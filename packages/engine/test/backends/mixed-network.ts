/**
 * x[N,2,4,4] → 3x3 convolution 'conv' (native) → hardmax 'pick' over channels (no native kernel:
 * reference kernels) → 'sum' = pick + conv (native): a run alternates native and reference stages.
 */
import { Network, Tensor } from '@kiln-inference/core';

export function mixedNetwork(): Network {
  const net = new Network('mixed');
  net.addInput({ name: 'x', dtype: 'float32', shape: ['N', 2, 4, 4] });
  const w = Tensor.fromValues(
    'float32',
    [3, 2, 3, 3],
    Array.from({ length: 54 }, (_, i) => ((i * 5) % 9) / 9 - 0.4),
  );
  net.addLayer('constant', {
    name: 'w',
    inputs: [],
    outputs: [{ name: 'w', dtype: 'float32', shape: [3, 2, 3, 3] }],
    params: { value: w },
  });
  net.addLayer('convolution', {
    name: 'conv',
    inputs: ['x', 'w'],
    outputs: [{ name: 'c', dtype: 'float32', shape: ['N', 3, 4, 4] }],
    params: {
      kernelShape: [3, 3],
      strides: [1, 1],
      padsBegin: [1, 1],
      padsEnd: [1, 1],
      dilations: [1, 1],
      groups: 1,
      paddingMode: 'explicit',
    },
  });
  net.addLayer('softmax', {
    name: 'pick',
    inputs: ['c'],
    outputs: [{ name: 'h', dtype: 'float32', shape: ['N', 3, 4, 4] }],
    params: { axis: 1, mode: 'hardmax' },
  });
  net.addLayer('elementwise', {
    name: 'sum',
    inputs: ['h', 'c'],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 3, 4, 4] }],
    params: { op: 'add' },
  });
  net.markOutput('y');
  return net;
}

/** Deterministic input values in [-1, 1). */
export function mixedInput(seed = 1, batch = 1): Tensor {
  const n = batch * 2 * 4 * 4;
  return Tensor.fromValues(
    'float32',
    [batch, 2, 4, 4],
    Array.from({ length: n }, (_, i) => (((i + seed) * 37) % 64) / 32 - 1),
  );
}
