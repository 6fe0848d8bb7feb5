/**
 * The planner on the nine light ONNX models, through buildPlan: every plan passes the
 * brute-force checker and light_resnet50 needs at most 40% of the sum of its activations.
 * Prints the table docs quote (model, sum, peak, ratio).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// The engine does not depend on the importers; the test reaches their sources directly.
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { importOnnx } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/index.js';
import { memoryPlanProblems } from './overlap-checker.js';

const LIGHT = ['bvlc_alexnet', 'densenet121', 'inception_v1', 'inception_v2', 'resnet50', 'shufflenet', 'squeezenet', 'vgg19', 'zfnet512'];
const corpus = corpusDir();
const light = corpus ? join(corpus, 'onnx-backend', 'light') : undefined;
const MiB = 1024 * 1024;

describe.skipIf(!light)('memory plans of the light ONNX models', () => {
  if (!light) console.warn(CORPUS_MISSING_MESSAGE);
  const rows: string[] = ['| model | sum MiB | peak MiB | ratio | live-bytes bound MiB |', '|---|---:|---:|---:|---:|'];

  it.each(LIGHT)('plans light_%s without overlaps', async (name) => {
    const model = join(light!, `light_${name}.onnx`);
    const network = convertGraph(importOnnx(new Uint8Array(readFileSync(model)), { baseDir: dirname(model) }), createOnnxRegistry());
    // Tactic timing is another stage's business; the plan's layers are the same without it.
    const plan = await buildPlan(network, { tune: false });
    const memory = plan.memoryPlan!;
    expect(memory).toBeDefined();
    expect(memoryPlanProblems(plan.network, memory)).toEqual([]);
    expect(memory.arenaBytes).toBeGreaterThanOrEqual(memory.lowerBoundBytes);
    // Best fit should come close to the live-bytes bound (it reaches it on all nine today).
    expect(memory.arenaBytes).toBeLessThanOrEqual(1.1 * memory.lowerBoundBytes);
    expect(memory.arenaBytes).toBeLessThan(memory.sumBytes);
    if (name === 'resnet50') expect(memory.arenaBytes).toBeLessThanOrEqual(0.4 * memory.sumBytes);
    const ratio = memory.arenaBytes / memory.sumBytes;
    rows.push(
      `| light_${name} | ${(memory.sumBytes / MiB).toFixed(2)} | ${(memory.arenaBytes / MiB).toFixed(2)} | ${ratio.toFixed(3)} | ${(memory.lowerBoundBytes / MiB).toFixed(2)} |`,
    );
  });

  it('prints the table', () => {
    console.log(rows.join('\n'));
  });
});
