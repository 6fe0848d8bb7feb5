/**
 * Build time of a CUDA engine, cold and with a warm timing cache: buildPlan({ backend: 'cuda',
 * precision, tune: true, timingCache }) twice for the same model and batch, the second time
 * with the cache the first build filled (read back from its serialized form, as `kiln build
 * --timing-cache FILE` would). Reports both times, how many tactics each build timed, and
 * whether the two plans are byte-identical. Bundled by tools/gpu-bundle.
 *
 *   node build-time.mjs --model DIR/resnet50.onnx --batch 128 --precision fp16 [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { buildPlan, serializePlan, TimingCache } from '@kiln-inference/engine';
import { loadOnnxFile } from '@kiln-inference/onnx';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

async function main(): Promise<void> {
  const model = arg('model');
  const batch = Number(arg('batch', '128'));
  const precision = arg('precision', 'fp16') as 'fp32' | 'tf32' | 'fp16';
  const graph = await loadOnnxFile(model);
  const input = graph.feedInputs[0]!.name;
  const network = () => convertGraph(graph, createOnnxRegistry(), { inputShapes: { [input]: [batch, 3, 224, 224] } });
  const build = async (cache: TimingCache) => {
    const t0 = performance.now();
    const plan = await buildPlan(network(), { backend: 'cuda', precision, tune: true, timingCache: cache });
    const ms = performance.now() - t0;
    const choices = Object.values(plan.tactics?.choices ?? {});
    return {
      ms,
      plan,
      timed: choices.filter((c) => c.source === 'measured').length,
      cached: choices.filter((c) => c.source === 'cache').length,
    };
  };
  const cache = new TimingCache();
  const cold = await build(cache);
  const warm = await build(TimingCache.parse(cache.serialize()));
  const again = await build(TimingCache.parse(cache.serialize()));
  const row = {
    model,
    batch,
    precision,
    cold_ms: cold.ms,
    warm_ms: warm.ms,
    cold_tactics_timed: cold.timed,
    warm_tactics_timed: warm.timed,
    warm_tactics_from_cache: warm.cached,
    warm_plans_identical: Buffer.compare(Buffer.from(serializePlan(warm.plan)), Buffer.from(serializePlan(again.plan))) === 0,
  };
  console.log(JSON.stringify(row));
  const json = process.argv.includes('--json') ? arg('json') : '';
  if (json) writeFileSync(json, `${JSON.stringify({ date: new Date().toISOString(), rows: [row] }, null, 2)}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
