/**
 * kiln::MelWeightMatrix v1 — ONNX MelWeightMatrix. inputs [numMelBins, dftLength, sampleRate,
 * lowerEdgeHertz, upperEdgeHertz]; field outputType. Output [dftLength/2 + 1, numMelBins] of
 * triangular filters with peak 1, edges spaced evenly on mel(f) = 2595·log10(1 + f/700) and
 * snapped to spectrogram bins the way the ONNX specification's reference does.
 */
import { type DType, ErrorCode, isDType } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers } from '../kernels/util/values.js';
import { pluginError, pluginInput, scalarInt, stringField } from './plugin-fields.js';

const MAX_BINS = 1 << 20;

const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const toHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

export const melWeightMatrixPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const melBins = scalarInt(layer, pluginInput(layer, inputs, 0, 'num_mel_bins'), 'num_mel_bins');
  const dftLength = scalarInt(layer, pluginInput(layer, inputs, 1, 'dft_length'), 'dft_length');
  const sampleRate = scalarInt(layer, pluginInput(layer, inputs, 2, 'sample_rate'), 'sample_rate');
  const lower = pluginInput(layer, inputs, 3, 'lower_edge_hertz').getNumber(0);
  const upper = pluginInput(layer, inputs, 4, 'upper_edge_hertz').getNumber(0);
  const outputType = stringField(layer, 'outputType', 'float32');
  if (!isDType(outputType)) throw pluginError(layer, ErrorCode.INVALID_DTYPE, `outputType '${outputType}' is not a dtype`);
  if (melBins < 1 || melBins > MAX_BINS || dftLength < 1 || dftLength > MAX_BINS || sampleRate < 1 || !(upper > lower)) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_ARGUMENT,
      `bad mel parameters: bins ${melBins}, dft_length ${dftLength}, sample_rate ${sampleRate}, edges ${lower}..${upper}`,
    );
  }
  const spectrumBins = Math.floor(dftLength / 2) + 1;
  const lowMel = toMel(lower);
  const step = (toMel(upper) - lowMel) / (melBins + 2);
  // Filter edges in spectrogram-bin units, floored as the specification's reference does.
  const edges = Array.from({ length: melBins + 2 }, (_, i) => Math.floor(((dftLength + 1) * toHz(i * step + lowMel)) / sampleRate));
  const out = new Float64Array(spectrumBins * melBins);
  const set = (j: number, i: number, v: number) => {
    if (j >= 0 && j < spectrumBins) out[j * melBins + i] = v;
  };
  for (let i = 0; i < melBins; i++) {
    const [left, centre, right] = [edges[i]!, edges[i + 1]!, edges[i + 2]!];
    if (centre === left) set(centre, i, 1);
    else for (let j = left; j <= centre; j++) set(j, i, (j - left) / (centre - left));
    if (right > centre) for (let j = centre; j < right; j++) set(j, i, (right - j) / (right - centre));
  }
  return [fromNumbers(outputType as DType, [spectrumBins, melBins], out)];
};
