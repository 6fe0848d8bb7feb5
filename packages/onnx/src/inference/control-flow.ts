/**
 * If, Loop and Scan: output types come from their bodies' outputs, declared or inferred (bodies
 * are inferred before the node itself).
 */
import type { Graph, ValueType } from '@kiln-inference/core';
import { type InferenceResult, type InferenceRule, type TensorInfo, tensor } from './context.js';

function bodyOutputType(body: Graph | undefined, i: number): ValueType | null {
  const out = body?.outputs[i];
  return out ? (out.type ?? body?.valueInfo.get(out.name)?.type ?? null) : null;
}

function bodyOutput(body: Graph | undefined, i: number, keepShape: boolean): TensorInfo | null {
  const type = bodyOutputType(body, i);
  if (type?.kind !== 'tensor') return null;
  return tensor(type.dtype, keepShape ? type.shape : null);
}

/** Sequences and optionals flowing out of a body keep their declared type. */
function bodyContainer(body: Graph | undefined, i: number): InferenceResult | null {
  const type = bodyOutputType(body, i);
  return type && type.kind !== 'tensor' ? { info: { dtype: null, shape: null }, container: type } : null;
}

const ifRule: InferenceRule = (v) => {
  const thenBranch = v.attr('then_branch', 'graph');
  const elseBranch = v.attr('else_branch', 'graph');
  return v.node.outputs.map((_, i) => {
    const container = bodyContainer(thenBranch, i) ?? bodyContainer(elseBranch, i);
    if (container) return container;
    const a = bodyOutput(thenBranch, i, true);
    const b = bodyOutput(elseBranch, i, true);
    if (!a || !b) return a ?? b;
    // Branches may disagree on shape; only what both promise is kept.
    const same = JSON.stringify(a.shape) === JSON.stringify(b.shape);
    return tensor(a.dtype === b.dtype ? a.dtype : null, same ? a.shape : null);
  });
};

/** Loop: inputs (M, cond, carried…), body outputs (cond, carried…, scan outputs…). */
const loop: InferenceRule = (v) => {
  const body = v.attr('body', 'graph');
  const carried = Math.max(0, v.node.inputs.length - 2);
  return v.node.outputs.map((_, i) => {
    const container = bodyContainer(body, 1 + i);
    if (container) return container;
    if (i < carried) return tensor(v.dtype(2 + i) ?? bodyOutput(body, 1 + i, false)?.dtype ?? null, null);
    const scanOut = bodyOutput(body, 1 + i, false);
    return scanOut ? tensor(scanOut.dtype, null) : null;
  });
};

/**
 * Scan: inputs (states…, scan inputs…), body outputs (states…, scan outputs…). Opset 8 puts an
 * optional sequence_lens first.
 */
const scan: InferenceRule = (v) => {
  const body = v.attr('body', 'graph');
  const scanInputs = v.int('num_scan_inputs', 0);
  const first = v.opset < 9 ? 1 : 0;
  const states = Math.max(0, v.node.inputs.length - first - scanInputs);
  return v.node.outputs.map((_, i) => {
    if (i < states) return tensor(v.dtype(first + i), v.shape(first + i));
    const out = bodyOutput(body, i, false);
    return out ? tensor(out.dtype, null) : null;
  });
};

export const CONTROL_FLOW_RULES: Record<string, InferenceRule> = {
  If: ifRule,
  Loop: loop,
  Scan: scan,
  OptionalHasElement: () => [tensor('bool', [])],
};
