/**
 * Runs a small graph (one fallback node, or a segment the engine cache cannot serve) on the
 * CPU reference kernels. Conversions are cached per input signature, so a steady stream of
 * same-shaped runs converts each graph once.
 */
import { type ConverterRegistry, convertGraph } from '@kiln-inference/converters';
import type { Graph, Network, ValueType } from '@kiln-inference/core';
import { type Kernel, ReferenceExecutor, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import { retypeInputs, valueTypeOf } from './retype-inputs.js';
import { type InputSignature, signatureKey, signatureOf } from './value-signature.js';

/** Distinct input signatures remembered per graph before the oldest conversion is dropped. */
const CONVERSIONS_KEPT = 4;

export class ReferenceGraphRunner {
  private readonly conversions = new Map<string, Network>();
  private readonly executor: ReferenceExecutor;
  /** The graph's inputs that values must be fed for (weights travel inside the graph). */
  readonly feeds: readonly string[];

  /** `plugins`: kernels for the plugin layers the registry's plugin converters make. */
  constructor(
    readonly graph: Graph,
    private readonly registry: ConverterRegistry,
    plugins: ReadonlyMap<string, Kernel<'plugin'>> = new Map(),
  ) {
    this.feeds = graph.feedInputs.map((i) => i.name);
    this.executor = new ReferenceExecutor({ plugins: new Map(plugins) });
  }

  /** Reads the graph's feeds from `values` and writes its outputs back into it. */
  run(values: Map<string, RuntimeValue>): void {
    const signatures = this.feeds.map((name) => signatureOf(values.get(name)!));
    const network = this.networkFor(signatures);
    const feeds = new Map(network.inputs.map((i) => [i.name, values.get(i.name)!]));
    for (const [name, value] of this.executor.runValues(network, feeds)) values.set(name, value);
  }

  private networkFor(signatures: InputSignature[]): Network {
    const key = signatureKey(signatures);
    let network = this.conversions.get(key);
    if (network) return network;
    const types = new Map<string, ValueType>(this.feeds.map((name, i) => [name, valueTypeOf(signatures[i]!)]));
    network = convertGraph(retypeInputs(this.graph, types), this.registry);
    if (this.conversions.size >= CONVERSIONS_KEPT) this.conversions.delete(this.conversions.keys().next().value!);
    this.conversions.set(key, network);
    return network;
  }
}
