/**
 * ONNX signal ops (DFT, STFT, the cosine-sum windows, MelWeightMatrix) → kiln built-in plugins.
 * DFT's axis is an attribute before opset 20 and an optional input from 20 (default -2).
 */
import type { Converter } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { checkDType, FLOAT_TYPES } from './conv.js';
import { addPluginLayer, ONNX_NUMERIC_TYPES } from './plugin-layer.js';

const dft: Converter = {
  domain: 'ai.onnx',
  op: 'DFT',
  dtypes: FLOAT_TYPES,
  restrictions: 'runs as plugin kiln::DFT (CPU); O(n log n) FFT in float64, any length up to 2^22',
  validate: (ctx) => checkDType(ctx, 0, FLOAT_TYPES),
  convert(ctx) {
    const fields = {
      inverse: ctx.attrs.int('inverse', 0) === 1,
      onesided: ctx.attrs.int('onesided', 0) === 1,
      axis: ctx.opset >= 20 ? -2 : ctx.attrs.int('axis', 1),
    };
    addPluginLayer(ctx, 'DFT', fields, ctx.opset >= 20 ? 3 : 2, [ctx.inputDType(0) ?? 'float32']);
  },
};

const stft: Converter = {
  domain: 'ai.onnx',
  op: 'STFT',
  dtypes: FLOAT_TYPES,
  restrictions: 'runs as plugin kiln::STFT (CPU)',
  validate: (ctx) => checkDType(ctx, 0, FLOAT_TYPES),
  convert(ctx) {
    addPluginLayer(ctx, 'STFT', { onesided: ctx.attrs.int('onesided', 1) === 1 }, 4, [ctx.inputDType(0) ?? 'float32']);
  },
};

function windowConverter(op: string): Converter {
  return {
    domain: 'ai.onnx',
    op,
    restrictions: `runs as plugin kiln::${op} (CPU)`,
    validate(ctx) {
      const code = ctx.attrs.int('output_datatype', 1);
      return code in ONNX_NUMERIC_TYPES ? SUPPORTED : unsupported('unsupported-attribute', `output_datatype ${code} is not a numeric type`);
    },
    convert(ctx) {
      const outputType = ONNX_NUMERIC_TYPES[ctx.attrs.int('output_datatype', 1)]!;
      addPluginLayer(ctx, op, { periodic: ctx.attrs.int('periodic', 1) === 1, outputType }, 1, [outputType]);
    },
  };
}

const melWeightMatrix: Converter = {
  domain: 'ai.onnx',
  op: 'MelWeightMatrix',
  restrictions: 'runs as plugin kiln::MelWeightMatrix (CPU)',
  validate(ctx) {
    const code = ctx.attrs.int('output_datatype', 1);
    return code in ONNX_NUMERIC_TYPES ? SUPPORTED : unsupported('unsupported-attribute', `output_datatype ${code} is not a numeric type`);
  },
  convert(ctx) {
    const outputType = ONNX_NUMERIC_TYPES[ctx.attrs.int('output_datatype', 1)]!;
    addPluginLayer(ctx, 'MelWeightMatrix', { outputType }, 5, [outputType]);
  },
};

export const signalConverters: readonly Converter[] = [
  dft,
  stft,
  windowConverter('HannWindow'),
  windowConverter('HammingWindow'),
  windowConverter('BlackmanWindow'),
  melWeightMatrix,
];
