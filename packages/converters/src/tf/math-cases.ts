/**
 * TF math ops defined by cases, composed from elementwise layers and selects: DivNoNan
 * (0 where the divisor is 0) and Atan2 (the quadrant-aware arctangent of y / x).
 */
import type { Converter } from '../converter.js';
import { binary, unary } from './elementwise.js';
import { inputDType, out, scalarConst, tfConverter } from './helpers.js';

export const tfMathCaseConverters: Converter[] = [
  tfConverter('DivNoNan', (ctx) => {
    const t = inputDType(ctx);
    const zero = scalarConst(ctx, t, 0, 'zero');
    const isZero = binary(ctx, 'equal', ctx.input(1), zero, 'bool', false);
    const q = binary(ctx, 'div', ctx.input(0), ctx.input(1), t, false);
    ctx.addLayer('select', {}, [isZero, zero, q], [out(ctx, t)]);
  }),
  tfConverter('Atan2', (ctx) => {
    const t = inputDType(ctx);
    const [y, x] = [ctx.input(0), ctx.input(1)];
    const zero = scalarConst(ctx, t, 0, 'zero');
    // atan(y / x) is right for x > 0 (and ±π/2 at x = 0); x < 0 adds ±π by the sign of y.
    const base = unary(ctx, 'atan', binary(ctx, 'div', y, x, t, false), t, false);
    const pi = ctx.addLayer(
      'select',
      {},
      [binary(ctx, 'greater_equal', y, zero, 'bool', false), scalarConst(ctx, t, Math.PI, 'pi'), scalarConst(ctx, t, -Math.PI, 'minus_pi')],
      [{ dtype: t }],
    )[0]!;
    const turn = ctx.addLayer('select', {}, [binary(ctx, 'less', x, zero, 'bool', false), pi, zero], [{ dtype: t }])[0]!;
    const angle = binary(ctx, 'add', base, turn, t, false);
    // atan2(0, 0) is 0, where y / x is NaN.
    const origin = binary(
      ctx,
      'and',
      binary(ctx, 'equal', x, zero, 'bool', false),
      binary(ctx, 'equal', y, zero, 'bool', false),
      'bool',
      false,
    );
    ctx.addLayer('select', {}, [origin, zero, angle], [out(ctx, t)]);
  }),
];
