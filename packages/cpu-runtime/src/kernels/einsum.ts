/**
 * Einstein summation: parses the equation (explicit '->' or implicit output, '...' for
 * broadcast dims), then sums products over every combination of contracted labels.
 * Repeated labels in one operand take diagonals. Computed in float64 (bigints for 64-bit ints).
 */
import { ErrorCode, KilnError, shapeSize, stridesOf, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { bigints, fromBigInts, fromNumbers, needsBigInt, numbers } from './util/values.js';

interface ParsedEinsum {
  /** Labels of each operand, with the ellipsis expanded into digits '0'..'9'. */
  operands: string[][];
  output: string[];
}

function fail(message: string): KilnError {
  return new KilnError(ErrorCode.INVALID_ATTRIBUTE, `einsum: ${message}`, { hint: "equations look like 'ij,jk->ik' or '...ii->...i'" });
}

function splitTerm(term: string, rank: number | undefined, ellipsisRank: number): string[] {
  const parts = term.split('...');
  if (parts.length > 2) throw fail(`'${term}' has more than one ellipsis`);
  const explicit = parts.join('').split('');
  for (const c of explicit) if (!/[a-zA-Z]/.test(c)) throw fail(`'${c}' is not a label letter`);
  if (parts.length === 1) {
    if (rank !== undefined && explicit.length !== rank)
      throw fail(`term '${term}' has ${explicit.length} labels for a rank-${rank} operand`);
    return explicit;
  }
  const n = rank === undefined ? ellipsisRank : rank - explicit.length;
  if (n < 0) throw fail(`term '${term}' has more labels than its operand has dims`);
  // Ellipsis dims are right-aligned across operands, like numpy broadcasting.
  const dots = Array.from({ length: n }, (_, i) => String(ellipsisRank - n + i));
  return [...parts[0]!.split(''), ...dots, ...parts[1]!.split('')];
}

export function parseEinsum(equation: string, ranks: readonly number[]): ParsedEinsum {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== ranks.length) throw fail(`equation names ${terms.length} operands but ${ranks.length} were given`);
  const ellipsisRank = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? ranks[i]! - t.replace('...', '').length : 0)));
  const operands = terms.map((t, i) => splitTerm(t, ranks[i], ellipsisRank));
  let output: string[];
  if (rhs !== undefined) {
    output = splitTerm(rhs, undefined, ellipsisRank);
  } else {
    // Implicit output: broadcast dims first, then labels seen exactly once, alphabetically.
    const counts = new Map<string, number>();
    for (const labels of operands) for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const dots = Array.from({ length: ellipsisRank }, (_, i) => String(i));
    const singles = [...counts]
      .filter(([l, c]) => c === 1 && /[a-zA-Z]/.test(l))
      .map(([l]) => l)
      .sort();
    output = [...dots, ...singles];
  }
  const known = new Set(operands.flat());
  for (const l of output) if (!known.has(l) && !/[0-9]/.test(l)) throw fail(`output label '${l}' appears in no input`);
  return { operands, output };
}

/** Size of every label, checking agreement (size-1 ellipsis dims broadcast). */
function labelSizes(parsed: ParsedEinsum, tensors: Tensor[]): Map<string, number> {
  const sizes = new Map<string, number>();
  parsed.operands.forEach((labels, t) => {
    labels.forEach((l, axis) => {
      const d = tensors[t]!.shape[axis]!;
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, d);
      else if (d !== prev && !(d === 1 && /[0-9]/.test(l))) throw fail(`label '${l}' has sizes ${prev} and ${d}`);
    });
  });
  for (const l of parsed.output) if (!sizes.has(l)) sizes.set(l, 1);
  return sizes;
}

interface Ring<T> {
  zero: T;
  one: T;
  add(a: T, b: T): T;
  mul(a: T, b: T): T;
}

const NUMBER_RING: Ring<number> = { zero: 0, one: 1, add: (a, b) => a + b, mul: (a, b) => a * b };
const BIGINT_RING: Ring<bigint> = { zero: 0n, one: 1n, add: (a, b) => a + b, mul: (a, b) => a * b };

/** The loop nest: output labels outermost, contracted labels inside; per-operand strides per label. */
interface LoopPlan {
  outSize: number;
  sumSize: number;
  loopStrides: number[];
  operandStrides: number[][];
}

function contract<T>(values: ArrayLike<T>[], plan: LoopPlan, ring: Ring<T>): T[] {
  const { outSize, sumSize, loopStrides, operandStrides } = plan;
  const out = new Array<T>(outSize);
  for (let o = 0; o < outSize; o++) {
    let acc = ring.zero;
    for (let s = 0; s < sumSize; s++) {
      const flat = o * sumSize + s;
      let prod = ring.one;
      for (let t = 0; t < values.length; t++) {
        let idx = 0;
        let rem = flat;
        for (let d = 0; d < loopStrides.length; d++) {
          const c = Math.floor(rem / loopStrides[d]!);
          rem -= c * loopStrides[d]!;
          idx += c * operandStrides[t]![d]!;
        }
        prod = ring.mul(prod, values[t]![idx]!);
      }
      acc = ring.add(acc, prod);
    }
    out[o] = acc;
  }
  return out;
}

export const einsumKernel: Kernel<'einsum'> = (layer, inputs) => {
  const tensors = inputs.filter((t): t is Tensor => t !== undefined);
  if (tensors.length === 0) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'einsum needs at least one input');
  const parsed = parseEinsum(
    layer.params.equation,
    tensors.map((t) => t.rank),
  );
  const sizes = labelSizes(parsed, tensors);
  const outSet = new Set(parsed.output);
  const summed = [...sizes.keys()].filter((l) => !outSet.has(l));
  const loopLabels = [...parsed.output, ...summed];
  const outShape = parsed.output.map((l) => sizes.get(l)!);
  const plan: LoopPlan = {
    outSize: shapeSize(outShape),
    sumSize: summed.reduce((a, l) => a * sizes.get(l)!, 1),
    loopStrides: stridesOf(loopLabels.map((l) => sizes.get(l)!)),
    // A label absent from an operand, or broadcast (size 1) in it, contributes stride 0.
    operandStrides: tensors.map((t, ti) => {
      const s = stridesOf(t.shape);
      return loopLabels.map((l) =>
        parsed.operands[ti]!.reduce((acc, label, axis) => (label === l && t.shape[axis] !== 1 ? acc + s[axis]! : acc), 0),
      );
    }),
  };
  const dtype = tensors[0]!.dtype;
  if (needsBigInt(dtype)) return [fromBigInts(dtype, outShape, contract(tensors.map(bigints), plan, BIGINT_RING))];
  return [fromNumbers(dtype, outShape, contract(tensors.map(numbers), plan, NUMBER_RING))];
};
