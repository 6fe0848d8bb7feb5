/** RNN, GRU and LSTM: Y [seq, dirs, batch, hidden], Y_h / Y_c [dirs, batch, hidden] (layout 0). */
import type { Dim } from '@kiln-inference/core';
import { type InferenceRule, tensor } from './context.js';

const recurrent: InferenceRule = (v) => {
  const x = v.shape(0);
  const hidden: Dim = v.attr('hidden_size', 'int') ?? v.shape(2)?.[1] ?? null;
  const dirs = v.attr('direction', 'string') === 'bidirectional' ? 2 : 1;
  const dtype = v.dtype(0);
  if (x?.length !== 3) return v.node.outputs.map(() => tensor(dtype, null));
  const batchFirst = v.int('layout', 0) === 1;
  const [seq, batch] = batchFirst ? [x[1]!, x[0]!] : [x[0]!, x[1]!];
  const y = batchFirst ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
  const state = batchFirst ? [batch, dirs, hidden] : [dirs, batch, hidden];
  return [tensor(dtype, y), tensor(dtype, state), tensor(dtype, state)];
};

export const RECURRENT_RULES: Record<string, InferenceRule> = { RNN: recurrent, GRU: recurrent, LSTM: recurrent };
