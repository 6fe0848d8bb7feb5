/**
 * TF hash tables (HashTable(V2), InitializeTable(V2), LookupTableImport(V2),
 * LookupTableFind(V2), LookupTableSize(V2)) for tables filled from constants, which is what
 * frozen graphs and TF.js models ship (vocabularies, label maps). A table is a resource
 * mutated by its initializer, so the lookup finds that initializer in the graph by the
 * handle they share and bakes the keys and values in as weights of a HashTableFind plugin
 * layer; the handle itself becomes a placeholder scalar naming the table.
 */
import { type Graph, type GraphNode, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../converter.js';
import { out, tfConverter, tfPlugin } from './helpers.js';

const TABLES = new Set(['HashTable', 'HashTableV2']);
const INITIALIZERS = new Set(['InitializeTable', 'InitializeTableV2', 'LookupTableImport', 'LookupTableImportV2']);
const PASS_THROUGH = new Set(['Identity', 'Enter']);

const nodeName = (value: string): string => value.replace(/^\^/, '').split(':')[0]!;

function producer(graph: Graph, value: string): GraphNode | undefined {
  const name = nodeName(value);
  return graph.nodes.find((n) => n.name === name);
}

/** The HashTable node a handle value comes from, through identity-like ops. */
function tableOf(graph: Graph, handle: string): GraphNode | undefined {
  let node = producer(graph, handle);
  for (let hops = 0; node && PASS_THROUGH.has(node.op) && hops < 64; hops++) node = producer(graph, node.inputs[0] ?? '');
  return node && TABLES.has(node.op) ? node : undefined;
}

/** A constant value (a weight, possibly read through Identity ops). */
function constantValue(graph: Graph, value: string): Tensor | undefined {
  let v = value;
  for (let hops = 0; hops < 64; hops++) {
    const w = graph.weights.get(v) ?? graph.weights.get(nodeName(v));
    if (w) return w;
    const p = producer(graph, v);
    if (!p || !PASS_THROUGH.has(p.op)) return undefined;
    v = p.inputs[0] ?? '';
  }
  return undefined;
}

interface Contents {
  keys: Tensor;
  values: Tensor;
}

/** The table's keys and values from its one initializer, or a reason why they are unknown. */
function contents(ctx: ValidationContext): Contents | string {
  const table = tableOf(ctx.graph, ctx.node.inputs[0] ?? '');
  if (!table) return 'the table handle does not come from a HashTable op';
  const inits = ctx.graph.nodes.filter((n) => INITIALIZERS.has(n.op) && tableOf(ctx.graph, n.inputs[0] ?? '') === table);
  if (inits.length !== 1) return `table '${table.name}' has ${inits.length} initializers in the graph; kiln needs exactly one`;
  const [init] = inits as [GraphNode];
  const keys = constantValue(ctx.graph, init.inputs[1] ?? '');
  const values = constantValue(ctx.graph, init.inputs[2] ?? '');
  if (!keys || !values) return `the keys and values of table '${table.name}' (set by '${init.name}') must be constants`;
  if (keys.size !== values.size) return `table '${table.name}' has ${keys.size} keys but ${values.size} values`;
  return { keys, values };
}

function validateLookup(ctx: ValidationContext): Support {
  const c = contents(ctx);
  return typeof c === 'string' ? { supported: false, category: 'other', reason: c } : { supported: true };
}

function requireContents(ctx: ConversionContext): Contents {
  const c = contents(ctx);
  if (typeof c === 'string') throw ctx.error(c, 'freeze the graph with its table initializer and constant keys and values');
  return c;
}

function convertFind(ctx: ConversionContext): void {
  const { keys, values } = requireContents(ctx);
  const k = ctx.constant(keys, `${ctx.node.name}/table_keys`);
  const v = ctx.constant(values, `${ctx.node.name}/table_values`);
  tfPlugin(ctx, 'HashTableFind', {}, [ctx.input(1), k, v, ctx.input(2)], [out(ctx, values.dtype)]);
}

function convertSize(ctx: ConversionContext): void {
  const { keys } = requireContents(ctx);
  const d = keys.data;
  const distinct = new Set<unknown>(Array.isArray(d) ? d : Array.from(keys.toFloat64())).size;
  ctx.alias(0, ctx.constant(Tensor.fromValues('int64', [], [distinct]), `${ctx.node.name}/size`));
}

export const tfHashTableConverters: Converter[] = [
  ...[...TABLES].map((op) =>
    tfConverter(op, (ctx) => {
      ctx.alias(0, ctx.constant(Tensor.fromValues('string', [], [ctx.node.name]), `${ctx.node.name}/handle`));
    }),
  ),
  // Initializers only fill the table, which lookups read from the graph; they compute nothing.
  ...[...INITIALIZERS].map((op) => tfConverter(op, () => {})),
  ...['LookupTableFind', 'LookupTableFindV2'].map((op) =>
    tfConverter(op, convertFind, validateLookup, 'tables initialized from constants'),
  ),
  ...['LookupTableSize', 'LookupTableSizeV2'].map((op) =>
    tfConverter(op, convertSize, validateLookup, 'tables initialized from constants'),
  ),
];
