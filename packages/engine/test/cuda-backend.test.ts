// The CUDA backend end to end, on the GPU host (skipped elsewhere): a corpus detector whose
// transposed convolutions stay on the reference kernels, so a run alternates CUDA programs and
// CPU stages (hybrid). Its outputs must match the CPU backend's.
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln/converters';
import type { Tensor } from '@kiln/core';
import { cudaStatus } from '@kiln/cuda-runtime';
import { loadOnnxFile } from '@kiln/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose, randomTensor } from '@kiln/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, CpuBackend, CudaBackend } from '../src/index.js';

const status = cudaStatus();
const corpus = corpusDir();
const reason = status.devices.length === 0 ? (status.reason ?? 'no GPU') : corpus ? '' : CORPUS_MISSING_MESSAGE;

describe.skipIf(reason !== '')(`CudaBackend${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('runs a hybrid plan (CUDA programs + reference stages) like the CPU backend', async () => {
    const graph = await loadOnnxFile(join(corpus ?? '', 'onnx-models/paddleocr-ppocrv4-det/ch_PP-OCRv4_det_infer.onnx'));
    const plan = await buildPlan(convertGraph(graph, createOnnxRegistry()), { tune: false, memory: false });
    const input = plan.network.inputs[0]?.name ?? 'x';
    const feeds = new Map([[input, randomTensor('float32', [1, 3, 64, 64], 7, 0, 1)]]);
    const cpu = new CpuBackend({ execution: 'inline' }).createRunner(plan, () => new Uint8Array());
    const expected = await cpu.run(feeds);
    for (const [precision, tol] of [
      ['fp32', { rtol: 1e-3, atol: 1e-4 }],
      ['fp16', { rtol: 3e-2, atol: 3e-2 }],
    ] as const) {
      const backend = new CudaBackend({ precision });
      expect(backend.device().arch).toMatch(/^\d+\.\d+$/);
      const runner = backend.createRunner(plan, () => new Uint8Array());
      for (let run = 0; run < 2; ++run) {
        const actual = await runner.run(feeds);
        for (const [name, value] of expected) expectTensorClose(actual.get(name) as Tensor, value as Tensor, tol);
      }
      await runner.dispose();
    }
  });
});
