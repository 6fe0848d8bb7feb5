/**
 * TF2 tensor lists (the `variant` values tf.map_fn, dynamic RNNs and TensorArray in TF2 thread
 * through While loops) → kiln tensor sequences. A list is a sequence whose dtype is the list's
 * element_dtype; the loop and conditional layers carry sequences through bodies on the CPU
 * backend. TensorListReserve(n) holds n elements before any is written: kiln fills them with
 * zeros of the element shape (scalars when it is unknown), which SetItem replaces in place.
 * The value mechanics are shared with TF1 TensorArrays (list-values.ts).
 */
import type { DType } from '@kiln-inference/core';
import type { Converter, Support, ValidationContext } from '../converter.js';
import { SUPPORTED, unsupported } from '../converter.js';
import { out, tfConverter } from './helpers.js';
import { knownElementShape, lengthOf, reserve, seqSpec, setItem, stack } from './list-values.js';

function elementDType(ctx: ValidationContext): DType | undefined {
  return ctx.attrs.type('element_dtype');
}

function requireElementDType(ctx: ValidationContext): Support {
  return elementDType(ctx) ? SUPPORTED : unsupported('unsupported-dtype', "the list's element_dtype is missing or not a kiln dtype");
}

const reserveList = tfConverter(
  'TensorListReserve',
  (ctx) => {
    const dtype = elementDType(ctx)!;
    reserve(ctx, ctx.input(1), dtype, knownElementShape(ctx, 0), seqSpec(ctx, dtype));
  },
  requireElementDType,
  'elements not yet written are zeros of the element shape (scalars when it is unknown)',
);

const emptyList = tfConverter(
  'EmptyTensorList',
  (ctx) => {
    const dtype = elementDType(ctx)!;
    ctx.addLayer('sequence_empty', { dtype }, [], [seqSpec(ctx, dtype)]);
  },
  requireElementDType,
);

const fromTensor = tfConverter('TensorListFromTensor', (ctx) => {
  const dtype = elementDType(ctx) ?? ctx.inputDType(0) ?? 'float32';
  ctx.addLayer('split_to_sequence', { axis: 0, keepDims: false }, [ctx.input(0)], [seqSpec(ctx, dtype)]);
});

const getItem = tfConverter(
  'TensorListGetItem',
  (ctx) => {
    ctx.addLayer('sequence_at', {}, [ctx.input(0), ctx.input(1)], [out(ctx, elementDType(ctx)!)]);
  },
  requireElementDType,
);

const setListItem = tfConverter(
  'TensorListSetItem',
  (ctx) => {
    const dtype = elementDType(ctx) ?? ctx.inputDType(2) ?? 'float32';
    setItem(ctx, ctx.input(0), ctx.input(1), ctx.input(2), dtype, seqSpec(ctx, dtype));
  },
  (ctx) =>
    ctx.attrs.bool('resize_if_index_out_of_bounds', false)
      ? unsupported('unsupported-attribute', 'resize_if_index_out_of_bounds')
      : SUPPORTED,
  'the index must lie inside the list',
);

const pushBack = tfConverter('TensorListPushBack', (ctx) => {
  const dtype = elementDType(ctx) ?? ctx.inputDType(1) ?? 'float32';
  ctx.addLayer('sequence_insert', {}, [ctx.input(0), ctx.input(1)], [seqSpec(ctx, dtype)]);
});

const stackList = tfConverter(
  'TensorListStack',
  (ctx) => {
    const dtype = elementDType(ctx)!;
    stack(ctx, ctx.input(0), dtype, out(ctx, dtype));
  },
  requireElementDType,
);

const length = tfConverter('TensorListLength', (ctx) => lengthOf(ctx, ctx.input(0)));

export const tfTensorListConverters: Converter[] = [reserveList, emptyList, fromTensor, getItem, setListItem, pushBack, stackList, length];
