/**
 * ONNX If, layer kind 'conditional': inputs [condition, ...captured]. The chosen branch reads
 * captured outer values under their outer names and its outputs become the layer's outputs;
 * captured values and outputs may be tensor sequences, which pass through untouched.
 */
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import type { ValueKernel } from '../kernel.js';
import type { RuntimeValue } from '../runtime-value.js';

export const conditionalKernel: ValueKernel<'conditional'> = (layer, inputs, ctx) => {
  const cond = inputs[0];
  if (!(cond instanceof Tensor) || cond.size !== 1) {
    throw new KilnError(
      ErrorCode.INVALID_SHAPE,
      `the condition must be a single element, got ${cond instanceof Tensor ? cond.size : cond ? cond.toString() : 'nothing'}`,
    );
  }
  const branch = cond.getNumber(0) !== 0 ? layer.params.thenBranch : layer.params.elseBranch;
  const byName = new Map<string, RuntimeValue>();
  layer.inputs.forEach((name, i) => {
    const t = inputs[i];
    if (i > 0 && name && t) byName.set(name, t);
  });
  const feeds = new Map<string, RuntimeValue>();
  for (const input of branch.inputs) {
    const t = byName.get(input.name);
    if (!t) throw new KilnError(ErrorCode.RUNTIME_ERROR, `branch '${branch.name}' reads '${input.name}', which the layer does not capture`);
    feeds.set(input.name, t);
  }
  const outs = ctx.runSubnetworkValues(branch, feeds);
  if (outs.length !== layer.outputs.length) {
    throw new KilnError(
      ErrorCode.SHAPE_MISMATCH,
      `branch '${branch.name}' produced ${outs.length} outputs, the layer has ${layer.outputs.length}`,
    );
  }
  return outs;
};
