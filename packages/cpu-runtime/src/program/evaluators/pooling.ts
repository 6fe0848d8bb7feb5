/** The pooling family: pool2d and global_pool through the pooling reference kernel. */
import { type FamilyEvaluators, layer, run } from '../evaluator.js';
export const poolingEvaluators: FamilyEvaluators<'pool2d' | 'global_pool'> = {
  pool2d(op, t, yShape) {
    // The output shape is given; ceil mode only decides whether a last partial window exists.
    const pool = (ceilMode: boolean) =>
      run(
        layer(
          'pooling',
          {
            type: op.type,
            global: false,
            window: op.window,
            strides: op.strides,
            padsBegin: [op.pads[0], op.pads[1]],
            padsEnd: [op.pads[2], op.pads[3]],
            dilations: op.dilations,
            paddingMode: 'explicit',
            ceilMode,
            countIncludePad: op.countIncludePad,
          },
          1,
        ),
        [t.x],
      );
    const floor = pool(false);
    return floor.shape.join() === yShape.join() ? floor : pool(true);
  },
  global_pool: (op, t) =>
    run(
      layer(
        'pooling',
        {
          type: op.type,
          global: true,
          window: [],
          strides: [],
          padsBegin: [],
          padsEnd: [],
          dilations: [],
          paddingMode: 'explicit',
          ceilMode: false,
          countIncludePad: false,
        },
        1,
      ),
      [t.x],
    ),
};
