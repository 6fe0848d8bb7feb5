/**
 * Structural equality of two Graphs for round-trip tests: returns the path of the first
 * difference (or undefined when equal). Weights and tensor attributes compare bit-exactly.
 */
import type { AttributeValue, Graph, GraphFunction, GraphNode, Tensor, ValueInfo } from '@kiln-inference/core';

export interface EqualityOptions {
  /** Metadata keys allowed to differ (export may raise ir_version). */
  ignoreMetadata?: string[];
}

function tensorBytes(t: Tensor): Uint8Array | string[] {
  const d = t.data;
  return Array.isArray(d) ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export function tensorDifference(a: Tensor, b: Tensor, path: string): string | undefined {
  if (a.dtype !== b.dtype) return `${path}: dtype ${a.dtype} vs ${b.dtype}`;
  if (a.shape.join(',') !== b.shape.join(',')) return `${path}: shape [${a.shape}] vs [${b.shape}]`;
  const x = tensorBytes(a);
  const y = tensorBytes(b);
  if (x.length !== y.length) return `${path}: ${x.length} vs ${y.length} storage units`;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${path}: storage differs at ${i}`;
  return undefined;
}

function json(v: unknown): string {
  return JSON.stringify(v);
}

function attributeDifference(a: AttributeValue, b: AttributeValue, path: string): string | undefined {
  if (a.kind !== b.kind) return `${path}: kind ${a.kind} vs ${b.kind}`;
  switch (a.kind) {
    case 'tensor':
      return tensorDifference(a.value, (b as typeof a).value, path);
    case 'tensors': {
      const bv = (b as typeof a).value;
      if (a.value.length !== bv.length) return `${path}: ${a.value.length} vs ${bv.length} tensors`;
      for (let i = 0; i < bv.length; i++) {
        const d = tensorDifference(a.value[i]!, bv[i]!, `${path}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    case 'graph':
      return graphDifference(a.value, (b as typeof a).value, {}, path);
    case 'graphs': {
      const bv = (b as typeof a).value;
      if (a.value.length !== bv.length) return `${path}: ${a.value.length} vs ${bv.length} graphs`;
      for (let i = 0; i < bv.length; i++) {
        const d = graphDifference(a.value[i]!, bv[i]!, {}, `${path}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    case 'opaque': {
      const bv = (b as typeof a).value;
      if (a.value.type !== bv.type) return `${path}: opaque ${a.value.type} vs ${bv.type}`;
      return Buffer.from(a.value.bytes).equals(Buffer.from(bv.bytes)) ? undefined : `${path}: opaque bytes differ`;
    }
    case 'float':
    case 'floats':
      // NaN attributes must survive too; Object.is treats NaN as equal to itself.
      return [a.value].flat().every((v, i) => Object.is(v, [(b as typeof a).value].flat()[i])) &&
        [a.value].flat().length === [(b as typeof a).value].flat().length
        ? undefined
        : `${path}: ${json(a.value)} vs ${json((b as typeof a).value)}`;
    default:
      return json(a.value) === json((b as typeof a).value) ? undefined : `${path}: ${json(a.value)} vs ${json((b as typeof a).value)}`;
  }
}

function nodeDifference(a: GraphNode, b: GraphNode, path: string): string | undefined {
  for (const key of ['name', 'op', 'domain', 'inputs', 'outputs', 'attributeRefs', 'doc'] as const) {
    if (json(a[key]) !== json(b[key])) return `${path}.${key}: ${json(a[key])} vs ${json(b[key])}`;
  }
  const names = Object.keys(a.attributes);
  if (json(names.sort()) !== json(Object.keys(b.attributes).sort())) return `${path}.attributes: names differ`;
  for (const n of names) {
    const d = attributeDifference(a.attributes[n]!, b.attributes[n]!, `${path}.attributes.${n}`);
    if (d) return d;
  }
  return undefined;
}

function nodesDifference(a: readonly GraphNode[], b: readonly GraphNode[], path: string): string | undefined {
  if (a.length !== b.length) return `${path}: ${a.length} vs ${b.length} nodes`;
  for (let i = 0; i < a.length; i++) {
    const d = nodeDifference(a[i]!, b[i]!, `${path}[${i}]`);
    if (d) return d;
  }
  return undefined;
}

function valueInfosDifference(a: readonly ValueInfo[], b: readonly ValueInfo[], path: string): string | undefined {
  return json(a) === json(b) ? undefined : `${path}: ${json(a)} vs ${json(b)}`;
}

function functionDifference(a: GraphFunction, b: GraphFunction, path: string): string | undefined {
  for (const key of ['name', 'domain', 'inputs', 'outputs', 'attributes', 'opsetImports'] as const) {
    if (json(a[key]) !== json(b[key])) return `${path}.${key}: ${json(a[key])} vs ${json(b[key])}`;
  }
  const defaults = (f: GraphFunction) => Object.keys(f.attributeDefaults ?? {}).sort();
  if (json(defaults(a)) !== json(defaults(b))) return `${path}.attributeDefaults: names differ`;
  for (const name of defaults(a)) {
    const d = attributeDifference(a.attributeDefaults![name]!, b.attributeDefaults![name]!, `${path}.attributeDefaults.${name}`);
    if (d) return d;
  }
  return nodesDifference(a.nodes, b.nodes, `${path}.nodes`);
}

export function graphDifference(a: Graph, b: Graph, options: EqualityOptions = {}, path = 'graph'): string | undefined {
  if (a.name !== b.name) return `${path}.name: ${a.name} vs ${b.name}`;
  const d =
    nodesDifference(a.nodes, b.nodes, `${path}.nodes`) ??
    valueInfosDifference(a.inputs, b.inputs, `${path}.inputs`) ??
    valueInfosDifference(a.outputs, b.outputs, `${path}.outputs`);
  if (d) return d;
  if (json([...a.weights.keys()]) !== json([...b.weights.keys()])) return `${path}.weights: names differ`;
  for (const [name, t] of a.weights) {
    const wd = tensorDifference(t, b.weights.get(name)!, `${path}.weights.${name}`);
    if (wd) return wd;
  }
  if (json(a.opsetImports) !== json(b.opsetImports)) return `${path}.opsetImports differ`;
  if (a.functions.length !== b.functions.length) return `${path}.functions: counts differ`;
  for (let i = 0; i < a.functions.length; i++) {
    const fd = functionDifference(a.functions[i]!, b.functions[i]!, `${path}.functions[${i}]`);
    if (fd) return fd;
  }
  const ignore = new Set(options.ignoreMetadata ?? []);
  const meta = (g: Graph) =>
    json(
      Object.entries(g.metadata)
        .filter(([k]) => !ignore.has(k))
        .sort(),
    );
  if (meta(a) !== meta(b)) return `${path}.metadata: ${meta(a)} vs ${meta(b)}`;
  return undefined;
}
