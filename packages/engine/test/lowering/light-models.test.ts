/**
 * The nine light ONNX models after the builder: each lowers to ONE native stage (the whole plan
 * in one native call), compiles for its input shape, and light_squeezenet's interpreted program
 * reproduces the corpus' reference output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import type { Tensor } from '@kiln-inference/core';
import { decodeTensorProto, loadOnnxFile } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, compileStage, networkConstants, StagedRunner, splitStages } from '../../src/index.js';
import { interpreted } from './lowering-support.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const light = corpus ? join(corpus, 'onnx-backend/light') : '';
const readTensor = (path: string): Tensor => decodeTensorProto(new Uint8Array(readFileSync(path))).tensor;

const MODELS = ['bvlc_alexnet', 'densenet121', 'inception_v1', 'inception_v2', 'resnet50', 'shufflenet', 'squeezenet', 'vgg19', 'zfnet512'];

async function builtNetwork(name: string) {
  const graph = await loadOnnxFile(join(light, `light_${name}.onnx`));
  return (await buildPlan(convertGraph(graph, createOnnxRegistry()), { tune: false })).network;
}

describe.skipIf(!corpus)('light models lower to one native program', () => {
  for (const name of MODELS) {
    it(`light_${name}`, async () => {
      const network = await builtNetwork(name);
      const constants = networkConstants(network);
      const stages = splitStages(network, constants);
      expect(stages.map((s) => s.kind)).toEqual(['native']);
      const input = network.inputs[0]!;
      const compiled = compileStage(network, stages[0]!, new Map([[input.name, input.shape as number[]]]), constants);
      expect(compiled.program.ops.length).toBeGreaterThan(0);
      expect(compiled.program.arenaBytes).toBeLessThanOrEqual(compiled.memory.sumBytes);
      // No op writes outside the arena; every value lies inside its storage.
      for (const v of compiled.program.values) {
        if (v.storage.kind === 'arena')
          expect(v.storage.offset + 4 * v.shape.reduce((a, b) => a * b, 1)).toBeLessThanOrEqual(compiled.program.arenaBytes);
      }
    }, 60_000);
  }

  it('light_squeezenet interpreted reproduces the reference output', async () => {
    const network = await builtNetwork('squeezenet');
    const x = readTensor(join(corpus!, 'onnx-backend/light-generated-inputs/light_squeezenet_input_0.pb'));
    const expected = readTensor(join(light, 'light_squeezenet_output_0.pb'));
    const staged = new StagedRunner(network, { backend: interpreted });
    const out = await staged.runValues(new Map([[network.inputs[0]!.name, x]]));
    expectTensorClose(out.get(network.outputs[0]!) as Tensor, expected, { rtol: 1e-4, atol: 1e-5 });
  }, 60_000);
});
