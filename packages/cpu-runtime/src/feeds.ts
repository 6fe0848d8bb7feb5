/**
 * Checks user feeds against a network's inputs before anything runs or is posted to a worker.
 * A feed that is not what it claims (a transferred-away buffer, a DataView, storage shorter than
 * its shape) would otherwise run and return garbage or fail deep inside a kernel.
 */
import { ErrorCode, formatShape, KilnError, type Network, storageMatches, Tensor, type TensorDesc } from '@kiln-inference/core';
import { describeValue, type RuntimeValue, TensorSequence } from './runtime-value.js';

/** Tensors by input name; inputs declared as sequences take a TensorSequence. */
export type Feeds = Record<string, RuntimeValue> | Map<string, RuntimeValue>;

const FEEDS_HINT = 'pass a plain object (or a Map) of input name → Tensor, e.g. run({ input: tensor })';

/** Feeds as a map; anything but a plain object or a Map of string keys is refused. */
export function feedsToMap(feeds: Feeds): Map<string, RuntimeValue> {
  const given = feeds as unknown;
  if (given instanceof Map) {
    for (const key of given.keys()) {
      if (typeof key !== 'string') {
        throw new KilnError(ErrorCode.INVALID_ARGUMENT, `feeds map has a ${typeof key} key; keys are input names`, { hint: FEEDS_HINT });
      }
    }
    return new Map(given as Map<string, RuntimeValue>);
  }
  if (given === null || typeof given !== 'object') {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `feeds must be an object of named tensors, got ${describeAny(given)}`, {
      hint: FEEDS_HINT,
    });
  }
  const proto = Object.getPrototypeOf(given);
  if (proto !== Object.prototype && proto !== null) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `feeds must be a plain object of named tensors, got ${describeAny(given)}`, {
      hint: FEEDS_HINT,
    });
  }
  return new Map(Object.entries(given as Record<string, RuntimeValue>));
}

/** Every input fed, nothing unknown fed, storage intact, dtypes equal, concrete dims equal. */
export function validateFeeds(network: Network, feeds: Map<string, RuntimeValue>): void {
  const names = new Set(network.inputs.map((i) => i.name));
  for (const name of feeds.keys()) {
    if (!names.has(name)) {
      throw new KilnError(ErrorCode.UNKNOWN_FEED, `'${name}' is not an input of this model`, {
        hint: `inputs are: ${[...names].join(', ') || '(none)'}`,
      });
    }
  }
  for (const input of network.inputs) {
    const t = feeds.get(input.name);
    if (t === undefined || t === null) {
      throw new KilnError(ErrorCode.MISSING_FEED, `input '${input.name}' was not fed`, {
        hint:
          input.valueKind === 'sequence'
            ? `feed ${expectedValue(input)}`
            : `feed a ${input.dtype} tensor of shape ${formatShape(input.shape)}`,
      });
    }
    const wantSequence = input.valueKind === 'sequence';
    if (!(t instanceof Tensor) && !(t instanceof TensorSequence)) {
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `input '${input.name}' was fed ${describeAny(t)}, not a ${wantSequence ? 'TensorSequence' : 'Tensor'}`,
        {
          hint: wantSequence
            ? 'feed a TensorSequence (from @kiln-inference/cpu-runtime)'
            : `wrap the data: new Tensor('${input.dtype}', shape, data), or Tensor.fromValues(...)`,
        },
      );
    }
    if (wantSequence !== t instanceof TensorSequence) {
      throw new KilnError(
        ErrorCode.FEED_DTYPE_MISMATCH,
        `input '${input.name}' expects ${expectedValue(input)} but was fed ${describeValue(t)}`,
        {
          hint: wantSequence ? 'feed a TensorSequence (from @kiln-inference/cpu-runtime)' : 'feed a Tensor',
        },
      );
    }
    if (t instanceof TensorSequence) {
      validateSequenceFeed(input, t);
      continue;
    }
    checkStorage(input.name, t);
    if (t.dtype !== input.dtype) {
      throw new KilnError(ErrorCode.FEED_DTYPE_MISMATCH, `input '${input.name}' expects ${input.dtype} but was fed ${t.dtype}`, {
        hint: `convert the data to ${input.dtype} before feeding it`,
      });
    }
    if (input.shape) {
      const ok = t.shape.length === input.shape.length && input.shape.every((d, i) => typeof d !== 'number' || d === t.shape[i]);
      if (!ok) {
        throw new KilnError(
          ErrorCode.FEED_SHAPE_MISMATCH,
          `input '${input.name}' expects shape ${formatShape(input.shape)} but was fed ${formatShape(t.shape)}`,
          { hint: 'symbolic dims (names or ?) accept any size; numbers must match exactly' },
        );
      }
    }
  }
}

/**
 * The tensor's storage is what its dtype needs, still attached, and exactly as long as its shape.
 * A typed array whose buffer was transferred (postMessage, structuredClone) reads as empty.
 */
function checkStorage(name: string, t: Tensor): void {
  if (t.isDisposed) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `input '${name}' was disposed, so it has no data`, {
      hint: 'feed a tensor that has not been disposed (dispose() and getData(true) give its storage up)',
    });
  }
  const shape = t.shape as unknown;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new KilnError(ErrorCode.FEED_SHAPE_MISMATCH, `input '${name}' has an invalid shape ${String(shape)}`, {
      hint: 'dims are integers ≥ 0; build the tensor with new Tensor(dtype, shape, data)',
    });
  }
  const elements = shape.reduce((a: number, d: number) => a * d, 1);
  const data = t.data as unknown;
  if (data instanceof DataView) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `input '${name}' is backed by a DataView, not a typed array`, {
      hint: `wrap the bytes in the typed array ${t.dtype} uses (e.g. new Float32Array(view.buffer, view.byteOffset, n))`,
    });
  }
  if (!(ArrayBuffer.isView(data) || Array.isArray(data)) || !storageMatches(t.dtype, data as Tensor['data'])) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `input '${name}' stores its ${t.dtype} elements in ${describeAny(data)}, not the storage ${t.dtype} needs`,
      { hint: `build the tensor with Tensor.fromValues('${t.dtype}', shape, values) or new Tensor('${t.dtype}', shape)` },
    );
  }
  if (ArrayBuffer.isView(data) && isDetached(data.buffer, data.byteLength, elements)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `input '${name}' has a detached buffer (it was transferred away)`, {
      hint: 'feed a tensor whose buffer is still owned here: copy it before transferring it (postMessage transfer list, structuredClone)',
    });
  }
  const length = (data as Tensor['data']).length;
  if (length !== elements) {
    throw new KilnError(
      ErrorCode.FEED_SHAPE_MISMATCH,
      `input '${name}' has ${length} elements but its shape ${formatShape(t.shape)} needs ${elements}`,
      { hint: 'make the storage exactly as long as the shape: new Tensor(dtype, shape, data)' },
    );
  }
}

function isDetached(buffer: ArrayBufferLike, byteLength: number, elements: number): boolean {
  const flag = (buffer as { detached?: unknown }).detached;
  if (typeof flag === 'boolean') return flag;
  return byteLength === 0 && elements > 0;
}

function describeAny(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'object') return `a ${typeof v}`;
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

function expectedValue(input: TensorDesc): string {
  return input.valueKind === 'sequence' ? `a sequence of ${input.dtype}` : `a ${input.dtype} tensor`;
}

/** Element dtype equal and every element's storage intact; ranks and concrete dims are not checked (ONNX allows ragged sequences). */
function validateSequenceFeed(input: TensorDesc, t: TensorSequence): void {
  if (t.dtype !== input.dtype) {
    throw new KilnError(
      ErrorCode.FEED_DTYPE_MISMATCH,
      `input '${input.name}' expects a sequence of ${input.dtype} but was fed a sequence of ${t.dtype}`,
      {
        hint: `convert the elements to ${input.dtype} before feeding them`,
      },
    );
  }
  t.elements.forEach((e, i) => {
    if (!(e instanceof Tensor)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `element ${i} of input '${input.name}' is ${describeAny(e)}, not a Tensor`, {
        hint: 'build sequences with new TensorSequence(dtype, tensors)',
      });
    }
    checkStorage(`${input.name}[${i}]`, e);
  });
}
