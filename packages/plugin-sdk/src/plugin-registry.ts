/**
 * The plugins one pipeline uses, keyed by (namespace, name, version) and passed explicitly to
 * conversion, building and execution: there is no process-wide map, so two sessions may use
 * different plugins. Two different plugins under one identity, or two claiming the same op at
 * the same priority, are conflicts reported when the second is registered.
 */
import { type Converter, normalizeDomain } from '@kiln-inference/converters';
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { type Kernel, type PluginIdentity, type PluginModule, pluginKey, pluginLabel } from '@kiln-inference/cpu-runtime';
import { isPlugin, type Plugin } from './define-plugin.js';
import { conversionConverter, identityConverter, type PluginEntry } from './plugin-converter.js';

/** What the CPU backend takes (EngineOptions): modules a worker imports, and kernels only this thread has. */
export interface PluginKernels {
  /** Plugins registered without a module: they force execution on the calling thread. */
  plugins: Map<string, Kernel<'plugin'>>;
  pluginModules: PluginModule[];
}

function sourceOf(entry: PluginEntry): string {
  return entry.package ?? entry.module ?? 'a plugin defined in place';
}

function versionOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export class PluginRegistry {
  private readonly byKey = new Map<string, PluginEntry>();
  /** `domain::op::priority` → the plugin claiming it. */
  private readonly claims = new Map<string, PluginEntry>();

  constructor(plugins: Iterable<Plugin | PluginEntry> = []) {
    for (const p of plugins) {
      if (isPlugin(p)) this.register(p);
      else this.register(p.plugin, p);
    }
  }

  /** Adds a plugin; `from` says which module and package provide it (loadPlugins fills both). */
  register(plugin: Plugin, from: { module?: string; package?: string } = {}): this {
    if (!isPlugin(plugin)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'register() was given something that is not a plugin', {
        hint: 'register the value definePlugin() returns',
      });
    }
    const entry: PluginEntry = {
      plugin,
      ...(from.module ? { module: from.module } : {}),
      ...(from.package ? { package: from.package } : {}),
    };
    const key = pluginKey(plugin.namespace, plugin.name, plugin.version);
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.plugin === plugin) return this;
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `plugin ${pluginLabel(plugin)} is registered twice: from ${sourceOf(existing)} and from ${sourceOf(entry)}`,
        { hint: 'load only one of them, or give one a new version (or namespace)' },
      );
    }
    for (const c of plugin.spec.converts ?? []) {
      const claim = `${normalizeDomain(c.domain)}::${c.op}::${c.priority ?? 0}`;
      const other = this.claims.get(claim);
      if (other) {
        throw new KilnError(
          ErrorCode.INVALID_ARGUMENT,
          `plugins ${pluginLabel(other.plugin)} and ${pluginLabel(plugin)} both convert ${c.domain}::${c.op} at priority ${c.priority ?? 0}`,
          { hint: 'give the one that should win a higher priority in its converts entry, or load only one' },
        );
      }
    }
    this.byKey.set(key, entry);
    for (const c of plugin.spec.converts ?? []) this.claims.set(`${normalizeDomain(c.domain)}::${c.op}::${c.priority ?? 0}`, entry);
    return this;
  }

  get(id: PluginIdentity): PluginEntry | undefined {
    return this.byKey.get(pluginKey(id.namespace, id.name, id.version));
  }

  has(id: PluginIdentity): boolean {
    return this.byKey.has(pluginKey(id.namespace, id.name, id.version));
  }

  entries(): PluginEntry[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Converters for every plugin: its `converts` ops, and nodes named namespace::name. Register them over a built-in registry. */
  converters(): Converter[] {
    const byName = new Map<string, PluginEntry[]>();
    const out: Converter[] = [];
    for (const entry of this.byKey.values()) {
      const { namespace, name } = entry.plugin;
      byName.set(`${namespace}::${name}`, [...(byName.get(`${namespace}::${name}`) ?? []), entry]);
      for (const c of entry.plugin.spec.converts ?? []) out.push(conversionConverter(entry, c));
    }
    for (const versions of byName.values()) {
      out.push(identityConverter(versions.sort((a, b) => versionOrder(a.plugin.version, b.plugin.version))));
    }
    return out;
  }

  /** The kernels for the CPU backend: plugins from modules run in worker threads, the rest inline. */
  kernels(): PluginKernels {
    const plugins = new Map<string, Kernel<'plugin'>>();
    const modules = new Map<string, Map<string, Kernel<'plugin'>>>();
    for (const { plugin, module } of this.byKey.values()) {
      const key = pluginKey(plugin.namespace, plugin.name, plugin.version);
      if (!module) plugins.set(key, plugin.kernel);
      else modules.set(module, (modules.get(module) ?? new Map()).set(key, plugin.kernel));
    }
    return { plugins, pluginModules: [...modules].map(([url, kernels]) => ({ url, kernels })) };
  }
}
