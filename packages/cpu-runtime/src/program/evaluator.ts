/**
 * What the reference interpreter's per-op evaluators share: the Evaluator type (one per op kind,
 * each in its family's file under evaluators/), running a layer's reference kernel on tensors,
 * and the Program's cast semantics.
 */
import {
  type AnyLayer,
  ErrorCode,
  KilnError,
  type Layer,
  type LayerKind,
  type LayerParamsMap,
  PROGRAM_DTYPE_ARRAYS,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramOperandValues,
  type ProgramOpKind,
  Tensor,
} from '@kiln-inference/core';
import type { Kernel, KernelContext } from '../kernel.js';
import { referenceKernels } from '../kernels/index.js';

/**
 * One op's output from its operand tensors (by descriptor field), through the reference kernel
 * of the equivalent layer.
 */
export type Evaluator<K extends ProgramOpKind> = (
  op: Extract<ProgramOp, { op: K }>,
  t: ProgramOperandValues<K, Tensor>,
  /** y's shape: it carries what attributes do not (ceil mode, output padding, slice counts, resize sizes). */
  yShape: readonly number[],
  /** y's dtype (a cast's target, an arg_reduce's index type). */
  yDtype: ProgramDType,
) => Tensor;

/** One evaluator per op kind: what interpret-program.ts assembles from the families (a missing kind is a compile error). */
export type EvaluatorTable = { [K in ProgramOpKind]: Evaluator<K> };

/** A family file's evaluators, for the kinds it names (the table checks that every kind has one). */
export type FamilyEvaluators<K extends ProgramOpKind> = { [P in K]: Evaluator<P> };

const NO_CONTEXT: KernelContext = {
  runSubnetwork: () => [],
  runSubnetworkValues: () => [],
  plugin: () => undefined,
};

export function layer<K extends LayerKind>(kind: K, params: LayerParamsMap[K], inputs: number): AnyLayer {
  return {
    name: `program_${kind}`,
    kind,
    inputs: Array.from({ length: inputs }, (_, i) => `in${i}`),
    outputs: ['out'],
    params,
  } as unknown as AnyLayer;
}

export function run(l: AnyLayer, inputs: (Tensor | undefined)[]): Tensor {
  const kernel = referenceKernels[l.kind] as Kernel | undefined;
  if (!kernel) throw new KilnError(ErrorCode.INTERNAL, `no reference kernel for '${l.kind}'`);
  return kernel(l as Layer, inputs, NO_CONTEXT)[0]!;
}

export const ints = (values: readonly number[]) => Tensor.fromValues('int64', [values.length], values.map(BigInt));
export const conv = (strides: number[], pads: number[], dilations: number[], groups: number, kernelShape: number[]) => ({
  kernelShape,
  strides,
  padsBegin: [pads[0]!, pads[1]!],
  padsEnd: [pads[2]!, pads[3]!],
  dilations,
  groups,
  paddingMode: 'explicit' as const,
});

const INTEGER_RANGES: Partial<Record<ProgramDType, [number, number]>> = {
  int32: [-2147483648, 2147483647],
  int8: [-128, 127],
  uint8: [0, 255],
};

/** program.ts cast semantics, element by element: float → integer truncates and saturates, NaN → 0; integers wrap. */
export function castTo(x: Tensor, to: ProgramDType): Tensor {
  const from = x.data as ProgramData;
  const out = new PROGRAM_DTYPE_ARRAYS[to](x.size);
  const floatSource = x.dtype === 'float32';
  for (let i = 0; i < x.size; i++) {
    const v = from[i]!;
    if (to === 'bool') {
      (out as Uint8Array)[i] = v !== 0 && v !== 0n ? 1 : 0;
    } else if (to === 'float32') {
      (out as Float32Array)[i] = Number(v);
    } else if (floatSource) {
      const t = Number.isNaN(v as number) ? 0 : Math.trunc(v as number);
      if (to === 'int64') {
        (out as BigInt64Array)[i] = t >= 2 ** 63 ? 2n ** 63n - 1n : t < -(2 ** 63) ? -(2n ** 63n) : BigInt(t);
      } else {
        const [lo, hi] = INTEGER_RANGES[to]!;
        (out as Int32Array)[i] = Math.min(hi, Math.max(lo, t));
      }
    } else if (to === 'int64') {
      (out as BigInt64Array)[i] = BigInt(v);
    } else {
      // Integer → narrower integer wraps: the typed array's own conversion (ToInt32/ToUint8 …).
      (out as Int32Array)[i] = typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v;
    }
  }
  return new Tensor(to, x.shape, out);
}

export const zeroOf = (dtype: ProgramDType) => Tensor.scalar(dtype, dtype === 'int64' ? 0n : 0);
export const oneOf = (dtype: ProgramDType) => Tensor.scalar(dtype, dtype === 'int64' ? 1n : 1);
