/**
 * Device-memory growth check for the GPU host: 1,000 cycles of create context (clone) → run →
 * dispose over one CudaProgram, sampling kiln's accounting and the driver's free memory.
 *
 *   node memory-growth.mjs --work DIR [--model resnet50] [--cycles 1000] [--precision fp16]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { type CudaPrecision, CudaProgram, deviceMemoryStats } from '@kiln-inference/cuda-runtime';
import { buildPlan } from '@kiln-inference/engine';
import { loadOnnxFile } from '@kiln-inference/onnx';
import { lowerNetwork } from '../../../packages/engine/src/lowering/lower-network.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const work = arg('work', '.');
  const model = arg('model', 'resnet50');
  const cycles = Number(arg('cycles', '1000'));
  const precision = arg('precision', 'fp16') as CudaPrecision;
  const graph = await loadOnnxFile(join(work, `${model}.onnx`));
  const plan = await buildPlan(convertGraph(graph, createOnnxRegistry()), { tune: false, memory: false });
  const inputName = plan.network.inputs[0]?.name ?? 'input';
  const lowered = lowerNetwork(plan.network, new Map([[inputName, [1, 3, 224, 224]]]));
  const stage = lowered.stages[0];
  if (stage?.kind !== 'program') throw new Error('expected one program stage');
  const input = new Float32Array(readFileSync(join(work, 'input_b1.bin')).buffer.slice(0));
  const base = await CudaProgram.create(stage.program, { precision });
  await base.run([input]);
  const samples: { cycle: number; bytesInUse: number; driverUsedBytes: number; rssMiB: number }[] = [];
  const driverUsed = () => {
    const m = deviceMemoryStats();
    return (m.deviceTotalBytes ?? 0) - (m.deviceFreeBytes ?? 0);
  };
  const start = deviceMemoryStats().bytesInUse;
  const t0 = performance.now();
  for (let i = 0; i < cycles; ++i) {
    const ctx = await base.clone();
    await ctx.run([input]);
    await ctx.dispose();
    if (i % 100 === 0 || i === cycles - 1) {
      samples.push({
        cycle: i,
        bytesInUse: deviceMemoryStats().bytesInUse,
        driverUsedBytes: driverUsed(),
        rssMiB: process.memoryUsage().rss / 2 ** 20,
      });
    }
  }
  const end = deviceMemoryStats().bytesInUse;
  await base.dispose();
  const result = {
    model,
    precision,
    cycles,
    seconds: (performance.now() - t0) / 1000,
    startBytes: start,
    endBytes: end,
    afterDispose: deviceMemoryStats(),
    samples,
  };
  writeFileSync(join(work, 'memory_growth.json'), JSON.stringify(result, null, 2));
  console.log(
    `memory: ${cycles} clone/run/dispose cycles in ${result.seconds.toFixed(1)} s; device bytes in use ${start} → ${end} (growth ${end - start}); driver-reported used ${samples[0]?.driverUsedBytes} → ${samples.at(-1)?.driverUsedBytes}; after dispose ${result.afterDispose.bytesInUse}; rss ${samples[0]?.rssMiB.toFixed(0)} → ${samples.at(-1)?.rssMiB.toFixed(0)} MiB`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
