#!/usr/bin/env node
// Builds one of kiln's native addons with cmake-js into its package's build/ folder:
//   node native/scripts/build-addon.mjs cpu|cuda [--optional] [--debug] [--sanitize] [--dry-run]
//                                       [--toolchain=native/toolchains/<platform>.cmake]
// --sanitize (cpu only) builds with AddressSanitizer + UndefinedBehaviorSanitizer into
// build-asan/ instead, leaving the normal build alone (tools/scripts/native-sanitize.sh uses it).
// With --optional (what the packages' normal `build` uses) a missing toolchain or a failed
// compile prints one notice line and exits 0: native code is an accelerator, never required.
// Set KILN_SKIP_NATIVE=1 to skip native builds entirely. Which CUDA architectures (if any) the
// cuda addon is compiled for is decided by cuda-build-choice.mjs (KILN_CUDA_ARCH, the visible
// GPU, or whether the build was asked for explicitly); --dry-run prints that choice and exits.
// --toolchain cross-compiles with a CMake toolchain file into build-<its name>/ (for example
// build-linux-arm64-gnu/Release/kiln_cpu.node), leaving the native build alone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseCudaBuild, describeCudaChoice, findNvcc, visibleGpuArchitectures } from './cuda-build-choice.mjs';

const ADDONS = {
  cpu: { target: 'kiln_cpu', packageDir: 'packages/cpu-runtime', fallback: 'the TypeScript kernels are used instead' },
  cuda: { target: 'kiln_cuda', packageDir: 'packages/cuda-runtime', fallback: 'GPU execution is unavailable; the CPU backend still works' },
};

const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(nativeDir, '..');
const args = process.argv.slice(2);
const addonName = args.find((a) => !a.startsWith('--'));
const optional = args.includes('--optional');
const debug = args.includes('--debug');
const sanitize = args.includes('--sanitize');
const dryRun = args.includes('--dry-run');
const toolchainArg = args.find((a) => a.startsWith('--toolchain='));
const toolchain = toolchainArg ? resolve(toolchainArg.slice('--toolchain='.length)) : undefined;

const addon = ADDONS[addonName];
if (!addon) {
  console.error(
    `usage: build-addon.mjs ${Object.keys(ADDONS).join('|')} [--optional] [--debug] [--sanitize] [--dry-run] [--toolchain=FILE]`,
  );
  process.exit(2);
}
if (sanitize && addonName !== 'cpu') {
  console.error('build-addon.mjs: --sanitize is for the cpu addon (the CUDA tests use compute-sanitizer)');
  process.exit(2);
}
const packageDir = join(repoRoot, addon.packageDir);
if (toolchain && sanitize) {
  console.error('build-addon.mjs: --sanitize and --toolchain do not combine (sanitized builds run on this machine)');
  process.exit(2);
}
const buildFolder = sanitize ? 'build-asan' : toolchain ? `build-${basename(toolchain, '.cmake')}` : 'build';
const outDir = join(packageDir, buildFolder);
const logFile = join(outDir, 'native-build.log');

function skip(reason) {
  const line = `kiln: native addon ${addon.target}.node not built (${reason}); ${addon.fallback}.`;
  if (optional) {
    console.log(line);
    process.exit(0);
  }
  console.error(line.replace('not built', 'build failed'));
  process.exit(1);
}

if (process.env.KILN_SKIP_NATIVE === '1') skip('KILN_SKIP_NATIVE=1');

// CMake definitions that depend on what this machine should build (the cuda addon only).
const choiceDefinitions = [];
if (addonName === 'cuda') {
  const choice = chooseCudaBuild({
    explicit: !optional,
    requestedArch: process.env.KILN_CUDA_ARCH,
    nvcc: findNvcc(),
    gpuArchitectures: visibleGpuArchitectures(),
  });
  if (choice.kind === 'invalid') {
    console.error(`kiln: ${choice.why}`);
    process.exit(2);
  }
  if (dryRun) {
    console.log(`kiln: would build ${describeCudaChoice(choice)}`);
    process.exit(0);
  }
  if (choice.kind === 'none') {
    console.log(`kiln: ${describeCudaChoice(choice)}; ${addon.fallback}.`);
    process.exit(0);
  }
  console.log(`kiln: building ${describeCudaChoice(choice)}`);
  choiceDefinitions.push(`--CDKILN_WITH_CUDA=${choice.kind === 'cuda' ? 'ON' : 'OFF'}`);
  if (choice.kind === 'cuda') choiceDefinitions.push(`--CDKILN_CUDA_ARCHITECTURES=${choice.architectures}`);
} else if (dryRun) {
  console.log(`kiln: would build ${addon.target}.node`);
  process.exit(0);
}

const cmake = spawnSync('cmake', ['--version'], { encoding: 'utf8' });
if (cmake.error || cmake.status !== 0) skip('cmake not found on PATH; install cmake >= 3.18 to build it');

const requireFromPackage = createRequire(join(packageDir, 'package.json'));
let cmakeJs;
let nodeAddonApiDir;
try {
  cmakeJs = join(dirname(requireFromPackage.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  // napi.h sits at the package root (its own include_dir is relative to the cwd, so not used).
  nodeAddonApiDir = dirname(requireFromPackage.resolve('node-addon-api/package.json'));
} catch {
  skip(`cmake-js or node-addon-api missing in ${addon.packageDir}; run pnpm install`);
}

const cmakeArgs = [
  cmakeJs,
  'compile',
  '--directory',
  nativeDir,
  '--out',
  outDir,
  '--target',
  addon.target,
  '--parallel',
  String(availableParallelism()),
  `--CDKILN_ADDON=${addonName}`,
  `--CDKILN_NODE_ADDON_API_DIR=${nodeAddonApiDir}`,
  `--CDKILN_SANITIZE=${sanitize ? 'ON' : 'OFF'}`,
  ...choiceDefinitions,
  ...(toolchain ? [`--CDCMAKE_TOOLCHAIN_FILE=${toolchain}`] : []),
  ...(debug ? ['--debug'] : []),
];

const started = Date.now();
// Optional builds keep the compiler output in a log file; explicit builds show it.
const result = spawnSync(process.execPath, cmakeArgs, {
  cwd: packageDir,
  encoding: 'utf8',
  stdio: optional ? 'pipe' : 'inherit',
  maxBuffer: 64 * 1024 * 1024,
});
if (optional) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}`);
}
if (result.error || result.status !== 0) {
  skip(optional ? `compile failed, see ${logFile}` : `cmake-js exited with ${result.status}`);
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`kiln: built ${join(addon.packageDir, buildFolder, debug ? 'Debug' : 'Release', `${addon.target}.node`)} in ${seconds}s`);
