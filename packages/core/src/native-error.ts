/**
 * Errors from kiln's native addons as KilnErrors. The addons throw plain JS Errors carrying
 * `code` (an ErrorCode name), `hint` and, for Program failures, `layer` ({ name, kind, index }
 * of the op's layer); both runtime packages convert them here so the mapping is stated once.
 */
import { ErrorCode, KilnError, type LayerContext } from './errors.js';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

function layerOf(value: unknown): LayerContext | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, kind, index } = value as { name?: unknown; kind?: unknown; index?: unknown };
  if (typeof name !== 'string') return undefined;
  return {
    name,
    ...(typeof kind === 'string' ? { kind } : {}),
    ...(typeof index === 'number' && Number.isInteger(index) ? { index } : {}),
  };
}

/**
 * `e` as a KilnError: its own code when it names a known one, else `fallback`; the layer the
 * caller knows, else the one the addon reported.
 */
export function kilnErrorFromNative(e: unknown, fallback: ErrorCode, layer?: LayerContext): KilnError {
  if (e instanceof KilnError) return e;
  const err = e as { message?: unknown; code?: unknown; hint?: unknown; layer?: unknown };
  const code = typeof err?.code === 'string' && KNOWN_CODES.has(err.code) ? (err.code as ErrorCode) : fallback;
  const hint = typeof err?.hint === 'string' ? err.hint : undefined;
  let message = typeof err?.message === 'string' ? err.message : String(e);
  // The native message already ends with the hint; KilnError appends it again from `hint`.
  if (hint && message.endsWith(` Hint: ${hint}`)) message = message.slice(0, -` Hint: ${hint}`.length);
  const where = layer ?? layerOf(err?.layer);
  return new KilnError(code, message, { ...(where ? { layer: where } : {}), ...(hint ? { hint } : {}), cause: e });
}
