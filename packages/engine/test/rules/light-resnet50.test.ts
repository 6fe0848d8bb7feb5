/**
 * The rules on a real model: light_resnet50 carries its weights as ConstantOfShape fills and
 * BatchNorms as per-channel scales, so building must fold both and still reproduce the output
 * onnxruntime recorded.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// The engine does not depend on the importers; the test reaches their sources directly.
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
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

describe.skipIf(!light)('builder rules on light_resnet50', () => {
  if (!light) console.warn('KILN_CORPUS not found: skipping the light_resnet50 builder test');
  it('folds the fills and BatchNorms and still matches the recorded output', async () => {
    const model = join(light!, 'light_resnet50.onnx');
    const network = convertGraph(importOnnx(new Uint8Array(readFileSync(model)), { baseDir: dirname(model) }), createOnnxRegistry());
    const plan = await buildPlan(network);
    const before = network.histogram();
    const after = plan.network.histogram();
    expect(plan.layerCounts).toEqual({ before: network.layers.length, after: plan.network.layers.length });
    expect(plan.layerCounts!.after).toBeLessThan(plan.layerCounts!.before);
    expect(before.scale ?? 0).toBeGreaterThan(0);
    expect(before.fill ?? 0).toBeGreaterThan(0);
    expect(after.scale ?? 0).toBe(0);
    expect(after.fill ?? 0).toBe(0);
    const input = readTensorProto(join(corpus!, 'onnx-backend', 'light-generated-inputs', 'light_resnet50_input_0.pb'));
    const expected = readTensorProto(join(light!, 'light_resnet50_output_0.pb'));
    const [inputName] = plan.network.inputs.map((i) => i.name);
    const outputs = new ReferenceExecutor().run(plan.network, { [inputName!]: input });
    expectTensorClose(outputs.get(plan.network.outputs[0]!)!, expected, { rtol: 1e-4, atol: 1e-6 });
  });
});
