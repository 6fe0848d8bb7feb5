/**
 * onnxruntime's `executionProviders` list mapped onto Kiln's backends. As in onnxruntime the
 * list is an order of preference and the first provider this machine can run wins; unlike a
 * silently skipped entry, a name Kiln does not know is an error, so a typo never means "cpu".
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { cudaStatus } from '../cuda/cuda-runtime-module.js';

/** A provider name, or onnxruntime's object form `{ name, ...settings }`. */
export type ExecutionProviderConfig = string | { readonly name: string; readonly deviceId?: number };

export interface ChosenBackend {
  backend: 'cpu' | 'cuda';
  /** CUDA device index (onnxruntime's deviceId). */
  device?: number;
}

/** Says whether a backend can run here, and why not. 'cpu' is always available. */
export type BackendProbe = (backend: 'cuda', device: number) => { ok: true } | { ok: false; reason: string };

/** The provider names Kiln knows and the backend each runs on. */
export const EXECUTION_PROVIDERS: Readonly<Record<string, 'cpu' | 'cuda'>> = { cpu: 'cpu', cuda: 'cuda' };

// Settings each provider's object form may carry; other keys would be ignored, so they are refused.
const PROVIDER_SETTINGS: Readonly<Record<'cpu' | 'cuda', readonly string[]>> = { cpu: ['name'], cuda: ['name', 'deviceId'] };

export function chooseBackend(providers: unknown, probe: BackendProbe = probeCuda): ChosenBackend {
  if (!Array.isArray(providers) || providers.length === 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'executionProviders must be a non-empty array', {
      hint: "list providers in order of preference, e.g. executionProviders: ['cuda', 'cpu']",
    });
  }
  // Every entry is checked before one is chosen, so a bad entry after an available one still shows.
  const wanted = providers.map(readProvider);
  const refused: string[] = [];
  for (const w of wanted) {
    if (w.backend === 'cpu') return { backend: 'cpu' };
    const device = w.device ?? 0;
    const found = probe('cuda', device);
    if (found.ok) return { backend: 'cuda', device };
    refused.push(`cuda (device ${device}): ${found.reason}`);
  }
  throw new KilnError(ErrorCode.NATIVE_UNAVAILABLE, `none of the execution providers can run here: ${refused.join('; ')}`, {
    hint: "add 'cpu' last to fall back to the CPU: executionProviders: ['cuda', 'cpu']",
  });
}

function readProvider(p: unknown, index: number): { backend: 'cpu' | 'cuda'; device?: number } {
  const name = typeof p === 'string' ? p : typeof p === 'object' && p !== null ? (p as { name?: unknown }).name : undefined;
  if (typeof name !== 'string') {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `executionProviders[${index}] is neither a provider name nor an object with a name`, {
      hint: `use one of ${known()}, or { name: 'cuda', deviceId: 0 }`,
    });
  }
  const backend = EXECUTION_PROVIDERS[name.toLowerCase()];
  if (backend === undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `execution provider '${name}' is not one Kiln has`, {
      hint: `Kiln knows ${known()} ('cuda' is Kiln's own TensorRT-style GPU engine, so use it for 'tensorrt' too)`,
    });
  }
  if (typeof p === 'string') return { backend };
  const extra = Object.keys(p as object).filter((k) => !PROVIDER_SETTINGS[backend].includes(k));
  if (extra.length > 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `execution provider '${name}' has settings Kiln does not apply: ${extra.join(', ')}`, {
      hint: `'${backend}' takes ${PROVIDER_SETTINGS[backend].join(', ')}`,
    });
  }
  const deviceId = (p as { deviceId?: unknown }).deviceId;
  if (deviceId === undefined) return { backend };
  if (!Number.isInteger(deviceId) || (deviceId as number) < 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `execution provider '${name}' has deviceId ${String(deviceId)}`, {
      hint: 'deviceId is a CUDA device index, an integer ≥ 0',
    });
  }
  return { backend, device: deviceId as number };
}

function known(): string {
  return Object.keys(EXECUTION_PROVIDERS)
    .map((n) => `'${n}'`)
    .join(', ');
}

/** CUDA runs when the addon was built with CUDA, a driver answers and the device exists. */
function probeCuda(_backend: 'cuda', device: number): { ok: true } | { ok: false; reason: string } {
  const s = cudaStatus();
  if (!s.addonLoaded || !s.compiledWithCuda) return { ok: false, reason: s.reason ?? 'the CUDA addon is not built with CUDA' };
  if (s.driver !== 'ok') return { ok: false, reason: s.reason ?? `driver status '${s.driver}'` };
  if (device >= s.devices.length) return { ok: false, reason: `this machine has ${s.devices.length} CUDA device(s)` };
  return { ok: true };
}
