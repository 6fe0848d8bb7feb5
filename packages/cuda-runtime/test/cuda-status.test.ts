import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { cudaStatus, DeviceBuffer, deviceMemoryStats, Event, loadCudaNative, Stream } from '../src/index.js';

const status = cudaStatus();
const noGpu = status.devices.length === 0;

describe('cudaStatus', () => {
  it('always answers with a well-formed status', () => {
    expect(typeof status.addonLoaded).toBe('boolean');
    expect(['ok', 'no-driver', 'error']).toContain(status.driver);
    expect(Array.isArray(status.devices)).toBe(true);
    expect(status.addonLoaded).toBe(loadCudaNative().ok);
    if (!status.addonLoaded) expect(status.compiledWithCuda).toBe(false);
    if (noGpu) expect(status.reason).toMatch(/\S/);
  });

  it.runIf(status.addonLoaded && status.compiledWithCuda)('reports the CUDA runtime it was built with', () => {
    expect(status.runtimeVersion).toBeGreaterThanOrEqual(11000);
  });

  it.runIf(status.compiledWithCuda && status.driverVersion === undefined)('says no-driver cleanly where no NVIDIA driver exists', () => {
    expect(status.driver).toBe('no-driver');
    expect(status.devices).toEqual([]);
    expect(status.reason).toMatch(/no NVIDIA driver is installed/);
  });

  it.runIf(!noGpu)('describes every GPU', () => {
    expect(status.driver).toBe('ok');
    for (const [i, d] of status.devices.entries()) {
      expect(d.index).toBe(i);
      expect(d.name.length).toBeGreaterThan(0);
      expect(d.computeCapability[0]).toBeGreaterThanOrEqual(5);
      expect(d.multiprocessors).toBeGreaterThan(0);
      expect(d.totalMemoryBytes).toBeGreaterThan(1 << 30);
    }
  });
});

describe.runIf(noGpu)('without a usable GPU', () => {
  const expectedCode = status.addonLoaded && status.compiledWithCuda ? ErrorCode.CUDA_ERROR : ErrorCode.NATIVE_UNAVAILABLE;

  it(`allocate, Stream.create and Event.create reject with ${expectedCode} and a hint`, async () => {
    for (const attempt of [() => DeviceBuffer.allocate(1024), () => Stream.create(), () => Event.create()]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKilnError(error, expectedCode)).toBe(true);
      if (isKilnError(error)) expect(error.hint).toMatch(/driver|GPU|CUDA|build/i);
    }
  });

  it('keeps memory accounting at zero', () => {
    expect(deviceMemoryStats()).toEqual({ bytesInUse: 0, peakBytes: 0, liveBuffers: 0, totalAllocations: 0 });
  });
});

describe('argument checks before any CUDA call', () => {
  it('rejects negative or fractional sizes and device indices', async () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(DeviceBuffer.allocate(bad)).rejects.toSatisfy(
        (e: unknown) => isKilnError(e, ErrorCode.INVALID_ARGUMENT) || isKilnError(e, ErrorCode.NATIVE_UNAVAILABLE),
      );
    }
    if (status.addonLoaded && status.compiledWithCuda) {
      await expect(DeviceBuffer.allocate(16, { device: -1 })).rejects.toSatisfy((e: unknown) => isKilnError(e, ErrorCode.INVALID_ARGUMENT));
      await expect(Stream.create({ device: 0.5 })).rejects.toThrow(/device must be a non-negative integer/);
    }
  });
});
