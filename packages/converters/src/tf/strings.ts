/**
 * TF string ops on kiln's string tensors, as kiln plugins: StringSplit (sparse tokens),
 * StringNGrams (n-grams of ragged token rows) and StaticRegexReplace (RE2 patterns run as JavaScript regular expressions; the plugin refuses
 * patterns that do not compile).
 */
import type { Converter } from '../converter.js';
import { out, tfConverter, tfPlugin } from './helpers.js';

export const tfStringConverters: Converter[] = [
  tfConverter('StringSplit', (ctx) => {
    const outputs = [out(ctx, 'int64'), out(ctx, 'string', 1), out(ctx, 'int64', 2)];
    tfPlugin(ctx, 'StringSplit', { skipEmpty: ctx.attrs.bool('skip_empty', true) }, [ctx.input(0), ctx.input(1)], outputs);
  }),
  tfConverter('StringNGrams', (ctx) => {
    const splitsType = ctx.attrs.type('Tsplits') ?? ctx.inputDType(1) ?? 'int64';
    const fields = {
      separator: ctx.attrs.string('separator', ' '),
      widths: ctx.attrs.ints('ngram_widths', []),
      leftPad: ctx.attrs.string('left_pad', ''),
      rightPad: ctx.attrs.string('right_pad', ''),
      padWidth: ctx.attrs.int('pad_width', -1),
      preserveShort: ctx.attrs.bool('preserve_short_sequences', false),
      splitsType,
    };
    tfPlugin(ctx, 'StringNGrams', fields, [ctx.input(0), ctx.input(1)], [out(ctx, 'string'), out(ctx, splitsType, 1)]);
  }),
  tfConverter('StaticRegexReplace', (ctx) => {
    const fields = {
      pattern: ctx.attrs.string('pattern', ''),
      rewrite: ctx.attrs.string('rewrite', ''),
      replaceGlobal: ctx.attrs.bool('replace_global', true),
    };
    tfPlugin(ctx, 'StaticRegexReplace', fields, [ctx.input(0)], [out(ctx, 'string')]);
  }),
];
