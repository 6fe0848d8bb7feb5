/**
 * A layer's inputs against its kind's input specs: every required input connected, no more
 * inputs than the kind takes. Inference would find a missing input too, but callers that fall
 * back to declared facts when inference fails (the memory planner) would then meet it later,
 * in lowering, as an internal error instead of the model's fault.
 */
import { ErrorCode, KilnError, type LayerContext } from '../errors.js';
import type { InputSpec } from '../layer-def.js';
import type { AnyLayer } from '../layers.js';
import type { CheckParamsOptions } from './check-params.js';

/** What is wrong with `layer.inputs` for `specs`, as a sentence following "this layer"; undefined when nothing is. */
function inputsProblem(layer: AnyLayer, specs: readonly InputSpec[]): string | undefined {
  const variadic = specs.at(-1)?.variadic === true;
  if (!variadic && layer.inputs.length > specs.length) {
    return `has ${layer.inputs.length} inputs; '${layer.kind}' takes at most ${specs.length} (${specs.map((s) => s.name).join(', ')})`;
  }
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    // How many entries a variadic spec may have is the def's own rule (its infer checks it).
    if (spec.optional || spec.variadic) continue;
    if (!layer.inputs[i]) return `leaves its required input ${i} (${spec.name}) unconnected`;
  }
  return undefined;
}

/** Throws a KilnError (INVALID_ARGUMENT unless `options.code` says otherwise) naming the layer and the input. */
export function checkInputsAgainst(
  layer: AnyLayer,
  specs: readonly InputSpec[],
  where: LayerContext,
  options: CheckParamsOptions = {},
): void {
  const problem = inputsProblem(layer, specs);
  if (problem === undefined) return;
  throw new KilnError(options.code ?? ErrorCode.INVALID_ARGUMENT, `${options.prefix ?? ''}this layer ${problem}`, {
    layer: where,
    hint: options.hint ?? 'connect a tensor to every required input (see LAYER_DEFS[kind].inputs)',
  });
}
