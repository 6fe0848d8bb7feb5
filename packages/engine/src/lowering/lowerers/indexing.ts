/**
 * Index math: gather (ONNX Gather and GatherND with batch_dims 0), arg_reduce, select → where,
 * and casts between Program dtypes, so integer keypoint and shape arithmetic stays native.
 */
import { broadcastShapes, type Layer } from '@kiln-inference/core';
import { type LowererTable, layerAxis, loweringError } from '../lowerer.js';
import type { ProgramAssembler } from '../program-assembler.js';
import { lowerView } from './data-movement.js';

export function lowerGather(layer: Layer<'gather'>, asm: ProgramAssembler): void {
  const { mode, batchDims } = layer.params;
  if (batchDims !== 0) throw loweringError(layer, `gather with batch_dims ${batchDims} (0 lowers)`);
  const [xName, indicesName] = layer.inputs as [string, string];
  const x = asm.shape(xName);
  const indices = asm.shape(indicesName);
  const yName = layer.outputs[0]!;
  if (mode === 'default') {
    const axis = layerAxis(layer, layer.params.axis, x.length);
    asm.setShape(yName, [...x.slice(0, axis), ...indices, ...x.slice(axis + 1)]);
    asm.emit({ op: 'gather', x: asm.ref(xName), indices: asm.ref(indicesName), y: asm.ref(yName), axis });
  } else if (mode === 'nd') {
    const k = indices[indices.length - 1];
    if (k === undefined || k > x.length)
      throw loweringError(layer, `GatherND indices [${indices.join(', ')}] for data of rank ${x.length}`);
    asm.setShape(yName, [...indices.slice(0, -1), ...x.slice(k)]);
    asm.emit({ op: 'gather_nd', x: asm.ref(xName), indices: asm.ref(indicesName), y: asm.ref(yName) });
  } else {
    throw loweringError(layer, `gather mode '${mode}'`);
  }
}

/** The op writes y with the reduced axis kept as 1; without keepDims y is a view of those bytes. */
export function lowerArgReduce(layer: Layer<'arg_reduce'>, asm: ProgramAssembler): void {
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const axis = layerAxis(layer, layer.params.axis, x.length);
  const kept = x.map((d, i) => (i === axis ? 1 : d));
  const yName = layer.outputs[0]!;
  asm.setShape(yName, layer.params.keepDims ? kept : x.filter((_, i) => i !== axis));
  asm.emit({
    op: 'arg_reduce',
    type: layer.params.op,
    x: asm.ref(xName),
    y: asm.ref(yName, kept),
    axis,
    selectLastIndex: layer.params.selectLastIndex,
  });
}

export function lowerSelect(layer: Layer<'select'>, asm: ProgramAssembler): void {
  const [conditionName, aName, bName] = layer.inputs as [string, string, string];
  const yName = layer.outputs[0]!;
  asm.setShape(yName, broadcastShapes([asm.shape(conditionName), asm.shape(aName), asm.shape(bName)]));
  asm.emit({ op: 'where', condition: asm.ref(conditionName), a: asm.ref(aName), b: asm.ref(bName), y: asm.ref(yName) });
}

/** A cast to the same dtype is a view; another one converts. */
export function lowerCast(layer: Layer<'cast'>, asm: ProgramAssembler): void {
  const xName = layer.inputs[0]!;
  const yName = layer.outputs[0]!;
  if (asm.dtype(xName) === asm.dtype(yName)) {
    lowerView(layer, asm);
    return;
  }
  asm.setShape(yName, asm.shape(xName));
  asm.emit({ op: 'cast', x: asm.ref(xName), y: asm.ref(yName) });
}

/** This family's lowerers by layer kind (lowerers/index.ts merges the families). */
export const indexingLowerers: LowererTable = {
  cast: lowerCast,
  gather: lowerGather,
  arg_reduce: lowerArgReduce,
  select: lowerSelect,
};
