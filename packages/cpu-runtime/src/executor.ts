/**
 * The reference executor: runs a Network layer by layer with the TypeScript kernels. It is
 * the oracle every fast backend is tested against, so it favours clarity over speed. Tensors
 * are released after their last reader.
 */
import {
  type AnyLayer,
  checkTensorSize,
  ErrorCode,
  inferLayer,
  KilnError,
  type Network,
  Tensor,
  type ValueFacts,
} from '@kiln-inference/core';
import { type Feeds, feedsToMap, validateFeeds } from './feeds.js';
import type { Kernel, KernelContext, KernelTable, ValueKernel } from './kernel.js';
import { referenceKernels, valueKernels } from './kernels/index.js';
import { builtinPlugins } from './plugins/index.js';
import { pluginKey } from './plugins/plugin-identity.js';
import { type RuntimeValue, TensorSequence } from './runtime-value.js';

export interface ExecutorOptions {
  kernels?: KernelTable;
  plugins?: Map<string, Kernel<'plugin'>>;
}

/** Integer tensors this small are passed to inference by value: shape, axes and pads operands. */
const KNOWN_VALUE_ELEMENTS = 64;

function factsOf(v: RuntimeValue | undefined): ValueFacts | undefined {
  if (!(v instanceof Tensor)) return undefined; // sequences: nothing the size check needs
  const small = (v.dtype === 'int64' || v.dtype === 'int32') && v.size <= KNOWN_VALUE_ELEMENTS;
  return small ? { dtype: v.dtype, shape: v.shape, value: v } : { dtype: v.dtype, shape: v.shape };
}

/**
 * Refuses a layer whose outputs, inferred from the inputs it is about to get, are over the tensor
 * limits, before its kernel allocates them (kernels size scratch and outputs from their params,
 * which a hostile model controls). Other inference failures are left to the kernel, which
 * reports them in its own words.
 */
function refuseOversizedOutputs(layer: AnyLayer, inputs: readonly (RuntimeValue | undefined)[], index: number): void {
  try {
    inferLayer(layer, inputs.map(factsOf), index);
  } catch (e) {
    if (e instanceof KilnError && e.code === ErrorCode.RESOURCE_LIMIT) throw e;
  }
}

export class ReferenceExecutor implements KernelContext {
  private readonly kernels: KernelTable;
  private readonly plugins: Map<string, Kernel<'plugin'>>;

  constructor(options: ExecutorOptions = {}) {
    this.kernels = { ...referenceKernels, ...options.kernels };
    this.plugins = new Map([...builtinPlugins, ...(options.plugins ?? [])]);
  }

  plugin(namespace: string, name: string, version: string): Kernel<'plugin'> | undefined {
    return this.plugins.get(pluginKey(namespace, name, version));
  }

  /** Runs the network on validated feeds; returns outputs by name (use runValues for sequence outputs). */
  run(network: Network, feeds: Feeds): Map<string, Tensor> {
    return new Map([...this.runValues(network, feeds)].map(([name, v]) => [name, tensorOutput(name, v)]));
  }

  /** Like run, for networks whose outputs may be tensor sequences. */
  runValues(network: Network, feeds: Feeds): Map<string, RuntimeValue> {
    const map = feedsToMap(feeds);
    validateFeeds(network, map);
    const values = this.execute(network, map);
    return new Map(network.outputs.map((o) => [o, values.get(o)!]));
  }

  runSubnetwork(network: Network, feeds: Map<string, Tensor>): Tensor[] {
    const values = this.runSubnetworkValues(network, feeds);
    return network.outputs.map((o, i) => tensorOutput(o, values[i]!));
  }

  /** Runs a body whose values may be sequences (If/Loop); tensor kernels inside still get tensors only. */
  runSubnetworkValues(network: Network, feeds: Map<string, RuntimeValue>): RuntimeValue[] {
    const values = this.execute(network, feeds);
    return network.outputs.map((o) => values.get(o)!);
  }

  private execute(network: Network, feeds: Map<string, RuntimeValue>): Map<string, RuntimeValue> {
    const values = new Map<string, RuntimeValue>(feeds);
    const lastUse = new Map<string, number>();
    network.layers.forEach((l, i) => {
      for (const v of l.inputs) if (v) lastUse.set(v, i);
    });
    const keep = new Set(network.outputs);
    network.layers.forEach((layer, index) => {
      const valueKernel = valueKernels[layer.kind] as ValueKernel | undefined;
      const kernel = this.kernels[layer.kind] as Kernel | undefined;
      if (!kernel && !valueKernel) {
        throw new KilnError(ErrorCode.UNSUPPORTED_LAYER, `the CPU reference backend has no kernel for '${layer.kind}'`, {
          layer: { name: layer.name, kind: layer.kind, index },
        });
      }
      const inputs = layer.inputs.map((name) => {
        if (!name) return undefined;
        const t = values.get(name);
        if (!t) {
          throw new KilnError(ErrorCode.RUNTIME_ERROR, `input '${name}' has no value`, {
            layer: { name: layer.name, kind: layer.kind, index },
          });
        }
        return t;
      });
      refuseOversizedOutputs(layer, inputs, index);
      let outputs: RuntimeValue[];
      try {
        outputs = valueKernel
          ? valueKernel(layer, inputs, this)
          : kernel!(
              layer,
              inputs.map((v) => tensorInput(v)),
              this,
            );
        // Kernels that fill their own typed arrays bypass allocateStorage: every output answers to the limits here.
        for (const t of outputs) if (t instanceof Tensor) checkTensorSize(t.dtype, t.size);
      } catch (e) {
        throw wrapKernelError(e, layer.name, layer.kind, index);
      }
      layer.outputs.forEach((name, i) => {
        const t = outputs[i];
        if (name && t) values.set(name, t);
      });
      for (const v of layer.inputs) if (v && lastUse.get(v) === index && !keep.has(v) && !feeds.has(v)) values.delete(v);
    });
    for (const o of network.outputs) {
      if (!values.has(o)) throw new KilnError(ErrorCode.RUNTIME_ERROR, `output '${o}' was not computed`);
    }
    return values;
  }
}

/** Tensor kernels never see sequences: a sequence reaching one is a conversion bug or a bad feed. */
function tensorInput(v: RuntimeValue | undefined): Tensor | undefined {
  if (v instanceof TensorSequence) {
    throw new KilnError(ErrorCode.RUNTIME_ERROR, `received ${v.toString()} where a tensor was expected`, {
      hint: 'only sequence layers (sequence_*, split_to_sequence, concat_from_sequence) and identity accept tensor sequences',
    });
  }
  return v;
}

function tensorOutput(name: string, v: RuntimeValue): Tensor {
  if (v instanceof Tensor) return v;
  throw new KilnError(ErrorCode.RUNTIME_ERROR, `output '${name}' is ${v.toString()}, not a tensor`, {
    hint: 'call runValues() to receive sequence outputs',
  });
}

function wrapKernelError(e: unknown, name: string, kind: string, index: number): KilnError {
  if (e instanceof KilnError) {
    if (e.layer || e.node) return e;
    return new KilnError(e.code, e.message, { layer: { name, kind, index }, ...(e.hint ? { hint: e.hint } : {}), cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new KilnError(ErrorCode.RUNTIME_ERROR, `kernel failed: ${message}`, { layer: { name, kind, index }, cause: e });
}

/** One-shot convenience: run a network on the reference backend. */
export function runReference(network: Network, feeds: Feeds, options?: ExecutorOptions): Map<string, Tensor> {
  return new ReferenceExecutor(options).run(network, feeds);
}
