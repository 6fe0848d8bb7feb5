/** MatMul (numpy semantics, batch broadcasting) and Gemm. */
import { broadcastSymbolic, type Dim, type DType, type Shape } from '@kiln-inference/core';
import { type InferenceRule, type NodeView, tensor } from './context.js';

export function matmulShape(a: Shape | null, b: Shape | null): Shape | null {
  if (!a || !b || a.length === 0 || b.length === 0) return null;
  const left = a.length === 1 ? [1, a[0]!] : a;
  const right = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcastSymbolic(left.slice(0, -2), right.slice(0, -2));
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(left[left.length - 2]!);
  if (b.length > 1) out.push(right[right.length - 1]!);
  return out;
}

function matmulWith(dtype: (v: NodeView) => DType | null): InferenceRule {
  return (v) => [tensor(dtype(v), matmulShape(v.shape(0), v.shape(1)))];
}

const gemm: InferenceRule = (v) => {
  const a = v.shape(0);
  const b = v.shape(1);
  const m = a && a.length === 2 ? a[v.int('transA', 0) ? 1 : 0]! : null;
  const n = b && b.length === 2 ? b[v.int('transB', 0) ? 0 : 1]! : null;
  return [tensor(v.dtype(0), a || b ? [m, n] : null)];
};

export const MATMUL_RULES: Record<string, InferenceRule> = {
  MatMul: matmulWith((v) => v.dtype(0)),
  MatMulInteger: matmulWith(() => 'int32'),
  Gemm: gemm,
};
