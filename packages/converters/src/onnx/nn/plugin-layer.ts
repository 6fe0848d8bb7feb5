/** Lowering helpers for ops that run as kiln's built-in plugins (namespace 'kiln', version '1'). */
import type { DType, PluginFieldValue } from '@kiln-inference/core';
import type { ConversionContext } from '../../converter.js';
import { ONNX_TYPE_CODES } from '../onnx-type-codes.js';

const PLUGIN_OUTPUT_DTYPES = new Set<DType>([
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'bfloat16',
]);

/** ONNX type codes of the numeric types plugins may be asked to output. */
export const ONNX_NUMERIC_TYPES: Readonly<Record<number, DType>> = Object.fromEntries(
  Object.entries(ONNX_TYPE_CODES).filter(([, dtype]) => PLUGIN_OUTPUT_DTYPES.has(dtype)),
);

/** Adds a kiln plugin layer reading node inputs [0, inputCount) and binding the node's outputs. */
export function addPluginLayer(
  ctx: ConversionContext,
  name: string,
  fields: Record<string, PluginFieldValue>,
  inputCount: number,
  outputDTypes: DType[],
): void {
  const inputs = Array.from({ length: inputCount }, (_, i) => ctx.input(i));
  const outputs = outputDTypes.map((dtype, i) => ({ name: ctx.output(i), dtype }));
  ctx.addLayer('plugin', { namespace: 'kiln', name, version: '1', fields }, inputs, outputs);
}
