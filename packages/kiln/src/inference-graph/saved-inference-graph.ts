/**
 * The saved inference graph: a folder holding `inference-graph.json` (format, options, the
 * model's files, and for each engine node its engines' input signatures and plan files), the
 * model, and `engines/*.plan`. Loading re-partitions the stored model with the stored options
 * (partitioning is deterministic) and starts every engine node with its saved engines.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, KILN_VERSION, KilnError } from '@kiln-inference/core';
import type { EngineOptions, InputSignature, SavedSegmentEngine } from '@kiln-inference/engine';
import { type PluginsOption, resolvePlugins } from '@kiln-inference/plugin-sdk';
import { InferenceGraph } from './inference-graph.js';
import type { ResolvedInferenceOptions } from './inference-graph-options.js';
import { reopenModelSource, type StoredSource } from './model-source.js';

/** The schema of `inference-graph.json` in a saved inference graph folder. */
export const INFERENCE_GRAPH_SCHEMA = 'kiln-inference-graph/1';
const MANIFEST = 'inference-graph.json';

interface SavedEngineEntry {
  signatures: InputSignature[];
  plan: string;
}

interface InferenceGraphManifest {
  schema: string;
  kilnVersion: string;
  options: ResolvedInferenceOptions;
  source: StoredSource;
  /** Engine-node name → its segment's inputs (a check that the partition is the same) and engines. */
  engineNodes: Record<string, { inputs: string[]; engines: SavedEngineEntry[] }>;
}

export function writeInferenceGraph(path: string, graph: InferenceGraph): void {
  // The folder is rewritten as a whole: stale plans from an earlier save must not linger.
  if (existsSync(join(path, MANIFEST))) rmSync(path, { recursive: true });
  mkdirSync(join(path, 'engines'), { recursive: true });
  const source = graph.source.store(path);
  const saved = graph.session.savedEngines();
  const engineNodes: InferenceGraphManifest['engineNodes'] = {};
  for (const segment of graph.hybrid.segments) {
    const engines = (saved.get(segment.name) ?? []).map((e, k) => {
      const plan = join('engines', `${segment.name}-${k}.plan`);
      writeFileSync(join(path, plan), e.plan);
      return { signatures: e.signatures, plan };
    });
    engineNodes[segment.name] = { inputs: [...segment.inputs], engines };
  }
  const manifest: InferenceGraphManifest = {
    schema: INFERENCE_GRAPH_SCHEMA,
    kilnVersion: KILN_VERSION,
    options: graph.options,
    source,
    engineNodes,
  };
  writeFileSync(join(path, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

function readManifest(path: string): InferenceGraphManifest {
  const file = join(path, MANIFEST);
  if (!existsSync(file)) {
    throw new KilnError(ErrorCode.IO_ERROR, `'${path}' is not a saved inference graph (no ${MANIFEST})`, {
      hint: 'pass the folder that InferenceGraph.save() wrote',
    });
  }
  let manifest: InferenceGraphManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as InferenceGraphManifest;
  } catch (e) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${file} is not valid JSON: ${(e as Error).message}`, {
      hint: 'save the inference graph again',
      cause: e,
    });
  }
  if (manifest.schema !== INFERENCE_GRAPH_SCHEMA) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${file} has schema '${String(manifest.schema)}', not ${INFERENCE_GRAPH_SCHEMA}`, {
      hint: 'save the inference graph again with this version of kiln',
    });
  }
  return manifest;
}

/** Loads a folder written by `InferenceGraph.save()`, starting its engine nodes with the saved engines (none rebuilt). */
export async function loadInferenceGraph(
  path: string,
  options: { engineOptions?: EngineOptions; plugins?: PluginsOption } = {},
): Promise<InferenceGraph> {
  const manifest = readManifest(path);
  const source = await reopenModelSource(path, manifest.source);
  const engines = new Map<string, SavedSegmentEngine[]>();
  for (const [name, node] of Object.entries(manifest.engineNodes)) {
    engines.set(
      name,
      node.engines.map((e) => ({ signatures: e.signatures, plan: new Uint8Array(readFileSync(join(path, e.plan))) })),
    );
  }
  const expected = Object.fromEntries(Object.entries(manifest.engineNodes).map(([n, e]) => [n, e.inputs.join(',')]));
  const runtime = {
    ...(options.engineOptions ? { engineOptions: options.engineOptions } : {}),
    plugins: await resolvePlugins(options.plugins),
  };
  return InferenceGraph.open(source, manifest.options, runtime, engines, (hybrid) => {
    // The same model and options give the same segments; anything else means the folder was edited.
    const found = Object.fromEntries(hybrid.segments.map((s) => [s.name, s.inputs.join(',')]));
    if (JSON.stringify(found) !== JSON.stringify(expected)) {
      throw new KilnError(ErrorCode.INVALID_MODEL, `the model in '${path}' no longer partitions into the saved engine nodes`, {
        hint: 'the saved model or its options were changed; create and save the inference graph again',
      });
    }
  });
}
