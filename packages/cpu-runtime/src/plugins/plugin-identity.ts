/**
 * A plugin is identified by (namespace, name, version). `pluginKey` is the lookup key kernels
 * are registered under; `pluginLabel` is how messages name a plugin to people.
 */

export interface PluginIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
}

export function pluginKey(namespace: string, name: string, version: string): string {
  return `${namespace}::${name}::${version}`;
}

/** `acme::Clip@1`: the form errors, plans and the CLI use. */
export function pluginLabel(id: PluginIdentity): string {
  return `${id.namespace}::${id.name}@${id.version}`;
}
