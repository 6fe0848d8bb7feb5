/**
 * The error for a plan whose plugin this process does not have: it names the plugin as
 * namespace::name@version and, when the plan recorded it, the npm package to install.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { pluginLabel } from '@kiln-inference/cpu-runtime';
import type { PluginRef } from './manifest.js';

export function missingPluginError(ref: PluginRef): KilnError {
  const label = pluginLabel(ref);
  if (ref.package) {
    const name = packageName(ref.package);
    return new KilnError(ErrorCode.PLAN_MISSING_PLUGIN, `the plan uses plugin ${label} from ${ref.package}, which is not loaded`, {
      hint: `install ${ref.package} (npm install ${ref.package}) and load it: plugins: ['${name}'] (kiln run --plugin ${name})`,
    });
  }
  return new KilnError(ErrorCode.PLAN_MISSING_PLUGIN, `the plan uses plugin ${label}, which is not registered`, {
    hint: 'register the plugin (EngineOptions.plugins or pluginModules) before loading, or rebuild the plan from a model that does not need it',
  });
}

/** `@acme/kiln-plugin-clip@1.0.0` → `@acme/kiln-plugin-clip` (a scope's leading @ is not the version's). */
function packageName(spec: string): string {
  const at = spec.lastIndexOf('@');
  return at > 0 ? spec.slice(0, at) : spec;
}
