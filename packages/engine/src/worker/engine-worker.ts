/**
 * The worker thread behind one CPU execution context: loads the plan once (workerData), applies
 * the session's resource limits to this thread, then answers run requests one at a time, in
 * order, with the plan executor (native stages where kiln_cpu.node is loaded, reference kernels
 * otherwise). Every message gets an answer: a malformed one is a KilnError response, never a
 * dead worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCode, KilnError, type ResourceLimits, resourceLimits, setProcessResourceLimits } from '@kiln/core';
import { validateFeeds } from '@kiln/cpu-runtime';
import { type CpuKernels, createPlanExecutor, type PlanExecutor } from '../backends/native-cpu/plan-executor.js';
import type { Plan } from '../plan/plan.js';
import { deserializePlan } from '../plan/plan-container.js';
import { errorToWire, parseRequest, requestId, toWire, type WorkerResponse } from './wire.js';

/** What the runner sends when it starts the worker. */
export interface EngineWorkerData {
  planBytes: Uint8Array;
  kernels?: CpuKernels;
  limits?: ResourceLimits;
}

function start(data: EngineWorkerData): { plan: Plan; executor: PlanExecutor } {
  if (data.limits) setProcessResourceLimits(resourceLimits(data.limits));
  const plan = deserializePlan(data.planBytes);
  return { plan, executor: createPlanExecutor(plan, { kernels: data.kernels ?? 'native' }) };
}

const port = parentPort;
if (port) {
  let loaded: { plan: Plan; executor: PlanExecutor } | undefined;
  try {
    loaded = start(workerData as EngineWorkerData);
    // Tells the runner that the thread and its script started: a failure before this is a
    // worker that could not start, reported as such.
    port.postMessage({ id: null, ok: true } satisfies WorkerResponse);
  } catch (e) {
    const fatal: WorkerResponse = { id: null, ok: false, error: errorToWire(e) };
    port.postMessage(fatal);
  }
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: unknown) => {
    queue = queue.then(async () => {
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
    });
  });
}
