/**
 * The JavaScript face of kiln_cuda.node (native/cuda) and its loader. The raw addon is internal:
 * the package exposes DeviceBuffer, Stream, Event and cudaStatus on top of it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgramData } from '@kiln-inference/core';

export interface NativeStream {
  readonly device: number;
  readonly destroyed: boolean;
  synchronize(): Promise<void>;
  destroy(): void;
}

export interface NativeEvent {
  readonly device: number;
  readonly destroyed: boolean;
  record(stream?: NativeStream): void;
  synchronize(): Promise<void>;
  destroy(): void;
}

export interface NativeDeviceBuffer {
  readonly bytes: number;
  readonly device: number;
  readonly freed: boolean;
  upload(src: ArrayBufferView, byteOffset?: number, stream?: NativeStream): Promise<void>;
  download<T extends ArrayBufferView>(dst: T, byteOffset?: number, stream?: NativeStream): Promise<T>;
  fillFloat32(value: number, byteOffset?: number, count?: number, stream?: NativeStream): Promise<void>;
  free(): Promise<void>;
}

export interface NativeCudaStatus {
  compiledWithCuda: boolean;
  driver: 'ok' | 'no-driver' | 'error';
  driverVersion?: number;
  runtimeVersion?: number;
  devices: { index: number; name: string; computeCapability: [number, number]; multiprocessors: number; totalMemoryBytes: number }[];
  libraries: { cublasLt: boolean; cudnn: boolean };
  reason?: string;
}

export interface NativeMemoryStats {
  bytesInUse: number;
  peakBytes: number;
  liveBuffers: number;
  totalAllocations: number;
  deviceFreeBytes?: number;
  deviceTotalBytes?: number;
}

export interface NativeCudaProgram {
  readonly info: import('./cuda-program.js').CudaProgramInfo;
  readonly disposed: boolean;
  run(inputs: ProgramData[], outputs: ProgramData[]): Promise<void>;
  clone(): Promise<NativeCudaProgram>;
  profile(iterations: number): Promise<import('./cuda-program.js').OpTiming[]>;
  benchmark(iterations: number): Promise<number[]>;
  dispose(): Promise<void>;
}

export interface NativeCudaModule {
  readonly log: string;
  launch(kernel: string, grid: number[], block: number[], sharedBytes: number, args: unknown[], stream?: NativeStream): Promise<void>;
  unload(): void;
}

/** Present in every build of the addon. */
export interface CudaNativeBase {
  cudaStatus(): NativeCudaStatus;
  memoryStats(): NativeMemoryStats;
}

/** Present only when the addon was compiled with CUDA. */
export interface CudaNativeApi extends CudaNativeBase {
  allocate(bytes: number, device: number): Promise<NativeDeviceBuffer>;
  createStream(device: number): Promise<NativeStream>;
  createEvent(device: number, timing: boolean): Promise<NativeEvent>;
  elapsedTime(start: NativeEvent, end: NativeEvent): Promise<number>;
  createProgram(program: unknown, options: object): Promise<NativeCudaProgram>;
  compileCuda(source: string, name: string, options: string[], device: number): Promise<NativeCudaModule>;
  nvrtcStatus(): { available: boolean; version?: number; path?: string; reason?: string };
}

export type CudaNativeLoad = { ok: true; addon: CudaNativeBase; path: string } | { ok: false; reason: string };

const PACKAGE_NAME = '@kiln-inference/cuda-runtime';
const ADDON_RELATIVE_PATH = join('build', 'Release', 'kiln_cuda.node');
let cached: CudaNativeLoad | undefined;

function moduleDir(): string {
  // import.meta first: a Worker started with `eval: true` defines a global __dirname of '.',
  // which ESM modules loaded into it would otherwise take for their own. In the CJS build
  // import.meta is empty and __dirname is the module's.
  const url = import.meta.url as string | undefined;
  if (url) return dirname(fileURLToPath(url));
  return __dirname;
}

/** Walks up from this module (src/ or dist/) to the folder whose package.json is ours. */
function findPackageRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    try {
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    } catch {
      // unreadable manifest: keep walking up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** When this code was bundled into another package, find ours through module resolution. */
function findInstalledPackageRoot(from: string): string | undefined {
  try {
    return findPackageRoot(dirname(createRequire(join(from, 'index.js')).resolve(PACKAGE_NAME)));
  } catch {
    return undefined;
  }
}

function load(): CudaNativeLoad {
  if (process.env.KILN_DISABLE_NATIVE === '1') return { ok: false, reason: 'native code disabled by KILN_DISABLE_NATIVE=1' };
  const root = findPackageRoot(moduleDir()) ?? findInstalledPackageRoot(moduleDir());
  const override = process.env.KILN_CUDA_NATIVE_PATH;
  const path = override ? resolve(override) : root ? join(root, ADDON_RELATIVE_PATH) : undefined;
  const howToBuild = `'pnpm --filter ${PACKAGE_NAME} build:native' (needs cmake, a C++17 compiler and, for GPU support, the CUDA toolkit)`;
  if (!path) return { ok: false, reason: `cannot locate the ${PACKAGE_NAME} package folder to look for ${ADDON_RELATIVE_PATH}` };
  if (!existsSync(path)) return { ok: false, reason: `${path} not found; build it with ${howToBuild}` };
  try {
    const addon = createRequire(join(root ?? dirname(path), 'package.json'))(path) as Partial<CudaNativeBase>;
    if (typeof addon.cudaStatus !== 'function' || typeof addon.memoryStats !== 'function') {
      return { ok: false, reason: `${path} is stale (lacks cudaStatus/memoryStats); rebuild it with ${howToBuild}` };
    }
    return { ok: true, addon: addon as CudaNativeBase, path };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { ok: false, reason: `${path} failed to load: ${message}; rebuild it with ${howToBuild}` };
  }
}

/** Loads kiln_cuda.node once per process. Never throws. */
export function loadCudaNative(): CudaNativeLoad {
  cached ??= load();
  return cached;
}

export function hasCudaApi(addon: CudaNativeBase): addon is CudaNativeApi {
  return typeof (addon as Partial<CudaNativeApi>).allocate === 'function';
}
