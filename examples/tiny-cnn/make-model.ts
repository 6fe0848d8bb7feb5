/**
 * Writes examples/tiny-cnn/{model.onnx,input.npy,expected_output.npy}.
 *
 * The model is an 8×8 single-channel "digit" classifier: Conv(4 filters, 3×3, pad 1) → Relu →
 * MaxPool 2×2 → Flatten → Gemm(64 → 3) → Softmax. Weights come from a fixed seed. The expected
 * output is computed here with plain loops, independently of Kiln's kernels, so running the
 * model through Kiln checks the exporter, importer, converters, kernels and engine end to end.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, type GraphNode, serializeNpy, Tensor } from '@kiln-inference/core';
import { exportOnnx } from '@kiln-inference/onnx';

const here = dirname(fileURLToPath(import.meta.url));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const rand = lcg(2026);
const convW = Float32Array.from({ length: 4 * 1 * 3 * 3 }, () => rand());
const convB = Float32Array.from({ length: 4 }, () => rand() * 0.1);
const fcW = Float32Array.from({ length: 3 * 64 }, () => rand() * 0.5); // [3, 64], used transposed
const fcB = Float32Array.from({ length: 3 }, () => rand() * 0.1);
// The input: a diagonal stroke on an 8×8 canvas.
const input = Float32Array.from({ length: 64 }, (_, i) => (Math.floor(i / 8) === i % 8 ? 1 : 0.1 * ((i * 7) % 5)));

function reference(): Float32Array {
  const conv = new Float32Array(4 * 8 * 8);
  for (let k = 0; k < 4; k++)
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        let s = convB[k]!;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const iy = y + dy;
            const ix = x + dx;
            if (iy < 0 || iy >= 8 || ix < 0 || ix >= 8) continue;
            s += input[iy * 8 + ix]! * convW[k * 9 + (dy + 1) * 3 + (dx + 1)]!;
          }
        conv[k * 64 + y * 8 + x] = Math.max(0, s);
      }
  const pooled = new Float32Array(4 * 4 * 4);
  for (let k = 0; k < 4; k++)
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) {
        const at = (yy: number, xx: number) => conv[k * 64 + yy * 8 + xx]!;
        pooled[k * 16 + y * 4 + x] = Math.max(at(2 * y, 2 * x), at(2 * y, 2 * x + 1), at(2 * y + 1, 2 * x), at(2 * y + 1, 2 * x + 1));
      }
  const logits = Array.from({ length: 3 }, (_, j) => {
    let s = fcB[j]!;
    for (let i = 0; i < 64; i++) s += pooled[i]! * fcW[j * 64 + i]!;
    return s;
  });
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return Float32Array.from(e, (v) => v / sum);
}

const node = (name: string, op: string, inputs: string[], outputs: string[], attributes: GraphNode['attributes'] = {}): GraphNode => ({
  name,
  op,
  domain: '',
  inputs,
  outputs,
  attributes,
});
const ints = (value: number[]) => ({ kind: 'ints' as const, value });

const graph = new Graph({
  format: 'onnx',
  name: 'tiny_cnn',
  opsetImports: [{ domain: '', version: 13 }],
  metadata: { producer_name: 'kiln-examples', producer_version: '0.1.0' },
  inputs: [{ name: 'image', type: { kind: 'tensor', dtype: 'float32', shape: ['batch', 1, 8, 8] } }],
  outputs: [{ name: 'probabilities', type: { kind: 'tensor', dtype: 'float32', shape: ['batch', 3] } }],
  weights: new Map([
    ['conv.weight', new Tensor('float32', [4, 1, 3, 3], convW)],
    ['conv.bias', new Tensor('float32', [4], convB)],
    ['fc.weight', new Tensor('float32', [3, 64], fcW)],
    ['fc.bias', new Tensor('float32', [3], fcB)],
  ]),
  nodes: [
    node('conv', 'Conv', ['image', 'conv.weight', 'conv.bias'], ['conv_out'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }),
    node('relu', 'Relu', ['conv_out'], ['relu_out']),
    node('pool', 'MaxPool', ['relu_out'], ['pool_out'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
    node('flatten', 'Flatten', ['pool_out'], ['flat'], { axis: { kind: 'int', value: 1 } }),
    node('fc', 'Gemm', ['flat', 'fc.weight', 'fc.bias'], ['logits'], { transB: { kind: 'int', value: 1 } }),
    node('softmax', 'Softmax', ['logits'], ['probabilities'], { axis: { kind: 'int', value: 1 } }),
  ],
});

writeFileSync(join(here, 'model.onnx'), exportOnnx(graph));
writeFileSync(join(here, 'input.npy'), serializeNpy(new Tensor('float32', [1, 1, 8, 8], input)));
writeFileSync(join(here, 'expected_output.npy'), serializeNpy(new Tensor('float32', [1, 3], reference())));
console.log(
  `wrote model.onnx, input.npy, expected_output.npy to ${here}; expected ${Array.from(reference())
    .map((v) => v.toFixed(4))
    .join(' ')}`,
);
