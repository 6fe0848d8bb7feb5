/** The data-movement family: concat, copy, transpose, pad, slice, resize2d. */
import { type ProgramDType, Tensor } from '@kiln-inference/core';
import { castTo, type FamilyEvaluators, ints, layer, run } from '../evaluator.js';
export const dataMovementEvaluators: FamilyEvaluators<'concat' | 'copy' | 'transpose' | 'pad' | 'slice' | 'resize2d'> = {
  concat: (op, t) => run(layer('concatenation', { axis: op.axis }, t.inputs.length), t.inputs),
  copy: (_op, t, yShape) => t.x.reshape([...yShape]),
  transpose: (op, t) => run(layer('shuffle', { firstTranspose: op.perm }, 1), [t.x]),
  pad: (op, t) =>
    run(layer('padding', { mode: 'constant' }, 3), [
      t.x,
      ints(op.pads),
      castTo(Tensor.scalar('float32', op.value), t.x.dtype as ProgramDType),
    ]),
  slice(op, t, yShape) {
    // Ends one step past the last element taken; -(dim+1) stands for "before the start".
    const ends = op.starts.map((s, a) => {
      const e = s + op.steps[a]! * yShape[a]!;
      return e < 0 ? -(t.x.shape[a]! + 1) : e;
    });
    return run(layer('slice', {}, 5), [t.x, ints(op.starts), ints(ends), ints(op.starts.map((_, a) => a)), ints(op.steps)]);
  },
  resize2d: (op, t, yShape) =>
    run(
      layer(
        'resize',
        {
          mode: op.mode,
          coordinateTransform: op.coordinateTransform,
          nearestMode: op.nearestMode,
          cubicCoeffA: -0.75,
          excludeOutside: false,
          extrapolationValue: 0,
          antialias: false,
          keepAspectRatioPolicy: 'stretch',
        },
        4,
      ),
      [t.x, undefined, undefined, ints(yShape)],
    ),
};
