/**
 * Inputs registered TensorRT's way (channels first, batch left out) in a file that computes
 * in another order. The file's order of an input is the order its consumers declare for it
 * (`inputs_orders`), looking through layout-preserving operations, or else the layout its
 * declared shape shows (a TensorFlow placeholder [-1, 28, 28, 1] is channels last); the importer gives the graph input the registered shape with the batch in
 * front and inserts a Transpose from canonical order (N, C, spatial…) to the declared one, so
 * every node of the file still sees the layout it was written for. The converter derives the
 * permutation from the two orders once the rank is known.
 */
import { type AttributeValue, ErrorCode, type GraphNode, KilnError, type Shape, type ValueInfo } from '@kiln-inference/core';

/** OrderEnum INCREMENT: the entry before it starts a run of consecutive dims. */
const INCREMENT = 2147483647;
const SPECIAL_KEY = '-1';
/** N, C, then the spatial dims: the order a 'chw' registration is given in. */
const CANONICAL = [0, 1, 2, INCREMENT];

export interface RegisteredInput {
  shape: Shape;
  order: 'chw' | 'file';
  batch: number | string;
}

function ordersList(orders: AttributeValue[]): AttributeValue {
  const attributes: Record<string, AttributeValue> = {};
  orders.forEach((o, i) => {
    attributes[String(i)] = o;
  });
  return { kind: 'func', value: { name: 'dim_orders_list', attributes } };
}

function dimOrders(dims: number[]): AttributeValue {
  return { kind: 'func', value: { name: 'dim_orders', attributes: { [SPECIAL_KEY]: { kind: 'ints', value: dims } } } };
}

/** Operations whose output keeps the layout of their inputs, so an order declared past them holds for the input too. */
const LAYOUT_PRESERVING = new Set(['Identity', 'Activation', 'LeakyRelu', 'Unary', 'Binary']);

/**
 * The orders declared for `id` by its consumers, looking through layout-preserving operations
 * (a normalising Sub or Mul before the first convolution); keyed by their JSON so agreeing
 * declarations count once.
 */
function declaredOrders(id: string, nodes: GraphNode[]): Map<string, { order: AttributeValue; by: string }> {
  const found = new Map<string, { order: AttributeValue; by: string }>();
  const seen = new Set([id]);
  const queue = [id];
  while (queue.length > 0) {
    const value = queue.shift()!;
    for (const n of nodes) {
      if (!n.inputs.includes(value)) continue;
      const list = n.attributes.inputs_orders;
      if (list?.kind === 'func') {
        n.inputs.forEach((input, k) => {
          const order = list.value.attributes[String(k)];
          if (input === value && order) found.set(JSON.stringify(order), { order, by: n.name });
        });
      } else if (LAYOUT_PRESERVING.has(n.op)) {
        for (const o of n.outputs) {
          if (!seen.has(o)) {
            seen.add(o);
            queue.push(o);
          }
        }
      }
    }
  }
  return found;
}

/** The layout whose dims a declared shape shows: [0, 2, INC, 1] (channels last), or undefined (channels first). */
function orderFromDeclaredShape(id: string, full: Shape, declared: Shape): number[] | undefined {
  const fits = (shape: Shape): boolean =>
    declared.length === shape.length && shape.every((d, i) => i === 0 || declared[i] === null || declared[i] === d);
  const channelsLast = [full[0]!, ...full.slice(2), full[1]!];
  const last = fits(channelsLast);
  const first = fits(full);
  if (last !== first) return last ? [0, 2, INCREMENT, 1] : undefined;
  const message = last
    ? `input '${id}' registered as CHW fits its declared shape [${declared.join(',')}] both channels first and channels last`
    : `no operation declares the dimension order of input '${id}', and the file declares no shape that places a CHW registration`;
  throw new KilnError(ErrorCode.INVALID_SHAPE, message, {
    node: { name: id, op: 'Input' },
    hint: "register the input in the file's own order, batch included (order: 'file', or --input-shape NAME=1x28x28x1)",
  });
}

function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/**
 * Rewrites `inputs` and `nodes` in place for every 'chw' registration: full shape with the
 * batch, and a Transpose to the declared order in front of the consumers.
 */
export function applyInputOrders(
  inputs: ValueInfo[],
  nodes: GraphNode[],
  registrations: Map<string, { reg: RegisteredInput; declared: Shape }>,
  taken: Set<string>,
): void {
  for (const [id, { reg, declared }] of registrations) {
    if (reg.order !== 'chw') continue;
    const full: Shape = [reg.batch, ...reg.shape];
    if (declared.length > 0 && declared.length !== full.length) {
      throw new KilnError(
        ErrorCode.INVALID_SHAPE,
        `input '${id}' was registered as CHW [${reg.shape.join(',')}] (rank ${full.length} with the batch) but the file declares rank ${declared.length}`,
        {
          node: { name: id, op: 'Input' },
          hint: 'register as many dims as the file declares, less the batch',
        },
      );
    }
    const info = inputs.find((i) => i.name === id)!;
    if (info.type?.kind === 'tensor') info.type = { ...info.type, shape: full };
    const orders = [...declaredOrders(id, nodes).values()];
    if (orders.length > 1) {
      throw new KilnError(
        ErrorCode.INVALID_MODEL,
        `the consumers of input '${id}' declare different dimension orders (${orders.map((o) => o.by).join(', ')})`,
        {
          node: { name: id, op: 'Input' },
          hint: "register the input in the file's own order (order: 'file') instead",
        },
      );
    }
    if (orders.length === 0) {
      if (full.length <= 2) continue; // [N, C]: the same in every order
      const order = orderFromDeclaredShape(id, full, declared);
      if (!order) continue; // the file is channels first already
      orders.push({ order: dimOrders(order), by: 'its declared shape' });
    }
    const transposed = freshName(`${id}/to_file_order`, taken);
    for (const n of nodes) n.inputs = n.inputs.map((i) => (i === id ? transposed : i));
    nodes.unshift({
      name: transposed,
      op: 'Transpose',
      domain: 'uff',
      inputs: [id],
      outputs: [transposed],
      attributes: { inputs_orders: ordersList([dimOrders(CANONICAL)]), outputs_orders: ordersList([orders[0]!.order]) },
    });
  }
}
