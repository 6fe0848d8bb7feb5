/**
 * kiln::StringNGrams v1 — TF StringNGrams over a ragged batch of tokens. inputs [data [T]
 * strings, splits [S + 1]]; outputs [ngrams [M] strings, ngramSplits [S + 1]]. Each row
 * yields, per width, the joined n-grams of its tokens padded with leftPad / rightPad (pad
 * width padWidth, or width − 1 when negative, never more than width − 1); with
 * preserveShort a non-empty row that yielded none yields its whole padded self. Fields:
 * separator, widths, leftPad, rightPad, padWidth, preserveShort, splitsType.
 */
import { type DType, ErrorCode, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints } from '../kernels/util/values.js';
import { boolField, numberField, numbersField, pluginError, pluginInput, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

export const stringNGramsPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const dataT = pluginInput(layer, inputs, 0, 'data');
  if (!Array.isArray(dataT.data)) throw pluginError(layer, ErrorCode.INVALID_DTYPE, `data must be strings, got ${dataT.dtype}`);
  const data = dataT.data;
  const splits = ints(pluginInput(layer, inputs, 1, 'data_splits'));
  const separator = stringField(layer, 'separator', ' ');
  const widths = numbersField(layer, 'widths', []);
  const [leftPad, rightPad] = [stringField(layer, 'leftPad', ''), stringField(layer, 'rightPad', '')];
  const padWidth = numberField(layer, 'padWidth', -1);
  const preserveShort = boolField(layer, 'preserveShort', false);
  const splitsType = stringField(layer, 'splitsType', 'int64') as DType;
  if (widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `ngram_widths [${widths.join(',')}] must be positive integers`);
  }
  const ordered = splits.every((s, i) => Number.isInteger(s) && s >= 0 && s <= data.length && (i === 0 || s >= splits[i - 1]!));
  if (splits.length < 1 || !ordered || splits[0] !== 0 || splits[splits.length - 1] !== data.length) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_ARGUMENT,
      `data_splits [${splits.join(',')}] must rise from 0 to the ${data.length} tokens`,
      'pass row splits of the token list',
    );
  }
  const padOf = (width: number): number => Math.min(padWidth < 0 ? width - 1 : padWidth, width - 1);
  const ngrams: string[] = [];
  const outSplits = [0];
  /** Appends the `count` n-grams of `width` over tokens [start, end). */
  const emit = (start: number, end: number, width: number, count: number): void => {
    const pad = padOf(width);
    for (let g = 0; g < count; g++) {
      const left = Math.max(0, pad - g);
      const right = Math.max(0, pad - (count - (g + 1)));
      const first = left > 0 ? start : start + g - pad;
      const parts = [
        ...new Array<string>(left).fill(leftPad),
        ...data.slice(first, Math.min(first + width - left - right, end)),
        ...new Array<string>(right).fill(rightPad),
      ];
      ngrams.push(parts.join(separator));
    }
  };
  for (let r = 0; r + 1 < splits.length; r++) {
    const [start, end] = [splits[r]!, splits[r + 1]!];
    const before = ngrams.length;
    for (const width of widths) {
      const count = Math.max(0, end - start + 2 * padOf(width) - width + 1);
      checkPluginOutput(layer, 'string', [ngrams.length + count], 'ngrams');
      emit(start, end, width, count);
    }
    if (preserveShort && ngrams.length === before && end > start) emit(start, end, end - start + 2 * Math.max(padWidth, 0), 1);
    outSplits.push(ngrams.length);
  }
  return [Tensor.fromValues('string', [ngrams.length], ngrams), fromNumbers(splitsType, [outSplits.length], outSplits)];
};
