/** kiln Graph / GraphNode / GraphFunction → GraphProto / NodeProto / FunctionProto objects. */
import type { AttributeValue, Graph, GraphFunction, GraphNode, Tensor, ValueInfo } from '@kiln-inference/core';
import { withNode } from '../node-context.js';
import { type TensorProtoObject, tensorToProto } from '../tensor/encode-tensor.js';
import { valueTypeToProto } from '../value-types.js';
import { attributeToProto } from './export-attributes.js';

function valueInfoToProto(v: ValueInfo): object {
  const out: Record<string, unknown> = { name: v.name };
  if (v.type) out.type = valueTypeToProto(v.type);
  if (v.doc) out.docString = v.doc;
  return out;
}

/** AttributeProto.type of a referenced function attribute, by the function attribute's name. */
type RefTypes = ReadonlyMap<string, number>;

export function nodeToProto(node: GraphNode, refTypes: RefTypes = new Map()): object {
  const attribute: object[] = [];
  for (const [name, value] of Object.entries(node.attributes)) {
    attribute.push(withNode({ name: node.name, op: node.op }, () => attributeToProto(name, value, (g) => graphToProto(g))));
  }
  for (const [name, ref] of Object.entries(node.attributeRefs ?? {}))
    attribute.push({ name, refAttrName: ref, type: refTypes.get(ref) ?? 0 });
  const out: Record<string, unknown> = { name: node.name, opType: node.op, input: [...node.inputs], output: [...node.outputs], attribute };
  if (node.domain) out.domain = node.domain;
  if (node.doc) out.docString = node.doc;
  return out;
}

/** How the top-level graph's weights are written (inline by default, or to external data). */
export type WeightEncoder = (name: string, tensor: Tensor) => TensorProtoObject;

const inlineWeight: WeightEncoder = (name, tensor) => tensorToProto(tensor, name);

export function graphToProto(graph: Graph, encodeWeight: WeightEncoder = inlineWeight): object {
  const declared = new Set([...graph.inputs, ...graph.outputs].map((v) => v.name));
  const out: Record<string, unknown> = {
    name: graph.name,
    node: graph.nodes.map((n) => nodeToProto(n)),
    initializer: [...graph.weights].map(([name, t]) => encodeWeight(name, t)),
    input: graph.inputs.map(valueInfoToProto),
    output: graph.outputs.map(valueInfoToProto),
    valueInfo: [...graph.valueInfo.values()]
      .filter((v) => v.type && !declared.has(v.name) && !graph.weights.has(v.name))
      .map(valueInfoToProto),
  };
  if (graph.metadata.graph_doc_string) out.docString = graph.metadata.graph_doc_string;
  return out;
}

/**
 * The type a referenced attribute must declare comes from the function's default or, failing
 * that, from a call site that sets it.
 */
function referencedTypes(f: GraphFunction, callers: readonly GraphNode[]): Map<string, number> {
  const types = new Map<string, number>();
  const note = (name: string, value: AttributeValue) => {
    if (!types.has(name)) types.set(name, attributeToProto(name, value, (g) => graphToProto(g)).type);
  };
  for (const [name, value] of Object.entries(f.attributeDefaults ?? {})) note(name, value);
  for (const call of callers) {
    if (call.op !== f.name || call.domain !== f.domain) continue;
    for (const [name, value] of Object.entries(call.attributes)) note(name, value);
  }
  return types;
}

export function functionToProto(f: GraphFunction, callers: readonly GraphNode[] = []): object {
  const defaults = f.attributeDefaults ?? {};
  const refTypes = referencedTypes(f, callers);
  const out: Record<string, unknown> = {
    name: f.name,
    input: [...f.inputs],
    output: [...f.outputs],
    attribute: f.attributes.filter((a) => !(a in defaults)),
    attributeProto: Object.entries(defaults).map(([name, value]) => attributeToProto(name, value, (g) => graphToProto(g))),
    node: f.nodes.map((n) => nodeToProto(n, refTypes)),
    opsetImport: f.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
  };
  if (f.domain) out.domain = f.domain;
  return out;
}
