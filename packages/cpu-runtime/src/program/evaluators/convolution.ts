/** The convolution family: conv2d and deconv2d through the convolution layers' reference kernels. */
import { conv, type FamilyEvaluators, layer, run } from '../evaluator.js';
export const convolutionEvaluators: FamilyEvaluators<'conv2d' | 'deconv2d'> = {
  conv2d(op, t) {
    const epilogue = {
      ...(t.residual ? { residualInput: 3 } : {}),
      ...(op.activation ? { activation: op.activation } : {}),
    };
    const params = { ...conv(op.strides, op.pads, op.dilations, op.groups, t.w.shape.slice(2) as number[]), epilogue };
    return run(layer('convolution', params, 4), [t.x, t.w, t.b, t.residual]);
  },
  deconv2d(op, t, yShape) {
    const kernel = t.w.shape.slice(2) as number[];
    // Output padding is whatever y's shape adds beyond the stride/pad/dilation arithmetic.
    const natural = [0, 1].map(
      (d) => (t.x.shape[2 + d]! - 1) * op.strides[d]! - op.pads[d]! - op.pads[d + 2]! + op.dilations[d]! * (kernel[d]! - 1) + 1,
    );
    const params = {
      ...conv(op.strides, op.pads, op.dilations, op.groups, kernel),
      outputPadding: [yShape[2]! - natural[0]!, yShape[3]! - natural[1]!],
      ...(op.activation ? { epilogue: { activation: op.activation } } : {}),
    };
    return run(layer('deconvolution', params, 3), [t.x, t.w, t.b]);
  },
};
