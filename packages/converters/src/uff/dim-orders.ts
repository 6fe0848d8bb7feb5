/**
 * UFF dimension orders, and what an axis means in a UFF file. An order lists, for each
 * dimension of a tensor as stored, its canonical role (data: 0 = N, 1 = C, 2… = spatial;
 * weights: 0 = K (out), 1 = C (in), 2… = spatial); an entry followed by the INCREMENT or
 * DECREMENT marker is a run of spatial dims of whatever length the rank leaves (so `N+C`,
 * [0, 2, INC, 1], is [N, C] at rank 2 and [N, H, W, C] at rank 4). The importer keeps
 * `*_orders` fields as nested `func` attributes: list index → order-enum key → dims; the
 * SPECIAL key (−1) is what the TensorFlow-made files use.
 *
 * Kiln keeps every tensor in the file's own order, the order the source framework computed
 * in, so results match that framework. Axes then follow TensorRT's UFF parser: an op that
 * declares an order for its input counts its axis over the canonical dims after the batch
 * (TensorRT's implicit batch: axis 0 is C, which is what the converter writes for every
 * TensorFlow Softmax), mapped through the order to the stored position; an op that declares
 * none carries the framework's own axis (batch included), which is already a stored position.
 */
import { type AttributeValue, ErrorCode, KilnError } from '@kiln-inference/core';
import type { ValidationContext } from '../converter.js';
import { uffRank } from './ranks.js';

export const INCREMENT = 2147483647;
export const DECREMENT = -2147483648;
const SPECIAL_KEY = '-1';
const BATCH = 0;

/** The dims of the order for list entry `index` of a `*_orders` field, or undefined. */
export function orderOf(ctx: ValidationContext, field: string, index: number): number[] | undefined {
  const list = ctx.attrs.raw(field);
  if (list?.kind !== 'func') return undefined;
  const entry: AttributeValue | undefined = list.value.attributes[String(index)];
  if (entry?.kind !== 'func') return undefined;
  const byKey = entry.value.attributes;
  const order = byKey[SPECIAL_KEY] ?? Object.values(byKey)[0];
  return order?.kind === 'ints' ? order.value : undefined;
}

/** The canonical role of each stored dim for a tensor of `rank`, or undefined when the order cannot describe that rank. */
export function expandOrder(order: readonly number[], rank: number): number[] | undefined {
  const items: { start: number; step: number }[] = [];
  for (let i = 0; i < order.length; i++) {
    const v = order[i]!;
    if (v === INCREMENT || v === DECREMENT) return undefined; // a marker must follow a dim
    const next = order[i + 1];
    const step = next === INCREMENT ? 1 : next === DECREMENT ? -1 : 0;
    items.push({ start: v, step });
    if (step !== 0) i++;
  }
  const runs = items.filter((it) => it.step !== 0).length;
  const fixed = items.length - runs;
  if (runs > 1 || (runs === 0 && fixed !== rank) || fixed > rank) return undefined;
  const runLength = rank - fixed;
  const dims: number[] = [];
  for (const it of items) {
    if (it.step === 0) dims.push(it.start);
    else for (let k = 0; k < runLength; k++) dims.push(it.start + it.step * k);
  }
  return dims;
}

function axisError(ctx: ValidationContext, message: string, hint: string): KilnError {
  return new KilnError(ErrorCode.INVALID_ATTRIBUTE, message, { node: { name: ctx.node.name, op: ctx.node.op }, hint });
}

/**
 * The stored position of a UFF axis on input `input` (see the file comment). Negative axes
 * count from the end. Without a declared order and with the rank unknown, a negative axis is
 * returned as is (layers accept negative axes).
 */
export function storedAxis(ctx: ValidationContext, axis: number, input = 0, field = 'axis'): number {
  const rank = uffRank(ctx, input);
  const order = orderOf(ctx, 'inputs_orders', input);
  if (!Number.isInteger(axis)) throw axisError(ctx, `${field} ${axis} is not an integer`, 'the UFF file is malformed');
  if (order === undefined) {
    if (rank === undefined) return axis;
    if (axis < -rank || axis >= rank)
      throw axisError(ctx, `${field} ${axis} is out of range for a rank-${rank} input`, `use an axis in [${-rank}, ${rank - 1}]`);
    return axis < 0 ? axis + rank : axis;
  }
  if (rank === undefined) {
    throw axisError(
      ctx,
      `${field} is given in the declared order [${order.join(',')}] but the input's rank is unknown`,
      'register the graph inputs with full shapes so every rank is known',
    );
  }
  const roles = expandOrder(order, rank);
  if (!roles) {
    throw axisError(ctx, `the declared order [${order.join(',')}] does not describe a rank-${rank} input`, 'the UFF file is malformed');
  }
  const counted = roles.includes(BATCH) ? rank - 1 : rank;
  if (axis < -counted || axis >= counted) {
    throw axisError(
      ctx,
      `${field} ${axis} is out of range: the declared order leaves ${counted} dims after the batch`,
      `use an axis in [${-counted}, ${counted - 1}], counted in canonical order (C first) without the batch`,
    );
  }
  const a = axis < 0 ? axis + counted : axis;
  const canonical = [...roles].sort((x, y) => x - y).filter((r) => counted === rank || r !== BATCH)[a]!;
  return roles.indexOf(canonical);
}

/** An axis-list field (an int or a list of ints) resolved to stored positions. */
export function storedAxes(ctx: ValidationContext, field: string, input = 0): number[] | undefined {
  const raw = ctx.attrs.raw(field);
  if (raw === undefined) return undefined;
  const values = raw.kind === 'int' ? [raw.value] : raw.kind === 'ints' ? raw.value : undefined;
  if (!values)
    throw axisError(ctx, `field '${field}' should be an integer or a list of integers, not ${raw.kind}`, 'the UFF file is malformed');
  return values.map((a) => storedAxis(ctx, a, input, field));
}

/** True when a data order puts channels last (N, spatial…, C), as TensorFlow does. */
export function isChannelsLast(order: number[] | undefined): boolean {
  return order !== undefined && order.length >= 2 && order[0] === 0 && order[order.length - 1] === 1;
}

/** True when convolution weights are spatial-first (H, W, C, K: TensorFlow's HWIO). */
export function isSpatialFirstWeights(order: number[] | undefined): boolean {
  return order !== undefined && order[0] === 2 && order[order.length - 1] === 0;
}

/** True when fully-connected weights are [C, K] (in, out), TensorFlow's layout. */
export function isInOutWeights(order: number[] | undefined): boolean {
  return order !== undefined && order.length === 2 && order[0] === 1 && order[1] === 0;
}
