/** GraphProto / NodeProto / FunctionProto messages → kiln Graph, GraphNode, GraphFunction. */
import {
  type AttributeValue,
  checkCount,
  ErrorCode,
  Graph,
  type GraphFunction,
  type GraphNode,
  KilnError,
  type OpsetImport,
  type Tensor,
  type ValueInfo,
} from '@kiln-inference/core';
import { withNode } from '../node-context.js';
import { int64ToNumber } from '../proto/int64.js';
import type { FunctionMsg, GraphMsg, NodeMsg, OperatorSetIdMsg, ValueInfoMsg } from '../proto/messages.js';
import { tensorFromProto, type WeightBudget } from '../tensor/decode-tensor.js';
import { densifySparseTensor } from '../tensor/sparse.js';
import { valueTypeFromProto } from '../value-types.js';
import { attributeFromProto } from './attributes.js';
import { constantNodeValue, isFoldableConstant } from './constant-nodes.js';
import { formatZeroDimWarning } from './warnings.js';

export interface GraphImportContext {
  baseDir?: string;
  constantsAsWeights: boolean;
  warn: (msg: string) => void;
  /** Sub-graph nesting depth of the graph being imported (the main graph is 0). */
  depth: number;
  /** Totals over the whole model, checked against maxNodes and maxModelBytes. */
  totals: WeightBudget & { nodes: number };
}

function importSubgraphAt(ctx: GraphImportContext): (g: GraphMsg) => Graph {
  return (g) => graphFromProto(g, { ...ctx, depth: ctx.depth + 1 });
}

export function opsetsFromProto(list: OperatorSetIdMsg[]): OpsetImport[] {
  return list.map((o) => ({ domain: o.domain, version: int64ToNumber(o.version) }));
}

function valueInfoFromProto(v: ValueInfoMsg, zeroDimsUnknown: boolean, ctx: GraphImportContext, role: string): ValueInfo {
  const type = valueTypeFromProto(v.type, {
    zeroDimsUnknown,
    onZeroDim: (axis) => ctx.warn(formatZeroDimWarning(role, v.name, axis)),
  });
  const info: ValueInfo = { name: v.name, type };
  if (v.docString) info.doc = v.docString;
  return info;
}

export function nodeFromProto(n: NodeMsg, index: number, ctx: GraphImportContext, usedNames: Set<string>): GraphNode {
  let name = n.name;
  if (!name) {
    name = `${n.opType}_${index}`;
    for (let k = 1; usedNames.has(name); k++) name = `${n.opType}_${index}_${k}`;
  }
  usedNames.add(name);
  return withNode({ name, op: n.opType, index }, () => {
    const attributes: Record<string, AttributeValue> = {};
    const refs: Record<string, string> = {};
    for (const a of n.attribute) {
      if (a.refAttrName) refs[a.name] = a.refAttrName;
      else attributes[a.name] = attributeFromProto(a, { baseDir: ctx.baseDir, budget: ctx.totals, importSubgraph: importSubgraphAt(ctx) });
    }
    const node: GraphNode = { name, op: n.opType, domain: n.domain, inputs: [...n.input], outputs: [...n.output], attributes };
    if (Object.keys(refs).length > 0) node.attributeRefs = refs;
    if (n.docString) node.doc = n.docString;
    return node;
  });
}

function countNodes(count: number, ctx: GraphImportContext): void {
  ctx.totals.nodes += count;
  checkCount('maxNodes', ctx.totals.nodes, 'nodes in the model and its sub-graphs and functions');
}

function readWeights(g: GraphMsg, ctx: GraphImportContext): Map<string, Tensor> {
  const weights = new Map<string, Tensor>();
  g.initializer.forEach((t, i) => {
    if (!t.name)
      throw new KilnError(ErrorCode.INVALID_MODEL, `initializer #${i} has no name`, {
        hint: 'every initializer needs the name of the value it defines',
      });
    weights.set(t.name, tensorFromProto(t, { baseDir: ctx.baseDir, budget: ctx.totals }));
  });
  g.sparseInitializer.forEach((s, i) => {
    const name = s.values?.name;
    if (!name)
      throw new KilnError(ErrorCode.INVALID_MODEL, `sparse initializer #${i} has no name`, {
        hint: 'the values tensor must carry the name',
      });
    weights.set(name, densifySparseTensor(s, { baseDir: ctx.baseDir, budget: ctx.totals }));
  });
  return weights;
}

export function graphFromProto(g: GraphMsg, ctx: GraphImportContext): Graph {
  checkCount('maxNestingDepth', ctx.depth, `sub-graph '${g.name}': nesting depth`);
  countNodes(g.node.length, ctx);
  const weights = readWeights(g, ctx);
  const usedNames = new Set(g.node.map((n) => n.name).filter((n) => n));
  const nodes: GraphNode[] = [];
  g.node.forEach((n, index) => {
    const node = nodeFromProto(n, index, ctx, usedNames);
    if (ctx.constantsAsWeights && isFoldableConstant(node)) {
      weights.set(
        node.outputs[0]!,
        withNode({ name: node.name, op: node.op, index }, () => constantNodeValue(node, ctx.baseDir)),
      );
    } else nodes.push(node);
  });
  const inputs = g.input.map((v) => valueInfoFromProto(v, true, ctx, 'graph input'));
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of g.valueInfo) valueInfo.set(v.name, valueInfoFromProto(v, true, ctx, 'value_info'));
  const metadata: Record<string, string> = {};
  if (g.docString) metadata.graph_doc_string = g.docString;
  return new Graph({
    format: 'onnx',
    name: g.name,
    nodes,
    inputs,
    outputs: g.output.map((v) => valueInfoFromProto(v, false, ctx, 'graph output')),
    weights,
    valueInfo,
    metadata,
  });
}

export function functionFromProto(f: FunctionMsg, ctx: GraphImportContext): GraphFunction {
  countNodes(f.node.length, ctx);
  const usedNames = new Set(f.node.map((n) => n.name).filter((n) => n));
  // Function bodies have no initializers, so their Constant nodes stay nodes.
  const bodyCtx = { ...ctx, constantsAsWeights: false };
  const fn: GraphFunction = {
    name: f.name,
    domain: f.domain,
    inputs: [...f.input],
    outputs: [...f.output],
    attributes: [...f.attribute, ...f.attributeProto.map((a) => a.name)],
    nodes: f.node.map((n, i) => nodeFromProto(n, i, bodyCtx, usedNames)),
    opsetImports: opsetsFromProto(f.opsetImport),
  };
  if (f.attributeProto.length > 0) {
    const importSubgraph = importSubgraphAt(ctx);
    fn.attributeDefaults = Object.fromEntries(
      f.attributeProto.map((a) => [a.name, attributeFromProto(a, { baseDir: ctx.baseDir, budget: ctx.totals, importSubgraph })]),
    );
  }
  return fn;
}
