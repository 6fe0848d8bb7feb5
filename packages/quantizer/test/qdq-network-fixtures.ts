/** Small float networks for the calibration and Q/DQ tests, and a helper that runs one on the CPU engine. */
import { Network, type Tensor } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';
import { randomTensor } from '@kiln-inference/testkit';

export const CONV_OUT = 'conv_out';
export const RELU_OUT = 'relu_out';
export const FLAT = 'flat';

/** x[N,2,5,5] → conv 3×3 (3 filters, bias) → relu → reshape [N,75] → matmul [75,4] → y. */
export function convMatmulNetwork(): Network {
  const net = new Network('conv-matmul');
  net.addInput({ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] });
  const constant = (name: string, value: Tensor) =>
    net.addLayer('constant', { name, inputs: [], outputs: [{ name, dtype: 'float32', shape: [...value.shape] }], params: { value } });
  constant('conv_w', randomTensor('float32', [3, 2, 3, 3], 21, -0.5, 0.5));
  constant('conv_b', randomTensor('float32', [3], 22, -0.1, 0.1));
  constant('fc_w', randomTensor('float32', [75, 4], 23, -0.3, 0.3));
  net.addLayer('convolution', {
    name: 'conv',
    inputs: ['x', 'conv_w', 'conv_b'],
    outputs: [{ name: CONV_OUT, dtype: 'float32', shape: ['N', 3, 5, 5] }],
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
  net.addLayer('activation', {
    name: 'relu',
    inputs: [CONV_OUT],
    outputs: [{ name: RELU_OUT, dtype: 'float32', shape: ['N', 3, 5, 5] }],
    params: { type: 'relu' },
  });
  net.addLayer('shuffle', {
    name: 'flatten',
    inputs: [RELU_OUT],
    outputs: [{ name: FLAT, dtype: 'float32', shape: ['N', 75] }],
    params: { reshape: [0, 75] },
  });
  net.addLayer('matrix_multiply', {
    name: 'fc',
    inputs: [FLAT, 'fc_w'],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 4] }],
    params: { transposeA: false, transposeB: false },
  });
  net.markOutput('y');
  return net;
}

export function randomBatches(count: number, seed: number, batch = 2): Record<string, Tensor>[] {
  return Array.from({ length: count }, (_, i) => ({ x: randomTensor('float32', [batch, 2, 5, 5], seed + i, -1, 1) }));
}

/** Builds `network` for the CPU backend and runs it once. */
export async function runOnCpu(network: Network, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const context = (await Engine.create(await buildPlan(network, { backend: 'cpu' }), { backend: 'cpu' })).createExecutionContext();
  try {
    return await context.run(feeds);
  } finally {
    await context.dispose();
  }
}
