/**
 * Accuracy of CUDA engines against Kiln's CPU FP32 reference (the native CPU backend), through
 * the public path: buildPlan(backend 'cuda', precision) → Engine → ExecutionContext.run. For
 * each model (an ONNX file exported by bench_gpu.py), 256 seeded random inputs run in batches of
 * 32 on the CPU and in every precision on the GPU; the report gives the largest logit error
 * relative to the largest reference logit, the largest elementwise relative error among logits
 * of magnitude ≥ 1% of that, and the top-1 agreement. Bundled by tools/gpu-bundle.
 *
 *   node accuracy-vs-cpu.mjs --work DIR --models resnet50,mobilenet_v2 [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { Tensor } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';
import { loadOnnxFile } from '@kiln-inference/onnx';

const IMAGES = 256;
const BATCH = 32;

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

/** Seeded standard-normal-ish inputs (sum of uniforms), one tensor per batch. */
function inputs(seed: number): Tensor[] {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: IMAGES / BATCH }, () => {
    const data = new Float32Array(BATCH * 3 * 224 * 224);
    for (let i = 0; i < data.length; i++) data[i] = uniform() + uniform() + uniform() - 1.5;
    return new Tensor('float32', [BATCH, 3, 224, 224], data);
  });
}

async function logits(plan: Awaited<ReturnType<typeof buildPlan>>, feeds: Tensor[], options = {}): Promise<Float32Array[]> {
  const engine = await Engine.create(plan, options);
  const ctx = engine.createExecutionContext();
  try {
    const out: Float32Array[] = [];
    for (const x of feeds) {
      const y = await ctx.run({ [engine.inputs[0]!.name]: x });
      out.push(y[engine.outputs[0]!.name]!.data as Float32Array);
    }
    return out;
  } finally {
    await ctx.dispose();
  }
}

function compare(actual: Float32Array[], expected: Float32Array[], classes: number) {
  let maxRef = 0;
  for (const e of expected) for (const v of e) maxRef = Math.max(maxRef, Math.abs(v));
  let maxAbs = 0;
  let maxRel = 0;
  let agree = 0;
  actual.forEach((a, k) => {
    const e = expected[k]!;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - e[i]!);
      maxAbs = Math.max(maxAbs, d);
      if (Math.abs(e[i]!) >= 0.01 * maxRef) maxRel = Math.max(maxRel, d / Math.abs(e[i]!));
    }
    for (let n = 0; n < a.length / classes; n++) {
      const argmax = (v: Float32Array) => {
        let best = 0;
        for (let c = 1; c < classes; c++) if (v[n * classes + c]! > v[n * classes + best]!) best = c;
        return best;
      };
      if (argmax(a) === argmax(e)) agree++;
    }
  });
  return { max_abs_over_max_ref: maxAbs / maxRef, max_rel_significant: maxRel, top1_agreement: agree / IMAGES };
}

async function main(): Promise<void> {
  const work = arg('work');
  const rows: Record<string, unknown>[] = [];
  for (const model of arg('models', 'resnet50,mobilenet_v2').split(',')) {
    const network = convertGraph(await loadOnnxFile(join(work, `${model}.onnx`)), createOnnxRegistry());
    const feeds = inputs(7);
    const t0 = performance.now();
    const cpu = await logits(await buildPlan(network, { tune: false }), feeds, { execution: 'inline' });
    console.log(`${model}: CPU FP32 reference for ${IMAGES} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const classes = cpu[0]!.length / BATCH;
    for (const precision of ['fp32', 'tf32', 'fp16'] as const) {
      const plan = await buildPlan(network, { backend: 'cuda', precision, tune: true });
      const gpu = await logits(plan, feeds);
      const row = { model, precision, images: IMAGES, ...compare(gpu, cpu, classes) };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  const json = process.argv.includes('--json') ? arg('json') : '';
  if (json) writeFileSync(json, `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
