// Type-checked (never run) under moduleResolution nodenext (as .mts and .cts copies) and
// bundler: the public API must resolve to real types, not `any`; each @ts-expect-error fails
// the check if the line it marks type-checks.
import type { Graph } from '@kiln-inference/core';
import { ErrorCode, InferenceSession, KilnError, type SessionOptions, Tensor } from 'kiln-inference';

export async function classify(path: string, pixels: readonly number[]): Promise<Float32Array> {
  const options: SessionOptions = {};
  const session: InferenceSession = await InferenceSession.create(path, options);
  const input = Tensor.fromValues('float32', [1, 1, 8, 8], pixels);
  const outputs: Record<string, Tensor> = await session.run({ [session.inputNames[0] ?? 'x']: input });
  await session.release();
  const probabilities = outputs[session.outputNames[0] ?? 'y'];
  if (!probabilities) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'the model has no output');
  return Float32Array.from(probabilities.toArray(), Number);
}

export function inputCount(graph: Graph): number {
  return graph.inputs.length;
}

// @ts-expect-error: 'float33' is not a Kiln dtype.
Tensor.fromValues('float33', [1], [0]);
// @ts-expect-error: create takes a path, bytes or a buffer, not a number.
InferenceSession.create(42);
