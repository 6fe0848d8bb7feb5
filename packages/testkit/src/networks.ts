/** Small networks that tests of several packages build, run and compare. */
import { Network, Tensor } from '@kiln-inference/core';

/** x[N,3,H,W] → 3x3 convolution → 2x2 max pooling: the window does not fit a 1x1 input. */
export function convPoolNetwork(): Network {
  const net = new Network('conv-pool');
  net.addInput({ name: 'x', dtype: 'float32', shape: ['N', 3, 'H', 'W'] });
  net.addLayer('constant', {
    name: 'w',
    inputs: [],
    outputs: [{ name: 'w', dtype: 'float32', shape: [4, 3, 3, 3] }],
    params: {
      value: Tensor.fromValues(
        'float32',
        [4, 3, 3, 3],
        Array.from({ length: 108 }, (_, i) => ((i * 7) % 11) / 11 - 0.5),
      ),
    },
  });
  net.addLayer('convolution', {
    name: 'conv',
    inputs: ['x', 'w'],
    outputs: [{ name: 'c', dtype: 'float32', shape: ['N', 4, null, null] }],
    params: {
      kernelShape: [3, 3],
      strides: [1, 1],
      padsBegin: [0, 0],
      padsEnd: [0, 0],
      dilations: [1, 1],
      groups: 1,
      paddingMode: 'explicit',
    },
  });
  net.addLayer('pooling', {
    name: 'pool',
    inputs: ['c'],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 4, null, null] }],
    params: {
      type: 'max',
      global: false,
      window: [2, 2],
      strides: [2, 2],
      padsBegin: [0, 0],
      padsEnd: [0, 0],
      dilations: [1, 1],
      paddingMode: 'explicit',
      ceilMode: false,
      countIncludePad: false,
    },
  });
  net.markOutput('y');
  return net;
}
