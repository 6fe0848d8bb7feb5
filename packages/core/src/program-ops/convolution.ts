/** The convolution family: conv2d and deconv2d (NCHW, 2-D windows, grouped). */
import { int, req } from '../layer-defs/param-builders.js';
import type { ActivationSpec } from '../layers.js';
import { fusedActivation, nonNegativeInts, positiveInts } from './attribute-types.js';
import { defineProgramOp } from './descriptor.js';
import { type ProgramOpContext, sameShape, shapeText } from './op-context.js';
import { deconvOutput, windowOutput } from './window-arithmetic.js';

const windowAttributes = {
  strides: req(positiveInts),
  /** [top, left, bottom, right]. */
  pads: req(nonNegativeInts),
  dilations: req(positiveInts),
  groups: req(int(1)),
  activation: fusedActivation,
};

/** Lengths of the window attributes (their element types are checked already). */
function checkWindowLengths(c: ProgramOpContext<Conv2dOp | Deconv2dOp>): void {
  const { strides, dilations, pads } = c.op;
  c.require(strides.length === 2, 'strides must be two integers >= 1');
  c.require(dilations.length === 2, 'dilations must be two integers >= 1');
  c.require(pads.length === 4, 'pads must be four integers >= 0 [top, left, bottom, right]');
}

/** [N, M, OH, OW] of a conv2d whose operands and attributes passed its check. */
function convOutputShape(c: ProgramOpContext<Conv2dOp>): number[] {
  const { op } = c;
  const xs = c.shape(op.x);
  const ws = c.shape(op.w);
  const oh = windowOutput(xs[2]!, ws[2]!, op.strides[0], op.pads[0], op.pads[2], op.dilations[0]);
  const ow = windowOutput(xs[3]!, ws[3]!, op.strides[1], op.pads[1], op.pads[3], op.dilations[1]);
  c.require(oh >= 0 && ow >= 0, 'the dilated kernel does not fit the padded input', op.w);
  return [xs[0]!, ws[0]!, oh, ow];
}

/** The window and epilogue fields conv2d and deconv2d share. */
interface ConvolutionWindow {
  strides: [number, number];
  /** [top, left, bottom, right]. */
  pads: [number, number, number, number];
  dilations: [number, number];
  groups: number;
  activation?: ActivationSpec;
}

/** NCHW conv, w [M, C/groups, kH, kW]; y = act(conv(x, w) + b + residual). */
export interface Conv2dOp extends ConvolutionWindow {
  op: 'conv2d';
  x: number;
  w: number;
  b?: number;
  residual?: number;
  y: number;
}

export const conv2d = defineProgramOp<Conv2dOp>('conv2d')({
  summary: 'NCHW convolution, w [M, C/groups, kH, kW]; y = act(conv(x, w) + b + residual)',
  operands: [
    { field: 'x', role: 'input' },
    { field: 'w', role: 'weight' },
    { field: 'b', role: 'weight', optional: true },
    // The CUDA residual fusion and the CPU epilogue read it elementwise.
    { field: 'residual', role: 'input', optional: true, inPlace: 'exact' },
    { field: 'y', role: 'output' },
  ],
  attributes: windowAttributes,
  check(c) {
    const { op } = c;
    const xs = c.shape(op.x);
    const ws = c.shape(op.w);
    c.require(xs.length === 4, 'x must be [N, C, H, W]', op.x);
    c.require(ws.length === 4, 'w must be [M, C/groups, kH, kW]', op.w);
    checkWindowLengths(c);
    const g = op.groups;
    c.require(xs[1]! % g === 0 && ws[0]! % g === 0, `groups = ${g} must divide the input and output channels`, op.w);
    c.require(ws[1]! * g === xs[1], `w[1] · groups must equal the input channels ${xs[1]}`, op.w);
    const want = convOutputShape(c);
    if (op.b !== undefined) c.require(c.size(op.b) === ws[0], `the bias must have M = ${ws[0]} elements`, op.b);
    if (op.residual !== undefined) {
      c.require(sameShape(c.shape(op.residual), want), `the residual must have y's shape ${shapeText(want)}`, op.residual);
    }
  },
  output: (c) => ({ shape: convOutputShape(c), pattern: '[N, M, OH, OW]' }),
});

/**
 * 2-D transposed convolution (ONNX ConvTranspose), NCHW: x [N, C, H, W], w [C, M/groups, kH,
 * kW], y [N, M, OH, OW] with OH = (H−1)·sH − padTop − padBottom + dH·(kH−1) + 1 + outPadH
 * (y's shape gives it); y = act(deconv(x, w) + b).
 */
export interface Deconv2dOp extends ConvolutionWindow {
  op: 'deconv2d';
  x: number;
  w: number;
  b?: number;
  y: number;
}

export const deconv2d = defineProgramOp<Deconv2dOp>('deconv2d')({
  summary: 'NCHW transposed convolution (ONNX ConvTranspose), w [C, M/groups, kH, kW]; y = act(deconv(x, w) + b)',
  operands: [
    { field: 'x', role: 'input' },
    { field: 'w', role: 'weight' },
    { field: 'b', role: 'weight', optional: true },
    { field: 'y', role: 'output' },
  ],
  attributes: windowAttributes,
  check(c) {
    const { op } = c;
    const xs = c.shape(op.x);
    const ws = c.shape(op.w);
    c.require(xs.length === 4, 'x must be [N, C, H, W]', op.x);
    c.require(ws.length === 4, 'w must be [C, M/groups, kH, kW]', op.w);
    checkWindowLengths(c);
    const g = op.groups;
    c.require(xs[1]! % g === 0, `groups = ${g} must divide the input channels ${xs[1]}`, op.x);
    c.require(ws[0] === xs[1], `w[0] must equal the input channels ${xs[1]}`, op.w);
    c.require(ws[2]! >= 1 && ws[3]! >= 1, 'kernel dims must be >= 1', op.w);
    const m = ws[1]! * g;
    if (op.b !== undefined) c.require(c.size(op.b) === m, `the bias must have M = ${m} elements`, op.b);
  },
  // y's spatial size is the deconvolution's plus the output padding, which only y records.
  output(c) {
    const { op } = c;
    const xs = c.shape(op.x);
    const ws = c.shape(op.w);
    const m = ws[1]! * op.groups;
    return {
      accepts(ys) {
        if (ys.length !== 4 || ys[0] !== xs[0] || ys[1] !== m) {
          return `y must be [N, M, OH, OW] with N = ${xs[0]} and M = w[1] · groups = ${m}`;
        }
        for (const d of [0, 1]) {
          const natural = deconvOutput(xs[2 + d]!, ws[2 + d]!, op.strides[d]!, op.pads[d]!, op.pads[d + 2]!, op.dilations[d]!);
          if (ys[2 + d]! < 1 || ys[2 + d]! < natural) {
            return `${d === 0 ? 'OH' : 'OW'} must be at least 1 and at least the deconvolution's size ${natural} (more is output padding)`;
          }
        }
        return undefined;
      },
    };
  },
});
