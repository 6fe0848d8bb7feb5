/**
 * What a plugin module is to the CPU runtime: an ES module whose exports include plugin kernel
 * sources (objects naming a plugin and carrying its kernel), alone or in arrays. A worker thread
 * cannot receive functions, so it is given the module's URL and imports the kernels itself;
 * the plugin SDK's plugins are such sources, and this is the one place their shape is read.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { type PluginIdentity, pluginKey } from './plugin-identity.js';

export interface PluginKernelSource extends PluginIdentity {
  readonly kernel: Kernel<'plugin'>;
}

/** Kernels imported from one module, and the URL a worker imports to get the same kernels. */
export interface PluginModule {
  readonly url: string;
  readonly kernels: ReadonlyMap<string, Kernel<'plugin'>>;
}

export function isPluginKernelSource(value: unknown): value is PluginKernelSource {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.namespace === 'string' && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.kernel === 'function';
}

/** Every plugin kernel source a module exports (directly, or in an exported array), in export order. */
export function pluginKernelSources(exports: Readonly<Record<string, unknown>>): PluginKernelSource[] {
  const found: PluginKernelSource[] = [];
  for (const value of Object.values(exports)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isPluginKernelSource(item) && !found.includes(item)) found.push(item);
    }
  }
  return found;
}

/** The module's kernels keyed by pluginKey; a module that exports none is an error naming it. */
export function pluginModuleFrom(url: string, exports: Readonly<Record<string, unknown>>): PluginModule {
  const sources = pluginKernelSources(exports);
  if (sources.length === 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `the module ${url} exports no kiln plugin`, {
      hint: 'export the value definePlugin() returns (or an array of them) from the package entry point',
    });
  }
  return { url, kernels: new Map(sources.map((s) => [pluginKey(s.namespace, s.name, s.version), s.kernel])) };
}

/** One kernel table from modules' kernels and kernels given as functions (the latter win). */
export function pluginKernelMap(
  modules: readonly PluginModule[] = [],
  functions: ReadonlyMap<string, Kernel<'plugin'>> = new Map(),
): Map<string, Kernel<'plugin'>> {
  return new Map([...modules.flatMap((m) => [...m.kernels]), ...functions]);
}

/** Imports a plugin module by URL (what a worker thread does with the URLs its context sends). */
export async function importPluginModule(url: string): Promise<PluginModule> {
  let exports: Record<string, unknown>;
  try {
    exports = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot import the plugin module ${url}: ${(e as Error).message}`, {
      cause: e,
      hint: 'install the plugin package where the process can resolve it, or pass a path to its entry file',
    });
  }
  return pluginModuleFrom(url, exports);
}
