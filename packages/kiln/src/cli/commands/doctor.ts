/** `kiln doctor`: what this machine can run — Node, native addons, CUDA devices. */
import { cpus } from 'node:os';
import { KILN_VERSION } from '@kiln/core';
import { loadCpuNative } from '@kiln/cpu-runtime';
import { cudaStatus } from '@kiln/engine';

export interface DoctorReport {
  kiln: string;
  node: string;
  platform: string;
  cpu: { model: string; cores: number };
  nativeCpu: { loaded: boolean; detail: string };
  cuda: {
    addonLoaded: boolean;
    driver: string;
    devices: { index: number; name: string; computeCapability: string; memoryGiB: number }[];
    detail: string;
  };
}

export function doctorReport(): DoctorReport {
  const cpu = nativeCpuSummary();
  const cuda = cudaStatus();
  return {
    kiln: KILN_VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    nativeCpu: { loaded: cpu.loaded, detail: cpu.detail },
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
  };
}

function nativeCpuSummary(): { loaded: boolean; detail: string } {
  const load = loadCpuNative();
  if (!load.ok) return { loaded: false, detail: load.reason };
  const f = load.addon.cpuFeatures();
  const isa = (['avx512f', 'avx2', 'fma', 'avx', 'sse42'] as const).filter((k) => f[k]);
  return {
    loaded: true,
    detail: `${load.addon.microKernel()} micro-kernel, ${load.addon.threadCount()} threads, ${isa.join('/') || 'no SIMD'}`,
  };
}

export function formatDoctor(r: DoctorReport): string {
  const devices = r.cuda.devices.length
    ? r.cuda.devices.map((d) => `    [${d.index}] ${d.name}, compute ${d.computeCapability}, ${d.memoryGiB} GiB`).join('\n')
    : '    none';
  return [
    `kiln ${r.kiln}`,
    `node          ${r.node} (${r.platform})`,
    `cpu           ${r.cpu.model}, ${r.cpu.cores} cores`,
    `native cpu    ${r.nativeCpu.loaded ? 'loaded' : 'not loaded'} (${r.nativeCpu.detail})`,
    `cuda addon    ${r.cuda.addonLoaded ? 'loaded' : 'not loaded'} (${r.cuda.detail})`,
    `cuda driver   ${r.cuda.driver}`,
    'cuda devices',
    devices,
  ].join('\n');
}
