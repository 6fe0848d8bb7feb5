/** The pooling family: pool2d (windows) and global_pool (all spatial dims). */
import { bool, oneOf, req } from '../layer-defs/param-builders.js';
import { nonNegativeInts, positiveInts } from './attribute-types.js';
import { defineProgramOp } from './descriptor.js';
import { ceilWindowOutput, windowOutput } from './window-arithmetic.js';

const poolType = req(oneOf('max', 'average'));

/**
 * 2-D NCHW pooling; y's shape already accounts for ceil mode. Windows are clipped to the
 * input; average divides by the window area (countIncludePad, pads counted, clipped at the
 * padded border) or by the valid element count.
 */
export interface Pool2dOp {
  op: 'pool2d';
  type: 'max' | 'average';
  x: number;
  y: number;
  window: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  dilations: [number, number];
  countIncludePad: boolean;
}

export const pool2d = defineProgramOp<Pool2dOp>('pool2d')({
  summary: "2-D NCHW max or average pooling; y's shape already accounts for ceil mode",
  operands: [
    { field: 'x', role: 'input' },
    { field: 'y', role: 'output' },
  ],
  attributes: {
    type: poolType,
    window: req(positiveInts),
    strides: req(positiveInts),
    /** [top, left, bottom, right]. */
    pads: req(nonNegativeInts),
    dilations: req(positiveInts),
    countIncludePad: req(bool),
  },
  check(c) {
    const { op } = c;
    c.require(c.shape(op.x).length === 4, 'x must be [N, C, H, W]', op.x);
    c.require(op.window.length === 2, 'window must be two integers >= 1');
    c.require(op.strides.length === 2, 'strides must be two integers >= 1');
    c.require(op.dilations.length === 2, 'dilations must be two integers >= 1');
    c.require(op.pads.length === 4, 'pads must be four integers >= 0');
  },
  // Ceil mode, which only y's shape records, may add one last partial window.
  output(c) {
    const { op } = c;
    const xs = c.shape(op.x);
    return {
      accepts(ys) {
        if (ys.length !== 4 || ys[0] !== xs[0] || ys[1] !== xs[1]) return 'y must be [N, C, OH, OW]';
        for (const d of [0, 1]) {
          const args = [xs[2 + d]!, op.window[d]!, op.strides[d]!, op.pads[d]!, op.pads[d + 2]!, op.dilations[d]!] as const;
          const floor = windowOutput(...args);
          const ceil = ceilWindowOutput(...args);
          if (floor < 0 || ys[2 + d]! < floor || ys[2 + d]! > Math.max(floor, ceil)) {
            const why =
              floor < 0 ? 'the dilated window does not fit the padded input' : `expected ${floor}${ceil > floor ? ` or ${ceil}` : ''}`;
            return `${d === 0 ? 'OH' : 'OW'} = ${ys[2 + d]} does not follow from the window (${why})`;
          }
        }
        return undefined;
      },
    };
  },
});

/** Mean or max over the spatial dims of an N C spatial… tensor; y is [N, C, 1, …]. */
export interface GlobalPoolOp {
  op: 'global_pool';
  type: 'max' | 'average';
  x: number;
  y: number;
}

export const global_pool = defineProgramOp<GlobalPoolOp>('global_pool')({
  summary: 'mean or max over the spatial dims of an N C spatial… tensor; y is [N, C, 1, …]',
  operands: [
    { field: 'x', role: 'input' },
    { field: 'y', role: 'output' },
  ],
  attributes: { type: poolType },
  check(c) {
    c.require(c.shape(c.op.x).length >= 3, 'x must be [N, C, spatial...]', c.op.x);
  },
  output: (c) => ({ shape: c.shape(c.op.x).map((d, i) => (i < 2 ? d : 1)), pattern: '[N, C, 1, …]' }),
});
