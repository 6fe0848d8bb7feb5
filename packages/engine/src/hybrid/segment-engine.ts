/**
 * One engine for one segment and one input signature: the segment's sub-graph converted with
 * the converters, built with buildPlan and loaded as an Engine with one execution context.
 *
 * Batch reuse runs the engine on the smaller batch itself (no padding): when the inputs share
 * a batch B > 1 the sub-graph is converted with dimension 0 left symbolic, so the plan accepts
 * any batch and computes exactly what it would for that batch. A sub-graph that does not
 * convert that way (a converter needs the static batch) is built for the exact shapes and
 * serves only them.
 */
import { type ConverterRegistry, convertGraph } from '@kiln-inference/converters';
import { type Graph, isKilnError, type Network, type Shape, type ValueType } from '@kiln-inference/core';
import type { RuntimeValue } from '@kiln-inference/cpu-runtime';
import { type BuildOptions, buildPlan } from '../builder/build-plan.js';
import { Engine, type EngineOptions } from '../engine.js';
import type { ExecutionContext } from '../execution-context.js';
import type { CacheEntry } from './engine-cache.js';
import { type OptimizationProfile, profileShape } from './optimization-profile.js';
import { retypeInputs, valueTypeOf } from './retype-inputs.js';
import { commonBatch, type InputSignature, withSymbolicBatch } from './value-signature.js';

/** How an engine came to be: built ahead, at a run, for a profile, or read from a saved plan. */
export type EngineOrigin = 'static' | 'dynamic' | 'profile' | 'loaded';

export interface SegmentEngine extends CacheEntry {
  readonly engine: Engine;
  readonly context: ExecutionContext;
  readonly origin: EngineOrigin;
}

/** What @kiln-inference/engine passes to every segment build: the builder's options and the Engine's. */
export interface SegmentBuildSettings {
  registry: ConverterRegistry;
  buildOptions?: BuildOptions;
  /** Passed to Engine.create (e.g. `kernels: 'reference'`, `execution: 'inline'`). */
  engineOptions?: EngineOptions;
}

function convertFor(
  graph: Graph,
  feeds: readonly string[],
  signatures: readonly InputSignature[],
  shapes: readonly (Shape | null)[] | null,
  registry: ConverterRegistry,
): Network {
  const types = new Map<string, ValueType>(feeds.map((name, i) => [name, valueTypeOf(signatures[i]!, shapes?.[i])]));
  return convertGraph(retypeInputs(graph, types), registry);
}

/** True when dimension 0 of every rank ≥ 1 tensor input is symbolic: the plan takes any batch. */
export function acceptsAnyBatch(engine: Engine): boolean {
  const ranked = engine.inputs.filter((i) => i.valueKind !== 'sequence' && i.shape && i.shape.length > 0);
  return ranked.length > 0 && ranked.every((i) => typeof i.shape![0] !== 'number');
}

async function load(
  network: Network,
  settings: SegmentBuildSettings,
  signatures: readonly InputSignature[],
  origin: EngineOrigin,
  profile?: OptimizationProfile,
): Promise<SegmentEngine> {
  // Tactics are timed native kernels: an engine told to use the reference kernels has none to tune.
  const tune = settings.buildOptions?.tune ?? (settings.engineOptions?.kernels === 'reference' ? false : undefined);
  const plan = await buildPlan(network, {
    ...settings.buildOptions,
    ...(tune !== undefined ? { tune } : {}),
    ...(profile ? { profile } : {}),
  });
  const engine = await Engine.create(plan, settings.engineOptions);
  return { engine, context: engine.createExecutionContext(), signatures, batchFlexible: acceptsAnyBatch(engine), origin };
}

/** Builds an engine for `signatures`, batch-flexible when it can be. */
export async function buildSegmentEngine(
  graph: Graph,
  feeds: readonly string[],
  signatures: readonly InputSignature[],
  origin: EngineOrigin,
  settings: SegmentBuildSettings,
): Promise<SegmentEngine> {
  const batch = commonBatch(signatures);
  if (batch !== null && batch > 1) {
    try {
      return await load(
        convertFor(graph, feeds, signatures, withSymbolicBatch(signatures), settings.registry),
        settings,
        signatures,
        origin,
      );
    } catch (e) {
      // The sub-graph needs its static batch; build for the exact shapes below.
      if (!isKilnError(e)) throw e;
    }
  }
  return load(convertFor(graph, feeds, signatures, null, settings.registry), settings, signatures, origin);
}

/**
 * Builds the one engine of an optimization profile (`profile` covering every feed): symbols
 * where dims vary, the profile given to the build so that tactics are timed at `opt`, memory is
 * sized for `max` and the plan records the range it serves.
 */
export async function buildProfileEngine(
  graph: Graph,
  feeds: readonly string[],
  signatures: readonly InputSignature[],
  profile: OptimizationProfile,
  settings: SegmentBuildSettings,
): Promise<SegmentEngine> {
  const shapes: Shape[] = feeds.map((n) => profileShape(n, profile[n]!));
  const own = Object.fromEntries(feeds.map((n) => [n, profile[n]!]));
  return load(convertFor(graph, feeds, signatures, shapes, settings.registry), settings, signatures, 'profile', own);
}

/** An engine from a saved plan, serving the signatures it was built for. */
export async function loadSegmentEngine(
  planBytes: Uint8Array,
  signatures: readonly InputSignature[],
  engineOptions?: EngineOptions,
): Promise<SegmentEngine> {
  const engine = await Engine.create(planBytes, engineOptions);
  return { engine, context: engine.createExecutionContext(), signatures, batchFlexible: acceptsAnyBatch(engine), origin: 'loaded' };
}

/** Runs the engine on the values it reads and writes its outputs back. */
export async function runSegmentEngine(entry: SegmentEngine, values: Map<string, RuntimeValue>): Promise<void> {
  const feeds = new Map(entry.engine.inputs.map((i) => [i.name, values.get(i.name)!]));
  const outputs = await entry.context.runValues(feeds);
  for (const [name, value] of Object.entries(outputs)) values.set(name, value);
}
