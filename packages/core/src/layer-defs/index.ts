/**
 * The LayerDef registry: one definition per layer kind, assembled from the family files, and
 * the three questions every consumer asks of it — what does a kind look like (`layerDef`), what
 * does a layer produce (`inferLayer`), and are its params what the kind takes (`checkLayerParams`).
 */
import { ErrorCode, KilnError, type LayerContext } from '../errors.js';
import type { InferResult, LayerDef, LayerDefs, ParamFields, ValueFacts } from '../layer-def.js';
import type { AnyLayer, LayerKind } from '../layers.js';
import type { Network } from '../network.js';
import { checkInputsAgainst } from './check-inputs.js';
import { type CheckParamsOptions, checkParamsAgainst, paramsProblem } from './check-params.js';
import { COMPUTE_DEFS } from './compute.js';
import { CONTROL_FLOW_DEFS } from './control-flow.js';
import { DATA_MOVEMENT_DEFS } from './data-movement.js';
import { type InferNetworkOptions, inferNetworkWith } from './infer-network.js';
import { inferWith } from './infer-with.js';
import { NORMALIZATION_DEFS } from './normalization.js';
import { POINTWISE_DEFS } from './pointwise.js';
import { REDUCTION_DEFS } from './reduction.js';
import { SEQUENCE_DEFS } from './sequences.js';
import { SHAPE_GENERATOR_DEFS } from './shape-generators.js';

export const LAYER_DEFS: LayerDefs = {
  ...POINTWISE_DEFS,
  ...COMPUTE_DEFS,
  ...NORMALIZATION_DEFS,
  ...REDUCTION_DEFS,
  ...DATA_MOVEMENT_DEFS,
  ...SHAPE_GENERATOR_DEFS,
  ...CONTROL_FLOW_DEFS,
  ...SEQUENCE_DEFS,
};

/** The definition of a layer kind. */
export function layerDef<K extends LayerKind>(kind: K): LayerDef<K> {
  const def = Object.hasOwn(LAYER_DEFS, kind) ? (LAYER_DEFS[kind] as LayerDef<K>) : undefined;
  if (!def) {
    throw new KilnError(ErrorCode.UNSUPPORTED_LAYER, `'${String(kind)}' is not a layer kind kiln knows`, {
      hint: `use one of: ${Object.keys(LAYER_DEFS).join(', ')}`,
    });
  }
  return def;
}

/**
 * Output facts (dtype, symbolic shape, small known values) of `layer` from the facts of its
 * inputs, one per `layer.inputs` entry (undefined for an omitted one). Never runs a kernel.
 * Throws a KilnError naming the layer when the inputs cannot be valid for it.
 */
export function inferLayer(layer: AnyLayer, inputs: readonly (ValueFacts | undefined)[], index?: number): InferResult {
  return inferWith(layerDef(layer.kind) as LayerDef, layer, inputs, index, inferBody);
}

/** Facts of a sub-network's outputs from facts of its inputs: what conditional, loop and scan defs ask. */
function inferBody(body: Network, inputs: ReadonlyMap<string, ValueFacts>): InferResult {
  const facts = inferNetworkWith(inferLayer, body, { inputFacts: inputs });
  return body.outputs.map((name) => {
    const f = facts.get(name);
    if (f) return f;
    throw new KilnError(ErrorCode.GRAPH_MISSING_OUTPUT, `sub-network '${body.name}' output '${name}' is not produced`, {
      hint: 'every output of a branch or loop body must be one of its inputs or a layer output',
    });
  });
}

/**
 * Facts of every tensor of a network, forward from its inputs (declared, or `options.shapes`)
 * through each layer's LayerDef; see InferNetworkOptions for how declarations and errors count.
 */
export function inferNetwork(network: Network, options?: InferNetworkOptions): Map<string, ValueFacts> {
  return inferNetworkWith(inferLayer, network, options);
}

/**
 * What is wrong with a layer's params for its kind, as a sentence following "this layer"; undefined
 * when nothing is.
 */
export function layerParamsProblem(layer: AnyLayer): string | undefined {
  return paramsProblem(layer, layerDef(layer.kind).params as ParamFields);
}

/**
 * Throws a KilnError (INVALID_ATTRIBUTE unless `options.code` says otherwise) naming the layer
 * and the param when `layer.params` is not what its kind takes: unknown or missing fields,
 * wrong types, and relations such as one stride per kernel dim.
 */
export function checkLayerParams(layer: AnyLayer, where: LayerContext, options?: CheckParamsOptions): void {
  checkParamsAgainst(layer, layerDef(layer.kind).params as ParamFields, where, options);
}

/**
 * Throws a KilnError (INVALID_ARGUMENT unless `options.code` says otherwise) naming the layer
 * and the input when a required input is unconnected ('') or the layer has more inputs than its
 * kind takes.
 */
export function checkLayerInputs(layer: AnyLayer, where: LayerContext, options?: CheckParamsOptions): void {
  checkInputsAgainst(layer, layerDef(layer.kind).inputs, where, options);
}

export type { CheckParamsOptions } from './check-params.js';
export { describeParamType, matchesParamType } from './check-params.js';
export { sliceRange } from './data-movement.js';
export {
  axisIn,
  broadcastDims,
  dimProduct,
  dimSum,
  dimsCompatible,
  knownIntValues,
  shapeOperandDims,
  staticDims,
  unifyDims,
} from './dims.js';
export { declaredFacts, type InferNetworkOptions } from './infer-network.js';
export { MAX_KNOWN_ELEMENTS } from './known-values.js';
export { resolveReshape } from './reshape-dims.js';
export {
  perDim,
  type WindowDimSpec,
  type WindowGeometry,
  type WindowSpec,
  windowDim,
  windowGeometry,
  windowOutputDim,
} from './window-geometry.js';
