/**
 * The Kiln half of the GPU benchmark (bench_gpu.py drives it; bundled by tools/gpu-bundle so it
 * runs on a GPU host with no registry). For each ONNX model, precision and batch it builds a
 * CUDA Program, times its build (cold, then warm: cuDNN choices cached in the process), runs
 * the input that bench_gpu.py wrote, saves the output, and times device-resident replays.
 *
 *   node kiln-gpu-bench.mjs --work DIR --models resnet50,mobilenet_v2 --batches 1,128 --precisions fp16 [--iters 50]
 *
 * Reads DIR/<model>.onnx and DIR/input_b<batch>.bin (float32 NCHW); writes
 * DIR/kiln_<model>_<precision>_b<batch>.bin and DIR/kiln_results.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { type CudaPrecision, CudaProgram, cudaStatus, deviceMemoryStats } from '@kiln-inference/cuda-runtime';
import { buildPlan } from '@kiln-inference/engine';
import { loadOnnxFile } from '@kiln-inference/onnx';
import { lowerNetwork } from '../../../packages/engine/src/lowering/lower-network.js';

interface KilnRow {
  model: string;
  batch: number;
  precision: CudaPrecision;
  build_cold_ms: number;
  build_warm_ms: number;
  kiln_ms: number;
  kiln_ms_p90: number;
  run_latency_ms: number;
  tactics: Record<string, number>;
  graph: boolean;
  stages: number;
  context_bytes: number;
}

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? Number.NaN;

async function main(): Promise<void> {
  const work = arg('work');
  const models = arg('models').split(',');
  const batches = arg('batches').split(',').map(Number);
  const precisions = arg('precisions').split(',') as CudaPrecision[];
  const iters = Number(arg('iters', '50'));
  const status = cudaStatus();
  console.log(`kiln: ${status.devices[0]?.name ?? 'no GPU'} cuDNN=${status.libraries.cudnn} cuBLASLt=${status.libraries.cublasLt}`);
  const rows: KilnRow[] = [];
  for (const model of models) {
    const t0 = performance.now();
    const graph = await loadOnnxFile(join(work, `${model}.onnx`));
    const network = convertGraph(graph, createOnnxRegistry());
    const plan = await buildPlan(network, { tune: false, memory: false });
    const inputName = plan.network.inputs[0]?.name ?? 'input';
    console.log(
      `kiln: ${model} imported and optimized in ${(performance.now() - t0).toFixed(0)} ms (${plan.layerCounts?.before} → ${plan.layerCounts?.after} layers)`,
    );
    for (const precision of precisions) {
      for (const batch of batches) {
        const lowered = lowerNetwork(plan.network, new Map([[inputName, [batch, 3, 224, 224]]]));
        const stages = lowered.stages.filter((s) => s.kind === 'program');
        if (lowered.stages.length !== 1 || stages.length !== 1) {
          console.log(
            `kiln: ${model} lowers to ${lowered.stages.length} stages (${lowered.stages.map((s) => s.kind).join(', ')}); timing the first program only`,
          );
        }
        const stage = stages[0];
        if (stage?.kind !== 'program') throw new Error(`${model}: no program stage`);
        let t = performance.now();
        let prog = await CudaProgram.create(stage.program, { precision });
        const buildCold = performance.now() - t;
        // A second build in the same process reuses cuDNN's algorithm search (warm cache); timed
        // where the issue asks for it, to keep the sweep short elsewhere.
        let buildWarm = Number.NaN;
        if (batch === 128 || batches.length === 1) {
          t = performance.now();
          const warm = await CudaProgram.create(stage.program, { precision });
          buildWarm = performance.now() - t;
          await prog.dispose();
          prog = warm;
        }
        const input = new Float32Array(readFileSync(join(work, `input_b${batch}.bin`)).buffer.slice(0));
        const [out] = await prog.run([input]);
        writeFileSync(join(work, `kiln_${model}_${precision}_b${batch}.bin`), out ?? new Float32Array());
        const latencies: number[] = [];
        for (let i = 0; i < Math.min(iters, batch > 32 ? 10 : 30); ++i) {
          const s = performance.now();
          await prog.run([input]);
          latencies.push(performance.now() - s);
        }
        const times = await prog.benchmark(iters);
        const tactics: Record<string, number> = {};
        for (const tac of prog.info.tactics) tactics[tac] = (tactics[tac] ?? 0) + 1;
        const row: KilnRow = {
          model,
          batch,
          precision,
          build_cold_ms: buildCold,
          build_warm_ms: buildWarm,
          kiln_ms: median(times),
          kiln_ms_p90: p90(times),
          run_latency_ms: median(latencies),
          tactics,
          graph: prog.info.graph,
          stages: lowered.stages.length,
          context_bytes: prog.info.contextBytes,
        };
        rows.push(row);
        console.log(
          `kiln: ${model} ${precision} b${batch}: ${row.kiln_ms.toFixed(3)} ms/batch (${((batch * 1000) / row.kiln_ms).toFixed(0)} img/s), run() ${row.run_latency_ms.toFixed(3)} ms, build ${buildCold.toFixed(0)}/${buildWarm.toFixed(0)} ms, graph ${row.graph}${prog.info.graphFailure ? ` (${prog.info.graphFailure})` : ''}`,
        );
        if (process.env.KILN_BENCH_PROFILE === '1') {
          for (const op of (await prog.profile(5)).sort((a, b) => b.ms - a.ms).slice(0, 12))
            console.log(`   ${op.ms.toFixed(3)} ms ${op.tactic} ${op.op}`);
        }
        await prog.dispose();
      }
    }
  }
  writeFileSync(
    join(work, 'kiln_results.json'),
    JSON.stringify({ device: status.devices[0]?.name, rows, memory: deviceMemoryStats() }, null, 2),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
