/**
 * `kiln doctor`: what this machine can run and what to do about what it cannot — platform,
 * Node and its addon ABI, which native addons load (with the error when one does not), CPU
 * features, CUDA devices, the execution worker script.
 */
import { cpus } from 'node:os';
import { KILN_VERSION } from '@kiln-inference/core';
import { linuxLibc, loadCpuNative, prebuiltPackageName } from '@kiln-inference/cpu-runtime';
import { locateWorkerScript } from '@kiln-inference/engine';
import { cudaStatus } from '../../cuda/cuda-runtime-module.js';

export interface DoctorReport {
  kiln: string;
  node: string;
  /** NODE_MODULE_VERSION and the Node-API version this Node offers (the addons need Node-API 8). */
  abi: { modules: string; napi: string };
  platform: string;
  /** 'glibc 2.36', 'musl' or 'none' (not Linux): what a prebuilt Linux addon must match. */
  libc: string;
  cpu: { model: string; cores: number; features: string[] };
  nativeCpu: { loaded: boolean; path?: string; detail: string };
  worker: { found: boolean; path?: string; detail: string };
  cuda: {
    addonLoaded: boolean;
    driver: string;
    devices: { index: number; name: string; computeCapability: string; memoryGiB: number }[];
    detail: string;
  };
  /** One line per thing to fix; empty when everything loads. */
  advice: string[];
}

const CPU_FEATURE_NAMES = ['avx512f', 'avx2', 'fma', 'avx', 'sse42'] as const;

export function doctorReport(): DoctorReport {
  const nativeCpu = nativeCpuSummary();
  const worker = workerSummary();
  const cuda = cudaStatus();
  const report: DoctorReport = {
    kiln: KILN_VERSION,
    node: process.version,
    abi: { modules: process.versions.modules, napi: process.versions.napi ?? 'unknown' },
    platform: `${process.platform}-${process.arch}`,
    libc: libcName(),
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length, features: nativeCpu.features },
    nativeCpu: { loaded: nativeCpu.loaded, ...(nativeCpu.path ? { path: nativeCpu.path } : {}), detail: nativeCpu.detail },
    worker,
    cuda: {
      addonLoaded: cuda.addonLoaded,
      driver: cuda.driver,
      devices: cuda.devices.map((d) => ({
        index: d.index,
        name: d.name,
        computeCapability: d.computeCapability.join('.'),
        memoryGiB: Math.round((d.totalMemoryBytes / 2 ** 30) * 10) / 10,
      })),
      detail: cuda.reason ?? (cuda.compiledWithCuda ? 'compiled with CUDA' : 'compiled without CUDA (CPU-only build)'),
    },
    advice: [],
  };
  report.advice = advice(report, cuda.compiledWithCuda);
  return report;
}

function libcName(): string {
  const libc = linuxLibc();
  if (libc === undefined) return 'none';
  return libc.family === 'glibc' ? `glibc ${libc.version}` : 'musl';
}

function nativeCpuSummary(): { loaded: boolean; path?: string; detail: string; features: string[] } {
  let load: ReturnType<typeof loadCpuNative>;
  try {
    load = loadCpuNative();
  } catch (e) {
    // KILN_REQUIRE_NATIVE=1 turns a failed load into an error; the doctor reports it instead.
    return { loaded: false, detail: (e as Error).message, features: [] };
  }
  if (!load.ok) return { loaded: false, detail: load.reason, features: [] };
  const f = load.addon.cpuFeatures();
  const features = CPU_FEATURE_NAMES.filter((k) => f[k]);
  return {
    loaded: true,
    path: load.path,
    detail: `${load.addon.microKernel()} micro-kernel, ${load.addon.threadCount()} threads`,
    features,
  };
}

function workerSummary(): DoctorReport['worker'] {
  const script = locateWorkerScript();
  if (script.found) return { found: true, path: script.path, detail: `found (${script.source})` };
  return { found: false, detail: script.reason };
}

function advice(r: DoctorReport, compiledWithCuda: boolean): string[] {
  const lines: string[] = [];
  if (!r.nativeCpu.loaded && process.env.KILN_DISABLE_NATIVE !== '1') {
    lines.push(
      `CPU plans run on the slow reference kernels: install the prebuilt kiln_cpu.node for ${r.platform} (${prebuiltPackageName()}) or build it ` +
        "('pnpm --filter @kiln-inference/cpu-runtime build:native', needs cmake and a C++17 compiler), or set KILN_CPU_NATIVE_PATH to one",
    );
  }
  if (!r.worker.found) {
    lines.push(
      "CPU runs block the event loop: keep @kiln-inference/engine's dist/engine-worker.js reachable (install kiln beside a bundle) or set KILN_ENGINE_WORKER_PATH to it",
    );
  }
  if (!r.cuda.addonLoaded && /not installed/.test(r.cuda.detail)) {
    lines.push('no GPU support installed: npm install @kiln-inference/cuda-runtime on a machine with an NVIDIA GPU');
  } else if (!compiledWithCuda && r.cuda.addonLoaded) {
    lines.push(
      'kiln_cuda.node was built without CUDA: install the CUDA toolkit and rebuild it (KILN_CUDA_ARCH=<arch> pnpm --filter @kiln-inference/cuda-runtime build:native)',
    );
  }
  return lines;
}

export function formatDoctor(r: DoctorReport): string {
  const devices = r.cuda.devices.length
    ? r.cuda.devices.map((d) => `    [${d.index}] ${d.name}, compute ${d.computeCapability}, ${d.memoryGiB} GiB`).join('\n')
    : '    none';
  const nativeCpu = r.nativeCpu.loaded ? `loaded from ${r.nativeCpu.path} (${r.nativeCpu.detail})` : `not loaded: ${r.nativeCpu.detail}`;
  return [
    `kiln ${r.kiln}`,
    `node          ${r.node} (${r.platform}, ${r.libc}, ABI ${r.abi.modules}, Node-API ${r.abi.napi})`,
    `cpu           ${r.cpu.model}, ${r.cpu.cores} cores, ${r.cpu.features.join('/') || 'features unknown (kiln_cpu.node not loaded)'}`,
    `native cpu    ${nativeCpu}`,
    `worker        ${r.worker.found ? r.worker.path : `not found: ${r.worker.detail}`}`,
    `cuda addon    ${r.cuda.addonLoaded ? 'loaded' : 'not loaded'} (${r.cuda.detail})`,
    `cuda driver   ${r.cuda.driver}`,
    'cuda devices',
    devices,
    'to do',
    ...(r.advice.length ? r.advice.map((a) => `    ${a}`) : ['    nothing: every part Kiln can use here loads']),
  ].join('\n');
}
