/**
 * TF string ops over kiln's string tensors:
 *   - kiln::StringSplit v1 (TF StringSplit): inputs [input [N], delimiter]; outputs the
 *     sparse tokens [indices [M, 2] int64, values [M], shape [2] int64]. Every character of
 *     the delimiter separates; an empty delimiter splits into characters. Field skipEmpty.
 *   - kiln::StaticRegexReplace v1: fields pattern (RE2 syntax), rewrite (\0–\9 name groups),
 *     replaceGlobal; replaces matches in every element. Patterns JavaScript cannot compile
 *     the same way are reported, never guessed.
 */
import { ErrorCode, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers } from '../kernels/util/values.js';
import { boolField, pluginError, pluginInput, stringField } from './plugin-fields.js';

function stringsOf(layer: Parameters<Kernel<'plugin'>>[0], t: Tensor, what: string): string[] {
  if (!Array.isArray(t.data)) throw pluginError(layer, ErrorCode.INVALID_DTYPE, `${what} must be a string tensor, got ${t.dtype}`);
  return t.data;
}

export const stringSplitPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const input = pluginInput(layer, inputs, 0, 'input');
  const texts = stringsOf(layer, input, 'input');
  const [delimiter] = stringsOf(layer, pluginInput(layer, inputs, 1, 'delimiter'), 'delimiter');
  if (input.rank !== 1) throw pluginError(layer, ErrorCode.INVALID_SHAPE, `input must be 1-D, got rank ${input.rank}`);
  const skipEmpty = boolField(layer, 'skipEmpty', true);
  const separators = new Set(delimiter ?? '');
  const indices: number[] = [];
  const values: string[] = [];
  let widest = 0;
  texts.forEach((text, row) => {
    let tokens: string[];
    // An empty element has no tokens, even when empty tokens are kept.
    if (text === '') tokens = [];
    else if (separators.size === 0) tokens = [...text];
    else {
      tokens = [''];
      for (const ch of text) {
        if (separators.has(ch)) tokens.push('');
        else tokens[tokens.length - 1] += ch;
      }
    }
    if (skipEmpty) tokens = tokens.filter((t) => t !== '');
    tokens.forEach((t, col) => {
      indices.push(row, col);
      values.push(t);
    });
    widest = Math.max(widest, tokens.length);
  });
  return [
    fromNumbers('int64', [values.length, 2], indices),
    Tensor.fromValues('string', [values.length], values),
    fromNumbers('int64', [2], [texts.length, widest]),
  ];
};

/** RE2's rewrite (\N groups, literal $) in JavaScript's replacement syntax. */
function jsRewrite(rewrite: string): string {
  return rewrite
    .replace(/\$/g, '$$$$')
    .replace(/\\(\d)|\\\\/g, (_m, d: string | undefined) => (d === undefined ? '\\' : d === '0' ? '$&' : `$${d}`));
}

export const staticRegexReplacePlugin: Kernel<'plugin'> = (layer, inputs) => {
  const input = pluginInput(layer, inputs, 0, 'input');
  const texts = stringsOf(layer, input, 'input');
  const pattern = stringField(layer, 'pattern', '');
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, boolField(layer, 'replaceGlobal', true) ? 'gu' : 'u');
  } catch (e) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_ATTRIBUTE,
      `pattern /${pattern}/ does not compile: ${(e as Error).message}`,
      'use RE2 syntax that JavaScript shares',
    );
  }
  const rewrite = jsRewrite(stringField(layer, 'rewrite', ''));
  return [
    Tensor.fromValues(
      'string',
      input.shape,
      texts.map((t) => t.replace(regex, rewrite)),
    ),
  ];
};
