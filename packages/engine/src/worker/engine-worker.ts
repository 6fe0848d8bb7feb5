/**
 * The worker thread behind one CPU execution context: loads the plan once (workerData), then
 * answers run requests one at a time, in order, with the plan executor (native stages where
 * kiln_cpu.node is loaded, reference kernels otherwise).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CpuKernels, createPlanExecutor } from '../backends/native-cpu/plan-executor.js';
import { deserializePlan } from '../plan/plan-container.js';
import { errorToWire, fromWire, toWire, type WorkerRequest, type WorkerResponse } from './wire.js';

const port = parentPort;
if (port) {
  const plan = deserializePlan(workerData.planBytes as Uint8Array);
  const executor = createPlanExecutor(plan, { kernels: (workerData.kernels as CpuKernels | undefined) ?? 'native' });
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      let response: WorkerResponse;
      let transfer: ArrayBuffer[] = [];
      try {
        const outputs = await executor.runValues(fromWire(request.feeds));
        const packed = toWire(outputs);
        transfer = packed.transfer;
        response = { id: request.id, ok: true, outputs: packed.wire };
      } catch (e) {
        response = { id: request.id, ok: false, error: errorToWire(e) };
      }
      port.postMessage(response, transfer);
    });
  });
}
