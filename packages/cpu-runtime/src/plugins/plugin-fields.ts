/** Typed access to plugin fields, with errors that name the layer and the field. */
import { ErrorCode, KilnError, type Layer, type PluginFieldValue, type Tensor } from '@kiln-inference/core';

function fieldError(layer: Layer<'plugin'>, name: string, expected: string, got: PluginFieldValue | undefined): KilnError {
  return new KilnError(ErrorCode.INVALID_ATTRIBUTE, `field '${name}' should be ${expected}, got ${JSON.stringify(got)}`, {
    layer: { name: layer.name, kind: `plugin ${layer.params.namespace}::${layer.params.name}` },
    hint: 'the plugin layer was built with wrong fields; rebuild it from the model',
  });
}

export function numberField(layer: Layer<'plugin'>, name: string, fallback?: number): number {
  const v = layer.params.fields[name];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw fieldError(layer, name, 'a number', v);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'number') throw fieldError(layer, name, 'a number', v);
  return v;
}

export function numbersField(layer: Layer<'plugin'>, name: string, fallback: number[] = []): number[] {
  const v = layer.params.fields[name];
  // An empty list means "the default" (ONNX list attributes left out).
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return fallback;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw fieldError(layer, name, 'a list of numbers', v);
  return v as number[];
}

export function stringField(layer: Layer<'plugin'>, name: string, fallback: string): string {
  const v = layer.params.fields[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw fieldError(layer, name, 'a string', v);
  return v;
}

export function boolField(layer: Layer<'plugin'>, name: string, fallback: boolean): boolean {
  const v = layer.params.fields[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v !== 0;
  if (typeof v !== 'boolean') throw fieldError(layer, name, 'a boolean', v);
  return v;
}

/** A required input, or a KilnError naming the plugin layer. */
export function pluginInput(layer: Layer<'plugin'>, inputs: (Tensor | undefined)[], i: number, what: string): Tensor {
  const t = inputs[i];
  if (!t) {
    throw new KilnError(ErrorCode.RUNTIME_ERROR, `input ${i} (${what}) is missing`, {
      layer: { name: layer.name, kind: `plugin ${layer.params.namespace}::${layer.params.name}` },
    });
  }
  return t;
}

/** A KilnError naming the plugin layer. */
export function pluginError(layer: Layer<'plugin'>, code: ErrorCode, message: string, hint?: string): KilnError {
  return new KilnError(code, message, {
    layer: { name: layer.name, kind: `plugin ${layer.params.namespace}::${layer.params.name}` },
    ...(hint ? { hint } : {}),
  });
}

/** A scalar integer input (sizes, lengths, steps). */
export function scalarInt(layer: Layer<'plugin'>, t: Tensor, what: string): number {
  if (t.size !== 1) throw pluginError(layer, ErrorCode.INVALID_SHAPE, `${what} must be a scalar, got ${t.size} elements`);
  const v = t.getNumber(0);
  if (!Number.isInteger(v)) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `${what} must be an integer, got ${v}`);
  return v;
}
