/** The one-call API: build a plan, load an engine, or run a model, each in one await. */
import type { Tensor } from '@kiln-inference/core';
import { Engine, type Plan } from '@kiln-inference/engine';
import { resolvePlugins } from '@kiln-inference/plugin-sdk';
import { modelSource } from './ort-compat/model-source.js';
import {
  engineInput,
  engineOptions,
  InferenceSession,
  type ModelInput,
  planFor,
  resolveSessionOptions,
  type SessionOptions,
} from './session.js';

/** Parses, converts and builds a model into a plan (write it with `serializePlan(plan)`). */
export function build(modelPath: string, options: SessionOptions = {}): Promise<Plan> {
  return planFor(modelPath, options);
}

/** Loads an engine from a model path, a plan path, or model or plan bytes. */
export async function load(model: ModelInput, options: SessionOptions = {}): Promise<Engine> {
  const resolved = resolveSessionOptions(options);
  const plugins = await resolvePlugins(resolved.plugins);
  return Engine.create(await engineInput(modelSource(model), resolved, plugins), engineOptions(resolved, plugins));
}

/** Runs a model once on the given feeds. */
export async function run(model: ModelInput, feeds: Record<string, Tensor>, options: SessionOptions = {}): Promise<Record<string, Tensor>> {
  const session = await InferenceSession.create(model, options);
  try {
    return await session.run(feeds);
  } finally {
    await session.dispose();
  }
}
