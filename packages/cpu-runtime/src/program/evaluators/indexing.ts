/** The indexing family: gather and gather_nd (out-of-range indices give zeros), arg_reduce. */
import { type ProgramDType, Tensor } from '@kiln-inference/core';
import { castTo, type FamilyEvaluators, layer, run, zeroOf } from '../evaluator.js';

/**
 * Zeros where `valid` is false: `valid` has the index dims, placed at `at` in y's dims (the
 * other dims broadcast).
 */
function zeroInvalid(y: Tensor, valid: Tensor, at: number): Tensor {
  const shape = y.shape.map(() => 1);
  valid.shape.forEach((d, i) => {
    shape[at + i] = d;
  });
  return run(layer('select', {}, 3), [valid.reshape(shape), y, zeroOf(y.dtype as ProgramDType)]);
}

/**
 * Whether each index lies in [−dim, dim): per element (gather), or per row of the last dim
 * (gather_nd: `row` is that dim's length, possibly 0 or 1), where position k of a row indexes
 * dim `dimOf(k)`. The result has the index dims (gather) or all but the last (gather_nd).
 */
function validIndices(indices: Tensor, dimOf: (position: number) => number, row?: number): Tensor {
  const values = indices.toFloat64();
  const shape = row === undefined ? indices.shape : indices.shape.slice(0, -1);
  const rowLength = row ?? 1;
  const rows = shape.reduce((a, b) => a * b, 1);
  const valid = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let ok = 1;
    for (let k = 0; k < rowLength; k++) {
      const v = values[r * rowLength + k]!;
      const d = dimOf(k);
      if (v < -d || v >= d) ok = 0;
    }
    valid[r] = ok;
  }
  return new Tensor('bool', shape, valid);
}

/** Indices with the invalid ones (or rows, for gather_nd) replaced by 0, so the reference kernel (which refuses them) runs. */
function safeIndices(indices: Tensor, valid: Tensor, perRow: boolean): Tensor {
  const mask = perRow ? valid.reshape([...valid.shape, 1]) : valid;
  return run(layer('select', {}, 3), [mask, indices, zeroOf(indices.dtype as ProgramDType)]);
}

export const indexingEvaluators: FamilyEvaluators<'gather' | 'gather_nd' | 'arg_reduce'> = {
  gather(op, t) {
    const axis = op.axis < 0 ? op.axis + t.x.rank : op.axis;
    const valid = validIndices(t.indices, () => t.x.shape[axis]!);
    const y = run(layer('gather', { mode: 'default', axis, batchDims: 0 }, 2), [t.x, safeIndices(t.indices, valid, false)]);
    return zeroInvalid(y, valid, axis);
  },
  gather_nd(_op, t) {
    const k = t.indices.shape[t.indices.rank - 1]!;
    const valid = validIndices(t.indices, (position) => t.x.shape[position]!, k);
    const y = run(layer('gather', { mode: 'nd', axis: 0, batchDims: 0 }, 2), [t.x, safeIndices(t.indices, valid, true)]);
    return zeroInvalid(y, valid, 0);
  },
  arg_reduce(op, t, _yShape, yDtype) {
    const params = { op: op.type, axis: op.axis, keepDims: true, selectLastIndex: op.selectLastIndex };
    return castTo(run(layer('arg_reduce', params, 1), [t.x]), yDtype);
  },
};
