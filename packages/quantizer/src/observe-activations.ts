/**
 * Runs calibration batches through the float network on the CPU backend (native kernels where
 * kiln_cpu.node loads) and hands each observed tensor of each batch to a callback. Intermediate
 * tensors become visible by building a copy of the network whose outputs also list them; the
 * builder keeps every output alive, so fusions never swallow an observed tensor. Tensors that are
 * network inputs are read from the feeds. Only one batch's outputs are alive at a time.
 */
import { ErrorCode, emitProgress, type JobOptions, KilnError, Network, type Tensor, throwIfAborted } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';

export type Feeds = Record<string, Tensor>;

/** A copy of `network` whose outputs are its own plus `tensors` (inputs excepted: feeds carry them). */
export function observationNetwork(network: Network, tensors: readonly string[]): Network {
  const copy = new Network(network.name);
  copy.tensors = new Map(network.tensors);
  copy.inputs = [...network.inputs];
  copy.layers = [...network.layers];
  copy.outputs = [...network.outputs];
  const inputs = new Set(network.inputs.map((i) => i.name));
  for (const name of tensors) {
    if (!network.tensors.has(name)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `cannot calibrate '${name}': the network has no such tensor`, {
        hint: 'name tensors of this network (calibrationTensors(network) lists the ones Q/DQ insertion needs)',
      });
    }
    if (!inputs.has(name)) copy.markOutput(name);
  }
  return copy;
}

/**
 * Feeds every batch to the network and calls `observe(tensor, values)` for each of `tensors`.
 * Progress: phase 'calibrate', `done` = batches run. Returns the number of batches.
 */
export async function observeActivations(
  network: Network,
  tensors: readonly string[],
  batches: AsyncIterable<Feeds> | Iterable<Feeds>,
  observe: (tensor: string, values: Float32Array) => void,
  options: JobOptions = {},
): Promise<number> {
  const { signal, onProgress } = options;
  const observed = observationNetwork(network, tensors);
  emitProgress(onProgress, { phase: 'calibrate', message: `building the float network to observe ${tensors.length} tensors` });
  const plan = await buildPlan(observed, { backend: 'cpu', ...(signal ? { signal } : {}) });
  const context = (await Engine.create(plan, { backend: 'cpu' })).createExecutionContext();
  let done = 0;
  try {
    for await (const feeds of batches) {
      throwIfAborted(signal, 'calibration');
      const outputs = await context.run(feeds, signal ? { signal } : {});
      for (const name of tensors) {
        const value = outputs[name] ?? feeds[name];
        if (!value) throw new KilnError(ErrorCode.INTERNAL, `calibration batch ${done} did not produce '${name}'`);
        if (value.dtype !== 'float32') {
          throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `'${name}' is ${value.dtype}; int8 calibration observes float32 tensors`, {
            hint: 'leave this tensor out of calibration',
          });
        }
        observe(name, value.data as Float32Array);
      }
      done++;
      emitProgress(onProgress, { phase: 'calibrate', done, message: `batch ${done}` });
    }
  } finally {
    await context.dispose();
  }
  return done;
}
