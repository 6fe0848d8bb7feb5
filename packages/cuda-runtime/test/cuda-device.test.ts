// GPU behaviour of the binding; runs where cudaStatus() lists a device (skipped elsewhere).
import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { cudaStatus, DeviceBuffer, deviceMemoryStats, Event, Stream } from '../src/index.js';

const status = cudaStatus();
const gpu = status.devices.length > 0;

describe.skipIf(!gpu)(`CUDA device memory, streams and events${gpu ? '' : ` (skipped: ${status.reason ?? 'no GPU'})`}`, () => {
  it('round-trips typed arrays through device memory, with offsets', async () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const buffer = await DeviceBuffer.fromHost(values);
    expect(buffer.bytes).toBe(4000);
    const back = await buffer.download(new Float32Array(1000));
    expect(back).toEqual(values);
    const patch = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    await buffer.upload(patch, { byteOffset: 400 });
    const bytes = await buffer.download(new Uint8Array(8), { byteOffset: 400 });
    expect(Array.from(bytes)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await buffer.free();
    expect(buffer.freed).toBe(true);
  });

  it('copies and fills on a stream, and times it with events', async () => {
    const stream = await Stream.create();
    const start = await Event.create();
    const end = await Event.create();
    const buffer = await DeviceBuffer.allocate(4 * 4096);
    start.record(stream);
    await buffer.fillFloat32(2.5, { stream });
    await buffer.fillFloat32(-1, { byteOffset: 4 * 100, count: 10, stream });
    end.record(stream);
    const out = await buffer.download(new Float32Array(4096), { stream });
    expect(out[0]).toBe(2.5);
    expect(out[99]).toBe(2.5);
    expect(Array.from(out.subarray(100, 110))).toEqual(new Array(10).fill(-1));
    expect(out[110]).toBe(2.5);
    const ms = await Event.elapsedTime(start, end);
    expect(ms).toBeGreaterThanOrEqual(0);
    await stream.synchronize();
    await buffer.free();
    stream.destroy();
    start.destroy();
    end.destroy();
    expect(stream.destroyed).toBe(true);
  });

  it('accounts for device memory', async () => {
    const before = deviceMemoryStats();
    const a = await DeviceBuffer.allocate(1 << 20);
    const b = await DeviceBuffer.allocate(3 << 20);
    const during = deviceMemoryStats();
    expect(during.bytesInUse - before.bytesInUse).toBe(4 << 20);
    expect(during.liveBuffers - before.liveBuffers).toBe(2);
    expect(during.peakBytes).toBeGreaterThanOrEqual(during.bytesInUse);
    await a.free();
    await b.free();
    expect(deviceMemoryStats().bytesInUse).toBe(before.bytesInUse);
  });

  it('refuses overruns, use after free, and freeing during a copy', async () => {
    const buffer = await DeviceBuffer.allocate(64);
    await expect(buffer.upload(new Float32Array(17))).rejects.toThrow(/68 bytes at byte offset 0 overrun the 64-byte buffer/);
    await expect(buffer.download(new Uint8Array(8), { byteOffset: 60 })).rejects.toSatisfy((e: unknown) =>
      isKilnError(e, ErrorCode.INVALID_ARGUMENT),
    );
    const copy = buffer.upload(new Float32Array(16));
    await expect(buffer.free()).rejects.toThrow(/still in flight/);
    await copy;
    await buffer.free();
    await expect(buffer.upload(new Float32Array(1))).rejects.toThrow(/the buffer was freed/);
  });

  it('maps CUDA errors to CUDA_ERROR with a hint', async () => {
    const error = await DeviceBuffer.allocate(16, { device: status.devices.length }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKilnError(error, ErrorCode.CUDA_ERROR)).toBe(true);
    if (isKilnError(error)) expect(error.hint).toMatch(/cudaStatus\(\)\.devices/);
    const huge = await DeviceBuffer.allocate(2 ** 49).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKilnError(huge, ErrorCode.CUDA_ERROR)).toBe(true);
    if (isKilnError(huge)) expect(huge.hint).toMatch(/out of memory/);
  });
});
