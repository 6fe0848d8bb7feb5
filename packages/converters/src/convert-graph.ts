/**
 * Graph → Network: walks the graph in topological order and lets each node's converter add
 * layers. Network tensors keep the graph's value names, so errors and reports speak the
 * model's language; intermediate tensors get fresh names that never collide with them.
 */
import {
  type DType,
  ErrorCode,
  type Graph,
  type GraphNode,
  KilnError,
  type LayerKind,
  type LayerParamsMap,
  Network,
  type Shape,
  type Tensor,
  type TensorDesc,
  type ValueInfo,
} from '@kiln-inference/core';
import { AttributeReader } from './attributes.js';
import type { ConversionContext, Converter, LayerOutputSpec, Support, ValidationContext } from './converter.js';
import { type ConverterRegistry, normalizeDomain } from './registry.js';

export interface ConvertOptions {
  /** Overrides for input shapes (e.g. resolving symbolic batch dims). */
  inputShapes?: Record<string, Shape>;
}

export interface UnsupportedNode {
  node: string;
  op: string;
  domain: string;
  category: string;
  reason: string;
}

/** Collects every value name of a graph and its sub-graphs, so generated names avoid them. */
function collectNames(graph: Graph, into: Set<string>): void {
  for (const i of graph.inputs) into.add(i.name);
  for (const o of graph.outputs) into.add(o.name);
  for (const w of graph.weights.keys()) into.add(w);
  for (const n of graph.nodes) {
    for (const v of [...n.inputs, ...n.outputs]) if (v) into.add(v);
    for (const a of Object.values(n.attributes)) {
      if (a.kind === 'graph') collectNames(a.value, into);
      else if (a.kind === 'graphs') for (const g of a.value) collectNames(g, into);
    }
  }
}

function descFromValueInfo(v: ValueInfo, fallbackDType?: DType): TensorDesc | undefined {
  if (v.type?.kind === 'tensor') return { name: v.name, dtype: v.type.dtype, shape: v.type.shape };
  // A sequence of tensors: dtype/shape describe its elements.
  if (v.type?.kind === 'sequence' && v.type.element?.kind === 'tensor') {
    return { name: v.name, dtype: v.type.element.dtype, shape: v.type.element.shape, valueKind: 'sequence' };
  }
  if (v.type === null && fallbackDType) return { name: v.name, dtype: fallbackDType, shape: null };
  return undefined;
}

/** One graph being converted into one network; sub-graphs get child scopes. */
class Scope {
  /** graph value name → network tensor name */
  readonly names = new Map<string, string>();
  readonly captures: string[] = [];

  constructor(
    readonly graph: Graph,
    readonly network: Network,
    readonly registry: ConverterRegistry,
    readonly reserved: Set<string>,
    readonly parent?: Scope,
  ) {}

  freshName(hint: string): string {
    const base = hint.replace(/\s+/g, '_') || 'tensor';
    let name = base;
    for (let i = 1; this.network.tensors.has(name) || this.reserved.has(name); i++) name = `${base}__${i}`;
    this.reserved.add(name);
    return name;
  }

  /** The graph's own name, unless this network already has it (possible in sub-graphs). */
  freshNameFor(valueName: string): string {
    if (!this.network.tensors.has(valueName)) return valueName;
    return this.freshName(valueName);
  }

  layerName(node: GraphNode, kind: string): string {
    const base = node.name || `${node.op}_${node.outputs[0] ?? ''}`;
    let name = base;
    for (let i = 1; this.network.layers.some((l) => l.name === name); i++) name = `${base}#${kind}${i}`;
    return name;
  }

  lookupDesc(valueName: string): TensorDesc | undefined {
    const local = this.names.get(valueName);
    if (local !== undefined) return this.network.tensors.get(local);
    const w = this.graph.weights.get(valueName);
    if (w) return { name: valueName, dtype: w.dtype, shape: w.shape };
    return this.parent?.lookupDesc(valueName);
  }

  lookupConstant(valueName: string): Tensor | undefined {
    const w = this.graph.weights.get(valueName);
    if (w) return w;
    const local = this.names.get(valueName);
    if (local !== undefined) {
      const producer = this.network.layers.find((l) => l.outputs.includes(local));
      return producer?.kind === 'constant' ? producer.params.value : undefined;
    }
    return this.parent?.lookupConstant(valueName);
  }

  resolve(valueName: string, node?: GraphNode): string {
    const local = this.names.get(valueName);
    if (local !== undefined) return local;
    const weight = this.graph.weights.get(valueName);
    if (weight) {
      const name = this.network.tensors.has(valueName) ? this.freshName(valueName) : valueName;
      this.network.addLayer('constant', {
        name: `const:${name}`,
        inputs: [],
        outputs: [{ name, dtype: weight.dtype, shape: weight.shape }],
        params: { value: weight },
      });
      this.names.set(valueName, name);
      return name;
    }
    if (this.parent) {
      const outer = this.parent.resolve(valueName, node);
      const desc = this.parent.network.tensor(outer);
      // The sub-network reads the outer tensor under the outer name.
      this.network.addInput({ ...desc, name: outer });
      this.names.set(valueName, outer);
      this.captures.push(outer);
      return outer;
    }
    throw new KilnError(ErrorCode.GRAPH_DANGLING_INPUT, `input '${valueName}' is not produced by any node, graph input or weight`, {
      ...(node ? { node: { name: node.name, op: node.op } } : {}),
      hint: 'the model is incomplete or corrupted',
    });
  }
}

class NodeContext implements ConversionContext {
  readonly attrs: AttributeReader;
  readonly opset: number;

  constructor(
    private readonly scope: Scope,
    readonly node: GraphNode,
  ) {
    this.attrs = new AttributeReader(node);
    this.opset = opsetOf(scope.graph, node, scope);
  }

  get graph(): Graph {
    return this.scope.graph;
  }

  get network(): Network {
    return this.scope.network;
  }

  hasInput(i: number): boolean {
    return i < this.node.inputs.length && this.node.inputs[i] !== '';
  }

  input(i: number): string {
    if (!this.hasInput(i)) {
      // ONNX marks omitted optional inputs with ''; TF and UFF ops have none, so a converter
      // asking for an input the node lacks means the model dropped a required one.
      if (!formatHasOptionalInputs(this.graph)) throw missingInput(this.node, i);
      return '';
    }
    return this.scope.resolve(this.node.inputs[i]!, this.node);
  }

  inputDesc(i: number): TensorDesc | undefined {
    if (!this.hasInput(i)) return undefined;
    const name = this.node.inputs[i]!;
    const known = this.scope.lookupDesc(name);
    // Converters often leave shapes unknown; the importer's shape inference may know them.
    if (known && known.shape === null) {
      const inferred = inferredDesc(this.scope, name);
      if (inferred?.shape) return { ...known, shape: inferred.shape };
    }
    return known ?? inferredDesc(this.scope, name);
  }

  inputDType(i: number): DType | undefined {
    return this.inputDesc(i)?.dtype;
  }

  inputShape(i: number): Shape | null | undefined {
    const d = this.inputDesc(i);
    return d === undefined ? undefined : d.shape;
  }

  constantInput(i: number): Tensor | undefined {
    if (!this.hasInput(i)) return undefined;
    return this.scope.lookupConstant(this.node.inputs[i]!);
  }

  resolve(valueName: string): string {
    return this.scope.resolve(valueName, this.node);
  }

  output(i: number): string {
    return this.node.outputs[i] ?? '';
  }

  addLayer<K extends LayerKind>(kind: K, params: LayerParamsMap[K], inputs: string[], outputs: LayerOutputSpec[]): string[] {
    const descs: TensorDesc[] = outputs.map((o) => {
      const bound = o.name !== undefined && o.name !== '' && this.node.outputs.includes(o.name);
      const name = bound ? this.scope.freshNameFor(o.name!) : this.scope.freshName(`${this.node.name || this.node.op}/${kind}`);
      const shape = o.shape ?? (bound ? (inferredDesc(this.scope, o.name!)?.shape ?? null) : null);
      // Identity passes whatever it reads through, tensor sequences included.
      const valueKind = o.valueKind ?? (kind === 'identity' ? this.network.tensors.get(inputs[0] ?? '')?.valueKind : undefined);
      return { name, dtype: o.dtype, shape, ...(valueKind === 'sequence' ? { valueKind } : {}) };
    });
    this.network.addLayer(kind, {
      name: this.scope.layerName(this.node, kind),
      inputs,
      outputs: descs,
      params,
      origin: { node: this.node.name, op: this.node.op, domain: this.node.domain },
    });
    outputs.forEach((o, i) => {
      if (o.name && this.node.outputs.includes(o.name)) this.scope.names.set(o.name, descs[i]!.name);
    });
    return descs.map((d) => d.name);
  }

  constant(value: Tensor, nameHint?: string): string {
    const name = this.scope.freshName(nameHint ?? `${this.node.name || this.node.op}/const`);
    this.network.addLayer('constant', {
      name: `const:${name}`,
      inputs: [],
      outputs: [{ name, dtype: value.dtype, shape: value.shape }],
      params: { value },
      origin: { node: this.node.name, op: this.node.op, domain: this.node.domain },
    });
    return name;
  }

  alias(outputIndex: number, tensor: string): void {
    const out = this.output(outputIndex);
    if (!out) return;
    const desc = this.network.tensor(tensor);
    this.addLayer('identity', {}, [tensor], [{ name: out, dtype: desc.dtype, shape: desc.shape, valueKind: desc.valueKind }]);
  }

  convertSubgraph(body: Graph, formalInputs: TensorDesc[]): { network: Network; captures: string[] } {
    const network = new Network(body.name);
    const child = new Scope(body, network, this.scope.registry, this.scope.reserved, this.scope);
    for (const input of formalInputs) {
      network.addInput(input);
      child.names.set(input.name, input.name);
    }
    convertNodes(child);
    for (const o of body.outputs) network.markOutput(child.resolve(o.name));
    return { network, captures: child.captures };
  }

  error(message: string, hint?: string): KilnError {
    return new KilnError(ErrorCode.CONVERSION_FAILED, message, {
      node: { name: this.node.name, op: this.node.op },
      ...(hint ? { hint } : {}),
    });
  }
}

function inferredDesc(scope: Scope, valueName: string): TensorDesc | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const v = s.graph.valueInfo.get(valueName);
    if (v) return descFromValueInfo(v);
  }
  return undefined;
}

function opsetOf(graph: Graph, node: GraphNode, scope?: Scope): number {
  // Sub-graphs inherit the opsets of the model that holds them.
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const v = s.graph.opsetVersion(node.domain);
    if (v !== undefined) return v;
  }
  return graph.opsetVersion(node.domain) ?? 1;
}

/** The validation view of a node: everything but the network-building calls. */
export function validationContext(graph: Graph, node: GraphNode): ValidationContext {
  const reader = new AttributeReader(node);
  const typeOf = (i: number): TensorDesc | undefined => {
    const name = node.inputs[i];
    if (!name) return undefined;
    const w = graph.weights.get(name);
    if (w) return { name, dtype: w.dtype, shape: w.shape };
    const gi = graph.inputs.find((x) => x.name === name);
    const v = gi ?? graph.valueInfo.get(name);
    return v ? descFromValueInfo(v) : undefined;
  };
  return {
    graph,
    node,
    opset: opsetOf(graph, node),
    attrs: reader,
    inputDType: (i) => typeOf(i)?.dtype,
    inputShape: (i) => typeOf(i)?.shape,
    constantInput: (i) => (node.inputs[i] ? graph.weights.get(node.inputs[i]!) : undefined),
    hasInput: (i) => i < node.inputs.length && node.inputs[i] !== '',
  };
}

/** Asks the registry whether a node can be converted, with the reason when not. */
export function checkSupport(
  registry: ConverterRegistry,
  graph: Graph,
  node: GraphNode,
  ctx?: ValidationContext,
): Support & { converter?: Converter } {
  const vctx = ctx ?? validationContext(graph, node);
  const converter = registry.lookup(node.domain, node.op, vctx.opset);
  if (!converter) {
    const domain = normalizeDomain(node.domain);
    const known = registry.knows(node.domain, node.op);
    return {
      supported: false,
      category: 'unsupported-op',
      reason: known ? `${domain}::${node.op} has no converter for opset ${vctx.opset}` : `no converter for ${domain}::${node.op}`,
    };
  }
  try {
    const verdict = converter.validate ? converter.validate(vctx) : { supported: true as const };
    return { ...verdict, converter };
  } catch (e) {
    if (e instanceof KilnError) return { supported: false, category: 'unsupported-attribute', reason: e.message };
    throw e;
  }
}

function convertNodes(scope: Scope): void {
  for (const node of scope.graph.sortedNodes()) {
    const ctx = new NodeContext(scope, node);
    const verdict = checkSupport(scope.registry, scope.graph, node, ctx);
    if (!verdict.supported) {
      throw new KilnError(verdict.category === 'unsupported-op' ? ErrorCode.UNSUPPORTED_OP : ErrorCode.CONVERSION_FAILED, verdict.reason, {
        node: { name: node.name, op: node.op },
        hint: `category: ${verdict.category}; run 'kiln inspect' to list unsupported nodes`,
      });
    }
    const firstLayer = scope.network.layers.length;
    try {
      verdict.converter!.convert(ctx);
    } catch (e) {
      if (e instanceof KilnError) {
        if (e.node || e.layer) throw e;
        throw new KilnError(e.code, e.message, { node: { name: node.name, op: node.op }, ...(e.hint ? { hint: e.hint } : {}), cause: e });
      }
      throw new KilnError(ErrorCode.CONVERSION_FAILED, `converter failed: ${(e as Error).message}`, {
        node: { name: node.name, op: node.op },
        cause: e,
      });
    }
    checkConvertedLayers(scope, node, firstLayer);
    checkProducedOutputs(scope, node);
  }
}

/** Formats whose nodes mark omitted optional inputs with '' (TF and UFF ops have no optional inputs). */
function formatHasOptionalInputs(graph: Graph): boolean {
  return graph.format === 'onnx';
}

function missingInput(node: GraphNode, i: number): KilnError {
  const count = node.inputs.filter((n) => n !== '').length;
  return new KilnError(
    ErrorCode.CONVERSION_FAILED,
    `${node.op} needs input ${i}, but the node has ${count} input${count === 1 ? '' : 's'}`,
    { node: { name: node.name, op: node.op }, hint: 'the model is corrupted or the node was edited: it lacks a required input' },
  );
}

/**
 * Every layer a converter added must name its outputs: an empty name would only surface later as
 * an internal error in lowering, far from the node that caused it. (Layer inputs may be '': that
 * marks an omitted optional input, as in resize or loop layers.)
 */
function checkConvertedLayers(scope: Scope, node: GraphNode, firstLayer: number): void {
  const layers = scope.network.layers;
  for (let k = firstLayer; k < layers.length; k++) {
    const layer = layers[k]!;
    if (layer.outputs.every((o) => o)) continue;
    throw new KilnError(
      ErrorCode.CONVERSION_FAILED,
      `the conversion made layer '${layer.name}' (${layer.kind}) with an output that has no name`,
      { node: { name: node.name, op: node.op }, hint: 'this is a converter bug; please report it' },
    );
  }
}

/**
 * Outputs the converter did not produce. One that another node or the graph reads names a port
 * the op does not have (a Split read past its num_split): a dangling input of that consumer.
 */
function checkProducedOutputs(scope: Scope, node: GraphNode): void {
  for (const out of node.outputs) {
    if (!out || scope.names.has(out)) continue;
    const consumer = scope.graph.nodes.find((n) => n.inputs.includes(out));
    const readByGraph = scope.graph.outputs.some((o) => o.name === out);
    if (!consumer && !readByGraph) continue;
    const made = node.outputs.filter((o) => o && scope.names.has(o)).length;
    // The error names the reader; the message names the producer.
    const reader = consumer ? 'it reads' : 'the graph outputs';
    throw new KilnError(
      ErrorCode.GRAPH_DANGLING_INPUT,
      `${reader} '${out}', but node '${node.name}' (${node.op}) produces ${made} output${made === 1 ? '' : 's'} and not that one`,
      {
        node: consumer ? { name: consumer.name, op: consumer.op } : { name: node.name, op: node.op },
        hint: `'${out}' names an output port that ${node.op} '${node.name}' does not have; the model is corrupted or was edited`,
      },
    );
  }
}

/**
 * Converts a whole graph. Throws UNSUPPORTED_OP / CONVERSION_FAILED naming the first node that
 * cannot be converted; the partitioner converts only supported segments instead.
 */
export function convertGraph(graph: Graph, registry: ConverterRegistry, options: ConvertOptions = {}): Network {
  graph.validate();
  const network = new Network(graph.name);
  const reserved = new Set<string>();
  collectNames(graph, reserved);
  const scope = new Scope(graph, network, registry, reserved);
  for (const input of graph.feedInputs) {
    const desc = descFromValueInfo(input);
    if (!desc) {
      throw new KilnError(
        ErrorCode.UNSUPPORTED_DTYPE,
        `graph input '${input.name}' is not a tensor or a sequence of tensors (${input.type?.kind ?? 'untyped'})`,
        {
          hint: 'kiln networks take tensor inputs and sequences of typed tensors; map, optional and untyped-sequence inputs are not supported',
        },
      );
    }
    const shape = options.inputShapes?.[input.name] ?? desc.shape;
    network.addInput({ ...desc, shape });
    scope.names.set(input.name, input.name);
  }
  convertNodes(scope);
  for (const o of graph.outputs) network.markOutput(scope.resolve(o.name));
  // Output names must be the graph's: alias when a converter bound a fresh name.
  network.outputs = network.outputs.map((name, i) => {
    const want = graph.outputs[i]!.name;
    if (name === want) return name;
    const desc = network.tensor(name);
    const aliasName = network.tensors.has(want) ? scope.freshName(want) : want;
    network.addLayer('identity', { name: `output:${want}`, inputs: [name], outputs: [{ ...desc, name: aliasName }], params: {} });
    return aliasName;
  });
  network.validate();
  return network;
}
