/**
 * The per-platform package that carries a prebuilt kiln_cpu.node, as esbuild, @swc/core and
 * sharp ship theirs: @kiln-inference/cpu-runtime lists one optional dependency per platform
 * (@kiln-inference/cpu-runtime-linux-x64-gnu, …), the package manager installs only the one whose
 * os/cpu/libc match, and the loader picks it by process.platform, process.arch and the libc.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

const PREFIX = '@kiln-inference/cpu-runtime';
const ADDON_FILE = 'kiln_cpu.node';

/** The C library a Linux process runs on (glibc reports its version in the process report); undefined elsewhere. */
export function linuxLibc(): { family: 'glibc'; version: string } | { family: 'musl' } | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? { family: 'glibc', version: header.glibcVersionRuntime } : { family: 'musl' };
}

/** The package name for this machine, e.g. '@kiln-inference/cpu-runtime-linux-x64-gnu'. */
export function prebuiltPackageName(): string {
  const libc = linuxLibc();
  const suffix = libc === undefined ? '' : libc.family === 'glibc' ? '-gnu' : '-musl';
  return `${PREFIX}-${process.platform}-${process.arch}${suffix}`;
}

/** The prebuilt addon's path when its package resolves from `fromDir`, else undefined. */
export function resolvePrebuiltAddon(fromDir: string): string | undefined {
  try {
    return createRequire(join(fromDir, 'index.js')).resolve(`${prebuiltPackageName()}/${ADDON_FILE}`);
  } catch {
    return undefined;
  }
}
