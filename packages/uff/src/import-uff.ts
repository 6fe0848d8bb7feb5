/**
 * UFF → kiln Graph (format 'uff', node domain 'uff'). Const nodes become weights (their blobs
 * are raw little-endian data reached through `referenced_data`), Input nodes become graph
 * inputs and MarkOutput nodes name the graph outputs. Other nodes keep their operation and
 * fields; `ref` fields are resolved, and dimension orders are kept as nested `func`
 * attributes (order-enum key → dimension list) so converters can honour them.
 */
import { basename } from 'node:path';
import {
  type AttributeValue,
  checkCount,
  checkModelBytes,
  checkShapeSize,
  ErrorCode,
  Graph,
  type GraphNode,
  KilnError,
  type ResourceLimits,
  readModelPath,
  resourceLimits,
  type Shape,
  type Tensor,
  type ValueInfo,
  withResourceLimits,
} from '@kiln-inference/core';
import { ProtoReader, rawTensor } from '@kiln-inference/tf-graph';
import { applyInputOrders, type RegisteredInput } from './input-orders.js';
import { uffDType } from './uff-dtypes.js';
import { decodeMetaGraph, type UffData, type UffMetaGraph, type UffNode } from './uff-messages.js';

/**
 * How an input is registered. 'chw' is TensorRT's register_input(name, (C, H, W)): the shape
 * leaves the batch out and lists channels first, whatever order the file computes in; the
 * importer adds the batch and transposes to the file's order. 'file' is a full shape in the
 * file's own order (TensorFlow-made files: NHWC), batch included.
 */
export type UffInputOrder = 'chw' | 'file';

export interface UffInputSpec {
  shape: Shape;
  /** Default 'file'. */
  order?: UffInputOrder;
  /** The batch dim added to a 'chw' shape (default 1; a string names a symbolic dim). */
  batch?: number | string;
}

export interface UffImportOptions {
  /**
   * Shapes of the Input nodes, in the graph's own dimension order (TensorFlow-made UFF files
   * are NHWC), batch included: shorthand for `inputs: { name: { shape, order: 'file' } }`.
   */
  inputShapes?: Record<string, Shape>;
  /** Inputs registered with an order; required for inputs the file leaves without a shape. */
  inputs?: Record<string, UffInputSpec>;
  /** Which graph of the file to import (default: the first, usually 'main'). */
  graph?: string;
  name?: string;
  /** Overrides of the resource limits in force (model and tensor bytes, nodes). */
  limits?: Partial<ResourceLimits>;
}

function invalid(message: string, node?: UffNode): KilnError {
  return new KilnError(ErrorCode.INVALID_MODEL, message, {
    ...(node ? { node: { name: node.id, op: node.operation } } : {}),
    hint: 'the .uff file is corrupted or was not written by the UFF converter',
  });
}

function resolveRef(data: UffData, mg: UffMetaGraph, node: UffNode, field: string): UffData {
  if (data.kind !== 'ref') return data;
  const target = mg.referencedData.get(data.value);
  if (!target) throw invalid(`field '${field}' refers to '${data.value}', which referenced_data does not hold`, node);
  return target;
}

function dimOrdersAttribute(orders: Map<number, number[]>): AttributeValue {
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, v] of orders) attributes[String(k)] = { kind: 'ints', value: v };
  return { kind: 'func', value: { name: 'dim_orders', attributes } };
}

function attributeFromData(data: UffData): AttributeValue | undefined {
  switch (data.kind) {
    case 's':
      return { kind: 'string', value: data.value };
    case 's_list':
      return { kind: 'strings', value: data.value };
    case 'd':
      return { kind: 'float', value: data.value };
    case 'd_list':
      return { kind: 'floats', value: data.value };
    case 'b':
      return { kind: 'bool', value: data.value };
    case 'b_list':
      return { kind: 'bools', value: data.value };
    case 'i':
      return { kind: 'int', value: data.value };
    case 'i_list':
      return { kind: 'ints', value: data.value };
    case 'blob':
      return { kind: 'opaque', value: { type: 'blob', bytes: data.value } };
    case 'dtype': {
      const dtype = uffDType(data.value);
      return dtype ? { kind: 'type', value: dtype } : { kind: 'int', value: data.value };
    }
    case 'dtype_list':
      return { kind: 'ints', value: data.value };
    case 'dim_orders':
      return dimOrdersAttribute(data.value);
    case 'dim_orders_list': {
      const attributes: Record<string, AttributeValue> = {};
      data.value.forEach((o, i) => {
        attributes[String(i)] = dimOrdersAttribute(o);
      });
      return { kind: 'func', value: { name: 'dim_orders_list', attributes } };
    }
    case 'ref':
    case 'none':
      return undefined;
  }
}

function fieldOf(node: UffNode, mg: UffMetaGraph, name: string): UffData | undefined {
  const d = node.fields.get(name);
  return d ? resolveRef(d, mg, node, name) : undefined;
}

function nodeDType(node: UffNode, mg: UffMetaGraph): ReturnType<typeof uffDType> {
  const d = fieldOf(node, mg, 'dtype');
  if (d?.kind !== 'dtype') throw invalid(`${node.operation} has no 'dtype' field`, node);
  const dtype = uffDType(d.value);
  if (!dtype)
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `UFF data type ${d.value} is not supported`, {
      node: { name: node.id, op: node.operation },
    });
  return dtype;
}

function nodeShape(node: UffNode, mg: UffMetaGraph): number[] {
  const s = fieldOf(node, mg, 'shape');
  if (s === undefined) return [];
  if (s.kind !== 'i_list') throw invalid(`'shape' should be an integer list, not ${s.kind}`, node);
  return s.value;
}

function constWeight(node: UffNode, mg: UffMetaGraph): Tensor {
  const dtype = nodeDType(node, mg)!;
  const shape = nodeShape(node, mg);
  const values = fieldOf(node, mg, 'values');
  if (values?.kind !== 'blob') throw invalid("Const has no 'values' blob", node);
  checkShapeSize(dtype, shape, { node: { name: node.id, op: node.operation } });
  return rawTensor(dtype, shape, values.value.slice(), `node '${node.id}' (Const) values`);
}

function registered(options: UffImportOptions, id: string): RegisteredInput | undefined {
  const spec = options.inputs?.[id];
  if (spec) return { shape: spec.shape, order: spec.order ?? 'file', batch: spec.batch ?? 1 };
  const shape = options.inputShapes?.[id];
  return shape ? { shape, order: 'file', batch: 1 } : undefined;
}

/** The file's declared shape, with TensorFlow's -1 for an unknown dim as null. */
function declaredShape(node: UffNode, mg: UffMetaGraph): Shape {
  return nodeShape(node, mg).map((d) => (d < 0 ? null : d));
}

function inputInfo(node: UffNode, mg: UffMetaGraph, reg: RegisteredInput | undefined): ValueInfo {
  const dtype = nodeDType(node, mg)!;
  const declared = declaredShape(node, mg);
  const shape = reg ? reg.shape : declared.length ? declared : undefined;
  if (!shape) {
    throw new KilnError(ErrorCode.INVALID_SHAPE, `input '${node.id}' has no shape in the file`, {
      node: { name: node.id, op: 'Input' },
      hint: `register it as TensorRT's register_input did, channels first without the batch (\`--input-shape ${node.id}=1x28x28:chw\`, inputs: { '${node.id}': { shape: [1, 28, 28], order: 'chw' } }), or in the file's own order with the batch (\`--input-shape ${node.id}=1x28x28x1\`, inputShapes: { '${node.id}': [...] })`,
    });
  }
  return { name: node.id, type: { kind: 'tensor', dtype, shape } };
}

export function decodeUff(bytes: Uint8Array): UffMetaGraph {
  if (bytes.length === 0) throw invalid('the .uff file is empty');
  const mg = decodeMetaGraph(new ProtoReader(bytes, 'UFF MetaGraph'));
  if (mg.graphs.length === 0 || mg.graphs.every((g) => g.nodes.length === 0)) throw invalid('the file holds no graph with nodes');
  return mg;
}

export function importUff(bytes: Uint8Array, options: UffImportOptions = {}): Graph {
  return withResourceLimits(resourceLimits(options.limits), () => importGraph(bytes, options));
}

function importGraph(bytes: Uint8Array, options: UffImportOptions): Graph {
  checkModelBytes(bytes.length, 'the .uff file');
  const mg = decodeUff(bytes);
  const uffGraph = options.graph ? mg.graphs.find((g) => g.id === options.graph) : mg.graphs[0];
  if (!uffGraph) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `the file has no graph '${options.graph}'`, {
      hint: `graphs: ${mg.graphs.map((g) => g.id).join(', ')}`,
    });
  }
  checkCount('maxNodes', uffGraph.nodes.length, 'nodes in the graph');
  const ids = new Set<string>();
  for (const n of uffGraph.nodes) {
    if (!n.id) throw invalid(`a node of operation '${n.operation}' has no id`);
    if (ids.has(n.id)) throw invalid(`two nodes have id '${n.id}'`, n);
    ids.add(n.id);
  }
  const weights = new Map<string, Tensor>();
  const inputs: ValueInfo[] = [];
  const registrations = new Map<string, { reg: RegisteredInput; declared: Shape }>();
  const outputs: ValueInfo[] = [];
  const nodes: GraphNode[] = [];
  for (const n of uffGraph.nodes) {
    for (const i of n.inputs) if (!ids.has(i)) throw invalid(`input '${i}' names no node`, n);
    if (n.operation === 'Const') weights.set(n.id, constWeight(n, mg));
    else if (n.operation === 'Input') {
      const reg = registered(options, n.id);
      inputs.push(inputInfo(n, mg, reg));
      if (reg) registrations.set(n.id, { reg, declared: declaredShape(n, mg) });
    } else if (n.operation === 'MarkOutput') {
      if (n.inputs.length !== 1) throw invalid(`MarkOutput has ${n.inputs.length} inputs, expected 1`, n);
      outputs.push({ name: n.inputs[0]!, type: null });
    } else {
      const attributes: Record<string, AttributeValue> = {};
      for (const name of n.fields.keys()) {
        const a = attributeFromData(fieldOf(n, mg, name)!);
        if (a) attributes[name] = a;
      }
      nodes.push({ name: n.id, op: n.operation, domain: 'uff', inputs: [...n.inputs], outputs: [n.id], attributes });
    }
  }
  if (outputs.length === 0) throw invalid('the graph has no MarkOutput node, so nothing is an output');
  for (const name of [...Object.keys(options.inputs ?? {}), ...Object.keys(options.inputShapes ?? {})]) {
    if (!inputs.some((i) => i.name === name)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `'${name}' is not an input of the UFF graph`, {
        hint: `inputs: ${inputs.map((i) => i.name).join(', ') || '(none)'}`,
      });
    }
  }
  applyInputOrders(inputs, nodes, registrations, ids);
  return new Graph({
    format: 'uff',
    name: options.name ?? uffGraph.id,
    nodes,
    inputs,
    outputs,
    weights,
    metadata: { uffVersion: String(mg.version), descriptors: mg.descriptors.map((d) => `${d.id}@${d.version}`).join(',') },
  });
}

export async function loadUff(path: string, options: UffImportOptions = {}): Promise<Graph> {
  return importUff(await readModelPath(path, 'UFF model'), { name: basename(path).replace(/\.uff$/, ''), ...options });
}
