/**
 * NativeProgram: a whole Program (see @kiln-inference/core program.ts) run by kiln_cpu.node in one
 * asynchronous call per inference, off the JavaScript thread. create() validates the program
 * and has the addon copy its weights and prepack GEMM/conv weights; run() calls on one instance
 * are queued so they never share its arena; clone() gives another arena over the same weights.
 */
import {
  currentResourceLimits,
  ErrorCode,
  KilnError,
  PROGRAM_DTYPE_ARRAYS,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ResourceLimits,
  validateProgram,
} from '@kiln-inference/core';
import type { NativeProgramHandle } from './cpu-native-api.js';
import { loadCpuNative } from './load-native.js';
import { nativeErrorToKilnError } from './native-error.js';

interface FeedInfo {
  name: string;
  dtype: ProgramDType;
  size: number;
  shape: number[];
  /** The first op that reads this feed, for error messages. */
  reader?: { index: number; kind: string };
}

function describeFeeds(program: Program): FeedInfo[] {
  return program.inputs.map((id) => {
    const v = program.values[id]!;
    const readerIndex = program.ops.findIndex((op) =>
      Object.entries(op).some(([key, val]) => key !== 'y' && (val === id || (key === 'inputs' && Array.isArray(val) && val.includes(id)))),
    );
    return {
      name: v.name,
      dtype: v.dtype,
      size: v.shape.reduce((a, b) => a * b, 1),
      shape: [...v.shape],
      ...(readerIndex >= 0 ? { reader: { index: readerIndex, kind: program.ops[readerIndex]!.op } } : {}),
    };
  });
}

export class NativeProgram {
  private handle: NativeProgramHandle | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    handle: NativeProgramHandle,
    private readonly feeds: FeedInfo[],
  ) {
    this.handle = handle;
  }

  /**
   * Validates the program and compiles it natively. Throws KilnError NATIVE_UNAVAILABLE when
   * the addon is not loaded, INVALID_ARGUMENT naming the op and value when the program is wrong.
   * The caller's weight arrays are copied: they are never read after create() returns.
   * `limits` (default: those in force) bound every value, the arena and the weights; the addon
   * checks them again before it allocates anything.
   */
  static create(program: Program, limits: ResourceLimits = currentResourceLimits()): NativeProgram {
    const native = loadCpuNative();
    if (!native.ok) {
      throw new KilnError(ErrorCode.NATIVE_UNAVAILABLE, `NativeProgram needs kiln_cpu.node: ${native.reason}`, {
        hint: "build it with 'pnpm --filter @kiln-inference/cpu-runtime build:native', or run the network with ReferenceExecutor",
      });
    }
    validateProgram(program, limits);
    let handle: NativeProgramHandle;
    try {
      handle = native.addon.createProgram(program, {
        maxTensorElements: limits.maxTensorElements,
        maxTensorBytes: limits.maxTensorBytes,
        maxModelBytes: limits.maxModelBytes,
      });
    } catch (e) {
      throw nativeErrorToKilnError(e);
    }
    return new NativeProgram(handle, describeFeeds(program));
  }

  /** The tactic each op runs with (after defaults were chosen). */
  tactics(): string[] {
    return this.live('tactics').tactics();
  }

  /**
   * Runs once; inputs in program.inputs order (a typed array of each input's dtype, per
   * PROGRAM_DTYPE_ARRAYS); resolves with fresh outputs in program.outputs order.
   */
  run(inputs: readonly ProgramData[]): Promise<ProgramData[]> {
    return this.enqueue('run', inputs, (h) => h.run(inputs));
  }

  /** Median milliseconds of each op over `repeats` runs. */
  profile(inputs: readonly ProgramData[], repeats: number): Promise<number[]> {
    if (!Number.isInteger(repeats) || repeats < 1) {
      return Promise.reject(new KilnError(ErrorCode.INVALID_ARGUMENT, `NativeProgram.profile: repeats ${repeats} must be an integer >= 1`));
    }
    return this.enqueue('profile', inputs, (h) => h.profile(inputs, repeats));
  }

  /** A new instance over the same prepacked weights with its own arena. */
  clone(): NativeProgram {
    try {
      return new NativeProgram(this.live('clone').clone(), this.feeds);
    } catch (e) {
      throw nativeErrorToKilnError(e);
    }
  }

  /** Releases the arena (the weights when no clone holds them). A run in flight finishes first. */
  dispose(): void {
    this.handle?.dispose();
    this.handle = undefined;
  }

  private live(what: string): NativeProgramHandle {
    if (!this.handle) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `NativeProgram.${what}: the program was disposed`, {
        hint: 'create a new NativeProgram, or clone() one before disposing it',
      });
    }
    return this.handle;
  }

  private checkInputs(what: string, inputs: readonly ProgramData[]): void {
    if (!Array.isArray(inputs) || inputs.length !== this.feeds.length) {
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `NativeProgram.${what}: got ${Array.isArray(inputs) ? inputs.length : 'no'} inputs but the program has ${this.feeds.length}`,
        {
          hint: 'pass one typed array per program input, in program.inputs order',
        },
      );
    }
    inputs.forEach((x, i) => {
      const feed = this.feeds[i]!;
      const array = PROGRAM_DTYPE_ARRAYS[feed.dtype];
      if (x instanceof array && x.length === feed.size) return;
      const got = x instanceof array ? `${x.length} elements` : `a ${Object.prototype.toString.call(x).slice(8, -1)}`;
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `NativeProgram.${what}: input ${i} '${feed.name}' ${feed.dtype} [${feed.shape.join(', ')}] needs a ${array.name} of ${feed.size} elements, got ${got}`,
        {
          ...(feed.reader ? { layer: { name: feed.name, kind: feed.reader.kind, index: feed.reader.index } } : {}),
          hint: 'feed tensors of the shapes the program was built for',
        },
      );
    });
  }

  private enqueue<T>(what: string, inputs: readonly ProgramData[], call: (h: NativeProgramHandle) => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      this.checkInputs(what, inputs);
      const handle = this.live(what);
      result = this.tail.then(() => call(handle));
    } catch (e) {
      return Promise.reject(e);
    }
    this.tail = result.catch(() => undefined);
    return result.catch((e: unknown) => {
      throw nativeErrorToKilnError(e);
    });
  }
}
