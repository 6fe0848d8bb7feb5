/**
 * The native backends' layer support table (programSupport) as the partitioner's
 * LayerSupportTable. programSupport judges a layer within its network (dtypes, and whether
 * shape operands are build-time constants), so the table lowers each node itself: the node is
 * cut out, values that Constant/Const nodes produce become weights again (converters may need
 * their values), inputs fixed before any feed arrives count as constants (see
 * build-time-values.ts), and every layer it converts to must lower natively.
 * Constant nodes themselves are always supported: whatever their dtype, they become weights;
 * so are layers computed from constants alone, which the builder folds.
 */
import { type ConverterRegistry, convertGraph } from '@kiln-inference/converters';
import type { Graph, GraphNode, Network, Tensor, ValueInfo, ValueType } from '@kiln-inference/core';
import { type Capability, isolateNode, type LayerSupportTable, notSupported, SUPPORTED_CAPABILITY } from '@kiln-inference/partitioner';
import { type NativeTarget, programSupport } from '../lowering/program-support.js';
import { buildTimeValues, CONSTANT_OPS } from './build-time-values.js';
import { inferValueTypes } from './inferred-value-types.js';

export type { NativeTarget } from '../lowering/program-support.js';

/** value name → the constant a Constant/Const node produces, per graph (built once). */
const constantsCache = new WeakMap<Graph, Map<string, Tensor>>();

/** Ops that pass their one input through unchanged (TF reads variables through `…/read` Identity nodes). */
const PASS_THROUGH_OPS = new Set(['Identity', 'Snapshot', 'StopGradient', 'PreventGradient']);

function constantValues(graph: Graph): Map<string, Tensor> {
  let found = constantsCache.get(graph);
  if (found) return found;
  found = new Map();
  const passThrough = new Map<string, string>();
  for (const n of graph.nodes) {
    if (!n.outputs[0]) continue;
    if (PASS_THROUGH_OPS.has(n.op) && n.inputs.length === 1 && n.inputs[0]) passThrough.set(n.outputs[0], n.inputs[0]);
    if (!CONSTANT_OPS.has(n.op)) continue;
    const value = n.attributes.value;
    if (value?.kind === 'tensor') found.set(n.outputs[0], value.value);
  }
  for (const [out, source] of passThrough) {
    let from = source;
    const seen = new Set<string>([out]);
    while (passThrough.has(from) && !seen.has(from)) {
      seen.add(from);
      from = passThrough.get(from)!;
    }
    const value = found.get(from) ?? graph.weights.get(from);
    if (value) found.set(out, value);
  }
  constantsCache.set(graph, found);
  return found;
}

/** Types of every value, from converting the whole graph once (for graphs that declare few). */
const typesCache = new WeakMap<Graph, Map<string, ValueType>>();

function inferredType(graph: Graph, registry: ConverterRegistry, value: string): ValueType | undefined {
  let types = typesCache.get(graph);
  if (!types) {
    types = inferValueTypes(graph, registry);
    typesCache.set(graph, types);
  }
  return types.get(value);
}

/**
 * The node alone, with constant inputs as weights. Inputs the graph leaves untyped get the
 * type a whole-graph conversion gives them, or float32 of unknown shape when that fails.
 */
function loweringGraph(graph: Graph, node: GraphNode, registry: ConverterRegistry): Graph {
  const isolated = isolateNode(graph, node);
  const constants = constantValues(graph);
  for (const input of isolated.inputs) {
    const c = constants.get(input.name);
    if (c) isolated.weights.set(input.name, c);
  }
  isolated.inputs = isolated.inputs.map((i): ValueInfo => {
    const c = isolated.weights.get(i.name);
    if (c) return { name: i.name, type: { kind: 'tensor', dtype: c.dtype, shape: [...c.shape] } };
    if (i.type !== null) return i;
    return { ...i, type: inferredType(graph, registry, i.name) ?? { kind: 'tensor', dtype: 'float32', shape: null } };
  });
  return isolated;
}

/**
 * The tensors known at build time: outputs of constant layers, and of layers that read only
 * such tensors (the builder's constant folding computes those once, so no kernel runs them).
 */
function buildTimeTensors(network: Network, fixedInputs: ReadonlySet<string>): Set<string> {
  const known = new Set<string>(network.inputs.map((i) => i.name).filter((n) => fixedInputs.has(n)));
  for (const l of network.layers) {
    const inputs = l.inputs.filter(Boolean);
    if (l.kind === 'constant' || (inputs.length > 0 && inputs.every((t) => known.has(t)))) for (const o of l.outputs) if (o) known.add(o);
  }
  return known;
}

export function programSupportTable(target: NativeTarget, registry: ConverterRegistry): LayerSupportTable {
  return {
    backend: target,
    supportsNode(graph, node): Capability {
      // A constant of any dtype is a weight of the engine holding it: no kernel runs it.
      if (CONSTANT_OPS.has(node.op) && node.inputs.length === 0) return SUPPORTED_CAPABILITY;
      let network: Network;
      try {
        network = convertGraph(loweringGraph(graph, node, registry), registry);
      } catch (e) {
        return notSupported('other', `could not determine the layers of ${node.op}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const known = buildTimeTensors(network, buildTimeValues(graph));
      for (const layer of network.layers) {
        if (layer.outputs.every((o) => !o || known.has(o))) continue; // folded at build time
        const verdict = programSupport(layer, network, (t) => known.has(t), target);
        if (!verdict.supported) {
          return notSupported(
            'unsupported-layer',
            `the ${target} backend has no native kernel for ${layer.kind} layer '${layer.name}': ${verdict.reason}`,
          );
        }
      }
      return SUPPORTED_CAPABILITY;
    },
  };
}
