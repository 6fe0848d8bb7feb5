// Run-time compiled CUDA C: compile with NVRTC, launch by name, and compiler errors as KilnErrors.
import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { CudaModule, cudaStatus, DeviceBuffer, nvrtcStatus } from '../src/index.js';

const status = cudaStatus();
const nvrtc = nvrtcStatus();
const reason = status.devices.length === 0 ? (status.reason ?? 'no GPU') : nvrtc.available ? '' : (nvrtc.reason ?? 'no NVRTC');

const SAXPY = `
extern "C" __global__ void saxpy(float* y, const float* x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}`;

describe('nvrtcStatus', () => {
  it('answers without throwing, with a reason when unavailable', () => {
    expect(typeof nvrtc.available).toBe('boolean');
    if (!nvrtc.available) expect(nvrtc.reason).toMatch(/\S/);
  });
});

describe.skipIf(reason !== '')(`CudaModule${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('compiles CUDA C and launches a kernel on DeviceBuffers and scalars', async () => {
    const module = await CudaModule.compile(SAXPY, { name: 'saxpy.cu' });
    const n = 1000;
    const x = Float32Array.from({ length: n }, (_, i) => i * 0.5);
    const y = Float32Array.from({ length: n }, (_, i) => 1 - i);
    const xb = await DeviceBuffer.fromHost(x);
    const yb = await DeviceBuffer.fromHost(y);
    await module.launch('saxpy', [yb, xb, { type: 'f32', value: 3 }, { type: 'i32', value: n }], {
      grid: [Math.ceil(n / 128)],
      block: [128],
    });
    const out = await yb.download(new Float32Array(n));
    for (let i = 0; i < n; i += 97) expect(out[i]).toBeCloseTo(3 * (x[i] ?? 0) + (y[i] ?? 0), 4);
    await expect(module.launch('missing', [], { grid: [1], block: [1] })).rejects.toThrow(/no kernel named 'missing'/);
    module.unload();
    await xb.free();
    await yb.free();
  });

  it('reports compiler errors with the log', async () => {
    const error = await CudaModule.compile('extern "C" __global__ void broken( { }', { name: 'broken.cu' }).catch((e: unknown) => e);
    expect(isKilnError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect(String((error as Error).message)).toMatch(/broken\.cu/);
  });
});
