/**
 * LayerDefs of layers that keep their input's shape but compute along an axis or a window:
 * softmax, the normalizations, LRN, Lp normalization, cumulative sums, trilu and
 * reverse_sequence. Their first output always has x's dtype and shape.
 */
import { ErrorCode, KilnError } from '../errors.js';
import type { LayerDef, ValueFacts } from '../layer-def.js';
import { type Dim, formatShape } from '../shape.js';
import { axisIn, dimsCompatible, requireRank } from './dims.js';
import { requiredInput } from './input-facts.js';
import { arrayOf, bool, dtype, int, number, oneOf, opt, req } from './param-builders.js';

const sameAsX = (inputs: readonly (ValueFacts | undefined)[]): ValueFacts => {
  const x = requiredInput(inputs, 0, 'x');
  return { dtype: x.dtype, shape: x.shape };
};

const pure = { foldable: true, deterministic: true } as const;

export const NORMALIZATION_DEFS: {
  readonly [K in 'softmax' | 'normalization' | 'lrn' | 'lp_normalization' | 'cumulative' | 'trilu' | 'reverse_sequence']: LayerDef<K>;
} = {
  softmax: {
    kind: 'softmax',
    summary: 'Softmax, log-softmax or hardmax along an axis (coerce2d: over the flattened trailing block).',
    params: { axis: req(int()), mode: req(oneOf('softmax', 'log_softmax', 'hardmax')), coerce2d: opt(bool, false) },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }],
    traits: { inPlace: true, ...pure },
    infer: ({ layer, inputs }) => {
      const out = sameAsX(inputs);
      if (out.shape) axisIn(layer.params.axis, Math.max(out.shape.length, 1), 'softmax axis');
      return [out];
    },
  },

  normalization: {
    kind: 'normalization',
    summary: 'Instance, layer, group, batch or RMS normalization over `axes`, then scale and bias.',
    params: {
      axes: req(arrayOf(int())),
      epsilon: req(number),
      numGroups: req(int(1)),
      channelAxis: req(int()),
      kind: req(oneOf('instance', 'layer', 'group', 'batch', 'rms')),
      stashType: opt(dtype),
    },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'scale', role: 'weight', optional: true },
      { name: 'bias', role: 'weight', optional: true },
    ],
    outputs: [{ name: 'y' }, { name: 'mean', optional: true }, { name: 'invStdDev', optional: true }],
    traits: pure,
    infer: ({ layer, inputs }) => {
      const y = sameAsX(inputs);
      const p = layer.params;
      let statShape: Dim[] | null = null;
      if (y.shape) {
        const rank = y.shape.length;
        const grouped = p.kind === 'group';
        const needsChannel = grouped || ((p.kind === 'instance' || p.kind === 'group') && p.axes.length === 0);
        const channel = needsChannel ? axisIn(p.channelAxis, rank, 'channelAxis') : -1;
        // Instance and group norm with no axes listed reduce every axis after the channel.
        const reduced = new Set(
          p.axes.length > 0 || (p.kind !== 'instance' && p.kind !== 'group')
            ? p.axes.map((a) => axisIn(a, rank, 'normalization axis'))
            : Array.from({ length: rank - channel - 1 }, (_, i) => channel + 1 + i),
        );
        if (grouped) {
          const channels = y.shape[channel]!;
          if (typeof channels === 'number' && channels % p.numGroups !== 0) {
            throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `${channels} channels cannot be split into ${p.numGroups} groups`, {
              hint: 'numGroups must divide the channel count',
            });
          }
        }
        statShape = y.shape.map((d, a) => (grouped && a === channel ? p.numGroups : reduced.has(a) ? 1 : d));
      }
      // The reference backend stores statistics in the stash type unless that is float64.
      const statType = p.stashType && p.stashType !== 'float64' ? p.stashType : y.dtype;
      const result: ValueFacts[] = [y];
      for (let i = 1; i < layer.outputs.length; i++) result.push({ dtype: statType, shape: statShape });
      return result;
    },
  },

  lrn: {
    kind: 'lrn',
    summary: 'Local response normalization across channels (ONNX LRN).',
    params: { size: req(int(1)), alpha: req(number), beta: req(number), bias: req(number) },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }],
    traits: pure,
    infer: ({ inputs }) => {
      const out = sameAsX(inputs);
      if (out.shape) requireRank(out.shape, 2, 'lrn input', { hint: 'the input is N, C, spatial…' });
      return [out];
    },
  },

  lp_normalization: {
    kind: 'lp_normalization',
    summary: 'y = x / ||x||_p along an axis (ONNX LpNormalization).',
    params: { axis: req(int()), p: req(oneOf(1, 2)) },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }],
    traits: pure,
    infer: ({ layer, inputs }) => {
      const out = sameAsX(inputs);
      if (out.shape) axisIn(layer.params.axis, Math.max(out.shape.length, 1), 'lp_normalization axis');
      return [out];
    },
  },

  cumulative: {
    kind: 'cumulative',
    summary: 'Cumulative sum or product along the axis given by a scalar input (ONNX CumSum).',
    params: { op: req(oneOf('sum', 'prod')), exclusive: req(bool), reverse: req(bool) },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'axis', role: 'scalar' },
    ],
    outputs: [{ name: 'y' }],
    traits: pure,
    infer: ({ inputs }) => {
      requiredInput(inputs, 1, 'axis');
      return [sameAsX(inputs)];
    },
  },

  trilu: {
    kind: 'trilu',
    summary: 'Keeps the upper or lower triangle of the last two dims, offset by k (ONNX Trilu).',
    params: { upper: req(bool) },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'k', role: 'scalar', optional: true },
    ],
    outputs: [{ name: 'y' }],
    traits: pure,
    infer: ({ inputs }) => {
      const out = sameAsX(inputs);
      if (out.shape) requireRank(out.shape, 2, 'trilu input');
      return [out];
    },
  },

  reverse_sequence: {
    kind: 'reverse_sequence',
    summary: 'Reverses the first sequenceLens[b] steps of every batch entry along the time axis.',
    params: { batchAxis: req(int()), timeAxis: req(int()) },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'sequenceLens', role: 'data' },
    ],
    outputs: [{ name: 'y' }],
    traits: pure,
    infer: ({ layer, inputs }) => {
      const out = sameAsX(inputs);
      const lens = requiredInput(inputs, 1, 'sequenceLens');
      if (out.shape) {
        const rank = out.shape.length;
        const batch = axisIn(layer.params.batchAxis, rank, 'batchAxis');
        axisIn(layer.params.timeAxis, rank, 'timeAxis');
        const n = lens.shape?.length === 1 ? lens.shape[0]! : undefined;
        if (n !== undefined && !dimsCompatible(n, out.shape[batch]!)) {
          throw new KilnError(
            ErrorCode.SHAPE_MISMATCH,
            `sequenceLens ${formatShape(lens.shape)} needs one length per batch entry (${out.shape[batch]})`,
          );
        }
      }
      return [out];
    },
  },
};
