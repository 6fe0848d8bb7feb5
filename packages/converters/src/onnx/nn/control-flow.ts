/**
 * ONNX If, Loop and Scan → conditional / loop / scan layers with converted sub-networks. Values a
 * body reads from enclosing scopes become extra layer inputs after the formal ones (the
 * sub-network lists them as inputs under their outer names). Tensor sequences may flow through
 * If branches and Loop-carried values (the CPU backend passes them through); Scan bodies and
 * optional- or map-typed values are rejected.
 */
import type { Graph, Network, TensorDesc, ValueInfo } from '@kiln-inference/core';
import type { ConversionContext, Converter, LayerOutputSpec, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';

function isTensorSequence(v: ValueInfo): boolean {
  return v.type?.kind === 'sequence' && (v.type.element === null || v.type.element.kind === 'tensor');
}

function nonTensor(values: readonly ValueInfo[], what: string, allowSequences: boolean): Support {
  const bad = values.find((v) => v.type !== null && v.type.kind !== 'tensor' && !(allowSequences && isTensorSequence(v)));
  const allowed = allowSequences ? 'tensors and tensor sequences' : 'only tensors';
  return bad
    ? unsupported('unsupported-dtype', `${what} '${bad.name}' is a ${bad.type!.kind}; ${allowed} can flow through this control flow`)
    : SUPPORTED;
}

function requireGraph(ctx: ValidationContext, name: string): Graph | Support {
  const g = ctx.attrs.graph(name);
  return g ?? unsupported('unsupported-attribute', `attribute '${name}' (a graph) is missing`);
}

function bodyTypes(body: Graph, what: string, allowSequences = false): Support {
  const i = nonTensor(body.inputs, `${what} input`, allowSequences);
  return i.supported ? nonTensor(body.outputs, `${what} output`, allowSequences) : i;
}

type FormalFallback = (i: number) => Pick<TensorDesc, 'dtype' | 'shape' | 'valueKind'> | undefined;

/** Formal input descriptions of a body, typed from its declarations or a fallback. */
function formalInputs(body: Graph, fallback: FormalFallback): TensorDesc[] {
  return body.inputs.map((v, i) => {
    if (v.type?.kind === 'tensor') return { name: v.name, dtype: v.type.dtype, shape: v.type.shape };
    if (v.type?.kind === 'sequence' && v.type.element?.kind === 'tensor') {
      return { name: v.name, dtype: v.type.element.dtype, shape: v.type.element.shape, valueKind: 'sequence' };
    }
    const f = fallback(i);
    const kind = v.type?.kind === 'sequence' ? 'sequence' : f?.valueKind;
    return { name: v.name, dtype: f?.dtype ?? 'float32', shape: f?.shape ?? null, ...(kind === 'sequence' ? { valueKind: kind } : {}) };
  });
}

/**
 * Converts a body and makes its network list one output per body output: a body may name the
 * same value twice (e.g. as a loop-carried value and a scan output), which Network.markOutput
 * keeps once; the repeats become identity layers so positions still line up.
 */
function convertBody(ctx: ConversionContext, body: Graph, formal: TensorDesc[]): { network: Network; captures: string[] } {
  const converted = ctx.convertSubgraph(body, formal);
  const { network } = converted;
  if (network.outputs.length === body.outputs.length) return converted;
  const firstSeen = new Map<string, string>();
  let next = 0;
  network.outputs = body.outputs.map((o) => {
    const known = firstSeen.get(o.name);
    if (known === undefined) {
      const tensor = network.outputs[next++]!;
      firstSeen.set(o.name, tensor);
      return tensor;
    }
    const copy = network.uniqueName(`${o.name}_repeat`);
    network.addLayer('identity', { inputs: [known], outputs: [{ ...network.tensor(known), name: copy }], params: {} });
    return copy;
  });
  return converted;
}

function bindOutputs(ctx: ConversionContext, network: Network, count: number, offset: number): LayerOutputSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const desc = network.tensor(network.outputs[offset + i]!);
    return { name: ctx.output(i), dtype: desc.dtype, ...(desc.valueKind === 'sequence' ? { valueKind: desc.valueKind } : {}) };
  });
}

const ifConverter: Converter = {
  domain: 'ai.onnx',
  op: 'If',
  restrictions: 'tensor- or tensor-sequence-valued branches',
  validate(ctx) {
    for (const name of ['then_branch', 'else_branch']) {
      const g = requireGraph(ctx, name);
      if (!('nodes' in g)) return g;
      const v = bodyTypes(g, name, true);
      if (!v.supported) return v;
      if (g.outputs.length !== ctx.node.outputs.length)
        return unsupported('other', `${name} has ${g.outputs.length} outputs, the node ${ctx.node.outputs.length}`);
    }
    return SUPPORTED;
  },
  convert(ctx) {
    const thenBranch = convertBody(ctx, ctx.attrs.graph('then_branch')!, []);
    const elseBranch = convertBody(ctx, ctx.attrs.graph('else_branch')!, []);
    const captured = [...new Set([...thenBranch.captures, ...elseBranch.captures])];
    const outputs = bindOutputs(ctx, thenBranch.network, ctx.node.outputs.length, 0);
    ctx.addLayer('conditional', { thenBranch: thenBranch.network, elseBranch: elseBranch.network }, [ctx.input(0), ...captured], outputs);
  },
};

const loopConverter: Converter = {
  domain: 'ai.onnx',
  op: 'Loop',
  restrictions: 'tensor or tensor-sequence loop-carried values, tensor scan outputs; trip count and/or condition',
  validate(ctx) {
    const body = requireGraph(ctx, 'body');
    if (!('nodes' in body)) return body;
    const carried = ctx.node.inputs.length - 2;
    if (carried < 0 || body.inputs.length !== carried + 2)
      return unsupported('other', `the body takes ${body.inputs.length} inputs, expected 2 + ${Math.max(0, carried)} loop-carried`);
    if (body.outputs.length < carried + 1)
      return unsupported('other', `the body returns ${body.outputs.length} outputs, expected at least ${carried + 1}`);
    if (!ctx.hasInput(0) && !ctx.hasInput(1))
      return unsupported('unsupported-attribute', 'a Loop with neither trip count nor condition never ends');
    const scanOutputs = body.outputs.slice(1 + carried);
    const scanSequence = scanOutputs.find((v) => v.type?.kind === 'sequence');
    if (scanSequence)
      return unsupported('unsupported-dtype', `loop scan output '${scanSequence.name}' is a sequence; scan outputs stack tensors`);
    return bodyTypes(body, 'loop body', true);
  },
  convert(ctx) {
    const body = ctx.attrs.graph('body')!;
    const numCarried = ctx.node.inputs.length - 2;
    const formal = formalInputs(body, (i) => {
      if (i === 0) return { dtype: 'int64', shape: [] };
      if (i === 1) return { dtype: 'bool', shape: [] };
      const d = ctx.inputDesc(i);
      return d ? { dtype: d.dtype, shape: null, valueKind: d.valueKind } : undefined;
    });
    const { network, captures } = convertBody(ctx, body, formal);
    const carried = Array.from({ length: numCarried }, (_, k) => ctx.input(2 + k));
    const outputs = bindOutputs(ctx, network, body.outputs.length - 1, 1);
    ctx.addLayer('loop', { body: network, numCarried }, [ctx.input(0), ctx.input(1), ...carried, ...captures], outputs);
  },
};

/** Scan-8 puts an optional sequence_lens input first; later versions have none. */
function scanLeadingInputs(ctx: ValidationContext): number {
  return ctx.opset < 9 ? 1 : 0;
}

const scanConverter: Converter = {
  domain: 'ai.onnx',
  op: 'Scan',
  sinceVersion: 8,
  restrictions: 'Scan-8 (batch axis, sequence_lens) and Scan-9+ (axes, directions)',
  validate(ctx) {
    const body = requireGraph(ctx, 'body');
    if (!('nodes' in body)) return body;
    const lead = scanLeadingInputs(ctx);
    const numScan = ctx.attrs.int('num_scan_inputs');
    if (numScan === undefined || numScan < 1 || numScan > ctx.node.inputs.length - lead)
      return unsupported('unsupported-attribute', `num_scan_inputs ${numScan} must be between 1 and the input count`);
    if (body.inputs.length !== ctx.node.inputs.length - lead)
      return unsupported('other', `the body takes ${body.inputs.length} inputs, the node gives ${ctx.node.inputs.length - lead}`);
    for (const name of ['directions', 'scan_input_directions', 'scan_output_directions']) {
      const dirs = ctx.attrs.ints(name, []);
      if (dirs.some((d) => d !== 0 && d !== 1))
        return unsupported('unsupported-attribute', `${name} [${dirs.join(',')}] must hold 0 (forward) or 1 (reverse)`);
    }
    return bodyTypes(body, 'scan body');
  },
  convert(ctx) {
    const body = ctx.attrs.graph('body')!;
    const lead = scanLeadingInputs(ctx);
    const numScanInputs = ctx.attrs.int('num_scan_inputs', 1);
    const numStates = ctx.node.inputs.length - lead - numScanInputs;
    const formal = formalInputs(body, (i) => {
      const d = ctx.inputDesc(lead + i);
      return d ? { dtype: d.dtype, shape: null } : undefined;
    });
    const { network, captures } = convertBody(ctx, body, formal);
    const numScanOutputs = body.outputs.length - numStates;
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const params = {
      body: network,
      numStates,
      numScanInputs,
      scanInputAxes: ctx.attrs.ints('scan_input_axes', zeros(numScanInputs)),
      scanInputDirections: ctx.attrs.ints(lead ? 'directions' : 'scan_input_directions', zeros(numScanInputs)),
      scanOutputAxes: ctx.attrs.ints('scan_output_axes', zeros(numScanOutputs)),
      scanOutputDirections: ctx.attrs.ints('scan_output_directions', zeros(numScanOutputs)),
      ...(lead ? { batched: true } : {}),
    };
    const inputs = Array.from({ length: ctx.node.inputs.length }, (_, i) => ctx.input(i));
    ctx.addLayer('scan', params, [...inputs, ...captures], bindOutputs(ctx, network, body.outputs.length, 0));
  },
};

export const controlFlowConverters: readonly Converter[] = [ifConverter, loopConverter, scanConverter];
