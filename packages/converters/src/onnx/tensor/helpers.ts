/**
 * Helpers shared by the ONNX tensor/shape converters: output declarations that carry the
 * shapes the model (or our own inference) knows, constant-input reading, axis handling.
 */
import { type Dim, type DType, ErrorCode, isStaticShape, KilnError, type Shape, Tensor } from '@kiln-inference/core';
import type { ConversionContext, LayerOutputSpec, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';

/** The shape the graph declares for a value (value_info or graph outputs), if any. */
function declaredShape(ctx: ConversionContext, valueName: string): Shape | null {
  const info = ctx.graph.valueInfo.get(valueName) ?? ctx.graph.outputs.find((o) => o.name === valueName);
  return info?.type?.kind === 'tensor' ? info.type.shape : null;
}

/** Output spec for node output i: our inferred shape when we have one, else the declared one. */
export function out(ctx: ConversionContext, i: number, dtype: DType, inferred?: Shape | null): LayerOutputSpec {
  const name = ctx.output(i);
  return { name, dtype, shape: inferred ?? (name ? declaredShape(ctx, name) : null) };
}

/** dtype of input i; a conversion error when nothing is known about it. */
export function dtypeOf(ctx: ConversionContext, i: number): DType {
  const d = ctx.inputDType(i);
  if (!d)
    throw ctx.error(
      `the dtype of input ${i} ('${ctx.node.inputs[i]}') is unknown`,
      'run shape inference on the model or declare the value type',
    );
  return d;
}

/** Rank of input i when known. */
export function rankOf(ctx: ValidationContext, i: number): number | undefined {
  const s = ctx.inputShape(i);
  return s ? s.length : undefined;
}

/** Integer values of a constant input (shapes, axes, pads), or undefined when it is dynamic. */
export function constInts(ctx: ValidationContext, i: number): number[] | undefined {
  const t = ctx.constantInput(i);
  if (!t || t.dtype === 'string') return undefined;
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d, (v) => Number(v));
  return Array.from(t.toFloat64());
}

/** An int64 constant layer holding `values` (a 1-D tensor unless `scalar`). */
export function int64Const(ctx: ConversionContext, values: readonly number[], hint: string, scalar = false): string {
  const t = new Tensor(
    'int64',
    scalar ? [] : [values.length],
    BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))),
  );
  return ctx.constant(t, `${ctx.node.name || ctx.node.op}/${hint}`);
}

/** Normalises an axis against a known rank, or keeps it as given (kernels accept negatives). */
export function normAxis(ctx: ValidationContext, axis: number, rank: number | undefined): number {
  if (rank === undefined) return axis;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `axis ${axis} is out of range for rank ${rank}`, {
      node: { name: ctx.node.name, op: ctx.node.op },
      hint: `use an axis in [${-rank}, ${rank - 1}]`,
    });
  }
  return a;
}

/** A validator verdict checking that an attribute holds one of the allowed strings. */
export function requireChoice(ctx: ValidationContext, name: string, allowed: readonly string[], fallback: string): Support {
  const v = ctx.attrs.string(name, fallback);
  return allowed.includes(v) ? SUPPORTED : unsupported('unsupported-attribute', `${name}='${v}' is not one of ${allowed.join(', ')}`);
}

/** Combines verdicts: the first unsupported one wins. */
export function allOf(...verdicts: Support[]): Support {
  return verdicts.find((v) => !v.supported) ?? SUPPORTED;
}

/** Product of static dims, or undefined when any is symbolic. */
export function staticProduct(dims: readonly Dim[]): number | undefined {
  return isStaticShape(dims) ? dims.reduce((a, b) => a * b, 1) : undefined;
}
