/**
 * `pnpm bench --suite cpu`: Kiln's CPU backend against onnxruntime-node's CPU provider, in one
 * run on one machine, alternating the two, batch 1. Inputs are the corpus' generated inputs
 * (light models) or seeded uniform noise (paddleocr det at 1×3×640×640).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '@kiln-inference/core';
import { decodeTensorProto } from '@kiln-inference/onnx';
import { randomTensor } from '@kiln-inference/testkit';
import { InferenceSession } from 'kiln-inference';
import { openOnnxruntime } from '../peers/onnxruntime.js';
import type { BenchRow } from '../report.js';
import { alternate, median } from '../timing.js';

interface CpuCase {
  model: string;
  path: (corpus: string) => string;
  feeds: (corpus: string, inputName: string) => Tensor;
  /** Fixed input shapes for models whose dims are symbolic: tactics are timed at these (kiln build --shapes). */
  shapes?: Readonly<Record<string, readonly number[]>>;
}

const light = (name: string): CpuCase => ({
  model: `light_${name}`,
  path: (c) => join(c, 'onnx-backend/light', `light_${name}.onnx`),
  feeds: (c) =>
    decodeTensorProto(new Uint8Array(readFileSync(join(c, 'onnx-backend/light-generated-inputs', `light_${name}_input_0.pb`)))).tensor,
});

export const CPU_CASES: readonly CpuCase[] = [
  light('resnet50'),
  light('densenet121'),
  light('squeezenet'),
  light('vgg19'),
  {
    model: 'paddleocr_det_640',
    path: (c) => join(c, 'onnx-models/paddleocr-ppocrv4-det/ch_PP-OCRv4_det_infer.onnx'),
    feeds: () => randomTensor('float32', [1, 3, 640, 640], 7, 0, 1),
    shapes: { x: [1, 3, 640, 640] },
  },
];

export interface CpuSuiteOptions {
  corpus: string;
  models?: readonly string[];
  iterations: number;
  warmup: number;
  threads: number;
  log: (line: string) => void;
}

export async function runCpuSuite(options: CpuSuiteOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const cases = CPU_CASES.filter((c) => !options.models?.length || options.models.includes(c.model));
  for (const c of cases) {
    const path = c.path(options.corpus);
    // Built the way `kiln build` builds: tactics timed on this machine.
    const profile = Object.fromEntries(Object.entries(c.shapes ?? {}).map(([name, s]) => [name, { min: s, opt: s, max: s }]));
    const session = await InferenceSession.create(path, { build: { tune: true, profile } });
    const inputName = session.inputNames[0]!;
    const feeds = { [inputName]: c.feeds(options.corpus, inputName) };
    const peer = await openOnnxruntime(path, options.threads);
    try {
      if ('unavailable' in peer) {
        options.log(`${c.model}: peer unavailable (${peer.unavailable}); timing kiln alone`);
        const times: number[] = [];
        for (let i = 0; i < options.warmup; i++) await session.run(feeds);
        for (let i = 0; i < options.iterations; i++) {
          const t0 = performance.now();
          await session.run(feeds);
          times.push(performance.now() - t0);
        }
        rows.push({
          model: c.model,
          batch: 1,
          precision: 'fp32',
          kiln_ms: median(times),
          peer: 'none',
          peer_ms: Number.NaN,
          ratio: Number.NaN,
        });
        continue;
      }
      const { a, b } = await alternate(
        () => session.run(feeds),
        () => peer.run(feeds),
        options.iterations,
        options.warmup,
      );
      const kilnMs = median(a);
      const peerMs = median(b);
      rows.push({ model: c.model, batch: 1, precision: 'fp32', kiln_ms: kilnMs, peer: peer.name, peer_ms: peerMs, ratio: peerMs / kilnMs });
      options.log(`${c.model}: kiln ${kilnMs.toFixed(1)} ms, ${peer.name} ${peerMs.toFixed(1)} ms`);
    } finally {
      await session.dispose();
      if (!('unavailable' in peer)) await peer.close();
    }
  }
  return rows;
}
