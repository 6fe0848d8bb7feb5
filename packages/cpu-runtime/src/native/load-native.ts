/**
 * Finds and loads kiln_cpu.node. Native kernels are optional: when the addon is not built, is
 * stale, or cannot load on this machine, callers get { ok: false, reason } and use the
 * TypeScript kernels. Never throws, unless KILN_REQUIRE_NATIVE=1 says a missing addon is an
 * error (CI, where a silent fallback would turn every native test into a skip): then a load
 * failure throws a KilnError NATIVE_UNAVAILABLE with the reason.
 *
 * Looks in <package root>/build/Release/kiln_cpu.node, where `pnpm build:native` (or a build
 * from source at install) puts it; the package root is found by walking up from this module, so
 * it works from src/ and dist/. Then in the prebuilt package for this platform
 * (prebuilt-package.ts). KILN_CPU_NATIVE_PATH points at another build (the sanitizer build, for one);
 * KILN_DISABLE_NATIVE=1 turns native off (an explicit choice, so it wins over
 * KILN_REQUIRE_NATIVE).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { CPU_NATIVE_FUNCTIONS, type CpuNativeAddon } from './cpu-native-api.js';
import { prebuiltPackageName, resolvePrebuiltAddon } from './prebuilt-package.js';

export type CpuNativeLoad = { ok: true; addon: CpuNativeAddon; path: string } | { ok: false; reason: string };

const PACKAGE_NAME = '@kiln-inference/cpu-runtime';
const ADDON_RELATIVE_PATH = join('build', 'Release', 'kiln_cpu.node');

let cached: CpuNativeLoad | undefined;

/** The directory of this module, in the ESM build, the CJS build and under vitest/tsx. */
function moduleDir(): string {
  // import.meta first: a Worker started with `eval: true` defines a global __dirname of '.',
  // which ESM modules loaded into it would otherwise take for their own. In the CJS build
  // import.meta is empty and __dirname is the module's.
  const url = import.meta.url as string | undefined;
  if (url) return dirname(fileURLToPath(url));
  return __dirname;
}

function findPackageRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // unreadable manifest: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

/** When this code was bundled into another package, find ours through module resolution. */
function findInstalledPackageRoot(from: string): string | undefined {
  try {
    return findPackageRoot(dirname(createRequire(join(from, 'index.js')).resolve(PACKAGE_NAME)));
  } catch {
    return undefined;
  }
}

/** Where the addon is: KILN_CPU_NATIVE_PATH, a build in the package folder, or the platform's prebuilt package. */
function locate(root: string | undefined): { path: string } | { missing: string } {
  const override = process.env.KILN_CPU_NATIVE_PATH;
  const howToBuild = `build it with 'pnpm --filter ${PACKAGE_NAME} build:native' (needs cmake and a C++17 compiler)`;
  if (override) {
    const path = resolve(override);
    return existsSync(path) ? { path } : { missing: `${path} not found; ${howToBuild}` };
  }
  const built = root ? join(root, ADDON_RELATIVE_PATH) : undefined;
  if (built && existsSync(built)) return { path: built };
  const prebuilt = resolvePrebuiltAddon(moduleDir());
  if (prebuilt) return { path: prebuilt };
  const where = built ?? `the ${PACKAGE_NAME} package folder (not found from ${moduleDir()})`;
  return { missing: `${where} has no ${ADDON_RELATIVE_PATH} and ${prebuiltPackageName()} is not installed; install it, or ${howToBuild}` };
}

function load(): CpuNativeLoad {
  if (process.env.KILN_DISABLE_NATIVE === '1') return { ok: false, reason: 'native kernels disabled by KILN_DISABLE_NATIVE=1' };
  const root = findPackageRoot(moduleDir()) ?? findInstalledPackageRoot(moduleDir());
  const found = locate(root);
  if ('missing' in found) return { ok: false, reason: found.missing };
  const { path } = found;
  let addon: Partial<CpuNativeAddon>;
  try {
    addon = createRequire(join(root ?? dirname(path), 'package.json'))(path) as Partial<CpuNativeAddon>;
  } catch (e) {
    return {
      ok: false,
      reason: `${path} failed to load: ${describeError(e)}; rebuild it with 'pnpm --filter ${PACKAGE_NAME} build:native'`,
    };
  }
  const missing = CPU_NATIVE_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `${path} is stale (lacks ${missing.join(', ')}); rebuild it with 'pnpm --filter ${PACKAGE_NAME} build:native'`,
    };
  }
  return { ok: true, addon: addon as CpuNativeAddon, path };
}

/** Loads the native CPU kernels once per process; later calls return the same answer. */
export function loadCpuNative(): CpuNativeLoad {
  cached ??= load();
  if (!cached.ok && process.env.KILN_REQUIRE_NATIVE === '1' && process.env.KILN_DISABLE_NATIVE !== '1') {
    throw new KilnError(
      ErrorCode.NATIVE_UNAVAILABLE,
      `kiln_cpu.node is required (KILN_REQUIRE_NATIVE=1) but did not load: ${cached.reason}`,
      {
        hint: `build it with 'pnpm --filter ${PACKAGE_NAME} build:native' and read its log, or unset KILN_REQUIRE_NATIVE to fall back to the TypeScript kernels`,
      },
    );
  }
  return cached;
}
