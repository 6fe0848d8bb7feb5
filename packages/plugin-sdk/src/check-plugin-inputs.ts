/**
 * The input checks a plugin's declaration implies (count from `inputs`, dtypes from `dtypes`),
 * shared by conversion, where failing means "not supported", and the kernel, where it is an error.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { pluginLabel } from '@kiln-inference/cpu-runtime';
import type { FieldSchema } from './field-schema.js';
import type { InputFacts } from './plugin-outputs.js';
import type { PluginSpec } from './plugin-spec.js';
import type { FieldsOrigin } from './validate-fields.js';

export function checkPluginInputs(spec: PluginSpec<FieldSchema>, inputs: readonly InputFacts[], origin: FieldsOrigin = {}): void {
  const label = pluginLabel(spec);
  if (spec.inputs && inputs.length !== spec.inputs.length) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `plugin ${label} takes ${spec.inputs.length} input(s) (${spec.inputs.join(', ')}), got ${inputs.length}`,
      { ...origin, hint: `connect exactly the inputs ${spec.inputs.join(', ')}` },
    );
  }
  if (!spec.dtypes) return;
  const perInput = spec.dtypes.length > 0 && Array.isArray(spec.dtypes[0]);
  inputs.forEach((input, i) => {
    const allowed = (perInput ? spec.dtypes![i] : spec.dtypes) as readonly string[] | undefined;
    if (allowed && !allowed.includes(input.dtype)) {
      const name = spec.inputs?.[i] ?? `input ${i}`;
      throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `plugin ${label}: ${name} is ${input.dtype}, but it takes ${allowed.join(', ')}`, {
        ...origin,
        hint: `cast ${name} to ${allowed[0]} before the plugin, or add ${input.dtype} to the plugin's dtypes`,
      });
    }
  });
}
