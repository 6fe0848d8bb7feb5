/**
 * Plugins loaded by module specifier: an npm package name (resolved from `from`, by default the
 * working directory, as the user's own imports would be) or a path to a file or package folder.
 * Each plugin remembers its module's URL, which worker threads import, and the package
 * (name@version) of the nearest package.json, which plans record.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { pluginKernelSources } from '@kiln-inference/cpu-runtime';
import { isPlugin, type Plugin } from './define-plugin.js';
import { PluginRegistry } from './plugin-registry.js';

export interface LoadPluginsOptions {
  /** The folder package names are resolved from (default: process.cwd()). */
  from?: string;
  /** Add to this registry instead of a new one. */
  registry?: PluginRegistry;
}

function isPath(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
}

/** The file a specifier names, resolved as Node resolves `require` (packages use their exports or main). */
function resolveSpecifier(specifier: string, from: string): string {
  const target = specifier.startsWith('file:') ? new URL(specifier).pathname : isPath(specifier) ? resolve(from, specifier) : specifier;
  try {
    return createRequire(join(from, 'noop.js')).resolve(target);
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot find the plugin '${specifier}' from ${from}`, {
      cause: e,
      hint: isPath(specifier) ? 'check the path' : `install it (npm install ${specifier}) or pass a path to its entry file`,
    });
  }
}

/** name@version of the nearest package.json at or above `file`. */
function owningPackage(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      return name && version ? `${name}@${version}` : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Imports each specifier's module and registers every plugin it exports. */
export async function loadPlugins(specifiers: readonly string[], options: LoadPluginsOptions = {}): Promise<PluginRegistry> {
  const registry = options.registry ?? new PluginRegistry();
  const from = options.from ?? process.cwd();
  for (const specifier of specifiers) {
    const file = resolveSpecifier(specifier, from);
    const url = pathToFileURL(file).href;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      throw new KilnError(ErrorCode.IO_ERROR, `cannot import the plugin '${specifier}' (${file}): ${(e as Error).message}`, {
        cause: e,
        hint: 'the plugin module must be loadable by Node.js (compiled JavaScript, or TypeScript under tsx)',
      });
    }
    const plugins = pluginKernelSources(exports).filter(isPlugin);
    if (plugins.length === 0) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `'${specifier}' exports no kiln plugin`, {
        hint: 'export the value definePlugin() returns (or an array of them) from the module',
      });
    }
    const pkg = owningPackage(file);
    for (const plugin of plugins) registry.register(plugin, { module: url, ...(pkg ? { package: pkg } : {}) });
  }
  return registry;
}

/** How APIs take plugins: package names or paths to load, plugin objects, or a registry made beforehand. */
export type PluginsOption = readonly (string | Plugin)[] | PluginRegistry;

/** The registry `option` stands for (empty when absent): specifiers loaded, plugin objects registered in place. */
export async function resolvePlugins(
  option: PluginsOption | undefined,
  options: Omit<LoadPluginsOptions, 'registry'> = {},
): Promise<PluginRegistry> {
  if (option instanceof PluginRegistry) return option;
  const registry = new PluginRegistry();
  for (const item of option ?? []) {
    if (typeof item === 'string') await loadPlugins([item], { ...options, registry });
    else if (isPlugin(item)) registry.register(item);
    else {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `plugins: ${String(item)} is neither a module specifier nor a plugin`, {
        hint: "pass package names or paths ('@acme/kiln-plugin-clip', './my-plugin.js') or values definePlugin() returned",
      });
    }
  }
  return registry;
}
