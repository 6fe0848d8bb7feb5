/**
 * Hostile plans: small plans built by the engine, one section's payload mutated (layer params
 * and tensor shapes to huge, negative, fractional or non-finite numbers, retyped or nested
 * values; memory offsets; tactics; the manifest; weight bytes), then re-signed so the change
 * reaches the decoders, the lowering and the native executor.
 */
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { buildPlan, serializePlan } from '@kiln-inference/engine';
import { exportOnnx, importOnnx } from '@kiln-inference/onnx';
import type { FuzzCase } from '../fuzz-case.js';
import { mutateBytes } from '../mutate/bytes.js';
import { getAt, type Json, type JsonMutation, mutateJson, randomJsonPath } from '../mutate/json.js';
import { joinPlan, splitPlan } from '../mutate/plan-container.js';
import { runPlan } from '../pipeline.js';
import type { Rng } from '../prng.js';
import type { GeneratedCase, Target } from '../target.js';
import { onnxCodeSeeds } from './onnx.js';

/** Layer parameters and descriptor fields that hold integers (sizes, indices, axes). */
const INTEGER_KEYS = new Set([
  'pads',
  'strides',
  'dilations',
  'kernelShape',
  'kernel',
  'window',
  'group',
  'groups',
  'axis',
  'axes',
  'perm',
  'shape',
  'starts',
  'ends',
  'steps',
  'split',
  'splits',
  'repeats',
  'numOutputs',
  'outputPadding',
  'outputShape',
  'offset',
  'bytes',
  'arenaBytes',
  'alignment',
  'index',
]);

let seeds: { name: string; bytes: Uint8Array }[] | undefined;

async function loadSeeds(): Promise<{ name: string; bytes: Uint8Array }[]> {
  if (seeds) return seeds;
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const g of onnxCodeSeeds()) {
    if (g.name === 'if') continue;
    const network = convertGraph(importOnnx(exportOnnx(g)), createOnnxRegistry());
    out.push({ name: g.name, bytes: new Uint8Array(serializePlan(await buildPlan(network, { backend: 'cpu', tune: false }))) });
  }
  seeds = out;
  return out;
}

/** Is this mutation invalid by construction: an integer field given a non-integer number? */
function breaksInteger(m: JsonMutation, old: Json): string | undefined {
  const key = [...m.path].reverse().find((k) => typeof k === 'string');
  if (typeof key !== 'string' || !INTEGER_KEYS.has(key) || typeof old !== 'number' || !Number.isInteger(old)) return undefined;
  if (m.kind !== 'number' || typeof m.replacement !== 'number') return undefined;
  if (Number.isInteger(m.replacement)) return undefined;
  return `fractional-int: ${m.path.join('.')} = ${m.replacement} where an integer is required`;
}

export const planTarget: Target = {
  name: 'plan',
  async generate(rng: Rng): Promise<GeneratedCase> {
    const seed = rng.pick(await loadSeeds());
    const parts = splitPlan(seed.bytes);
    const what = rng.weighted([
      [45, 'layers-params'],
      [15, 'layers-any'],
      [10, 'memory'],
      [5, 'tactics'],
      [8, 'manifest'],
      [7, 'weights'],
      [5, 'unsigned'],
      [5, 'section-table'],
    ] as const);
    let note = '';
    let invalid: string | undefined;
    if (what === 'unsigned')
      return { files: { 'model.plan': mutateBytes(rng, seed.bytes) }, note: `${seed.name}: byte damage, not re-signed` };
    if (what === 'weights' && parts.sections.has('weights')) {
      parts.sections.set('weights', mutateBytes(rng, parts.sections.get('weights')!));
      note = 'weights blob damaged, re-signed';
    } else if (what === 'manifest' || what === 'section-table') {
      const m =
        what === 'manifest'
          ? mutateJson(rng, parts.manifest as unknown as Json)
          : mutateJson(rng, parts.manifest as unknown as Json, [
              'sections',
              rng.int(0, parts.manifest.sections.length - 1),
              rng.pick(['offset', 'length', 'name', 'sha256']),
            ]);
      parts.manifest = m.value as typeof parts.manifest;
      note = `${what}: ${m.kind} at ${m.path.join('.')}`;
      return { files: { 'model.plan': joinPlan(parts, what === 'section-table') }, note: `${seed.name}: ${note}` };
    } else {
      // Plans of dynamic or untuned networks lack the optional sections; mutate what is there.
      const name = what.startsWith('layers') || !parts.sections.has(what) ? 'layers' : what;
      const bytes = parts.sections.get(name)!;
      let json = JSON.parse(new TextDecoder().decode(bytes)) as Json;
      const notes: string[] = [];
      for (
        let k = rng.weighted([
          [70, 1],
          [20, 2],
          [10, 3],
        ] as const);
        k > 0;
        k--
      ) {
        let path: (string | number)[];
        if (what === 'layers-params') {
          const layers = getAt(json, ['network', 'layers']) as { kind?: string }[];
          // Constant layers only hold a tensor reference; the computing layers have the params.
          const computing = layers.map((l, i) => [l, i] as const).filter(([l]) => l.kind !== 'constant');
          const pool = computing.length && rng.chance(0.85) ? computing : layers.map((l, i) => [l, i] as const);
          const target = rng.chance(0.8) && pool.length ? ['network', 'layers', rng.pick(pool)[1], 'params'] : ['network', 'tensors'];
          path = [...target, ...randomJsonPath(rng, getAt(json, target), 0.05)];
        } else {
          path = randomJsonPath(rng, json);
        }
        const old = getAt(json, path);
        const m = mutateJson(rng, json, path);
        json = m.value;
        notes.push(
          `${m.kind} at ${m.path.join('.')}${m.replacement !== undefined && typeof m.replacement !== 'object' ? ` = ${String(m.replacement).slice(0, 40)}` : ''}`,
        );
        invalid = k === 1 && notes.length === 1 ? breaksInteger(m, old) : undefined;
      }
      parts.sections.set(name, new TextEncoder().encode(JSON.stringify(json)));
      note = `${name}: ${notes.join('; ')}`;
    }
    return { files: { 'model.plan': joinPlan(parts) }, note: `${seed.name}: ${note}`, ...(invalid ? { invalid } : {}) };
  },
  async execute(c: FuzzCase, rng: Rng): Promise<void> {
    await runPlan(c.files['model.plan']!, rng);
  },
};
