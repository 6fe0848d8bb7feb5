/** Sequence and Optional ops: their values are containers of tensors, typed as ValueType. */
import type { ValueType } from '@kiln-inference/core';
import { onnxDTypeToKiln } from '../dtypes.js';
import { type InferenceResult, type InferenceRule, type NodeView, type TensorInfo, tensor } from './context.js';

const NO_TENSOR: TensorInfo = { dtype: null, shape: null };

function elementOf(info: TensorInfo): ValueType | null {
  return info.dtype === null ? null : { kind: 'tensor', dtype: info.dtype, shape: info.shape };
}

function sequenceOf(element: ValueType | null): InferenceResult {
  return { info: NO_TENSOR, container: { kind: 'sequence', element } };
}

/** The tensor inside a sequence or optional input, as TensorInfo. */
function innerTensor(v: NodeView, i: number): TensorInfo | null {
  const c = v.container(i);
  const element = c && (c.kind === 'sequence' || c.kind === 'optional') ? c.element : null;
  return element?.kind === 'tensor' ? tensor(element.dtype, element.shape) : null;
}

const sequenceEmpty: InferenceRule = (v) => {
  const code = v.attr('dtype', 'int');
  return [sequenceOf({ kind: 'tensor', dtype: code === undefined ? 'float32' : onnxDTypeToKiln(code), shape: null })];
};

const sequenceConstruct: InferenceRule = (v) => {
  const shapes = v.node.inputs.map((_, i) => JSON.stringify(v.shape(i)));
  const same = shapes.every((s) => s === shapes[0]);
  return [sequenceOf(elementOf(tensor(v.dtype(0), same ? v.shape(0) : null)))];
};

/** Insert / Erase keep the sequence type (the element's shape may vary afterwards). */
const sameSequence: InferenceRule = (v) => {
  const inner = innerTensor(v, 0) ?? (v.has(1) ? tensor(v.dtype(1), null) : null);
  return [sequenceOf(inner ? elementOf(tensor(inner.dtype, null)) : null)];
};

const optional: InferenceRule = (v) => {
  const element = v.container(0) ?? (v.has(0) ? elementOf(v.input(0)) : null);
  return [{ info: NO_TENSOR, container: { kind: 'optional', element } }];
};

/** An optional yields its element; a tensor or sequence input (allowed from opset 18) passes through. */
const optionalGetElement: InferenceRule = (v) => {
  const c = v.container(0);
  if (!c) return [v.input(0)];
  if (c.kind !== 'optional') return [{ info: NO_TENSOR, container: c }];
  const element = c.element;
  if (!element) return [null];
  return [element.kind === 'tensor' ? tensor(element.dtype, element.shape) : { info: NO_TENSOR, container: element }];
};

/** SequenceMap: each output is a sequence of the body's corresponding output. */
const sequenceMap: InferenceRule = (v) => {
  const body = v.attr('body', 'graph');
  return v.node.outputs.map((_, i) => {
    const out = body?.outputs[i];
    return sequenceOf(out ? (out.type ?? body?.valueInfo.get(out.name)?.type ?? null) : null);
  });
};

/** Identity passes containers through as well as tensors. */
export function passContainer(v: NodeView): InferenceResult | null {
  const c = v.container(0);
  return c ? { info: NO_TENSOR, container: c } : null;
}

export const SEQUENCE_RULES: Record<string, InferenceRule> = {
  SequenceEmpty: sequenceEmpty,
  SequenceConstruct: sequenceConstruct,
  SequenceInsert: sameSequence,
  SequenceErase: sameSequence,
  SequenceAt: (v) => [innerTensor(v, 0)],
  SequenceLength: () => [tensor('int64', [])],
  SplitToSequence: (v) => [sequenceOf(elementOf(tensor(v.dtype(0), null)))],
  ConcatFromSequence: (v) => [tensor(innerTensor(v, 0)?.dtype ?? null, null)],
  Optional: optional,
  OptionalGetElement: optionalGetElement,
  SequenceMap: sequenceMap,
};
