/**
 * ONNX `Constant` nodes → weights. Exporters such as Paddle2ONNX put every weight in a
 * Constant node; treating their outputs as weights gives the converters initializers to read.
 */
import { type AttributeValue, ErrorCode, type GraphNode, KilnError, Tensor } from '@kiln-inference/core';
import type { AttributeMsg } from '../proto/messages.js';
import { ProtoTypes } from '../proto/schema.js';
import { densifySparseTensor } from '../tensor/sparse.js';

export function isFoldableConstant(node: GraphNode): boolean {
  return (
    node.op === 'Constant' &&
    (node.domain === '' || node.domain === 'ai.onnx') &&
    node.outputs.length === 1 &&
    node.outputs[0] !== '' &&
    node.attributeRefs === undefined
  );
}

/** The tensor a Constant node produces, from whichever value attribute it carries. */
export function constantNodeValue(node: GraphNode, baseDir?: string): Tensor {
  const entries = Object.entries(node.attributes);
  if (entries.length !== 1) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `a Constant needs exactly one value attribute, found ${entries.length}`, {
      node: { name: node.name, op: node.op },
      hint: 'set one of value, value_float(s), value_int(s), value_string(s), sparse_value',
    });
  }
  const [name, a] = entries[0]!;
  const t = tensorOfAttribute(name, a, baseDir);
  if (!t) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `Constant attribute '${name}' of kind ${a.kind} is not a constant value`, {
      node: { name: node.name, op: node.op },
      hint: 'use value, value_float(s), value_int(s), value_string(s) or sparse_value',
    });
  }
  return t;
}

function tensorOfAttribute(name: string, a: AttributeValue, baseDir?: string): Tensor | undefined {
  if (name === 'value' && a.kind === 'tensor') return a.value;
  if (name === 'value_float' && a.kind === 'float') return Tensor.fromValues('float32', [], [a.value]);
  if (name === 'value_floats' && a.kind === 'floats') return Tensor.fromValues('float32', [a.value.length], a.value);
  if (name === 'value_int' && a.kind === 'int') return Tensor.fromValues('int64', [], [a.value]);
  if (name === 'value_ints' && a.kind === 'ints') return Tensor.fromValues('int64', [a.value.length], a.value);
  if (name === 'value_string' && a.kind === 'string') return new Tensor('string', [], [a.value]);
  if (name === 'value_strings' && a.kind === 'strings') return new Tensor('string', [a.value.length], [...a.value]);
  if (name === 'sparse_value' && a.kind === 'opaque' && a.value.type === 'SPARSE_TENSOR') {
    const msg = ProtoTypes.AttributeProto.decode(a.value.bytes) as unknown as AttributeMsg;
    if (msg.sparseTensor) return densifySparseTensor(msg.sparseTensor, { baseDir, where: 'sparse_value' });
  }
  return undefined;
}
