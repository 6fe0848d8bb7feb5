/**
 * The nine light ONNX models through the whole CPU path — builder, lowering, memory plan,
 * kiln_cpu.node programs in one native call — reproduce the corpus' reference outputs, inline
 * and in a worker-less engine context, with default and with tuned tactics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import type { Tensor } from '@kiln-inference/core';
import { loadCpuNative } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto, loadOnnxFile } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, Engine } from '../../src/index.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const native = loadCpuNative();
if (!native.ok) console.warn(`native lowering tests skipped: ${native.reason}`);
const light = corpus ? join(corpus, 'onnx-backend/light') : '';
const readTensor = (path: string): Tensor => decodeTensorProto(new Uint8Array(readFileSync(path))).tensor;

const MODELS = ['bvlc_alexnet', 'densenet121', 'inception_v1', 'inception_v2', 'resnet50', 'shufflenet', 'squeezenet', 'vgg19', 'zfnet512'];

describe.skipIf(!corpus || !native.ok)('light models on the native CPU backend', () => {
  for (const name of MODELS) {
    it(`light_${name}`, async () => {
      const graph = await loadOnnxFile(join(light, `light_${name}.onnx`));
      const plan = await buildPlan(convertGraph(graph, createOnnxRegistry()), { tune: name === 'squeezenet' });
      if (name === 'squeezenet') expect(Object.keys(plan.tactics?.choices ?? {}).length).toBeGreaterThan(0);
      const engine = await Engine.create(plan, { execution: 'inline' });
      const ctx = engine.createExecutionContext();
      try {
        const x = readTensor(join(corpus!, 'onnx-backend/light-generated-inputs', `light_${name}_input_0.pb`));
        const expected = readTensor(join(light, `light_${name}_output_0.pb`));
        const out = await ctx.run({ [engine.inputs[0]!.name]: x });
        expectTensorClose(out[engine.outputs[0]!.name]!, expected, { rtol: 1e-3, atol: 1e-4 });
      } finally {
        await ctx.dispose();
      }
    }, 60_000);
  }
});
