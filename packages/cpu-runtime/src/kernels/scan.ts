/**
 * ONNX Scan (opset ≥ 9), layer kind 'scan': inputs [...initialStates, ...scanInputs, ...captured].
 * Each iteration feeds the body [...states, ...one slice of every scan input, ...captured] and
 * reads back [...new states, ...one slice of every scan output]; the layer returns
 * [...final states, ...stacked scan outputs]. Axes pick the sliced/stacked dimension, direction 1
 * walks an input backwards or stacks an output in reverse order.
 *
 * With params.batched (ONNX Scan-8) the layer also takes sequence lengths first, and states and
 * scan inputs carry a leading batch axis: the body runs per batch entry over its own length.
 */
import { ErrorCode, formatShape, KilnError, type Layer, type Network, normalizeAxis, stridesOf, Tensor } from '@kiln-inference/core';
import type { Kernel, KernelContext } from '../kernel.js';

type Storage = { [i: number]: unknown; length: number };

/** The `index`-th slice of `t` along `axis`, with that axis removed (copies storage elements). */
export function sliceAlong(t: Tensor, axis: number, index: number): Tensor {
  const shape = t.shape.filter((_, a) => a !== axis);
  const out = new Tensor(t.dtype, shape);
  const inner = stridesOf(t.shape)[axis]!;
  const len = t.shape[axis]!;
  const outer = t.size / Math.max(1, len * inner);
  const src = t.data as unknown as Storage;
  const dst = out.data as unknown as Storage;
  for (let o = 0; o < outer; o++) {
    const from = (o * len + index) * inner;
    for (let i = 0; i < inner; i++) dst[o * inner + i] = src[from + i];
  }
  return out;
}

/** Stacks equally shaped tensors along a new axis `axis` (copies storage elements). */
export function stackAlong(parts: readonly Tensor[], axis: number, what: string): Tensor {
  const first = parts[0]!;
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.rank !== first.rank || p.shape.some((d, i) => d !== first.shape[i])) {
      throw new KilnError(
        ErrorCode.SHAPE_MISMATCH,
        `${what}: iterations produced ${formatShape(first.shape)} and ${formatShape(p.shape)}`,
        {
          hint: 'every iteration must produce scan outputs of one shape and dtype',
        },
      );
    }
  }
  const shape = [...first.shape.slice(0, axis), parts.length, ...first.shape.slice(axis)];
  const out = new Tensor(first.dtype, shape);
  const inner = axis < first.rank ? stridesOf(first.shape)[axis]! * first.shape[axis]! : 1;
  const outer = first.size / Math.max(1, inner);
  const dst = out.data as unknown as Storage;
  parts.forEach((p, k) => {
    const src = p.data as unknown as Storage;
    for (let o = 0; o < outer; o++) {
      const to = (o * parts.length + k) * inner;
      for (let i = 0; i < inner; i++) dst[to + i] = src[o * inner + i];
    }
  });
  return out;
}

/** A zero-length stack for a body output whose element shape is known statically. */
export function emptyStack(body: Network, outputIndex: number, axis: number): Tensor {
  const desc = body.tensor(body.outputs[outputIndex]!);
  const dims = desc.shape?.every((d) => typeof d === 'number') ? (desc.shape as number[]) : [];
  return new Tensor(desc.dtype, [...dims.slice(0, axis), 0, ...dims.slice(axis)]);
}

/** Binds the body's captured inputs (those after `formal`) to the layer's trailing inputs, by position. */
export function captureFeeds(
  body: Network,
  formal: number,
  layerInputs: (Tensor | undefined)[],
  firstCaptured: number,
): Map<string, Tensor> {
  const feeds = new Map<string, Tensor>();
  for (let j = formal; j < body.inputs.length; j++) {
    const t = layerInputs[firstCaptured + j - formal];
    if (!t) throw new KilnError(ErrorCode.RUNTIME_ERROR, `captured tensor '${body.inputs[j]!.name}' has no value`);
    feeds.set(body.inputs[j]!.name, t);
  }
  return feeds;
}

type ScanParams = Layer<'scan'>['params'];

/** Runs the body over `steps` slices; returns the final states and each scan output's slices. */
function runSteps(
  params: ScanParams,
  ctx: KernelContext,
  initial: Tensor[],
  scanInputs: Tensor[],
  inAxes: number[],
  steps: number,
  captured: Map<string, Tensor>,
): { states: Tensor[]; slices: Tensor[][] } {
  const { body, numStates } = params;
  let states = initial;
  const slices: Tensor[][] = Array.from({ length: body.outputs.length - numStates }, () => []);
  for (let step = 0; step < steps; step++) {
    const feeds = new Map(captured);
    states.forEach((s, i) => {
      feeds.set(body.inputs[i]!.name, s);
    });
    scanInputs.forEach((t, i) => {
      const index = params.scanInputDirections[i] === 1 ? steps - 1 - step : step;
      feeds.set(body.inputs[numStates + i]!.name, sliceAlong(t, inAxes[i]!, index));
    });
    const outs = ctx.runSubnetwork(body, feeds);
    states = outs.slice(0, numStates);
    slices.forEach((list, j) => {
      list.push(outs[numStates + j]!);
    });
  }
  return { states, slices };
}

/** The common step count of the scan inputs along their axes. */
function stepCount(scanInputs: Tensor[], inAxes: number[]): number {
  const steps = scanInputs[0]!.shape[inAxes[0]!]!;
  scanInputs.forEach((t, i) => {
    if (t.shape[inAxes[i]!] !== steps) {
      throw new KilnError(
        ErrorCode.SHAPE_MISMATCH,
        `scan input ${i} has ${t.shape[inAxes[i]!]} steps along axis ${inAxes[i]}, input 0 has ${steps}`,
      );
    }
  });
  return steps;
}

function requireTensors(list: (Tensor | undefined)[], what: string): Tensor[] {
  if (list.some((t) => !t)) throw new KilnError(ErrorCode.RUNTIME_ERROR, `a ${what} is missing`);
  return list as Tensor[];
}

/** Opset ≥ 9: no batch axis. */
function scanUnbatched(params: ScanParams, inputs: (Tensor | undefined)[], ctx: KernelContext): Tensor[] {
  const { body, numStates, numScanInputs } = params;
  const scanInputs = requireTensors(inputs.slice(numStates, numStates + numScanInputs), 'scan input');
  if (scanInputs.length === 0) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'scan needs at least one scan input');
  const inAxes = scanInputs.map((t, i) => normalizeAxis(params.scanInputAxes[i] ?? 0, t.rank));
  const captured = captureFeeds(body, numStates + numScanInputs, inputs, numStates + numScanInputs);
  const initial = requireTensors(inputs.slice(0, numStates), 'scan state');
  const { states, slices } = runSteps(params, ctx, initial, scanInputs, inAxes, stepCount(scanInputs, inAxes), captured);
  const scanOutputs = slices.map((parts, j) => {
    const rankOut = (parts[0]?.rank ?? 0) + 1;
    const axis = normalizeAxis(params.scanOutputAxes[j] ?? 0, rankOut);
    if (parts.length === 0) return emptyStack(body, numStates + j, axis);
    return stackAlong(params.scanOutputDirections[j] === 1 ? [...parts].reverse() : parts, axis, `scan output ${j}`);
  });
  return [...states, ...scanOutputs];
}

/** Scan-8: a leading batch axis, per-entry sequence lengths, scan outputs zero-padded to the longest. */
function scanBatched(params: ScanParams, inputs: (Tensor | undefined)[], ctx: KernelContext): Tensor[] {
  const { body, numStates, numScanInputs } = params;
  const initial = requireTensors(inputs.slice(1, 1 + numStates), 'scan state');
  const scanInputs = requireTensors(inputs.slice(1 + numStates, 1 + numStates + numScanInputs), 'scan input');
  if (scanInputs.length === 0 || scanInputs.some((t) => t.rank < 2))
    throw new KilnError(ErrorCode.INVALID_SHAPE, 'Scan-8 inputs must be [batch, sequence, …]');
  const batch = scanInputs[0]!.shape[0]!;
  const maxSteps = stepCount(
    scanInputs,
    scanInputs.map(() => 1),
  );
  const lens = inputs[0] ? Array.from(inputs[0].toFloat64()) : new Array<number>(batch).fill(maxSteps);
  if (lens.length !== batch || lens.some((l) => !Number.isInteger(l) || l < 0 || l > maxSteps)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `sequence_lens [${lens.join(',')}] must hold ${batch} lengths in [0, ${maxSteps}]`);
  }
  const captured = captureFeeds(body, numStates + numScanInputs, inputs, 1 + numStates + numScanInputs);
  const finals: Tensor[][] = Array.from({ length: numStates }, () => []);
  const outputs: Tensor[][] = Array.from({ length: body.outputs.length - numStates }, () => []);
  for (let b = 0; b < batch; b++) {
    const run = runSteps(
      params,
      ctx,
      initial.map((t) => sliceAlong(t, 0, b)),
      scanInputs.map((t) => sliceAlong(t, 0, b)),
      scanInputs.map(() => 0),
      lens[b]!,
      captured,
    );
    run.states.forEach((t, i) => {
      finals[i]!.push(t);
    });
    run.slices.forEach((parts, j) => {
      const like = parts[0] ?? emptyStack(body, numStates + j, 0);
      const elementShape = parts[0] ? like.shape : like.shape.slice(1);
      const padded = [...parts, ...Array.from({ length: maxSteps - parts.length }, () => new Tensor(like.dtype, elementShape))];
      outputs[j]!.push(padded.length ? stackAlong(padded, 0, `scan output ${j}`) : new Tensor(like.dtype, [0, ...elementShape]));
    });
  }
  return [
    ...finals.map((parts, i) => stackAlong(parts, 0, `final state ${i}`)),
    ...outputs.map((parts, j) => stackAlong(parts, 0, `scan output ${j}`)),
  ];
}

export const scanKernel: Kernel<'scan'> = (layer, inputs, ctx) =>
  layer.params.batched ? scanBatched(layer.params, inputs, ctx) : scanUnbatched(layer.params, inputs, ctx);
