/**
 * Which TF op inputs must be known at conversion time (axes, permutations, paddings, filters
 * …). The partitioner asks validators before anything is converted, when only graph weights
 * are known, so an input also counts as constant when identity-like ops lead back to a
 * weight (frozen graphs read every weight through `<name>/read` Identity nodes).
 */
import type { Graph, GraphNode } from '@kiln-inference/core';
import type { Converter, Support, ValidationContext } from '../converter.js';

/** op → input positions that must be constant. */
export const CONSTANT_INPUTS: Record<string, readonly number[]> = {
  Conv2D: [1],
  DepthwiseConv2dNative: [1],
  DepthwiseConv2d: [1],
  Conv1D: [1],
  UniqueV2: [1],
  TensorListScatter: [1],
  TensorListScatterV2: [1, 3],
  Reverse: [1],
  _FusedConv2D: [1],
  FusedDepthwiseConv2dNative: [1],
  Conv2DBackpropInput: [0, 1],
  Conv3D: [1],
  Transpose: [1],
  ConcatV2: [-1],
  Concat: [0],
  Split: [0],
  SplitV: [1, 2],
  Slice: [1, 2],
  StridedSlice: [1, 2, 3],
  Pad: [1],
  PadV2: [1],
  MirrorPad: [1],
  ArgMax: [1],
  ArgMin: [1],
  GatherV2: [2],
  MaxPoolV2: [1, 2],
  ReverseV2: [1],
  MatrixBandPart: [1, 2],
  SpaceToBatchND: [1, 2],
  BatchToSpaceND: [1, 2],
  FakeQuantWithMinMaxVars: [1, 2],
  FakeQuantWithMinMaxVarsPerChannel: [1, 2],
  // QuantizeAndDequantize's min/max must be constant only with range_given (its validator checks).
  QuantizeAndDequantizeV3: [3],
};

const PASS_THROUGH = new Set(['Identity', 'StopGradient', 'Snapshot', 'PreventGradient', 'ReadVariableOp', 'PlaceholderWithDefault']);

const producerCache = new WeakMap<Graph, Map<string, GraphNode>>();

function producers(graph: Graph): Map<string, GraphNode> {
  let map = producerCache.get(graph);
  if (!map) {
    map = new Map();
    for (const n of graph.nodes) for (const o of n.outputs) if (o) map.set(o, n);
    producerCache.set(graph, map);
  }
  return map;
}

/** True when the value is a weight, possibly behind identity-like nodes. */
export function isConstantValue(graph: Graph, value: string): boolean {
  const seen = new Set<string>();
  let v: string | undefined = value;
  while (v !== undefined && !seen.has(v)) {
    if (graph.weights.has(v)) return true;
    seen.add(v);
    const p = producers(graph).get(v);
    v = p && PASS_THROUGH.has(p.op) ? p.inputs[0] : undefined;
  }
  return false;
}

export function checkConstants(ctx: ValidationContext, positions: readonly number[]): Support {
  const n = ctx.node.inputs.length;
  for (const pos of positions) {
    const i = pos < 0 ? n + pos : pos;
    if (!ctx.hasInput(i) || ctx.constantInput(i) || isConstantValue(ctx.graph, ctx.node.inputs[i]!)) continue;
    return {
      supported: false,
      category: 'dynamic-shape',
      reason: `input ${i} ('${ctx.node.inputs[i]}') of ${ctx.node.op} must be a constant`,
    };
  }
  return { supported: true };
}

/** Adds the constant-input check in front of a converter's own validator. */
export function withConstantInputs(converter: Converter): Converter {
  const positions = CONSTANT_INPUTS[converter.op];
  if (!positions) return converter;
  const own = converter.validate?.bind(converter);
  return {
    ...converter,
    validate: (ctx) => {
      const verdict = checkConstants(ctx, positions);
      return verdict.supported && own ? own(ctx) : verdict;
    },
  };
}
