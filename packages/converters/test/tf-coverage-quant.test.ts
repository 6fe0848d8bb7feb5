import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, it } from 'vitest';
import { a, runOp } from './tf-test-graph.js';

const close = { rtol: 1e-6, atol: 1e-7 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });

/**
 * TF's QuantizeAndDequantize with the range measured from x, written out from the op's
 * definition: scale from the side of [min, max] that fills the grid first, round, scale back.
 */
function reference(x: number[], bits: number, signed: boolean, narrow: boolean, halfUp: boolean): number[] {
  const qMin = signed ? -(2 ** (bits - 1)) + (narrow ? 1 : 0) : 0;
  const qMax = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const [lo, hi] = [Math.min(...x), Math.max(...x)];
  const fromMin = qMin * lo > 0 ? qMin / lo : Number.MAX_VALUE;
  const fromMax = qMax * hi > 0 ? qMax / hi : Number.MAX_VALUE;
  const [scale, step] = fromMin < fromMax ? [fromMin, lo / qMin] : [fromMax, hi / qMax];
  const round = (v: number): number => {
    if (halfUp) return Math.floor(v + 0.5);
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  return x.map((v) => round(v * scale) * step);
}

describe('TF QuantizeAndDequantize without range_given (range measured on each run)', () => {
  const values = [-1.3, -0.2, 0, 0.45, 0.9, 2.1];
  const x = f32([2, 3], values);
  const ignored = [w(f32([], [0])), w(f32([], [0]))];

  for (const [bits, signed, narrow] of [
    [8, true, false],
    [4, true, true],
    [8, false, false],
  ] as const) {
    it(`V2 with ${bits} bits, signed ${signed}, narrow ${narrow}`, () => {
      const y = runOp('QuantizeAndDequantizeV2', [x, ...ignored], {
        num_bits: a.i(bits),
        signed_input: a.b(signed),
        narrow_range: a.b(narrow),
      })[0]!;
      expectTensorClose(y, f32([2, 3], reference(values, bits, signed, narrow, false)), close);
    });
  }

  it('V4 with HALF_UP rounding and V3 with num_bits as an input', () => {
    const half = f32([4], [-1, 0.5 / 127, 1.5 / 127, 1]);
    const y4 = runOp('QuantizeAndDequantizeV4', [half, ...ignored], { round_mode: a.s('HALF_UP') })[0]!;
    expectTensorClose(y4, f32([4], reference(Array.from(half.toFloat64()), 8, true, false, true)), close);
    const y3 = runOp('QuantizeAndDequantizeV3', [x, ...ignored, w(Tensor.fromValues('int32', [], [5]))])[0]!;
    expectTensorClose(y3, f32([2, 3], reference(values, 5, true, false, false)), close);
  });

  it('per-channel ranges along axis', () => {
    const y = runOp('QuantizeAndDequantizeV2', [x, ...ignored], { axis: a.i(0), num_bits: a.i(3) })[0]!;
    const rows = [values.slice(0, 3), values.slice(3)].flatMap((row) => reference(row, 3, true, false, false));
    expectTensorClose(y, f32([2, 3], rows), close);
  });
});
