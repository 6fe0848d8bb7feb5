/**
 * TensorFlow.js `modelTopology`: a GraphDef in protobuf's JSON mapping (camelCase field
 * names, int64 as strings, bytes as base64, enums by name). This turns its nodes into the
 * same decoded records the binary reader produces.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import {
  emptyList,
  emptyShape,
  emptyTensor,
  type TfAttr,
  type TfFunc,
  type TfList,
  type TfNodeDef,
  type TfShape,
  type TfTensor,
} from '../proto/tf-messages.js';
import { tfDTypeCode } from '../tf-dtypes.js';

type Json = unknown;

function fail(message: string, where: string): never {
  throw new KilnError(ErrorCode.INVALID_MODEL, `model.json: ${where}: ${message}`, {
    hint: 'the modelTopology is not a TensorFlow.js graph model or is corrupted',
  });
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Record<string, Json>, camel: string, snake = camel): Json {
  return obj[camel] ?? obj[snake];
}

function arrayOf(v: Json, where: string): Json[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail('expected a list', where);
  return v;
}

function int(v: Json, where: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || !Number.isInteger(n)) fail(`expected an integer, got ${JSON.stringify(v)}`, where);
  return n;
}

function num(v: Json, where: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  const n = typeof v === 'string' ? Number(v) : Number.NaN;
  if (Number.isNaN(n)) fail(`expected a number, got ${JSON.stringify(v)}`, where);
  return n;
}

function bigint(v: Json, where: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return fail(`expected an int64, got ${JSON.stringify(v)}`, where);
}

function base64(v: Json, where: string): Uint8Array {
  if (typeof v !== 'string') fail('expected a base64 string', where);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function dtype(v: Json, where: string): number {
  const code = typeof v === 'string' || typeof v === 'number' ? tfDTypeCode(v) : undefined;
  if (code === undefined) fail(`unknown dtype ${JSON.stringify(v)}`, where);
  return code;
}

function shape(v: Json, where: string): TfShape {
  if (!isObject(v)) return emptyShape();
  const dims = arrayOf(field(v, 'dim'), where).map((d, i) => (isObject(d) && d.size !== undefined ? int(d.size, `${where}.dim[${i}]`) : 0));
  return { unknownRank: field(v, 'unknownRank', 'unknown_rank') === true, dims };
}

function tensor(v: Json, where: string): TfTensor {
  if (!isObject(v)) fail('expected a tensor', where);
  const t = emptyTensor();
  t.dtype = dtype(field(v, 'dtype'), `${where}.dtype`);
  t.shape = shape(field(v, 'tensorShape', 'tensor_shape'), `${where}.tensorShape`);
  const content = field(v, 'tensorContent', 'tensor_content');
  if (content !== undefined) t.content = base64(content, `${where}.tensorContent`);
  t.floatVal = arrayOf(field(v, 'floatVal', 'float_val'), where).map((x) => num(x, where));
  t.doubleVal = arrayOf(field(v, 'doubleVal', 'double_val'), where).map((x) => num(x, where));
  t.intVal = arrayOf(field(v, 'intVal', 'int_val'), where).map((x) => int(x, where));
  t.int64Val = arrayOf(field(v, 'int64Val', 'int64_val'), where).map((x) => bigint(x, where));
  t.boolVal = arrayOf(field(v, 'boolVal', 'bool_val'), where).map((x) => x === true);
  t.stringVal = arrayOf(field(v, 'stringVal', 'string_val'), where).map((x) => base64(x, where));
  t.halfVal = arrayOf(field(v, 'halfVal', 'half_val'), where).map((x) => int(x, where));
  t.uint32Val = arrayOf(field(v, 'uint32Val', 'uint32_val'), where).map((x) => int(x, where));
  t.uint64Val = arrayOf(field(v, 'uint64Val', 'uint64_val'), where).map((x) => bigint(x, where));
  return t;
}

function func(v: Json, where: string): TfFunc {
  if (!isObject(v)) fail('expected a function reference', where);
  const attrs = isObject(v.attr) ? v.attr : {};
  return { name: String(v.name ?? ''), attr: new Map(Object.entries(attrs).map(([k, a]) => [k, attr(a, `${where}.attr.${k}`)])) };
}

function list(v: Json, where: string): TfList {
  const l = emptyList();
  if (!isObject(v)) return l;
  l.s = arrayOf(v.s, where).map((x) => base64(x, where));
  l.i = arrayOf(v.i, where).map((x) => int(x, where));
  l.f = arrayOf(v.f, where).map((x) => num(x, where));
  l.b = arrayOf(v.b, where).map((x) => x === true);
  l.type = arrayOf(v.type, where).map((x) => dtype(x, where));
  l.shape = arrayOf(v.shape, where).map((x) => shape(x, where));
  l.tensor = arrayOf(v.tensor, where).map((x) => tensor(x, where));
  l.func = arrayOf(v.func, where).map((x) => func(x, where));
  return l;
}

function attr(v: Json, where: string): TfAttr {
  if (!isObject(v)) fail('expected an attribute value object', where);
  if (v.list !== undefined) return { kind: 'list', value: list(v.list, where) };
  if (v.s !== undefined) return { kind: 's', value: base64(v.s, where) };
  if (v.i !== undefined) return { kind: 'i', value: int(v.i, where) };
  if (v.f !== undefined) return { kind: 'f', value: num(v.f, where) };
  if (v.b !== undefined) return { kind: 'b', value: v.b === true };
  if (v.type !== undefined) return { kind: 'type', value: dtype(v.type, where) };
  if (v.shape !== undefined) return { kind: 'shape', value: shape(v.shape, where) };
  if (v.tensor !== undefined) return { kind: 'tensor', value: tensor(v.tensor, where) };
  if (v.func !== undefined) return { kind: 'func', value: func(v.func, where) };
  if (v.placeholder !== undefined) return { kind: 'placeholder', value: String(v.placeholder) };
  return { kind: 'none' };
}

export function nodesFromJson(topology: Json): { nodes: TfNodeDef[]; producer: number; functionNames: string[] } {
  if (!isObject(topology)) fail("'modelTopology' is not an object", 'modelTopology');
  const nodes = arrayOf(topology.node, 'modelTopology.node').map((n, i): TfNodeDef => {
    const where = `node[${i}]`;
    if (!isObject(n)) fail('expected a node object', where);
    if (typeof n.name !== 'string' || typeof n.op !== 'string') fail("a node needs string 'name' and 'op'", where);
    const attrs = isObject(n.attr) ? n.attr : {};
    return {
      name: n.name,
      op: n.op,
      inputs: arrayOf(n.input, `${where}.input`).map((x) => String(x)),
      device: typeof n.device === 'string' ? n.device : '',
      attr: new Map(Object.entries(attrs).map(([k, a]) => [k, attr(a, `node '${n.name}' attr '${k}'`)])),
    };
  });
  const versions = isObject(topology.versions) ? topology.versions : {};
  const producer = versions.producer === undefined ? 0 : int(versions.producer, 'versions.producer');
  const library = isObject(topology.library) ? topology.library : {};
  const functionNames = arrayOf(library.function, 'library.function').map((f) =>
    isObject(f) && isObject(f.signature) && typeof f.signature.name === 'string' ? f.signature.name : '?',
  );
  return { nodes, producer, functionNames };
}
