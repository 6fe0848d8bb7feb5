/**
 * The worker thread behind CPU execution contexts, one context at a time: imports the context's
 * plugin modules and loads its plan (from workerData at start, or from a `load` message when the
 * pool hands the thread to a new context), applies the context's resource limits to this thread, then answers run requests
 * one at a time, in order, with the plan executor (native stages where kiln_cpu.node is loaded,
 * reference kernels otherwise); an `unload` frees the plan for the next context. Every message
 * gets an answer: a malformed one is a KilnError response, never a dead worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { currentResourceLimits, ErrorCode, KilnError, resourceLimits, setProcessResourceLimits } from '@kiln-inference/core';
import { importPluginModule, type Kernel, validateFeeds } from '@kiln-inference/cpu-runtime';
import { createPlanExecutor, type PlanExecutor } from '../backends/cpu/plan-executor.js';
import type { Plan } from '../plan/plan.js';
import { deserializePlan } from '../plan/plan-container.js';
import { type EngineWorkerData, errorToWire, parseControl, parseRequest, requestId, toWire, type WorkerResponse } from './wire.js';

export type { EngineWorkerData } from './wire.js';

/** The limits this thread starts with, restored when a context's plan is dropped. */
const threadDefaultLimits = currentResourceLimits();

interface Loaded {
  plan: Plan;
  executor: PlanExecutor;
}

async function load(data: EngineWorkerData): Promise<Loaded> {
  if (!(data.planBytes instanceof Uint8Array)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'the execution worker was sent a plan that is not bytes', {
      hint: 'post nothing to an execution worker yourself; create an execution context',
    });
  }
  setProcessResourceLimits(data.limits ? resourceLimits(data.limits, threadDefaultLimits) : threadDefaultLimits);
  const plan = deserializePlan(data.planBytes);
  // Functions cannot be posted to a worker: plugin kernels arrive as module URLs and are imported here.
  const urls: unknown = data.pluginModules ?? [];
  if (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string')) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'the execution worker was sent plugin modules that are not URLs', {
      hint: 'post nothing to an execution worker yourself; create an execution context',
    });
  }
  const plugins = new Map<string, Kernel<'plugin'>>();
  for (const url of urls) for (const entry of (await importPluginModule(url)).kernels) plugins.set(...entry);
  return { plan, executor: createPlanExecutor(plan, { kernels: data.kernels ?? 'native', plugins }) };
}

async function unload(loaded: Loaded | undefined): Promise<void> {
  await loaded?.executor.dispose();
  setProcessResourceLimits(threadDefaultLimits);
}

/** Loads a plan and says whether it did: a failure before this is a worker that could not start. */
async function loadAndReport(port: NonNullable<typeof parentPort>, data: EngineWorkerData): Promise<Loaded | undefined> {
  try {
    const loaded = await load(data);
    port.postMessage({ id: null, ok: true } satisfies WorkerResponse);
    return loaded;
  } catch (e) {
    port.postMessage({ id: null, ok: false, error: errorToWire(e) } satisfies WorkerResponse);
    return undefined;
  }
}

async function answerRun(port: NonNullable<typeof parentPort>, loaded: Loaded | undefined, request: unknown): Promise<void> {
  const id = requestId(request);
  let response: WorkerResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    if (!loaded) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'the plan did not load in the execution worker');
    const feeds = parseRequest(request);
    validateFeeds(loaded.plan.network, feeds);
    const outputs = await loaded.executor.runValues(feeds);
    const packed = toWire(outputs);
    transfer = packed.transfer;
    response = { id, ok: true, outputs: packed.wire };
  } catch (e) {
    response = { id, ok: false, error: errorToWire(e) };
  }
  try {
    port.postMessage(response, transfer);
  } catch (e) {
    port.postMessage({ id, ok: false, error: errorToWire(e) } satisfies WorkerResponse);
  }
}

const port = parentPort;
if (port) {
  let loaded: Loaded | undefined;
  let queue: Promise<void> = loadAndReport(port, workerData as EngineWorkerData).then((l) => {
    loaded = l;
  });
  port.on('message', (message: unknown) => {
    queue = queue.then(async () => {
      const control = parseControl(message);
      if (!control) return answerRun(port, loaded, message);
      await unload(loaded);
      loaded = undefined;
      if ('load' in control) loaded = await loadAndReport(port, control.load);
      else port.postMessage({ id: null, unloaded: true } satisfies WorkerResponse);
    });
  });
}
