/**
 * Decoded NodeDefs → kiln Graph (format 'tf', node domain 'tf'). Shared by the GraphDef,
 * SavedModel and TensorFlow.js readers.
 *
 * Naming: output port 0 of node `n` is the value `n`, port k is `n:k` (TF's own tensor names
 * without the redundant `:0`). Const nodes become weights, Placeholders become graph inputs,
 * `^n` inputs become control inputs. The graph is pruned to what the outputs need, following
 * data edges only: control edges in frozen graphs guard training-time side effects (asserts,
 * initialisers) that inference does not run.
 */
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
  resourceLimits,
  type Shape,
  storageBytes,
  type Tensor,
  type ValueInfo,
  withResourceLimits,
} from '@kiln-inference/core';
import { attributeFromTf, shapeFromTf } from './attributes.js';
import { lowerControlFlow } from './control-flow/lower-control-flow.js';
import type { TfLibrary } from './functions/function-def.js';
import { functionalOutputCount, functionalSubgraphs } from './functions/functional-ops.js';
import type { TfAttr, TfNodeDef, TfTensor } from './proto/tf-messages.js';
import { tensorFromProto } from './tensor-proto.js';
import { kilnDTypeOf, tfDTypeName } from './tf-dtypes.js';

export interface TfImportOptions {
  /** Tensors to compute ('name' or 'name:N'); default: every node output nothing reads. */
  outputs?: string[];
  /** Shapes for inputs whose Placeholder shape is unknown or partly unknown. */
  inputShapes?: Record<string, Shape>;
  /** Graph name (defaults to the file name or 'tf-graph'). */
  name?: string;
  /** Overrides of the resource limits in force (constant and model bytes, nodes, outputs per node). */
  limits?: Partial<ResourceLimits>;
}

/** TF graphs older than this producer version wrote `shape {}` for "unknown shape". */
const SCALAR_SHAPE_PRODUCER = 21;

/** Ops whose outputs are never graph outputs on their own: bookkeeping, not results. */
const NON_RESULT_OPS = new Set([
  'NoOp',
  'Const',
  'Placeholder',
  'PlaceholderWithDefault',
  'SaveV2',
  'Save',
  'RestoreV2',
  'Restore',
  'Assign',
  'AssignVariableOp',
  'Assert',
  'VariableV2',
  'Variable',
  'VarHandleOp',
  'MergeV2Checkpoints',
  'ShardedFilename',
  'StringJoin',
]);

/** A reference to one output of one node, parsed from a NodeDef input or a user's name. */
export interface TensorRef {
  node: string;
  port: number;
}

export function parseTensorName(name: string): TensorRef {
  const m = /^(.*):(\d+)$/.exec(name);
  return m ? { node: m[1]!, port: Number(m[2]) } : { node: name, port: 0 };
}

export function valueName(ref: TensorRef): string {
  return ref.port === 0 ? ref.node : `${ref.node}:${ref.port}`;
}

function attrInt(node: TfNodeDef, name: string): number | undefined {
  const a = node.attr.get(name);
  return a?.kind === 'i' ? a.value : undefined;
}

function attrListLength(node: TfNodeDef, name: string): number | undefined {
  const a = node.attr.get(name);
  if (a?.kind !== 'list') return undefined;
  return a.value.type.length || a.value.shape.length || a.value.i.length;
}

/**
 * Outputs an op's definition fixes, when its attributes say how many (Split's num_split, a
 * call's Tout); undefined for ops whose output count Kiln does not know here.
 */
function fixedOutputCount(node: TfNodeDef): number | undefined {
  const functional = functionalOutputCount(node);
  if (functional !== undefined) return functional;
  switch (node.op) {
    case 'Split':
    case 'SplitV':
      return attrInt(node, 'num_split');
    case 'Unpack':
      return attrInt(node, 'num');
    case 'ShapeN':
      return attrInt(node, 'N');
    case 'IdentityN':
      return attrListLength(node, 'T');
    case 'RestoreV2':
      return attrListLength(node, 'dtypes');
    case 'TopKV2':
    case 'TopK':
    case 'Unique':
    case 'Switch':
    case 'RefSwitch':
    case 'Merge':
    case 'NonMaxSuppressionV4':
      return 2;
    case 'NonMaxSuppressionV5':
      return 3;
    case 'FusedBatchNorm':
    case 'FusedBatchNormV2':
      return 5;
    case 'FusedBatchNormV3':
      return 6;
    default:
      return undefined;
  }
}

/** Outputs an op declares: the fixed count when known, else a guess that consumers' reads widen. */
function declaredOutputCount(node: TfNodeDef): number {
  const fixed = fixedOutputCount(node);
  if (fixed !== undefined) return fixed;
  switch (node.op) {
    case 'NoOp':
    case 'Assert':
    case 'SaveV2':
    case 'Assign':
    case 'AssignVariableOp':
      return 0;
    default:
      return 1;
  }
}

/**
 * Output port `ref.port` of `producer`, checked against the count its op fixes: a ConcatV2
 * reading 'split:2' of a Split with num_split = 2 names an output that does not exist.
 */
function checkPort(producer: TfNodeDef, ref: TensorRef, reader: TfNodeDef | undefined): void {
  const fixed = fixedOutputCount(producer);
  if (fixed === undefined || (ref.port >= 0 && ref.port < fixed)) return;
  // The error names the reader; the message names the producer.
  const who = reader ? 'it reads' : 'the requested outputs name';
  throw new KilnError(
    reader ? ErrorCode.GRAPH_DANGLING_INPUT : ErrorCode.GRAPH_MISSING_OUTPUT,
    `${who} '${valueName(ref)}', but node '${producer.name}' (${producer.op}) has ${fixed} output${fixed === 1 ? '' : 's'}`,
    {
      node: reader ? { name: reader.name, op: reader.op } : { name: producer.name, op: producer.op },
      hint: `output ports of '${producer.name}' are 0…${fixed - 1}; the graph is corrupted or was edited`,
    },
  );
}

function modelError(message: string, node?: TfNodeDef): KilnError {
  return new KilnError(ErrorCode.INVALID_MODEL, message, {
    ...(node ? { node: { name: node.name, op: node.op } } : {}),
    hint: 'the graph is corrupted or incomplete; re-export or re-freeze it',
  });
}

interface ParsedInputs {
  data: TensorRef[];
  control: string[];
}

function parseInputs(node: TfNodeDef): ParsedInputs {
  const data: TensorRef[] = [];
  const control: string[] = [];
  for (const raw of node.inputs) {
    if (raw.startsWith('^')) control.push(raw.slice(1));
    else data.push(parseTensorName(raw));
  }
  return { data, control };
}

function placeholderShape(node: TfNodeDef, producer: number): Shape | null {
  const a = node.attr.get('shape');
  if (a?.kind !== 'shape') return null;
  if (!a.value.unknownRank && a.value.dims.length === 0 && producer < SCALAR_SHAPE_PRODUCER) return null;
  return shapeFromTf(a.value);
}

function convertAttributes(node: TfNodeDef): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of node.attr) {
    const a = attributeFromTf(k, v, `node '${node.name}' (${node.op})`);
    if (a) out[k] = a;
  }
  return out;
}

/** `total` is the running size of the graph's constants, checked against maxModelBytes. */
function constValue(node: TfNodeDef, total: { bytes: number }): Tensor {
  const a: TfAttr | undefined = node.attr.get('value');
  if (a?.kind !== 'tensor') throw modelError("Const has no 'value' tensor attribute", node);
  total.bytes += declaredBytes(node, a.value);
  checkModelBytes(total.bytes, "the graph's constants", { node: { name: node.name, op: node.op } });
  return tensorFromProto(a.value, `node '${node.name}' (Const)`);
}

/** A constant's size from its declared dtype and dims, checked before anything is decoded. */
function declaredBytes(node: TfNodeDef, t: TfTensor): number {
  const dtype = kilnDTypeOf(t.dtype);
  // Unknown dtypes and shapes are tensorFromProto's to report.
  if (!dtype || t.shape.unknownRank || t.shape.dims.some((d) => d < 0)) return 0;
  const elements = checkShapeSize(dtype, t.shape.dims, { node: { name: node.name, op: node.op } });
  return elements * Math.max(1, storageBytes(dtype));
}

/** Nodes reachable backwards from the outputs along data edges. */
function reachable(byName: Map<string, TfNodeDef>, inputs: Map<string, ParsedInputs>, outputs: TensorRef[]): Set<string> {
  const keep = new Set<string>();
  const stack = outputs.map((o) => o.node);
  while (stack.length) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    for (const ref of inputs.get(name)?.data ?? []) if (byName.has(ref.node)) stack.push(ref.node);
  }
  return keep;
}

function defaultOutputs(nodes: TfNodeDef[], inputs: Map<string, ParsedInputs>): TensorRef[] {
  const consumed = new Set<string>();
  for (const p of inputs.values()) {
    for (const r of p.data) consumed.add(r.node);
    for (const c of p.control) consumed.add(c);
  }
  return nodes
    .filter((n) => !consumed.has(n.name) && !NON_RESULT_OPS.has(n.op) && declaredOutputCount(n) > 0)
    .map((n) => ({ node: n.name, port: 0 }));
}

/** dtype of output `port` from the attributes TF ops conventionally carry. */
function outputDTypeAttr(node: TfNodeDef): number | undefined {
  for (const key of ['T', 'dtype', 'out_type', 'output_type', 'DstT']) {
    const a = node.attr.get(key);
    if (a?.kind === 'type') return a.value;
  }
  return undefined;
}

function valueInfoFromOutputShapes(node: TfNodeDef, outputs: string[], into: Map<string, ValueInfo>): void {
  const shapes = node.attr.get('_output_shapes');
  const code = outputDTypeAttr(node);
  const dtype = code === undefined ? undefined : kilnDTypeOf(code);
  if (shapes?.kind !== 'list' || !dtype) return;
  outputs.forEach((name, i) => {
    const s = shapes.value.shape[i];
    if (s && name) into.set(name, { name, type: { kind: 'tensor', dtype, shape: shapeFromTf(s) } });
  });
}

/**
 * Builds the Graph. `weights` may hold values restored from elsewhere (SavedModel variables):
 * nodes with those names become weights too.
 */
export function buildTfGraph(nodes: TfNodeDef[], producer: number, options: BuildOptions = {}): Graph {
  return withResourceLimits(resourceLimits(options.limits), () => {
    // Functions the TF1 control-flow rewrite creates join a copy: the caller's library stays as decoded.
    const library: TfLibrary = new Map(options.library);
    return buildGraph(lowerControlFlow(nodes, library), producer, { ...options, library });
  });
}

type BuildOptions = TfImportOptions & {
  metadata?: Record<string, string>;
  weights?: Map<string, Tensor>;
  /** The FunctionDefLibrary (calls are inlined, While/If bodies become sub-graphs). */
  library?: TfLibrary;
  /** A function body: inputs naming no node are values of the enclosing graph. */
  captures?: boolean;
};

function buildGraph(nodes: TfNodeDef[], producer: number, options: BuildOptions): Graph {
  checkCount('maxNodes', nodes.length, 'nodes in the graph');
  const byName = new Map<string, TfNodeDef>();
  for (const n of nodes) {
    if (!n.name) throw modelError(`a node of op '${n.op}' has no name`);
    if (byName.has(n.name)) throw modelError(`two nodes are named '${n.name}'`, n);
    byName.set(n.name, n);
  }
  const inputs = new Map(nodes.map((n) => [n.name, parseInputs(n)] as const));
  // Output counts: what the op declares, widened to the highest port any consumer reads.
  const outputCount = new Map(nodes.map((n) => [n.name, declaredOutputCount(n)] as const));
  for (const n of nodes) {
    for (const ref of inputs.get(n.name)!.data) {
      const producerNode = byName.get(ref.node);
      if (!producerNode && options.captures) continue;
      if (!producerNode) throw modelError(`input '${valueName(ref)}' names no node in the graph`, n);
      checkPort(producerNode, ref, n);
      outputCount.set(ref.node, Math.max(outputCount.get(ref.node)!, ref.port + 1));
    }
  }
  const requested = options.outputs?.map(parseTensorName) ?? defaultOutputs(nodes, inputs);
  for (const ref of requested) {
    if (!byName.has(ref.node)) {
      throw new KilnError(ErrorCode.GRAPH_MISSING_OUTPUT, `requested output '${valueName(ref)}' names no node in the graph`, {
        hint: 'output names are node names, optionally with :N for output port N',
      });
    }
    checkPort(byName.get(ref.node)!, ref, undefined);
    outputCount.set(ref.node, Math.max(outputCount.get(ref.node)!, ref.port + 1));
  }
  if (requested.length === 0) throw modelError('the graph has no outputs: every node output is consumed or bookkeeping');
  const keep = reachable(byName, inputs, requested);

  const subgraphBuilder = (body: TfNodeDef[], outputs: string[], name: string): Graph =>
    buildTfGraph(body, producer, {
      outputs,
      name,
      captures: true,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.library ? { library: options.library } : {}),
      ...(options.weights ? { weights: options.weights } : {}),
    });
  const graphInputs: ValueInfo[] = [];
  const weights = new Map<string, Tensor>();
  const graphNodes: GraphNode[] = [];
  const valueInfo = new Map<string, ValueInfo>();
  const constBytes = { bytes: 0 };
  for (const n of nodes) {
    if (!keep.has(n.name)) continue;
    const restored = options.weights?.get(n.name);
    if (restored) weights.set(n.name, restored);
    else if (n.op === 'Const') weights.set(n.name, constValue(n, constBytes));
    else if (n.op === 'Placeholder') graphInputs.push(placeholderInput(n, producer, options.inputShapes, options.captures));
    else {
      const parsed = inputs.get(n.name)!;
      const count = outputCount.get(n.name)!;
      // num_split, num or a consumer's port sets this: a hostile graph can ask for 2^32.
      checkCount('maxNodeOutputs', count, 'outputs of the node', { node: { name: n.name, op: n.op } });
      const outputs = Array.from({ length: count }, (_, port) => valueName({ node: n.name, port }));
      const control = parsed.control.filter((c) => keep.has(c));
      graphNodes.push({
        name: n.name,
        op: n.op,
        domain: 'tf',
        inputs: parsed.data.map(valueName),
        outputs,
        attributes: { ...convertAttributes(n), ...functionalSubgraphs(n, options.library ?? new Map(), subgraphBuilder) },
        ...(control.length ? { controlInputs: control } : {}),
      });
      valueInfoFromOutputShapes(n, outputs, valueInfo);
    }
  }
  const graphOutputs: ValueInfo[] = requested.map((r) => ({ name: valueName(r), type: valueInfo.get(valueName(r))?.type ?? null }));
  return new Graph({
    format: 'tf',
    name: options.name ?? 'tf-graph',
    nodes: graphNodes,
    inputs: graphInputs,
    outputs: graphOutputs,
    weights,
    valueInfo,
    metadata: { producer: String(producer), ...options.metadata },
  });
}

/** `formal`: a function argument, whose type (a variant tensor list) the call site may give instead. */
function placeholderInput(n: TfNodeDef, producer: number, shapes?: Record<string, Shape>, formal = false): ValueInfo {
  const a = n.attr.get('dtype');
  if (a?.kind !== 'type') throw modelError("Placeholder has no 'dtype' attribute", n);
  const dtype = kilnDTypeOf(a.value);
  if (!dtype && formal) return { name: n.name, type: null };
  if (!dtype) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `input of ${tfDTypeName(a.value)} is not supported`, {
      node: { name: n.name, op: n.op },
      hint: 'kiln feeds real, integer, bool and string tensors',
    });
  }
  const shape = shapes?.[n.name] ?? placeholderShape(n, producer);
  return { name: n.name, type: { kind: 'tensor', dtype, shape } };
}
