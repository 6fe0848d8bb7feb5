/**
 * Shape and dtype inference over a Graph: walks the nodes producers-first, applies the rule of
 * each op, and records what it learns in `graph.valueInfo` (sub-graphs of If/Loop/Scan too, with
 * the enclosing scope visible). A node whose rule fails is reported and left unknown: inference
 * never throws on a valid model.
 */
import {
  type Dim,
  ErrorCode,
  type Graph,
  type GraphNode,
  KilnError,
  type Shape,
  type ValueInfo,
  type ValueType,
} from '@kiln-inference/core';
import { type InferenceResult, type KnownValue, NodeView, type TensorInfo } from './context.js';
import { knownValueOf } from './known-values.js';
import { INFERENCE_RULES, isStandardDomain } from './rules.js';

export interface InferenceOptions {
  warn?: (msg: string) => void;
}

interface Known {
  info: TensorInfo;
  value?: KnownValue;
  container?: ValueType;
}

type Scope = Map<string, Known>;

function infoOfType(type: ValueType | null): TensorInfo | null {
  return type && type.kind === 'tensor' ? { dtype: type.dtype, shape: type.shape } : null;
}

/** Declared and inferred shapes combined: declared dims win, inferred ones fill the unknowns. */
function mergeShapes(declared: Shape | null, inferred: Shape | null): Shape | null {
  if (!declared) return inferred;
  if (!inferred || inferred.length !== declared.length) return declared;
  return declared.map((d, i): Dim => (d === null ? (inferred[i] ?? null) : d));
}

function seedScope(graph: Graph, outer: Scope): Scope {
  const scope: Scope = new Map(outer);
  for (const v of [...graph.valueInfo.values(), ...graph.inputs]) {
    const info = infoOfType(v.type);
    if (info) scope.set(v.name, { info });
    else if (v.type) scope.set(v.name, { info: { dtype: null, shape: null }, container: v.type });
  }
  for (const [name, t] of graph.weights) scope.set(name, { info: { dtype: t.dtype, shape: t.shape }, value: knownValueOf(t) });
  return scope;
}

function nodeOrder(graph: Graph): GraphNode[] {
  try {
    return graph.sortedNodes();
  } catch {
    return graph.nodes;
  }
}

function asResult(r: InferenceResult | TensorInfo | null | undefined): InferenceResult | null {
  if (!r) return null;
  return 'info' in r ? r : { info: r };
}

function applyRule(node: GraphNode, scope: Scope, opset: number, warn: (msg: string) => void): (InferenceResult | null)[] {
  const rule = isStandardDomain(node.domain) ? INFERENCE_RULES.get(node.op) : undefined;
  if (!rule) return [];
  const infos = node.inputs.map((n) => (n ? (scope.get(n)?.info ?? null) : null));
  const values = node.inputs.map((n) => (n ? (scope.get(n)?.value ?? null) : null));
  const containers = node.inputs.map((n) => (n ? (scope.get(n)?.container ?? null) : null));
  try {
    return rule(new NodeView(node, infos, values, opset, containers)).map(asResult);
  } catch (e) {
    // A rule that cannot follow a node is skipped, but a breached resource limit refuses the model.
    if (e instanceof KilnError && e.code === ErrorCode.RESOURCE_LIMIT) throw e;
    warn(`shape inference skipped node '${node.name}' (${node.op}): ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
}

function recordContainer(graph: Graph, scope: Scope, name: string, type: ValueType): void {
  scope.set(name, { info: { dtype: null, shape: null }, container: type });
  const doc = graph.valueInfo.get(name)?.doc;
  graph.valueInfo.set(name, doc ? { name, type, doc } : { name, type });
}

function record(graph: Graph, scope: Scope, name: string, result: InferenceResult | null): void {
  const container = scope.get(name)?.container ?? result?.container;
  if (container) {
    recordContainer(graph, scope, name, container);
    return;
  }
  const declared = scope.get(name)?.info ?? null;
  const dtype = declared?.dtype ?? result?.info.dtype ?? null;
  const shape = mergeShapes(declared?.shape ?? null, result?.info.shape ?? null);
  const known: Known = { info: { dtype, shape } };
  if (result?.value) known.value = result.value;
  scope.set(name, known);
  if (dtype === null) return;
  const previous = graph.valueInfo.get(name);
  const info: ValueInfo = { name, type: { kind: 'tensor', dtype, shape } };
  if (previous?.doc) info.doc = previous.doc;
  graph.valueInfo.set(name, info);
}

function inferInScope(graph: Graph, outer: Scope, opset: number, warn: (msg: string) => void): void {
  const scope = seedScope(graph, outer);
  for (const node of nodeOrder(graph)) {
    for (const a of Object.values(node.attributes)) {
      if (a.kind === 'graph') inferInScope(a.value, scope, opset, warn);
      else if (a.kind === 'graphs') for (const g of a.value) inferInScope(g, scope, opset, warn);
    }
    const results = applyRule(node, scope, opset, warn);
    node.outputs.forEach((out, i) => {
      if (out) record(graph, scope, out, results[i] ?? null);
    });
  }
}

export function inferGraphTypes(graph: Graph, options: InferenceOptions = {}): void {
  const warn = options.warn ?? (() => {});
  try {
    inferInScope(graph, new Map(), graph.opsetVersion('') ?? 1, warn);
  } catch (e) {
    // Rules are guarded per node; this catches the walk itself, so import fails here only when
    // the model breaches a resource limit (a rank of 2^31 read from a shape input's length).
    if (e instanceof KilnError && e.code === ErrorCode.RESOURCE_LIMIT) throw e;
    warn(`shape inference stopped early: ${e instanceof Error ? e.message : String(e)}`);
  }
}
