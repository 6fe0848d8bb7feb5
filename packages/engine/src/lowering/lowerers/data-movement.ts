/**
 * Layers that move data without arithmetic. Reshape-like layers lower to a `copy` marked
 * elidable: when the memory planner made the output a view of the input, the copy disappears.
 * Likewise concat copies vanish for concatenations the planner eliminated, and split slices for
 * outputs that are views.
 */
import {
  type AnyLayer,
  formatShape,
  inferLayer,
  isStaticShape,
  type Layer,
  resolveReshape,
  sliceRange,
  type ValueFacts,
} from '@kiln-inference/core';
import { constantIntegers, type LowererTable, layerAxis, loweringError, product } from '../lowerer.js';
import type { ProgramAssembler } from '../program-assembler.js';

/**
 * Static output shape of a shape-only layer from its LayerDef, over the shapes lowering knows
 * and the values of build-time constant operands (squeeze/unsqueeze axes).
 */
function inferredShape(layer: AnyLayer, asm: ProgramAssembler): number[] {
  const inputs = layer.inputs.map((name, i): ValueFacts | undefined => {
    if (!name) return undefined;
    const c = asm.constant(name);
    if (c) return { dtype: c.dtype, shape: c.shape, value: c };
    if (i > 0) throw loweringError(layer, `its input ${i} ('${name}') is not a build-time constant`);
    return { dtype: 'float32', shape: asm.shape(name) };
  });
  const shape = inferLayer(layer, inputs)[0]!.shape;
  if (!shape || !isStaticShape(shape)) throw loweringError(layer, `its output shape ${formatShape(shape)} is not known at build time`);
  return [...shape];
}

/** identity, same-dtype cast, squeeze, unsqueeze: a view when the planner allows, else a copy. */
export function lowerView(layer: AnyLayer, asm: ProgramAssembler): void {
  const xName = layer.inputs[0]!;
  const yName = layer.outputs[0]!;
  const shape = layer.kind === 'identity' || layer.kind === 'cast' ? asm.shape(xName) : inferredShape(layer, asm);
  asm.setShape(yName, shape);
  asm.emit({ op: 'copy', x: asm.ref(xName), y: asm.ref(yName) }, { elidableWhenView: yName });
}

const isIdentityPerm = (perm: readonly number[] | undefined) => !perm || perm.every((p, i) => p === i);

export function lowerShuffle(layer: Layer<'shuffle'>, asm: ProgramAssembler): void {
  const { firstTranspose, secondTranspose, reshape, allowZero } = layer.params;
  const xName = layer.inputs[0]!;
  const yName = layer.outputs[0]!;
  const x = asm.shape(xName);
  const first = isIdentityPerm(firstTranspose) ? undefined : firstTranspose;
  const second = isIdentityPerm(secondTranspose) ? undefined : secondTranspose;
  if (first && second) throw loweringError(layer, 'a shuffle with two transposes', 'the builder normally cancels or merges them');
  const afterFirst = first ? first.map((p) => x[p]!) : x;
  const dims = layer.inputs[1] ? constantIntegers(layer, asm, 1, 'reshape dims') : reshape;
  const reshaped = dims ? resolveReshape(afterFirst, dims, allowZero ?? false) : afterFirst;
  const out = second ? second.map((p) => reshaped[p]!) : reshaped;
  asm.setShape(yName, out);
  if (first) {
    // Transpose into y's bytes, seen with the pre-reshape shape.
    asm.emit({ op: 'transpose', x: asm.ref(xName), y: asm.ref(yName, afterFirst), perm: [...first] });
  } else if (second) {
    asm.emit({ op: 'transpose', x: asm.ref(xName, reshaped), y: asm.ref(yName), perm: [...second] });
  } else {
    asm.emit({ op: 'copy', x: asm.ref(xName), y: asm.ref(yName) }, { elidableWhenView: yName });
  }
}

export function lowerConcatenation(layer: Layer<'concatenation'>, asm: ProgramAssembler): void {
  const names = layer.inputs.filter(Boolean);
  const shapes = names.map((n) => asm.shape(n));
  const rank = shapes[0]!.length;
  const axis = layerAxis(layer, layer.params.axis, rank);
  const out = [...shapes[0]!];
  out[axis] = shapes.reduce((sum, s) => sum + s[axis]!, 0);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  asm.emit({ op: 'concat', inputs: names.map((n) => asm.ref(n)), y: asm.ref(yName), axis }, { elidableConcat: layer.name });
}

export function lowerPadding(layer: Layer<'padding'>, asm: ProgramAssembler): void {
  if (layer.params.mode !== 'constant') throw loweringError(layer, `'${layer.params.mode}' padding`);
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const given = constantIntegers(layer, asm, 1, 'pads');
  const axes = layer.inputs[3]
    ? constantIntegers(layer, asm, 3, 'axes').map((a) => layerAxis(layer, a, x.length, 'pad axis'))
    : x.map((_, i) => i);
  if (given.length !== 2 * axes.length) throw loweringError(layer, `pads has ${given.length} values for ${axes.length} axes`);
  const pads = new Array<number>(2 * x.length).fill(0);
  axes.forEach((a, i) => {
    pads[a] = given[i]!;
    pads[a + x.length] = given[i + axes.length]!;
  });
  const value = layer.inputs[2] ? asm.constant(layer.inputs[2]) : undefined;
  const out = x.map((d, i) => d + pads[i]! + pads[i + x.length]!);
  if (out.some((d) => d < 0)) throw loweringError(layer, `pads [${given.join(',')}] crop below zero`);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  asm.emit({ op: 'pad', x: asm.ref(xName), y: asm.ref(yName), pads, value: value && value.size > 0 ? Number(value.toFloat64()[0]) : 0 });
}

export function lowerSlice(layer: Layer<'slice'>, asm: ProgramAssembler): void {
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const starts = constantIntegers(layer, asm, 1, 'starts');
  const ends = constantIntegers(layer, asm, 2, 'ends');
  const axes = layer.inputs[3] ? constantIntegers(layer, asm, 3, 'axes') : starts.map((_, i) => i);
  const steps = layer.inputs[4] ? constantIntegers(layer, asm, 4, 'steps') : starts.map(() => 1);
  const first = x.map(() => 0);
  const step = x.map(() => 1);
  const out = [...x];
  starts.forEach((s, i) => {
    const a = layerAxis(layer, axes[i]!, x.length, 'slice axis');
    if (steps[i] === 0) throw loweringError(layer, `step of axis ${a} is 0`);
    const r = sliceRange(s, ends[i]!, steps[i]!, x[a]!);
    first[a] = r.first;
    step[a] = steps[i]!;
    out[a] = r.count;
  });
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  asm.emit({ op: 'slice', x: asm.ref(xName), y: asm.ref(yName), starts: first, steps: step });
}

export function lowerSplit(layer: Layer<'split'>, asm: ProgramAssembler): void {
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const axis = layerAxis(layer, layer.params.axis, x.length);
  const count = layer.outputs.length;
  let sizes: number[];
  if (layer.inputs[1]) sizes = constantIntegers(layer, asm, 1, 'split sizes');
  else {
    // ONNX: equal pieces, the last one smaller when the axis does not divide.
    const piece = Math.ceil(x[axis]! / count);
    sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(piece, x[axis]! - i * piece)));
  }
  if (sizes.length !== count || sizes.reduce((a, b) => a + b, 0) !== x[axis]) {
    throw loweringError(layer, `split sizes [${sizes.join(',')}] do not cover axis ${axis} of [${x.join(',')}]`);
  }
  let offset = 0;
  layer.outputs.forEach((yName, i) => {
    const out = [...x];
    out[axis] = sizes[i]!;
    const starts = x.map((_, a) => (a === axis ? offset : 0));
    offset += sizes[i]!;
    if (!yName) return;
    asm.setShape(yName, out);
    asm.emit({ op: 'slice', x: asm.ref(xName), y: asm.ref(yName), starts, steps: x.map(() => 1) }, { elidableWhenView: yName });
  });
}

export function lowerResize(layer: Layer<'resize'>, asm: ProgramAssembler): void {
  const p = layer.params;
  if (p.mode === 'cubic' || p.antialias || p.keepAspectRatioPolicy !== 'stretch') throw loweringError(layer, 'this resize mode');
  if (
    p.coordinateTransform === 'half_pixel_symmetric' ||
    p.coordinateTransform === 'tf_crop_and_resize' ||
    p.coordinateTransform === 'tf_half_pixel_for_nn'
  ) {
    throw loweringError(layer, `coordinate transform '${p.coordinateTransform}'`);
  }
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const axes = (p.axes ?? x.map((_, i) => i)).map((a) => layerAxis(layer, a, x.length, 'resize axis'));
  const out = [...x];
  const sizesName = layer.inputs[3];
  const scalesName = layer.inputs[2];
  const sizes = sizesName && asm.constant(sizesName)?.size ? constantIntegers(layer, asm, 3, 'sizes') : undefined;
  const scales = !sizes && scalesName ? Array.from(asm.constant(scalesName)?.toFloat64() ?? []) : undefined;
  if (!sizes && !scales?.length) throw loweringError(layer, 'neither sizes nor scales is a build-time constant');
  axes.forEach((a, i) => {
    out[a] = sizes ? sizes[i]! : Math.floor(x[a]! * scales![i]!);
  });
  if (x.length < 2 || out.slice(0, -2).some((d, i) => d !== x[i])) {
    throw loweringError(layer, `resize of [${x.join(',')}] to [${out.join(',')}] changes more than the last two dims`);
  }
  // Scales given explicitly define the coordinate mapping; the native op derives it from sizes,
  // which agrees only when they are consistent.
  if (scales && axes.some((a, i) => a >= x.length - 2 && Math.abs(out[a]! / x[a]! - scales[i]!) > 1e-6)) {
    throw loweringError(layer, `scales [${scales.join(',')}] do not equal output/input sizes`);
  }
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  const view = (s: number[]) => [product(s.slice(0, -2)), 1, s.at(-2)!, s.at(-1)!];
  asm.emit({
    op: 'resize2d',
    x: asm.ref(xName, x.length === 4 ? x : view(x)),
    y: asm.ref(yName, out.length === 4 ? out : view(out)),
    mode: p.mode,
    coordinateTransform: p.coordinateTransform,
    nearestMode: p.nearestMode,
  });
}

/** This family's lowerers by layer kind (lowerers/index.ts merges the families). */
export const dataMovementLowerers: LowererTable = {
  identity: lowerView,
  squeeze: lowerView,
  unsqueeze: lowerView,
  shuffle: lowerShuffle,
  concatenation: lowerConcatenation,
  padding: lowerPadding,
  slice: lowerSlice,
  split: lowerSplit,
  resize: lowerResize,
};
