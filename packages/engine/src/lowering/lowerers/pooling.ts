/**
 * pooling → pool2d / global_pool; reduce mean/max over trailing axes → global_pool over a
 * [1, outer, inner] view (the same reduction, laid out as one pooling window per row).
 */
import { type Layer, perDim, windowGeometry } from '@kiln-inference/core';
import { type LowererTable, layerAxis, loweringError, product } from '../lowerer.js';
import type { ProgramAssembler } from '../program-assembler.js';

export function lowerPooling(layer: Layer<'pooling'>, asm: ProgramAssembler): void {
  const p = layer.params;
  if (p.type === 'lp') throw loweringError(layer, 'Lp pooling');
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const yName = layer.outputs[0]!;
  if (x.length < 3) throw loweringError(layer, `input [${x.join(',')}] has no spatial dims`);
  if (p.global) {
    const out = [x[0]!, x[1]!, ...x.slice(2).map(() => 1)];
    asm.setShape(yName, out);
    asm.emit({ op: 'global_pool', type: p.type, x: asm.ref(xName), y: asm.ref(yName) });
    return;
  }
  if (x.length !== 4) throw loweringError(layer, `${x.length - 2}-D pooling (2-D and global lower)`);
  const strides = perDim(p.strides, 2, 1, 'strides');
  const dilations = perDim(p.dilations, 2, 1, 'dilations');
  const window = perDim(p.window, 2, 1, 'window');
  const g = windowGeometry(x.slice(2), {
    kernel: window,
    strides,
    dilations,
    padsBegin: perDim(p.padsBegin, 2, 0, 'padsBegin'),
    padsEnd: perDim(p.padsEnd, 2, 0, 'padsEnd'),
    paddingMode: p.paddingMode,
    ceilMode: p.ceilMode,
  });
  asm.setShape(yName, [x[0]!, x[1]!, ...g.outSpatial]);
  asm.emit({
    op: 'pool2d',
    type: p.type,
    x: asm.ref(xName),
    y: asm.ref(yName),
    window: [window[0]!, window[1]!],
    strides: [strides[0]!, strides[1]!],
    pads: [g.padsBegin[0]!, g.padsBegin[1]!, g.padsEnd[0]!, g.padsEnd[1]!],
    dilations: [dilations[0]!, dilations[1]!],
    countIncludePad: p.countIncludePad,
  });
}

export function lowerReduce(layer: Layer<'reduce'>, asm: ProgramAssembler): void {
  const p = layer.params;
  if ((p.op !== 'mean' && p.op !== 'max') || p.axes === null || !p.keepDims) {
    throw loweringError(layer, `reduce '${p.op}' (mean/max over given axes with keepDims lower)`);
  }
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const axes = p.axes.map((a) => layerAxis(layer, a, x.length, 'reduce axis')).sort((a, b) => a - b);
  const first = x.length - axes.length;
  if (axes.length === 0 || axes.some((a, i) => a !== first + i)) throw loweringError(layer, `reduce over axes [${p.axes.join(',')}]`);
  const out = x.map((d, i) => (i >= first ? 1 : d));
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  const outer = product(x.slice(0, first));
  const inner = product(x.slice(first));
  asm.emit({
    op: 'global_pool',
    type: p.op === 'mean' ? 'average' : 'max',
    x: asm.ref(xName, [1, outer, inner]),
    y: asm.ref(yName, [1, outer, 1]),
  });
}

/** This family's lowerers by layer kind (lowerers/index.ts merges the families). */
export const poolingLowerers: LowererTable = {
  pooling: lowerPooling,
  reduce: lowerReduce,
};
