// Decides what `build-addon.mjs cuda` compiles. Compiling kiln_cuda.node for every GPU
// generation takes minutes, so a machine builds CUDA code only when it can use it or is asked:
//   KILN_CUDA_ARCH=86 | 80,90 | 8.6 | native | all  → those architectures (all: the release set
//                                                      in native/cuda/CMakeLists.txt)
//   a GPU visible to nvidia-smi                      → that GPU's architecture only
//   an explicit build (`pnpm build:native`, CI)      → FALLBACK_ARCH, enough to load and test
//                                                      the binding where no GPU exists
//   otherwise (the packages' normal `build`)         → no CUDA addon at all
// Without nvcc an explicit build still makes the status-only variant (compiledWithCuda: false),
// so `cudaStatus()` can say why there is no GPU support; an optional build makes nothing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** One architecture whose SASS plus PTX runs on every GPU from Turing on (later ones JIT the PTX). */
export const FALLBACK_ARCH = '75';

const ARCH_PATTERN = /^(\d{2,3})(-real|-virtual)?$/;

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** nvcc where CMake would find it: CUDACXX, then PATH, then the toolkit's default folder. */
export function findNvcc(env = process.env) {
  if (env.CUDACXX) return isExecutable(env.CUDACXX) ? env.CUDACXX : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (isExecutable(join(dir, 'nvcc'))) return join(dir, 'nvcc');
  }
  return isExecutable('/usr/local/cuda/bin/nvcc') ? '/usr/local/cuda/bin/nvcc' : undefined;
}

/** The compute capabilities of the visible GPUs as CMake architectures ("90"), from nvidia-smi. */
export function visibleGpuArchitectures(env = process.env) {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=compute_cap', '--format=csv,noheader'], { encoding: 'utf8', env });
  if (smi.error || smi.status !== 0) return [];
  const archs = smi.stdout
    .split('\n')
    .map((line) => line.trim().replace('.', ''))
    .filter((a) => ARCH_PATTERN.test(a));
  return [...new Set(archs)];
}

/**
 * Parses KILN_CUDA_ARCH: a list of architectures ("86", "8.6", "80-real"), "native" or "all".
 * Returns { architectures } ('' = the release set) or { error }.
 */
export function parseRequestedArch(value) {
  const items = value
    .split(/[,; ]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 1 && (items[0] === 'all' || items[0] === 'native')) return { architectures: items[0] === 'all' ? '' : 'native' };
  const archs = items.map((a) => a.replace(/^(\d+)\.(\d)/, '$1$2'));
  const bad = archs.filter((a) => !ARCH_PATTERN.test(a));
  if (archs.length === 0 || bad.length > 0) {
    return {
      error: `KILN_CUDA_ARCH='${value}' is not a list of CUDA architectures; use e.g. 86, 8.6, 80,90, native or all`,
    };
  }
  return { architectures: archs.join(';') };
}

/**
 * What to build: { kind: 'cuda', architectures, why } ('' = the release set),
 * { kind: 'status-only', why }, { kind: 'none', why } or { kind: 'invalid', why }.
 */
export function chooseCudaBuild({ explicit, requestedArch, nvcc, gpuArchitectures }) {
  if (!nvcc) {
    return explicit
      ? { kind: 'status-only', why: 'nvcc not found (set CUDACXX or put the CUDA toolkit on PATH for GPU support)' }
      : { kind: 'none', why: 'nvcc not found' };
  }
  if (requestedArch) {
    const parsed = parseRequestedArch(requestedArch);
    if (parsed.error) return { kind: 'invalid', why: parsed.error };
    return { kind: 'cuda', architectures: parsed.architectures, why: `KILN_CUDA_ARCH=${requestedArch}` };
  }
  if (gpuArchitectures.length > 0) {
    return { kind: 'cuda', architectures: gpuArchitectures.join(';'), why: 'the GPU(s) nvidia-smi lists' };
  }
  if (explicit) return { kind: 'cuda', architectures: FALLBACK_ARCH, why: 'no GPU visible; one architecture to load and test the binding' };
  return {
    kind: 'none',
    why: "no GPU visible and KILN_CUDA_ARCH not set; set KILN_CUDA_ARCH (e.g. 86, or 'all') or run 'pnpm build:native' to build it",
  };
}

/** A line saying what a choice builds, for the build log. */
export function describeCudaChoice(choice) {
  if (choice.kind === 'cuda') {
    const archs = choice.architectures === '' ? 'the release set of CUDA architectures' : `CUDA architectures ${choice.architectures}`;
    return `kiln_cuda.node for ${archs} (${choice.why})`;
  }
  if (choice.kind === 'status-only') return `kiln_cuda.node without CUDA, status only (${choice.why})`;
  return `nothing: no kiln_cuda.node (${choice.why})`;
}
