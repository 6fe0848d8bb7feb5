/**
 * Runs one LayerDef's inference and makes every failure name the layer: defs throw plain
 * KilnErrors about shapes and params, and the caller (memory planner, lowering, plan decoding)
 * needs to know which layer of the network they concern.
 */
import { ErrorCode, KilnError, type LayerContext } from '../errors.js';
import type { InferContext, InferResult, LayerDef, ValueFacts } from '../layer-def.js';
import type { AnyLayer, LayerKind } from '../layers.js';
import { checkShapeSize } from '../resource-limits.js';
import { staticDims } from './dims.js';

/** The message a KilnError was built from, without the hint KilnError appends. */
function bareMessage(e: KilnError): string {
  const suffix = e.hint ? ` Hint: ${e.hint}` : '';
  return suffix && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
}

/** `e` as a KilnError that names `where` (unchanged when it already names a layer). */
export function namingLayer(e: unknown, where: LayerContext): KilnError {
  if (e instanceof KilnError) {
    if (e.layer) return e;
    return new KilnError(e.code, bareMessage(e), { layer: where, ...(e.hint ? { hint: e.hint } : {}), cause: e });
  }
  return new KilnError(ErrorCode.INTERNAL, `shape inference failed: ${e instanceof Error ? e.message : String(e)}`, {
    layer: where,
    hint: 'the layer params may be malformed; check them with checkLayerParams()',
    cause: e,
  });
}

/**
 * Output facts of `layer` from its input facts (one per `layer.inputs` entry). Throws a
 * KilnError naming the layer when the inputs cannot be valid for it.
 */
export function inferWith(
  def: LayerDef,
  layer: AnyLayer,
  inputs: readonly (ValueFacts | undefined)[],
  index?: number,
  inferBody?: InferContext<LayerKind>['inferBody'],
): InferResult {
  const where: LayerContext = index === undefined ? { name: layer.name, kind: layer.kind } : { name: layer.name, kind: layer.kind, index };
  let out: InferResult;
  try {
    out = def.infer((inferBody ? { layer, inputs, inferBody } : { layer, inputs }) as InferContext<LayerKind>);
  } catch (e) {
    throw namingLayer(e, where);
  }
  if (out.length !== layer.outputs.length) {
    throw new KilnError(ErrorCode.INTERNAL, `shape inference gave ${out.length} outputs for a layer with ${layer.outputs.length}`, {
      layer: where,
      hint: `the LayerDef of '${layer.kind}' must return one entry per output`,
    });
  }
  // A static output over the tensor limits is refused here, naming the layer, before a planner
  // sizes an arena or a kernel allocates it (a ConvTranspose output_shape of 123456789 × 8).
  out.forEach((f, i) => {
    const dims = f.valueKind === 'sequence' ? null : staticDims(f.shape);
    if (dims) checkShapeSize(f.dtype, dims, { layer: where, what: `output '${layer.outputs[i] ?? i}'` });
  });
  return out;
}
