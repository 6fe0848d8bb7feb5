/**
 * The full default rule set on real models: light_resnet50 (BatchNorm as per-channel scales,
 * residual adds, relus) and light_densenet121 (BatchNorm exported as Mul/Add, concatenations).
 * Building must leave the layer mix the fusions promise and still reproduce the output
 * onnxruntime recorded for each model.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// The engine does not depend on the importers; the test reaches their sources directly.
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import type { AnyLayer, Layer, Network } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto, importOnnx } from '@kiln-inference/onnx';
import { corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/index.js';

const corpus = corpusDir();
const light = corpus ? join(corpus, 'onnx-backend', 'light') : undefined;

function readTensorProto(path: string) {
  return decodeTensorProto(new Uint8Array(readFileSync(path))).tensor;
}

async function build(model: string) {
  const path = join(light!, `${model}.onnx`);
  const network = convertGraph(importOnnx(new Uint8Array(readFileSync(path)), { baseDir: dirname(path) }), createOnnxRegistry());
  const plan = await buildPlan(network, { tune: false });
  return { before: network, after: plan.network };
}

function expectRecordedOutput(model: string, network: Network): void {
  const input = readTensorProto(join(corpus!, 'onnx-backend', 'light-generated-inputs', `${model}_input_0.pb`));
  const expected = readTensorProto(join(light!, `${model}_output_0.pb`));
  const outputs = new ReferenceExecutor().run(network, { [network.inputs[0]!.name]: input });
  expectTensorClose(outputs.get(network.outputs[0]!)!, expected, { rtol: 1e-4, atol: 1e-6 });
}

/** Kinds of the layers reading each output of `layer`. */
function readerKinds(network: Network, layer: AnyLayer): string[] {
  return network.layers.filter((l) => l.inputs.some((i) => layer.outputs.includes(i))).map((l) => l.kind);
}

describe.skipIf(!light)('the default builder rules on light models', () => {
  if (!light) console.warn('KILN_CORPUS not found: skipping the light model builder tests');

  it('light_resnet50: every BatchNorm, bias, residual add and relu fuses into its convolution or matmul', async () => {
    const { before, after } = await build('light_resnet50');
    const counts = after.histogram();
    expect(before.histogram().scale).toBeGreaterThan(0);
    expect(counts.convolution).toBe(53);
    expect(counts.matrix_multiply).toBe(1);
    for (const kind of ['scale', 'fill', 'activation', 'elementwise']) expect(counts[kind] ?? 0).toBe(0);
    const convs = after.layers.filter((l) => l.kind === 'convolution') as Layer<'convolution'>[];
    expect(convs.filter((c) => c.params.epilogue?.residualInput !== undefined)).toHaveLength(16);
    expect(convs.filter((c) => c.params.epilogue?.activation?.type === 'relu')).toHaveLength(49);
    const matmul = after.layers.find((l) => l.kind === 'matrix_multiply') as Layer<'matrix_multiply'>;
    expect(matmul.params.epilogue?.residualInput).toBe(2);
    expectRecordedOutput('light_resnet50', after);
  });

  it('light_densenet121: Mul/Add BatchNorms become scales that fold or merge, concatenations go in place', async () => {
    const { before, after } = await build('light_densenet121');
    const counts = after.histogram();
    expect(before.histogram().elementwise).toBeGreaterThan(0);
    expect(counts.elementwise ?? 0).toBe(0);
    expect(counts.convolution).toBe(121);
    // Pre-activation BatchNorms (after a concatenation or pooling) stay: one scale + relu each.
    expect(counts.scale).toBe(counts.activation);
    for (const layer of after.layers) {
      // Nothing a convolution could absorb is left after one.
      if (layer.kind === 'convolution') expect(readerKinds(after, layer)).not.toContain('activation');
      if (layer.kind === 'convolution') expect(readerKinds(after, layer)).not.toContain('scale');
      // Each BatchNorm is one scale, not a chain.
      if (layer.kind === 'scale') expect(readerKinds(after, layer)).not.toContain('scale');
    }
    const concats = after.layers.filter((l) => l.kind === 'concatenation') as Layer<'concatenation'>[];
    expect(concats.length).toBeGreaterThan(0);
    expect(concats.filter((c) => c.params.inPlace)).toHaveLength(concats.length);
    expectRecordedOutput('light_densenet121', after);
  });
});
