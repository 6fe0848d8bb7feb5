/**
 * ONNX RNN / GRU / LSTM (layer kind 'recurrent'), both layouts, all three directions, variable
 * sequence lengths, clipping, peepholes and coupled input-forget gates.
 *
 *   inputs [X, W, R, B?, sequenceLens?, initialH?, initialC?, P?]
 *   outputs [Y, Y_h, Y_c]; Y is [seq, dirs, batch, hidden] (layout 0) or [batch, seq, dirs, hidden].
 *
 * Gate order in W/R/B is ONNX's: RNN (i), GRU (z, r, h), LSTM (i, o, f, c).
 */
import { type ActivationSpec, ErrorCode, formatShape, KilnError, type Layer, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from './util/values.js';

/** Error function to near double precision: Taylor series near 0, continued fraction for the tail. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (Number.isNaN(x)) return x;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  // erfc(a) = exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), evaluated backwards.
  let frac = a;
  for (let k = 60; k >= 1; k--) frac = a + k / 2 / frac;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / frac;
  return Math.sign(x) * (1 - erfc);
}

/** A scalar activation function for a spec (used by recurrent cells and conv epilogues). */
export function scalarActivation(spec: ActivationSpec): (x: number) => number {
  const alpha = spec.alpha;
  const beta = spec.beta;
  switch (spec.type) {
    case 'relu':
      return (x) => Math.max(x, 0);
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh;
    case 'leaky_relu': {
      const a = alpha ?? 0.01;
      return (x) => (x >= 0 ? x : a * x);
    }
    case 'elu': {
      const a = alpha ?? 1;
      return (x) => (x >= 0 ? x : a * (Math.exp(x) - 1));
    }
    case 'selu': {
      const a = alpha ?? 1.6732632423543772;
      const g = beta ?? 1.0507009873554805;
      return (x) => (x > 0 ? g * x : g * a * (Math.exp(x) - 1));
    }
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'softplus':
      return (x) => (x > 30 ? x : Math.log1p(Math.exp(x)));
    case 'clip': {
      const lo = alpha ?? -Infinity;
      const hi = beta ?? Infinity;
      return (x) => Math.min(hi, Math.max(lo, x));
    }
    case 'hard_sigmoid': {
      const a = alpha ?? 0.2;
      const b = beta ?? 0.5;
      return (x) => Math.max(0, Math.min(1, a * x + b));
    }
    case 'scaled_tanh': {
      const a = alpha ?? 1;
      const b = beta ?? 1;
      return (x) => a * Math.tanh(b * x);
    }
    case 'thresholded_relu': {
      const a = alpha ?? 1;
      return (x) => (x > a ? x : 0);
    }
    case 'gelu_erf':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_tanh':
      return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    case 'celu': {
      const a = alpha ?? 1;
      return (x) => Math.max(0, x) + Math.min(0, a * (Math.exp(x / a) - 1));
    }
    case 'mish':
      return (x) => x * Math.tanh(x > 30 ? x : Math.log1p(Math.exp(x)));
    case 'swish': {
      const a = alpha ?? 1;
      return (x) => x / (1 + Math.exp(-a * x));
    }
    case 'hard_swish':
      return (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case 'shrink': {
      const l = alpha ?? 0.5;
      const b = beta ?? 0;
      return (x) => (x < -l ? x + b : x > l ? x - b : 0);
    }
  }
}

type Cell = Layer<'recurrent'>['params']['cell'];

const GATES: Record<Cell, number> = { rnn: 1, gru: 3, lstm: 4 };
const ACTIVATIONS_PER_DIRECTION: Record<Cell, number> = { rnn: 1, gru: 2, lstm: 3 };

interface Dims {
  seq: number;
  batch: number;
  input: number;
  hidden: number;
  dirs: number;
  layout: 0 | 1;
}

/** Reads [dirs, batch, hidden] state (layout 0) or [batch, dirs, hidden] (layout 1) for one direction. */
function stateFor(t: Tensor | undefined, dir: number, d: Dims): Float64Array {
  const h = new Float64Array(d.batch * d.hidden);
  if (!t) return h;
  const expected = d.layout === 0 ? [d.dirs, d.batch, d.hidden] : [d.batch, d.dirs, d.hidden];
  if (t.rank !== 3 || t.shape.some((v, i) => v !== expected[i])) {
    throw new KilnError(ErrorCode.SHAPE_MISMATCH, `initial state ${formatShape(t.shape)} should be ${formatShape(expected)}`);
  }
  const v = numbers(t);
  for (let b = 0; b < d.batch; b++) {
    const src = d.layout === 0 ? (dir * d.batch + b) * d.hidden : (b * d.dirs + dir) * d.hidden;
    h.set(v.subarray(src, src + d.hidden), b * d.hidden);
  }
  return h;
}

/** out[j] = bias[j] + Σ_k m[j, k] * v[k] for rows [row0, row0 + rows) of a [*, cols] matrix. */
function matVec(out: Float64Array, m: Float64Array, mOffset: number, rows: number, cols: number, v: Float64Array, vOffset: number): void {
  for (let j = 0; j < rows; j++) {
    let acc = 0;
    const base = mOffset + j * cols;
    for (let k = 0; k < cols; k++) acc += m[base + k]! * v[vOffset + k]!;
    out[j]! += acc;
  }
}

interface DirectionWeights {
  w: Float64Array;
  r: Float64Array;
  wOffset: number;
  rOffset: number;
  /** Wb + Rb per gate row, and Rb alone (GRU linear-before-reset needs it apart). */
  wb: Float64Array;
  rb: Float64Array;
  p: Float64Array;
}

function directionWeights(inputs: (Tensor | undefined)[], dir: number, gates: number, d: Dims): DirectionWeights {
  const [, wT, rT, bT, , , , pT] = inputs;
  const rows = gates * d.hidden;
  const wb = new Float64Array(rows);
  const rb = new Float64Array(rows);
  if (bT) {
    if (bT.size !== d.dirs * 2 * rows)
      throw new KilnError(ErrorCode.SHAPE_MISMATCH, `B ${formatShape(bT.shape)} should be [${d.dirs},${2 * rows}]`);
    const b = numbers(bT);
    wb.set(b.subarray(dir * 2 * rows, dir * 2 * rows + rows));
    rb.set(b.subarray(dir * 2 * rows + rows, (dir + 1) * 2 * rows));
  }
  const p = new Float64Array(3 * d.hidden);
  if (pT) {
    if (pT.size !== d.dirs * 3 * d.hidden)
      throw new KilnError(ErrorCode.SHAPE_MISMATCH, `P ${formatShape(pT.shape)} should be [${d.dirs},${3 * d.hidden}]`);
    p.set(numbers(pT).subarray(dir * 3 * d.hidden, (dir + 1) * 3 * d.hidden));
  }
  return { w: numbers(wT!), r: numbers(rT!), wOffset: dir * rows * d.input, rOffset: dir * rows * d.hidden, wb, rb, p };
}

interface RunState {
  h: Float64Array;
  c: Float64Array;
}

/** One direction over the whole sequence; writes Y (when given) and returns the final state. */
function runDirection(
  params: Layer<'recurrent'>['params'],
  xs: Float64Array,
  dir: number,
  reverse: boolean,
  d: Dims,
  weights: DirectionWeights,
  init: RunState,
  lens: number[],
  acts: ((x: number) => number)[],
  y: Float64Array | undefined,
): RunState {
  const H = d.hidden;
  const gates = GATES[params.cell];
  const clip = params.clip;
  const pre = new Float64Array(gates * H);
  const hidden = new Float64Array(H);
  const { h, c } = init;
  const [f, g, hAct] = [acts[0]!, acts[1] ?? acts[0]!, acts[2] ?? acts[1] ?? acts[0]!];
  for (let b = 0; b < d.batch; b++) {
    const len = lens[b]!;
    const hb = b * H;
    for (let step = 0; step < len; step++) {
      const t = reverse ? len - 1 - step : step;
      const xOff = d.layout === 0 ? (t * d.batch + b) * d.input : (b * d.seq + t) * d.input;
      pre.set(weights.wb);
      matVec(pre, weights.w, weights.wOffset, gates * H, d.input, xs, xOff);
      if (params.cell === 'gru') {
        // z and r see R·h + Rb directly; h's recurrent part depends on linear_before_reset.
        for (let j = 0; j < 2 * H; j++) pre[j]! += weights.rb[j]!;
        matVec(pre, weights.r, weights.rOffset, 2 * H, H, h, hb);
        if (clip !== undefined) for (let j = 0; j < 2 * H; j++) pre[j] = Math.max(-clip, Math.min(clip, pre[j]!));
        const z = pre.subarray(0, H).map(f);
        const r = pre.subarray(H, 2 * H).map(f);
        const recur = new Float64Array(H);
        if (params.linearBeforeReset) {
          recur.set(weights.rb.subarray(2 * H, 3 * H));
          matVec(recur, weights.r, weights.rOffset + 2 * H * H, H, H, h, hb);
          for (let j = 0; j < H; j++) recur[j] = r[j]! * recur[j]!;
        } else {
          const rh = new Float64Array(H);
          for (let j = 0; j < H; j++) rh[j] = r[j]! * h[hb + j]!;
          recur.set(weights.rb.subarray(2 * H, 3 * H));
          matVec(recur, weights.r, weights.rOffset + 2 * H * H, H, H, rh, 0);
        }
        for (let j = 0; j < H; j++) {
          let v = pre[2 * H + j]! + recur[j]!;
          if (clip !== undefined) v = Math.max(-clip, Math.min(clip, v));
          const cand = g(v);
          hidden[j] = (1 - z[j]!) * cand + z[j]! * h[hb + j]!;
        }
      } else {
        for (let j = 0; j < gates * H; j++) pre[j]! += weights.rb[j]!;
        matVec(pre, weights.r, weights.rOffset, gates * H, H, h, hb);
        if (clip !== undefined) for (let j = 0; j < gates * H; j++) pre[j] = Math.max(-clip, Math.min(clip, pre[j]!));
        if (params.cell === 'rnn') {
          for (let j = 0; j < H; j++) hidden[j] = f(pre[j]!);
        } else {
          const p = weights.p;
          for (let j = 0; j < H; j++) {
            const cPrev = c[hb + j]!;
            const i = f(pre[j]! + p[j]! * cPrev);
            const forget = params.inputForget ? 1 - i : f(pre[2 * H + j]! + p[2 * H + j]! * cPrev);
            const cand = g(pre[3 * H + j]!);
            const cNew = forget * cPrev + i * cand;
            const o = f(pre[H + j]! + p[H + j]! * cNew);
            c[hb + j] = cNew;
            hidden[j] = o * hAct(cNew);
          }
        }
      }
      h.set(hidden, hb);
      if (y) {
        const yOff = d.layout === 0 ? ((t * d.dirs + dir) * d.batch + b) * H : ((b * d.seq + t) * d.dirs + dir) * H;
        y.set(hidden, yOff);
      }
    }
  }
  return { h, c };
}

function dimsOf(layer: Layer<'recurrent'>, x: Tensor, w: Tensor | undefined, r: Tensor | undefined): Dims {
  const p = layer.params;
  const dirs = p.direction === 'bidirectional' ? 2 : 1;
  if (x.rank !== 3) throw new KilnError(ErrorCode.INVALID_SHAPE, `X ${formatShape(x.shape)} must be rank 3`);
  if (!w || !r) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'recurrent layer needs W and R');
  const [seq, batch] = p.layout === 0 ? [x.shape[0]!, x.shape[1]!] : [x.shape[1]!, x.shape[0]!];
  const d: Dims = { seq, batch, input: x.shape[2]!, hidden: p.hiddenSize, dirs, layout: p.layout };
  const rows = GATES[p.cell] * d.hidden;
  const okW = w.rank === 3 && w.shape[0] === dirs && w.shape[1] === rows && w.shape[2] === d.input;
  const okR = r.rank === 3 && r.shape[0] === dirs && r.shape[1] === rows && r.shape[2] === d.hidden;
  if (!okW || !okR) {
    throw new KilnError(
      ErrorCode.SHAPE_MISMATCH,
      `W ${formatShape(w.shape)} / R ${formatShape(r.shape)} should be [${dirs},${rows},${d.input}] / [${dirs},${rows},${d.hidden}]`,
      { hint: 'check hidden_size and direction against the weights' },
    );
  }
  return d;
}

function activationsFor(layer: Layer<'recurrent'>, dir: number): ((x: number) => number)[] {
  const per = ACTIVATIONS_PER_DIRECTION[layer.params.cell];
  const all = layer.params.activations;
  const specs = all.length >= per * (dir + 1) ? all.slice(per * dir, per * (dir + 1)) : all.slice(0, per);
  if (specs.length < per) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `${layer.params.cell} needs ${per} activations per direction, got ${all.length}`);
  }
  return specs.map(scalarActivation);
}

export const recurrentKernel: Kernel<'recurrent'> = (layer, inputs) => {
  const [x, w, r, , lensT, h0, c0] = inputs;
  if (!x) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'recurrent layer needs X');
  const d = dimsOf(layer, x, w, r);
  const lens = lensT ? Array.from(numbers(lensT)) : new Array<number>(d.batch).fill(d.seq);
  if (lens.length !== d.batch || lens.some((l) => !Number.isInteger(l) || l < 0 || l > d.seq)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `sequence_lens [${lens.join(',')}] must hold ${d.batch} lengths in [0, ${d.seq}]`);
  }
  const xs = numbers(x);
  const y = new Float64Array(d.seq * d.dirs * d.batch * d.hidden);
  const yh = new Float64Array(d.dirs * d.batch * d.hidden);
  const yc = new Float64Array(d.dirs * d.batch * d.hidden);
  for (let dir = 0; dir < d.dirs; dir++) {
    const reverse = layer.params.direction === 'reverse' || dir === 1;
    const init = { h: stateFor(h0, dir, d), c: stateFor(c0, dir, d) };
    const weights = directionWeights(inputs, dir, GATES[layer.params.cell], d);
    const final = runDirection(layer.params, xs, dir, reverse, d, weights, init, lens, activationsFor(layer, dir), y);
    for (let b = 0; b < d.batch; b++) {
      const dst = d.layout === 0 ? (dir * d.batch + b) * d.hidden : (b * d.dirs + dir) * d.hidden;
      yh.set(final.h.subarray(b * d.hidden, (b + 1) * d.hidden), dst);
      yc.set(final.c.subarray(b * d.hidden, (b + 1) * d.hidden), dst);
    }
  }
  const yShape = d.layout === 0 ? [d.seq, d.dirs, d.batch, d.hidden] : [d.batch, d.seq, d.dirs, d.hidden];
  const stateShape = d.layout === 0 ? [d.dirs, d.batch, d.hidden] : [d.batch, d.dirs, d.hidden];
  const outs = [fromNumbers(x.dtype, yShape, y), fromNumbers(x.dtype, stateShape, yh)];
  if (layer.params.cell === 'lstm') outs.push(fromNumbers(x.dtype, stateShape, yc));
  return outs;
};
