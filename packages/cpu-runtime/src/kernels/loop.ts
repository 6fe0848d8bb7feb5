/**
 * ONNX Loop, layer kind 'loop': inputs [maxTripCount|'', condition|'', ...carriedInitial,
 * ...captured]. The body gets [iteration (int64 scalar), condition (bool scalar), ...carried,
 * ...captured] and returns [condition, ...carried, ...scanOutputs]. The loop stops when the
 * trip count is reached or the body's condition is false; scan outputs stack along a new axis 0.
 * Loop-carried and captured values may be tensor sequences (they pass through the body as they
 * are); scan outputs must be tensors.
 */
import { checkCount, currentResourceLimits, ErrorCode, KilnError, type Network, Tensor } from '@kiln-inference/core';
import type { ValueKernel } from '../kernel.js';
import { type RuntimeValue, TensorSequence } from '../runtime-value.js';
import { emptyStack, stackAlong } from './scan.js';

function scalarValue(v: RuntimeValue | undefined, what: string): number | undefined {
  if (!v) return undefined;
  const t = tensorValue(v, what);
  if (t.size !== 1) throw new KilnError(ErrorCode.INVALID_SHAPE, `${what} must hold one element, got ${t.size}`);
  return t.getNumber(0);
}

function tensorValue(v: RuntimeValue, what: string): Tensor {
  if (v instanceof TensorSequence) throw new KilnError(ErrorCode.RUNTIME_ERROR, `${what} must be a tensor, got ${v.toString()}`);
  return v;
}

/** Body inputs after the formal ones read the layer's trailing (captured) inputs, in order. */
function capturedValues(body: Network, formal: number, layerInputs: readonly (RuntimeValue | undefined)[]): Map<string, RuntimeValue> {
  const feeds = new Map<string, RuntimeValue>();
  for (let j = formal; j < body.inputs.length; j++) {
    const v = layerInputs[j];
    if (!v) throw new KilnError(ErrorCode.RUNTIME_ERROR, `captured value '${body.inputs[j]!.name}' has no value`);
    feeds.set(body.inputs[j]!.name, v);
  }
  return feeds;
}

export const loopKernel: ValueKernel<'loop'> = (layer, inputs, ctx) => {
  const { body, numCarried } = layer.params;
  const maxTrips = scalarValue(inputs[0], 'the trip count');
  let keepGoing = (scalarValue(inputs[1], 'the loop condition') ?? 1) !== 0;
  if (maxTrips === undefined && inputs[1] === undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'a loop with neither a trip count nor a condition never ends', {
      hint: 'give the Loop node a trip count M or a condition input',
    });
  }
  const numScanOutputs = body.outputs.length - 1 - numCarried;
  const captured = capturedValues(body, 2 + numCarried, inputs);
  let carried = inputs.slice(2, 2 + numCarried) as RuntimeValue[];
  if (carried.some((t) => !t)) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'a loop-carried initial value is missing');
  const collected: Tensor[][] = Array.from({ length: numScanOutputs }, () => []);
  // A loop still running past the iteration limit is runaway, refused rather than left to hang.
  const limits = currentResourceLimits();
  for (let i = 0; keepGoing && (maxTrips === undefined || i < maxTrips); i++) {
    if (i >= limits.maxLoopIterations) {
      checkCount('maxLoopIterations', i + 1, 'the loop iterations', {
        layer: { name: layer.name, kind: layer.kind },
        hint: 'the body condition never became false or the trip count is absurd; check the model or the feeds that drive it, or raise limits.maxLoopIterations',
      });
    }
    const feeds = new Map<string, RuntimeValue>(captured);
    feeds.set(body.inputs[0]!.name, new Tensor('int64', [], BigInt64Array.of(BigInt(i))));
    feeds.set(body.inputs[1]!.name, new Tensor('bool', [], Uint8Array.of(keepGoing ? 1 : 0)));
    carried.forEach((t, k) => {
      feeds.set(body.inputs[2 + k]!.name, t);
    });
    const outs = ctx.runSubnetworkValues(body, feeds);
    keepGoing = scalarValue(outs[0], 'the body condition') !== 0;
    carried = outs.slice(1, 1 + numCarried);
    for (let j = 0; j < numScanOutputs; j++) collected[j]!.push(tensorValue(outs[1 + numCarried + j]!, `loop scan output ${j}`));
  }
  const scanOutputs = collected.map((parts, j) =>
    parts.length === 0 ? emptyStack(body, 1 + numCarried + j, 0) : stackAlong(parts, 0, `loop scan output ${j}`),
  );
  return [...carried, ...scanOutputs];
};
