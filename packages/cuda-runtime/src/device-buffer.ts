/**
 * Device memory with async host↔device copies. Each copy resolves once the data has arrived;
 * the typed array must not be modified until then.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { callNative, checkDeviceIndex, requireCudaApi } from './cuda-error.js';
import type { NativeDeviceBuffer } from './native-addon.js';
import type { DeviceOptions, Stream } from './stream.js';

export interface CopyOptions {
  /** Where in the device buffer the copy starts (bytes, default 0). */
  byteOffset?: number;
  /** Copy on this stream (then wait for it); the legacy default stream when omitted. */
  stream?: Stream;
}

export interface FillOptions extends CopyOptions {
  /** Number of float32 values to set (default: to the end of the buffer). */
  count?: number;
}

export class DeviceBuffer {
  /** @internal */
  readonly native: NativeDeviceBuffer;

  private constructor(native: NativeDeviceBuffer) {
    this.native = native;
  }

  /** cudaMalloc of `bytes` bytes on `options.device`; counted in deviceMemoryStats(). */
  static async allocate(bytes: number, options: DeviceOptions = {}): Promise<DeviceBuffer> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `DeviceBuffer.allocate: bytes must be a non-negative integer, got ${bytes}`);
    }
    const addon = requireCudaApi('DeviceBuffer.allocate');
    const device = checkDeviceIndex(options.device ?? 0, 'DeviceBuffer.allocate');
    return new DeviceBuffer(await callNative(() => addon.allocate(bytes, device)));
  }

  /** Allocates a buffer the size of `data` and uploads it. */
  static async fromHost(data: ArrayBufferView, options: DeviceOptions & { stream?: Stream } = {}): Promise<DeviceBuffer> {
    const buffer = await DeviceBuffer.allocate(data.byteLength, options);
    await buffer.upload(data, options.stream ? { stream: options.stream } : {});
    return buffer;
  }

  get bytes(): number {
    return this.native.bytes;
  }

  get device(): number {
    return this.native.device;
  }

  get freed(): boolean {
    return this.native.freed;
  }

  upload(src: ArrayBufferView, options: CopyOptions = {}): Promise<void> {
    return callNative(() => this.native.upload(src, options.byteOffset ?? 0, options.stream?.native));
  }

  /** Copies device bytes into `dst` (its whole length) and resolves with it. */
  download<T extends ArrayBufferView>(dst: T, options: CopyOptions = {}): Promise<T> {
    return callNative(() => this.native.download(dst, options.byteOffset ?? 0, options.stream?.native));
  }

  /** Sets float32 values on the device (a kiln CUDA kernel; cudaMemset only repeats bytes). */
  fillFloat32(value: number, options: FillOptions = {}): Promise<void> {
    return callNative(() => this.native.fillFloat32(value, options.byteOffset ?? 0, options.count, options.stream?.native));
  }

  /** Releases the memory now rather than at garbage collection; refused while copies are in flight. */
  free(): Promise<void> {
    return callNative(() => this.native.free());
  }
}
