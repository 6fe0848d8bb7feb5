/** The one-call API: build a plan, load an engine, or run a model, each in one await. */
import type { Tensor } from '@kiln/core';
import { Engine, type Plan } from '@kiln/engine';
import { engineOptions, InferenceSession, planFor, planSource, type SessionOptions } from './session.js';

/** Parses, converts and builds a model into a plan (write it with `serializePlan(plan)`). */
export function build(modelPath: string, options: SessionOptions = {}): Promise<Plan> {
  return planFor(modelPath, options);
}

/** Loads an engine from a model path, a plan path or plan bytes. */
export async function load(model: string | Uint8Array, options: SessionOptions = {}): Promise<Engine> {
  return Engine.create(await planSource(model, options), engineOptions(options));
}

/** Runs a model once on the given feeds. */
export async function run(
  model: string | Uint8Array,
  feeds: Record<string, Tensor>,
  options: SessionOptions = {},
): Promise<Record<string, Tensor>> {
  const session = await InferenceSession.create(model, options);
  try {
    return await session.run(feeds);
  } finally {
    await session.dispose();
  }
}
