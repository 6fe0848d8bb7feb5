/**
 * kiln::HannWindow / HammingWindow / BlackmanWindow v1 — ONNX's cosine-sum windows.
 * Input [size] (scalar int); fields periodic (bool), outputType (dtype). With N = size when
 * periodic, size - 1 when symmetric: w[n] = Σ_k (-1)^k a_k cos(2πkn/N).
 */
import { type DType, ErrorCode, isDType } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers } from '../kernels/util/values.js';
import { boolField, pluginError, pluginInput, scalarInt, stringField } from './plugin-fields.js';

const MAX_WINDOW = 1 << 26;

function cosineSumWindow(coefficients: readonly number[]): Kernel<'plugin'> {
  return (layer, inputs) => {
    const size = scalarInt(layer, pluginInput(layer, inputs, 0, 'size'), 'size');
    if (size < 0 || size > MAX_WINDOW)
      throw pluginError(layer, ErrorCode.DIMENSION_TOO_LARGE, `window size ${size} is outside [0, ${MAX_WINDOW}]`);
    const outputType = stringField(layer, 'outputType', 'float32');
    if (!isDType(outputType)) throw pluginError(layer, ErrorCode.INVALID_DTYPE, `outputType '${outputType}' is not a dtype`);
    const periodic = boolField(layer, 'periodic', true);
    const n = periodic ? size : size - 1;
    const values = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      let v = 0;
      coefficients.forEach((a, k) => {
        v += (k % 2 === 0 ? a : -a) * (n === 0 ? 1 : Math.cos((2 * Math.PI * k * i) / n));
      });
      values[i] = v;
    }
    return [fromNumbers(outputType as DType, [size], values)];
  };
}

export const hannWindowPlugin = cosineSumWindow([0.5, 0.5]);
export const hammingWindowPlugin = cosineSumWindow([25 / 46, 21 / 46]);
export const blackmanWindowPlugin = cosineSumWindow([0.42, 0.5, 0.08]);
