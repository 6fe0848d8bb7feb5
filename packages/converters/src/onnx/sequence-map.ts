/**
 * ONNX SequenceMap (opset 17): runs its body once per element of the input sequence and collects
 * each body output into an output sequence. Sequence inputs feed the body their i-th element,
 * tensor inputs the whole tensor. Lowered to a `loop` layer whose trip count is the sequence
 * length and whose carried values are the output sequences (starting empty): the loop body
 * reads the elements with sequence_at, inlines the converted SequenceMap body, and appends its
 * outputs with sequence_insert.
 */
import { Network, type TensorDesc } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { SUPPORTED, unsupported } from '../converter.js';

/** A name used by neither the inlined body nor the loop body built around it. */
function freshName(inner: Network, outer: Network, base: string): string {
  let name = base;
  for (let i = 1; inner.tensors.has(name) || outer.tensors.has(name); i++) name = `${base}_${i}`;
  return name;
}

interface LoopBody {
  network: Network;
  /** Outer tensors the loop passes in as captured values, in body-input order. */
  captured: string[];
}

/** The loop body: [iteration, condition, ...accumulators, ...node inputs, ...body captures]. */
function buildLoopBody(ctx: ConversionContext, inner: Network, innerCaptures: string[], formal: TensorDesc[]): LoopBody {
  const net = new Network(`${inner.name}/sequence_map`);
  const fresh = (base: string) => freshName(inner, net, base);
  const iteration = net.addInput({ name: fresh('sequence_map_iteration'), dtype: 'int64', shape: [] }).name;
  const condition = net.addInput({ name: fresh('sequence_map_condition'), dtype: 'bool', shape: [] }).name;
  const accumulators = inner.outputs.map((o, k) => {
    const desc = inner.tensor(o);
    return net.addInput({ name: fresh(`sequence_map_out${k}`), dtype: desc.dtype, shape: null, valueKind: 'sequence' }).name;
  });
  const nodeInputs = formal.map((_, i) => ctx.input(i));
  // Node inputs arrive as captured values; the body's formal inputs are computed from them.
  formal.forEach((f, i) => {
    const outerDesc = ctx.network.tensor(nodeInputs[i]!);
    const captured = net.addInput({ ...outerDesc, name: fresh(`sequence_map_in${i}`) }).name;
    const elementDesc: TensorDesc = { name: f.name, dtype: f.dtype, shape: f.shape };
    if (outerDesc.valueKind === 'sequence') {
      net.addLayer('sequence_at', { inputs: [captured, iteration], outputs: [elementDesc], params: {} });
    } else {
      net.addLayer('identity', { inputs: [captured], outputs: [elementDesc], params: {} });
    }
  });
  for (const name of innerCaptures) net.addInput({ ...inner.tensor(name) });
  for (const layer of inner.layers) {
    net.addLayer(layer.kind, {
      name: layer.name,
      inputs: layer.inputs,
      outputs: layer.outputs.map((o) => inner.tensor(o)),
      params: layer.params,
      ...(layer.precision ? { precision: layer.precision } : {}),
      ...(layer.origin ? { origin: layer.origin } : {}),
    });
  }
  net.markOutput(condition);
  inner.outputs.forEach((o, k) => {
    const next = { name: fresh(`sequence_map_out${k}_next`), dtype: inner.tensor(o).dtype, shape: null, valueKind: 'sequence' as const };
    net.addLayer('sequence_insert', { inputs: [accumulators[k]!, o], outputs: [next], params: {} });
    net.markOutput(next.name);
  });
  return { network: net, captured: [...nodeInputs, ...innerCaptures] };
}

const sequenceMap: Converter = {
  domain: 'ai.onnx',
  op: 'SequenceMap',
  sinceVersion: 17,
  restrictions: 'body outputs must be tensors with distinct names',
  validate(ctx) {
    const body = ctx.attrs.graph('body');
    if (!body) return unsupported('unsupported-attribute', "attribute 'body' (a graph) is missing");
    if (body.inputs.length !== ctx.node.inputs.length) {
      return unsupported('other', `the body takes ${body.inputs.length} inputs, the node gives ${ctx.node.inputs.length}`);
    }
    if (body.outputs.length !== ctx.node.outputs.length) {
      return unsupported('other', `the body returns ${body.outputs.length} outputs, the node has ${ctx.node.outputs.length}`);
    }
    if (new Set(body.outputs.map((o) => o.name)).size !== body.outputs.length) {
      return unsupported('other', 'the body returns one value under several outputs');
    }
    return SUPPORTED;
  },
  convert(ctx) {
    const body = ctx.attrs.graph('body')!;
    const first = ctx.inputDesc(0);
    if (first?.valueKind !== 'sequence') throw ctx.error(`input 0 ('${ctx.node.inputs[0]}') must be a tensor sequence`);
    const formal: TensorDesc[] = body.inputs.map((v, i) => {
      if (v.type?.kind === 'tensor') return { name: v.name, dtype: v.type.dtype, shape: v.type.shape };
      const outer = ctx.inputDesc(i);
      if (!outer) throw ctx.error(`the type of input ${i} ('${ctx.node.inputs[i]}') is unknown`);
      return { name: v.name, dtype: outer.dtype, shape: null };
    });
    const inner = ctx.convertSubgraph(body, formal);
    const sequenceOutput = inner.network.outputs.find((o) => inner.network.tensor(o).valueKind === 'sequence');
    if (sequenceOutput) throw ctx.error(`body output '${sequenceOutput}' is a sequence; SequenceMap bodies return tensors`);
    const loopBody = buildLoopBody(ctx, inner.network, inner.captures, formal);
    const [length] = ctx.addLayer('sequence_length', {}, [ctx.input(0)], [{ dtype: 'int64', shape: [] }]);
    const empties = inner.network.outputs.map((o) => {
      const dtype = inner.network.tensor(o).dtype;
      return ctx.addLayer('sequence_empty', { dtype }, [], [{ dtype, valueKind: 'sequence' }])[0]!;
    });
    const outputs = inner.network.outputs.map((o, k) => ({
      name: ctx.output(k),
      dtype: inner.network.tensor(o).dtype,
      valueKind: 'sequence' as const,
    }));
    ctx.addLayer('loop', { body: loopBody.network, numCarried: empties.length }, [length!, '', ...empties, ...loopBody.captured], outputs);
  },
};

export const sequenceMapConverters: readonly Converter[] = [sequenceMap];
