/**
 * Network ⇄ JSON for the layers section. Layer parameters are encoded generically so every
 * layer kind (and any parameter added later) round-trips: Tensors become {"$tensor": index}
 * into the weights table, sub-networks (If/Loop/Scan bodies) {"$network": …}, and numbers JSON
 * cannot spell (NaN, ±Infinity, -0) {"$number": "…"}.
 */
import {
  type AnyLayer,
  checkCount,
  checkLayerInputs,
  checkLayerParams,
  ErrorCode,
  isDType,
  KILN_VERSION,
  KilnError,
  LAYER_KINDS,
  type LayerOrigin,
  Network,
  Tensor,
  type TensorDesc,
} from '@kiln-inference/core';
import type { JsonValue } from './canonical-json.js';
import { corrupted, type WeightsReader, type WeightsWriter } from './weights-blob.js';

type JsonObject = { [key: string]: JsonValue };

const KNOWN_KINDS = new Set<string>(LAYER_KINDS);

export function encodeNetwork(network: Network, weights: WeightsWriter): JsonValue {
  return {
    name: network.name,
    inputs: network.inputs.map((d) => d.name),
    outputs: [...network.outputs],
    tensors: [...network.tensors.values()].map(encodeDesc),
    layers: network.layers.map((layer, index) => encodeLayer(layer, index, weights)),
  };
}

function encodeDesc(d: TensorDesc): JsonValue {
  const out: JsonObject = { name: d.name, dtype: d.dtype, shape: d.shape === null ? null : [...d.shape] };
  if (d.layout) out.layout = d.layout;
  if (d.valueKind === 'sequence') out.valueKind = d.valueKind;
  return out;
}

function encodeLayer(layer: AnyLayer, index: number, weights: WeightsWriter): JsonValue {
  const where = { layer: { name: layer.name, kind: layer.kind, index } };
  const out: JsonObject = {
    name: layer.name,
    kind: layer.kind,
    inputs: [...layer.inputs],
    outputs: [...layer.outputs],
    params: encodeValue(layer.params, weights, where),
  };
  if (layer.precision) out.precision = layer.precision;
  if (layer.origin) out.origin = encodeValue(layer.origin, weights, where);
  return out;
}

function encodeValue(v: unknown, weights: WeightsWriter, where: { layer: { name: string; kind: string; index: number } }): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v) && !Object.is(v, -0)) return v;
    return { $number: Object.is(v, -0) ? '-0' : String(v) };
  }
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Tensor) return { $tensor: weights.add(v) };
  if (v instanceof Network) return { $network: encodeNetwork(v, weights) };
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, weights, where));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encodeValue(x, weights, where);
    return out;
  }
  throw new KilnError(
    ErrorCode.INVALID_ARGUMENT,
    `a layer parameter of type ${Object.prototype.toString.call(v)} cannot be stored in a plan`,
    {
      ...where,
      hint: 'layer parameters must be JSON-like values, Tensors or Networks',
    },
  );
}

const REBUILD_HINT = 'the plan was damaged or edited after it was built; rebuild it from the model with buildPlan() (kiln build)';

/**
 * Rebuilds a network from its JSON. A plan is checksummed, not signed, so this trusts nothing:
 * every record, param and nesting level is checked, every (sub-)network is validated, and
 * anything malformed is PLAN_CORRUPTED saying what is wrong.
 */
export function decodeNetwork(json: unknown, weights: WeightsReader): Network {
  return decodeNetworkAt(json, weights, 0);
}

function decodeNetworkAt(json: unknown, weights: WeightsReader, depth: number): Network {
  checkCount('maxNestingDepth', depth, 'the nesting depth of sub-networks in the plan');
  const j = json as { name?: unknown; inputs?: unknown; outputs?: unknown; tensors?: unknown; layers?: unknown };
  if (
    typeof j?.name !== 'string' ||
    !isStringArray(j.inputs) ||
    !isStringArray(j.outputs) ||
    !Array.isArray(j.tensors) ||
    !Array.isArray(j.layers)
  ) {
    throw corrupted('a network record is malformed');
  }
  checkCount('maxNodes', j.layers.length, `the layer count of network '${j.name}'`);
  const network = new Network(j.name);
  for (const raw of j.tensors) {
    const d = decodeDesc(raw);
    if (network.tensors.has(d.name)) throw corrupted(`network '${j.name}' describes tensor '${d.name}' twice`);
    network.tensors.set(d.name, d);
  }
  network.inputs = j.inputs.map((name) => {
    const d = network.tensors.get(name);
    if (!d) throw corrupted(`network input '${name}' has no tensor description`);
    return d;
  });
  network.outputs = [...j.outputs];
  network.layers = j.layers.map((raw, index) => decodeLayer(raw, index, weights, depth));
  checkProducers(network);
  try {
    network.validate();
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    throw new KilnError(ErrorCode.PLAN_CORRUPTED, `plan is corrupted: network '${network.name}': ${e.message}`, {
      ...(e.layer ? { layer: e.layer } : {}),
      hint: REBUILD_HINT,
      cause: e,
    });
  }
  return network;
}

/** Every layer output is described, and each tensor has one producer (an input or one layer output). */
function checkProducers(network: Network): void {
  const produced = new Set(network.inputs.map((d) => d.name));
  network.layers.forEach((layer, index) => {
    for (const name of layer.outputs) {
      if (!name) continue;
      const where = { layer: { name: layer.name, kind: layer.kind, index }, hint: REBUILD_HINT };
      if (!network.tensors.has(name)) {
        throw new KilnError(
          ErrorCode.PLAN_CORRUPTED,
          `plan is corrupted: this layer writes '${name}', which has no tensor description`,
          where,
        );
      }
      if (produced.has(name)) {
        throw new KilnError(ErrorCode.PLAN_CORRUPTED, `plan is corrupted: this layer writes '${name}', which is already produced`, where);
      }
      produced.add(name);
    }
  });
}

const LAYOUTS = new Set<string>(['NCHW', 'NHWC', 'NCDHW', 'NDHWC', 'NCW', 'NWC', 'any']);

function decodeDesc(raw: unknown): TensorDesc {
  const d = raw as { name?: unknown; dtype?: unknown; shape?: unknown; layout?: unknown; valueKind?: unknown };
  const shapeOk =
    d?.shape === null ||
    (Array.isArray(d?.shape) &&
      d.shape.every((x) => x === null || typeof x === 'string' || (Number.isSafeInteger(x) && (x as number) >= 0)));
  if (typeof d?.name !== 'string' || !isDType(d.dtype) || !shapeOk) throw corrupted('a tensor description is malformed');
  const out: TensorDesc = { name: d.name, dtype: d.dtype, shape: d.shape as TensorDesc['shape'] };
  if (d.layout !== undefined) {
    if (typeof d.layout !== 'string' || !LAYOUTS.has(d.layout)) throw corrupted(`tensor '${d.name}' has an unknown layout`);
    out.layout = d.layout as NonNullable<TensorDesc['layout']>;
  }
  if (d.valueKind !== undefined) {
    if (d.valueKind !== 'sequence' && d.valueKind !== 'tensor') throw corrupted(`tensor '${d.name}' has an unknown value kind`);
    out.valueKind = d.valueKind;
  }
  return out;
}

function decodeLayer(raw: unknown, index: number, weights: WeightsReader, depth: number): AnyLayer {
  const l = raw as {
    name?: unknown;
    kind?: unknown;
    inputs?: unknown;
    outputs?: unknown;
    params?: unknown;
    precision?: unknown;
    origin?: unknown;
  };
  if (
    typeof l?.name !== 'string' ||
    typeof l.kind !== 'string' ||
    !isStringArray(l.inputs) ||
    !isStringArray(l.outputs) ||
    typeof l.params !== 'object' ||
    l.params === null ||
    Array.isArray(l.params)
  ) {
    throw corrupted(`layer record ${index} is malformed`);
  }
  if (!KNOWN_KINDS.has(l.kind)) {
    throw new KilnError(ErrorCode.PLAN_FORMAT_VERSION, `the plan uses layer kind '${l.kind}', which kiln ${KILN_VERSION} does not know`, {
      layer: { name: l.name, kind: l.kind },
      hint: `the plan was built by another kiln version; rebuild it from the model with kiln ${KILN_VERSION}`,
    });
  }
  const where = { name: l.name, kind: l.kind, index };
  const params = decodeValue(l.params, weights, { where, depth, level: 0 });
  const layer = { name: l.name, kind: l.kind, inputs: l.inputs, outputs: l.outputs, params } as AnyLayer;
  // The params must be what the kind's LayerDef takes, or the builder and lowerers would crash on them.
  checkLayerParams(layer, where, { code: ErrorCode.PLAN_CORRUPTED, prefix: 'plan is corrupted: ', hint: REBUILD_HINT });
  checkLayerInputs(layer, where, { code: ErrorCode.PLAN_CORRUPTED, prefix: 'plan is corrupted: ', hint: REBUILD_HINT });
  if (l.precision !== undefined) {
    if (!isDType(l.precision)) throw corrupted(`layer '${l.name}' has an unknown precision`);
    layer.precision = l.precision;
  }
  if (l.origin !== undefined) {
    const o = l.origin as Partial<LayerOrigin> | null;
    const ok =
      typeof o === 'object' &&
      o !== null &&
      typeof o.node === 'string' &&
      typeof o.op === 'string' &&
      (o.domain === undefined || typeof o.domain === 'string');
    if (!ok) throw corrupted(`layer '${l.name}' has a malformed origin`);
    layer.origin = { node: o.node!, op: o.op!, ...(o.domain !== undefined ? { domain: o.domain } : {}) };
  }
  return layer;
}

interface DecodeScope {
  where: { name: string; kind: string; index: number };
  /** Sub-network nesting depth. */
  depth: number;
  /** JSON nesting depth within this layer's params. */
  level: number;
}

/** The spellings encodeValue gives numbers JSON cannot hold. */
const SPECIAL_NUMBERS = new Map<string, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);

function decodeValue(v: unknown, weights: WeightsReader, scope: DecodeScope): unknown {
  if (v === null || typeof v !== 'object') return v;
  const bad = (what: string): never => {
    throw new KilnError(ErrorCode.PLAN_CORRUPTED, `plan is corrupted: this layer ${what}`, { layer: scope.where, hint: REBUILD_HINT });
  };
  checkCount('maxNestingDepth', scope.level, `the nesting depth of layer '${scope.where.name}' params`, { layer: scope.where });
  const inner = { ...scope, level: scope.level + 1 };
  if (Array.isArray(v)) return v.map((x) => decodeValue(x, weights, inner));
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const key = keys[0]!;
    if (key === '$tensor') {
      if (!Number.isSafeInteger(o.$tensor)) bad(`refers to tensor ${shown(o.$tensor)}, which is not a tensor table index`);
      return weights.get(o.$tensor as number);
    }
    if (key === '$network') return decodeNetworkAt(o.$network, weights, scope.depth + 1);
    if (key === '$number') {
      const n = typeof o.$number === 'string' ? SPECIAL_NUMBERS.get(o.$number) : undefined;
      if (n === undefined) bad(`holds the number ${shown(o.$number)}; only NaN, Infinity, -Infinity and -0 are spelled out`);
      return n;
    }
    if (key === '$bigint') {
      if (typeof o.$bigint !== 'string' || !/^-?\d{1,40}$/.test(o.$bigint))
        bad(`holds the bigint ${shown(o.$bigint)}, which is not an integer`);
      return BigInt(o.$bigint as string);
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeValue(o[k], weights, inner);
  return out;
}

function shown(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
