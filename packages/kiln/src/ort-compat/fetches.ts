/**
 * The optional second and third arguments of onnxruntime's `session.run(feeds, fetches?,
 * options?)`: which outputs to return, and the run options. Fetches are output names (an array)
 * or an object keyed by output name whose values are null or a tensor to write the output into.
 * An object second argument is read as fetches when any key is an output name or is not a run
 * option, so a misspelt output name is reported rather than taken for an option.
 */
import { ErrorCode, KilnError, Tensor, type TypedArray } from '@kiln-inference/core';
import type { RunOptions } from '@kiln-inference/engine';

export interface RunArguments {
  /** Output names to return, in the order given; undefined: all outputs. */
  fetches: readonly string[] | undefined;
  /** Caller tensors the named outputs are written into. */
  targets: ReadonlyMap<string, Tensor>;
  options: RunOptions;
}

const RUN_OPTION_KEYS: readonly string[] = ['signal'];

export function readRunArguments(outputNames: readonly string[], second: unknown, third: unknown): RunArguments {
  if (second === undefined || second === null) return { fetches: undefined, targets: new Map(), options: runOptions(third) };
  if (Array.isArray(second)) return { fetches: readFetches(outputNames, second), targets: new Map(), options: runOptions(third) };
  if (typeof second !== 'object') {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `run()'s second argument is fetches or run options, not a ${typeof second}`, {
      hint: "pass output names (['out']), an object ({ out: null }) or run options ({ signal })",
    });
  }
  const keys = Object.keys(second);
  const isFetches = third !== undefined || keys.some((k) => outputNames.includes(k) || !RUN_OPTION_KEYS.includes(k));
  if (!isFetches) return { fetches: undefined, targets: new Map(), options: runOptions(second) };
  const targets = new Map<string, Tensor>();
  for (const [name, value] of Object.entries(second)) {
    if (value === null || value === undefined) continue;
    if (!(value instanceof Tensor) || value.isDisposed) {
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `fetch '${name}' is ${value instanceof Tensor ? 'a disposed tensor' : typeof value}, not null or a Tensor`,
        {
          hint: 'give null to receive a new tensor, or a Tensor of the output dtype and shape to receive it in place',
        },
      );
    }
    targets.set(name, value);
  }
  return { fetches: readFetches(outputNames, keys), targets, options: runOptions(third) };
}

function readFetches(outputNames: readonly string[], names: readonly unknown[]): string[] {
  const unknown = names.filter((n) => typeof n !== 'string' || !outputNames.includes(n));
  if (unknown.length > 0) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `fetches name ${unknown.map((n) => `'${String(n)}'`).join(', ')}, which ${unknown.length === 1 ? 'is not an output' : 'are not outputs'} of this model`,
      { hint: `outputs are: ${outputNames.join(', ') || '(none)'}` },
    );
  }
  return [...new Set(names as string[])];
}

function runOptions(given: unknown): RunOptions {
  if (given === undefined || given === null) return {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'run options must be an object', {
      hint: 'e.g. { signal: AbortSignal.timeout(1000) }',
    });
  }
  const extra = Object.keys(given).filter((k) => !RUN_OPTION_KEYS.includes(k));
  if (extra.length > 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `run options ${extra.join(', ')} are not ones Kiln has`, {
      hint: "Kiln's run options are: signal (an AbortSignal; it replaces onnxruntime's terminate). Per-run log levels and tags do not exist",
    });
  }
  return given as RunOptions;
}

/** Copies an output into the caller's tensor (onnxruntime's pre-allocated fetch), which must match it. */
export function writeInto(name: string, output: Tensor, target: Tensor): Tensor {
  const same =
    output.dtype === target.dtype && output.shape.length === target.shape.length && output.shape.every((d, i) => d === target.shape[i]);
  if (!same) {
    throw new KilnError(ErrorCode.SHAPE_MISMATCH, `fetch '${name}' is a ${target.toString()}, but the output is a ${output.toString()}`, {
      hint: 'give a tensor of the output dtype and shape, or null to receive a new tensor',
    });
  }
  if (Array.isArray(target.data)) target.data.splice(0, target.data.length, ...(output.data as string[]));
  else (target.data as TypedArray).set(output.data as never);
  return target;
}
