#!/usr/bin/env node
// Puts a built addon into its per-platform package before that package is packed:
//   node native/scripts/stage-prebuilt.mjs cpu linux-x64-gnu
// copies packages/cpu-runtime/build/Release/kiln_cpu.node (a cross build's folder is
// build-<platform>/, from --toolchain=native/toolchains/<platform>.cmake) into
// packages/cpu-runtime-<platform>/, after checking it was compiled for that CPU, and prints
// what it needs of the loading machine (native-floor.mjs).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeFloor } from './native-floor.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ADDONS = { cpu: { file: 'kiln_cpu.node', packageDir: 'packages/cpu-runtime' } };
// The ELF machine each Linux CPU name means, as readelf -h prints it.
const ELF_MACHINES = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };

const [addonName, platform] = process.argv.slice(2);
const addon = ADDONS[addonName];
const match = /^linux-(x64|arm64)-gnu$/.exec(platform ?? '');
if (!addon || !match) {
  console.error('usage: stage-prebuilt.mjs cpu linux-x64-gnu|linux-arm64-gnu');
  process.exit(2);
}
const hostPlatform = `${process.platform}-${process.arch}-gnu`;
const folder = platform === hostPlatform ? 'build' : `build-${platform}`;
const source = join(repoRoot, addon.packageDir, folder, 'Release', addon.file);
if (!existsSync(source)) {
  const how =
    folder === 'build'
      ? 'pnpm build:native'
      : `node native/scripts/build-addon.mjs ${addonName} --toolchain=native/toolchains/${platform}.cmake`;
  console.error(`stage-prebuilt: ${source} not found; build it first: ${how}`);
  process.exit(1);
}
const header = spawnSync('readelf', ['-h', source], { encoding: 'utf8' });
const machine = /Machine:\s+(.+)/.exec(header.stdout ?? '')?.[1]?.trim();
if (machine !== ELF_MACHINES[match[1]]) {
  console.error(`stage-prebuilt: ${source} is built for '${machine ?? 'unknown'}', not ${match[1]}; rebuild it for ${platform}`);
  process.exit(1);
}
const target = join(repoRoot, `${addon.packageDir}-${platform}`, addon.file);
copyFileSync(source, target);
const floor = nativeFloor(target);
console.log(`staged ${target}: glibc >= ${floor.versions.GLIBC}; links ${floor.needed.join(', ')}`);
