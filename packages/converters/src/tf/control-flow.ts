/**
 * TF control flow → kiln conditional / loop layers. The importer (@kiln-inference/tf-graph) has already
 * restructured everything into the functional form: TF1 while-loop frames and conds became
 * While / If nodes, PartitionedCalls were inlined, and every cond/body/branch function is a
 * `graph` attribute. What is left here is the mapping of TF's semantics onto kiln's layers:
 *
 * - If: a conditional layer; branches read the If's inputs as captures of the enclosing scope.
 * - While: TF checks `cond` before every iteration (zero iterations are possible), kiln's loop
 *   layer (ONNX Loop) takes the first condition as an input and each later one from its body.
 *   The loop body built here evaluates `cond` on the current values and runs `body` under an
 *   If only when it holds, starting from condition true: cond runs n + 1 times for n
 *   iterations, exactly as in TensorFlow, and no cond is converted twice.
 *
 * Raw TF1 frame ops that reach a converter (a frame the importer could not restructure was
 * already reported there) and While/If whose functions are missing are refused with reasons.
 */
import { Graph, type GraphNode, isKilnError, KilnError, type Network, Tensor, type TensorDesc } from '@kiln-inference/core';
import { checkSupport, validationContext } from '../convert-graph.js';
import type { ConversionContext, Converter, LayerOutputSpec, Support, ValidationContext } from '../converter.js';
import { SUPPORTED, unsupported } from '../converter.js';
import type { ConverterRegistry } from '../registry.js';
import { tfConverter } from './helpers.js';
import { tfTensorListConverters } from './tensor-list.js';

const V1_FRAMES = [
  'Switch',
  'RefSwitch',
  'Merge',
  'RefMerge',
  'Enter',
  'RefEnter',
  'Exit',
  'RefExit',
  'NextIteration',
  'RefNextIteration',
  'LoopCond',
];
const V1_REASON =
  'TensorFlow 1 control flow (Switch/Merge/Enter/Exit/NextIteration/LoopCond) outside any while-loop frame or cond the importer restructured';
const V1_HINT =
  'import the model with @kiln-inference/tf-graph (it rewrites tf.while_loop / tf.cond into While / If), or keep this op outside the converted segment';

function refusing(op: string): Converter {
  return tfConverter(
    op,
    (ctx) => {
      throw ctx.error(V1_REASON, V1_HINT);
    },
    () => unsupported('unsupported-op', `${op}: ${V1_REASON}; ${V1_HINT}`),
    `not convertible: ${V1_REASON}`,
  );
}

/** Set by the TF table (index.ts) so nested bodies are validated against the same converters. */
let bodyRegistryFactory: (() => ConverterRegistry) | undefined;
let bodyRegistry: ConverterRegistry | undefined;
export function useRegistryForBodies(factory: () => ConverterRegistry): void {
  bodyRegistryFactory = factory;
  bodyRegistry = undefined;
}

/** What the node is, for messages: the TF1 frame or cond it came from, or the node itself. */
function label(node: GraphNode): string {
  const frame = node.attributes._frame_name;
  if (frame?.kind === 'string') return frame.value.startsWith('cond ') ? frame.value : `while-loop frame '${frame.value}'`;
  return `${node.op} '${node.name}'`;
}

/** The first node of a body (or of a body nested in it) that cannot convert, as a reason. */
function bodySupport(node: GraphNode, body: Graph): Support {
  if (!bodyRegistryFactory) return SUPPORTED;
  bodyRegistry ??= bodyRegistryFactory();
  const registry = bodyRegistry;
  for (const inner of body.nodes) {
    const verdict = checkSupport(registry, body, inner, validationContext(body, inner));
    if (!verdict.supported) {
      return unsupported(verdict.category, `${label(node)}: node '${inner.name}' (${inner.op}) blocks it: ${verdict.reason}`);
    }
  }
  return SUPPORTED;
}

function requireBodies(ctx: ValidationContext, attrs: string[]): Support {
  for (const attr of attrs) {
    const value = ctx.node.attributes[attr];
    const g = value?.kind === 'graph' ? value.value : undefined;
    if (!g) {
      const fn = value;
      const name = fn?.kind === 'func' ? `function '${fn.value.name}'` : 'no function';
      return unsupported(
        'unsupported-attribute',
        `${label(ctx.node)}: '${attr}' names ${name}, which the graph's function library does not hold`,
      );
    }
    const verdict = bodySupport(ctx.node, g);
    if (!verdict.supported) return verdict;
  }
  return SUPPORTED;
}

/** Converts a body, re-labelling its errors with the frame or node it belongs to. */
function convertBody(ctx: ConversionContext, body: Graph, formal: TensorDesc[]): ReturnType<ConversionContext['convertSubgraph']> {
  try {
    return ctx.convertSubgraph(body, formal);
  } catch (e) {
    if (!isKilnError(e)) throw e;
    throw new KilnError(e.code, `${label(ctx.node)}: ${e.message}`, {
      ...(e.node ? { node: e.node } : { node: { name: ctx.node.name, op: ctx.node.op } }),
      ...(e.hint ? { hint: e.hint } : {}),
      cause: e,
    });
  }
}

/** Binds node outputs to a body network's outputs from `offset` on (tensor lists stay sequences). */
function bindOutputs(ctx: ConversionContext, network: Network, offset: number): LayerOutputSpec[] {
  return network.outputs.slice(offset).map((t, i) => {
    const desc = network.tensor(t);
    return { name: ctx.output(i), dtype: desc.dtype, ...(desc.valueKind === 'sequence' ? { valueKind: desc.valueKind } : {}) };
  });
}

/** The If predicate as a bool tensor (TF accepts any scalar: non-zero is true). */
function boolPredicate(ctx: ConversionContext): string {
  const pred = ctx.input(0);
  const dtype = ctx.inputDType(0);
  if (dtype === undefined || dtype === 'bool') return pred;
  return ctx.addLayer('cast', { to: 'bool' }, [pred], [{ dtype: 'bool', shape: [] }])[0]!;
}

function convertIf(ctx: ConversionContext): void {
  const thenBranch = convertBody(ctx, ctx.attrs.graph('then_branch')!, []);
  const elseBranch = convertBody(ctx, ctx.attrs.graph('else_branch')!, []);
  const captured = [...new Set([...thenBranch.captures, ...elseBranch.captures])];
  const outputs = bindOutputs(ctx, thenBranch.network, 0);
  ctx.addLayer(
    'conditional',
    { thenBranch: thenBranch.network, elseBranch: elseBranch.network },
    [boolPredicate(ctx), ...captured],
    outputs,
  );
}

function validateIf(ctx: ValidationContext): Support {
  const verdict = requireBodies(ctx, ['then_branch', 'else_branch']);
  if (!verdict.supported) return verdict;
  const thenOut = ctx.attrs.graph('then_branch')!.outputs.length;
  const elseOut = ctx.attrs.graph('else_branch')!.outputs.length;
  if (thenOut !== elseOut || thenOut !== ctx.node.outputs.length) {
    return unsupported(
      'other',
      `${label(ctx.node)}: the branches return ${thenOut} and ${elseOut} values for ${ctx.node.outputs.length} outputs`,
    );
  }
  return SUPPORTED;
}

/** One loop iteration as a Graph: [iteration, condition, ...carried] → [cond(carried), step]. */
function loopStepGraph(node: GraphNode, cond: Graph, body: Graph): { graph: Graph; iteration: string; condition: string } {
  const iteration = `${node.name}/kiln_iteration`;
  const condition = `${node.name}/kiln_condition`;
  const formals = body.inputs.map((i) => i.name);
  const nodes: GraphNode[] = cond.inputs.map((c, i) => ({
    name: `${node.name}/kiln_cond_arg${i}`,
    op: 'Identity',
    domain: 'tf',
    inputs: [formals[i]!],
    outputs: [c.name],
    attributes: {},
  }));
  nodes.push(...cond.nodes);
  const keep = new Graph({
    format: 'tf',
    name: `${node.name}/kiln_keep`,
    nodes: formals.map((f, i) => ({
      name: `${node.name}/kiln_keep${i}`,
      op: 'Identity',
      domain: 'tf',
      inputs: [f],
      outputs: [`${node.name}/kiln_keep${i}`],
      attributes: {},
    })),
    outputs: formals.map((_, i) => ({ name: `${node.name}/kiln_keep${i}`, type: null })),
  });
  // The body reads the loop's formals from the enclosing step graph instead of its own inputs.
  const run = new Graph({
    format: 'tf',
    name: body.name,
    nodes: body.nodes,
    outputs: body.outputs,
    weights: body.weights,
    valueInfo: body.valueInfo,
  });
  const step = `${node.name}/kiln_step`;
  const stepOutputs = formals.map((_, i) => (i === 0 ? step : `${step}:${i}`));
  const predicate = cond.outputs[0]!.name;
  nodes.push({
    name: step,
    op: 'If',
    domain: 'tf',
    inputs: [predicate, ...formals],
    outputs: stepOutputs,
    attributes: { then_branch: { kind: 'graph', value: run }, else_branch: { kind: 'graph', value: keep } },
  });
  const graph = new Graph({
    format: 'tf',
    name: `${node.name}/kiln_loop_body`,
    nodes,
    inputs: [
      { name: iteration, type: { kind: 'tensor', dtype: 'int64', shape: [] } },
      { name: condition, type: { kind: 'tensor', dtype: 'bool', shape: [] } },
      ...body.inputs,
    ],
    outputs: [{ name: predicate, type: null }, ...stepOutputs.map((name) => ({ name, type: null }))],
    weights: cond.weights,
    valueInfo: cond.valueInfo,
  });
  return { graph, iteration, condition };
}

function convertWhile(ctx: ConversionContext): void {
  const cond = ctx.attrs.graph('cond')!;
  const body = ctx.attrs.graph('body')!;
  const step = loopStepGraph(ctx.node, cond, body);
  const formal: TensorDesc[] = [
    { name: step.iteration, dtype: 'int64', shape: [] },
    { name: step.condition, dtype: 'bool', shape: [] },
    ...body.inputs.map((v, i): TensorDesc => {
      const outer = ctx.inputDesc(i);
      return {
        name: v.name,
        dtype: outer?.dtype ?? (v.type?.kind === 'tensor' ? v.type.dtype : 'float32'),
        // A loop-carried value may change shape between iterations.
        shape: null,
        ...(outer?.valueKind === 'sequence' ? { valueKind: 'sequence' as const } : {}),
      };
    }),
  ];
  const { network, captures } = convertBody(ctx, step.graph, formal);
  const carried = body.inputs.map((_, i) => ctx.input(i));
  const start = ctx.constant(Tensor.fromValues('bool', [], [true]), `${ctx.node.name}/kiln_start`);
  const outputs = bindOutputs(ctx, network, 1);
  ctx.addLayer('loop', { body: network, numCarried: body.inputs.length }, ['', start, ...carried, ...captures], outputs);
}

function validateWhile(ctx: ValidationContext): Support {
  const verdict = requireBodies(ctx, ['cond', 'body']);
  if (!verdict.supported) return verdict;
  const cond = ctx.attrs.graph('cond')!;
  const body = ctx.attrs.graph('body')!;
  const n = ctx.node.inputs.length;
  if (cond.inputs.length !== n || body.inputs.length !== n || body.outputs.length !== n || cond.outputs.length !== 1) {
    return unsupported(
      'other',
      `${label(ctx.node)}: ${n} loop values, but cond takes ${cond.inputs.length} and returns ${cond.outputs.length}, body takes ${body.inputs.length} and returns ${body.outputs.length}`,
    );
  }
  return SUPPORTED;
}

const RESTRICTIONS = 'cond/body/branches from the function library or a restructured TF1 frame; every body node convertible';

export const tfControlFlowConverters: Converter[] = [
  ...V1_FRAMES.map(refusing),
  ...['If', 'StatelessIf'].map((op) => tfConverter(op, convertIf, validateIf, RESTRICTIONS)),
  ...['While', 'StatelessWhile'].map((op) => tfConverter(op, convertWhile, validateWhile, RESTRICTIONS)),
  ...tfTensorListConverters,
];
