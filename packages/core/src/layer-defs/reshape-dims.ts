/**
 * ONNX Reshape's target dims (0 copies an input dim, one -1 is inferred) resolved against an
 * input shape: over symbolic dims for inference, and over concrete ones for the kernels and
 * the lowering (`resolveReshape`), so the rule is written once.
 */
import { ErrorCode, KilnError } from '../errors.js';
import { type Dim, formatShape, type Shape } from '../shape.js';

function fail(code: ErrorCode, message: string, hint: string): KilnError {
  return new KilnError(code, message, { hint });
}

/**
 * The dim a -1 stands for, or the element-count check without one: input and output dims are
 * treated as factors, symbols present on both sides cancel, and what remains must be numbers.
 * Returns the inferred dim (null when symbols or unknowns leave it open).
 */
function resolveElementCount(input: Shape, out: readonly Dim[], inferAt: number, listed: string): Dim {
  const inputFactors = [...input];
  const outputFactors: Dim[] = [];
  out.forEach((d, i) => {
    if (i === inferAt) return;
    const match = typeof d === 'string' ? inputFactors.indexOf(d) : -1;
    if (match >= 0) inputFactors.splice(match, 1);
    else outputFactors.push(d);
  });
  if (outputFactors.some((d) => typeof d !== 'number') || inputFactors.includes(null)) return null;
  const outCount = (outputFactors as number[]).reduce((a, b) => a * b, 1);
  const symbols = inputFactors.filter((d) => typeof d === 'string');
  const inCount = (inputFactors.filter((d) => typeof d === 'number') as number[]).reduce((a, b) => a * b, 1);
  if (symbols.length > 0) {
    // One symbol left over with the numbers balanced: the -1 is that symbol.
    return inferAt >= 0 && symbols.length === 1 && inCount === outCount ? symbols[0]! : null;
  }
  if (inferAt < 0) {
    if (inCount !== outCount) {
      throw fail(
        ErrorCode.INVALID_SHAPE,
        `cannot reshape ${formatShape(input)} (${inCount} elements) to ${listed} (${outCount} elements)`,
        'the element count must stay the same',
      );
    }
    return null;
  }
  if (outCount === 0 || inCount % outCount !== 0) {
    throw fail(
      ErrorCode.INVALID_SHAPE,
      `cannot infer the -1 in ${listed} for ${formatShape(input)} (${inCount} elements)`,
      'the other dims must divide the element count',
    );
  }
  return inCount / outCount;
}

/**
 * ONNX Reshape dims (0 copies the input dim unless allowZero, one -1 is inferred) over symbolic
 * dims. Target entries may themselves be symbolic (a dim taken from a Shape) or unknown (null):
 * those stand for their own size, and an unknown one leaves its output dim unknown.
 */
export function reshapeDims(input: Shape | null, dims: readonly Dim[], allowZero: boolean): Dim[] {
  const listed = formatShape(dims);
  let inferAt = -1;
  const out: Dim[] = dims.map((d, i) => {
    if (typeof d !== 'number') return d;
    if (d === 0 && !allowZero) {
      if (!input) return null;
      if (i >= input.length) {
        throw fail(
          ErrorCode.INVALID_SHAPE,
          `reshape dim ${i} is 0 (copy the input dim) but the input ${formatShape(input)} has rank ${input.length}`,
          'use an explicit dim, or set allowZero for a literal 0',
        );
      }
      return input[i]!;
    }
    if (d === -1) {
      if (inferAt >= 0)
        throw fail(ErrorCode.INVALID_ATTRIBUTE, `reshape dims ${listed} hold more than one -1`, 'only one dim may be inferred');
      inferAt = i;
      return null;
    }
    if (!Number.isSafeInteger(d) || d < 0) {
      throw fail(ErrorCode.INVALID_ATTRIBUTE, `invalid reshape dim ${d} in ${listed}`, 'dims are ≥ 0, or -1 for the inferred one');
    }
    return d;
  });
  if (allowZero && inferAt >= 0 && dims.includes(0)) {
    throw fail(
      ErrorCode.INVALID_ATTRIBUTE,
      `reshape dims ${listed} mix a literal 0 with -1`,
      'with allowZero, -1 cannot be inferred next to a 0',
    );
  }
  if (!input) return out;
  const inferred = resolveElementCount(input, out, inferAt, listed);
  if (inferAt >= 0) out[inferAt] = inferred;
  return out;
}

/** The concrete output shape of reshaping a tensor of shape `input` to `dims`. */
export function resolveReshape(input: readonly number[], dims: readonly number[], allowZero: boolean): number[] {
  // Over numbers every output dim comes out a number: copied, given, or the inferred -1.
  return reshapeDims(input, dims, allowZero) as number[];
}
