/**
 * Messages between an execution context and its worker thread. Tensors travel as their
 * storage arrays, transferred (not copied) where the sender gives them up.
 * The worker checks each message's shape before it reads it: any message gets an answer.
 */
import {
  type DType,
  ErrorCode,
  KilnError,
  type LayerContext,
  type NodeContext,
  type ResourceLimits,
  Tensor,
  type TensorData,
} from '@kiln-inference/core';
import { type RuntimeValue, TensorSequence } from '@kiln-inference/cpu-runtime';

/** What an execution context sends its worker: as workerData at start, or in a load message to a pooled worker. */
export interface EngineWorkerData {
  planBytes: Uint8Array;
  kernels?: 'native' | 'reference';
  limits?: ResourceLimits;
  /** URLs of plugin modules the worker imports before it loads the plan (see PluginModule). */
  pluginModules?: string[];
}

export interface WireTensor {
  name: string;
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** A tensor sequence: its element dtype (kept when empty) and its elements. */
export interface WireSequence {
  name: string;
  sequence: { dtype: DType; elements: WireTensor[] };
}

export type WireValue = WireTensor | WireSequence;

export interface WireError {
  code: string;
  message: string;
  hint?: string;
  layer?: LayerContext;
  node?: NodeContext;
}

export type WorkerRequest = { id: number; feeds: WireValue[] };
/**
 * A pooled worker changing hands: `load` gives it the next context's plan, `unload` drops the
 * current one (its native programs freed, the thread's limits back to their defaults).
 */
export type WorkerControl = { load: EngineWorkerData } | { unload: true };
/**
 * A run's result, or a message about the worker itself (`id: null`): `ok: true` once it has
 * loaded its plan and serves runs, `ok: false` when it cannot serve any (its plan did not load),
 * `unloaded` once it has dropped its plan and can serve another context.
 */
export type WorkerResponse =
  | { id: number; ok: true; outputs: WireValue[] }
  | { id: number; ok: false; error: WireError }
  | { id: null; ok: true }
  | { id: null; ok: false; error: WireError }
  | { id: null; unloaded: true };

/** The control message in `message`, if it is one (a `load` is checked when the plan is read). */
export function parseControl(message: unknown): WorkerControl | undefined {
  if (!isRecord(message) || 'id' in message) return undefined;
  if (message.unload === true) return { unload: true };
  if (isRecord(message.load)) return { load: message.load as unknown as EngineWorkerData };
  return undefined;
}

/**
 * Packs tensors for postMessage. Typed storage is copied once and the copy transferred: the
 * sender's tensors (user feeds, plan weights that an identity or constant layer passes
 * through) must stay usable after the message leaves.
 */
export function toWire(values: Map<string, RuntimeValue>): { wire: WireValue[]; transfer: ArrayBuffer[] } {
  const wire: WireValue[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const [name, v] of values) {
    if (v instanceof TensorSequence) {
      const elements = v.elements.map((t, i) => tensorToWire(`${name}[${i}]`, t, transfer));
      wire.push({ name, sequence: { dtype: v.dtype, elements } });
    } else {
      wire.push(tensorToWire(name, v, transfer));
    }
  }
  return { wire, transfer };
}

function tensorToWire(name: string, t: Tensor, transfer: ArrayBuffer[]): WireTensor {
  let data = t.data;
  if (!Array.isArray(data)) {
    data = data.slice();
    const buffer = data.buffer;
    if (buffer instanceof ArrayBuffer) transfer.push(buffer);
  }
  return { name, dtype: t.dtype, shape: [...t.shape], data };
}

function tensorFromWire(w: WireTensor): Tensor {
  return new Tensor(w.dtype, w.shape, w.data);
}

/**
 * The id of a request, or -1 when the message has none: the worker answers every message,
 * and the runner ignores answers to ids it did not send.
 */
export function requestId(message: unknown): number {
  const id = isRecord(message) ? message.id : undefined;
  return typeof id === 'number' && Number.isInteger(id) ? id : -1;
}

/** Checks a request's shape before the worker reads it; a malformed one is a KilnError, never a TypeError. */
export function parseRequest(message: unknown): Map<string, RuntimeValue> {
  if (!isRecord(message) || requestId(message) < 0 || !Array.isArray(message.feeds)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'the execution worker received a message that is not a run request', {
      hint: 'post nothing to an execution worker yourself; call ExecutionContext.run()',
    });
  }
  for (const w of message.feeds as unknown[]) {
    const ok = isRecord(w) && typeof w.name === 'string' && (isRecord(w.sequence) ? Array.isArray(w.sequence.elements) : isWireTensor(w));
    if (!ok || (isRecord(w.sequence) && !(w.sequence.elements as unknown[]).every(isWireTensor))) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'the execution worker received a malformed feed', {
        hint: 'feeds are posted by ExecutionContext.run(); pass Tensors to it',
      });
    }
  }
  return fromWire(message.feeds as WireValue[]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isWireTensor(v: unknown): boolean {
  return (
    isRecord(v) &&
    typeof v.dtype === 'string' &&
    Array.isArray(v.shape) &&
    (ArrayBuffer.isView(v.data) || Array.isArray(v.data)) &&
    !(v.data instanceof DataView)
  );
}

export function fromWire(wire: WireValue[]): Map<string, RuntimeValue> {
  return new Map(
    wire.map((w): [string, RuntimeValue] =>
      'sequence' in w
        ? [w.name, new TensorSequence(w.sequence.dtype, w.sequence.elements.map(tensorFromWire))]
        : [w.name, tensorFromWire(w)],
    ),
  );
}

export function errorToWire(e: unknown): WireError {
  if (e instanceof KilnError) {
    return {
      code: e.code,
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.layer ? { layer: e.layer } : {}),
      ...(e.node ? { node: e.node } : {}),
    };
  }
  return { code: ErrorCode.RUNTIME_ERROR, message: e instanceof Error ? e.message : String(e) };
}

/** Rebuilds the worker's KilnError; the message already names the layer and carries the hint. */
export function errorFromWire(w: WireError): KilnError {
  const code = (Object.values(ErrorCode) as string[]).includes(w.code) ? (w.code as ErrorCode) : ErrorCode.RUNTIME_ERROR;
  const err = new KilnError(code, w.message);
  return Object.assign(err, {
    ...(w.hint ? { hint: w.hint } : {}),
    ...(w.layer ? { layer: w.layer } : {}),
    ...(w.node ? { node: w.node } : {}),
  });
}
