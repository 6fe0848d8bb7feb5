/**
 * Helpers for the NativeProgram tests: a small Program builder that places arena values one
 * after another (or as views / in place), random data, and the TypeScript reference kernels
 * called directly on one layer — the oracle every native op is compared with.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ActivationSpec,
  type ErrorCode,
  KilnError,
  type LayerKind,
  type LayerParamsMap,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramValue,
  programDTypeBytes,
  Tensor,
} from '@kiln-inference/core';
import { expectTensorClose, loadNativeForTests, mulberry32, nativeSkipNote } from '@kiln-inference/testkit';
import { expect } from 'vitest';
import { interpretProgram, type KernelContext, loadCpuNative, NativeProgram, referenceKernels } from '../../src/index.js';

export const native = loadNativeForTests('kiln_cpu.node', loadCpuNative);
export const skipReason = nativeSkipNote(native);
export const TOL = { rtol: 1e-4, atol: 1e-5 };

/** Convolution params of a 3×3 kernel, stride 1, padded to keep the spatial size. */
export const SAME_3X3_CONV = {
  kernelShape: [3, 3],
  strides: [1, 1],
  padsBegin: [1, 1],
  padsEnd: [1, 1],
  dilations: [1, 1],
  groups: 1,
  paddingMode: 'explicit' as const,
};

export function randomArray(n: number, seed: number, low = -1, high = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => low + (high - low) * rand());
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The dtype a weight array holds unless told (a Uint8Array is uint8; say 'bool' for bools). */
function dtypeOfArray(data: ProgramData): ProgramDType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

export class ProgramBuilder {
  readonly values: ProgramValue[] = [];
  readonly weights: ProgramData[] = [];
  readonly ops: ProgramOp[] = [];
  readonly inputs: number[] = [];
  readonly outputs: number[] = [];
  arenaBytes = 0;

  private add(name: string, shape: readonly number[], storage: ProgramValue['storage'], dtype: ProgramDType): number {
    this.values.push({ name, dtype, shape: [...shape], storage });
    return this.values.length - 1;
  }

  input(name: string, shape: readonly number[], dtype: ProgramDType = 'float32'): number {
    const id = this.add(name, shape, { kind: 'input', index: this.inputs.length }, dtype);
    this.inputs.push(id);
    return id;
  }

  weight(name: string, shape: readonly number[], data: ProgramData, dtype: ProgramDType = dtypeOfArray(data)): number {
    this.weights.push(data);
    return this.add(name, shape, { kind: 'weight', index: this.weights.length - 1 }, dtype);
  }

  /**
   * A fresh arena value after everything placed so far, at the next multiple of its dtype's
   * size (offsets kept element-aligned, not 64-byte aligned, on purpose).
   */
  arena(name: string, shape: readonly number[], dtype: ProgramDType = 'float32'): number {
    const bytes = programDTypeBytes(dtype);
    const offset = Math.ceil(this.arenaBytes / bytes) * bytes;
    this.arenaBytes = offset + bytes * sizeOf(shape) + bytes;
    return this.add(name, shape, { kind: 'arena', offset }, dtype);
  }

  /**
   * A value over another arena value's storage, `elementOffset` elements (of that value's
   * dtype) in, with that dtype unless told (views, in place).
   */
  view(name: string, shape: readonly number[], of: number, elementOffset = 0, dtype: ProgramDType = this.values[of]!.dtype): number {
    const v = this.values[of]!;
    if (v.storage.kind !== 'arena') throw new Error('views need an arena value');
    return this.add(name, shape, { kind: 'arena', offset: v.storage.offset + programDTypeBytes(v.dtype) * elementOffset }, dtype);
  }

  op(op: ProgramOp): this {
    this.ops.push(op);
    return this;
  }

  output(id: number): this {
    this.outputs.push(id);
    return this;
  }

  build(): Program {
    return {
      values: this.values,
      weights: this.weights,
      ops: this.ops,
      inputs: this.inputs,
      outputs: this.outputs,
      arenaBytes: this.arenaBytes,
    };
  }
}

const noContext = {} as KernelContext;

export function tensor(shape: readonly number[], data: Float32Array): Tensor {
  return new Tensor('float32', shape, data);
}

/** Runs one reference kernel on a layer built from kind + params. */
export function reference<K extends LayerKind>(kind: K, params: LayerParamsMap[K], inputs: (Tensor | undefined)[]): Tensor {
  const kernel = referenceKernels[kind] as unknown as (l: unknown, i: (Tensor | undefined)[], c: KernelContext) => Tensor[];
  const layer = { name: `ref_${kind}`, kind, inputs: inputs.map((t, i) => (t ? `in${i}` : '')), outputs: ['y'], params };
  return kernel(layer, inputs, noContext)[0]!;
}

export function referenceActivation(x: Tensor, activation: ActivationSpec | undefined): Tensor {
  return activation ? reference('activation', activation, [x]) : x;
}

export function expectClose(actual: Float32Array, expected: Tensor, tol = TOL): void {
  expectTensorClose(tensor(expected.shape, actual), expected, tol);
}

export const ALL_ACTIVATIONS: ActivationSpec[] = [
  { type: 'relu' },
  { type: 'sigmoid' },
  { type: 'tanh' },
  { type: 'leaky_relu', alpha: 0.1 },
  { type: 'elu', alpha: 0.7 },
  { type: 'selu' },
  { type: 'softsign' },
  { type: 'softplus' },
  { type: 'clip', alpha: 0, beta: 0.6 },
  { type: 'hard_sigmoid', alpha: 0.2, beta: 0.5 },
  { type: 'scaled_tanh', alpha: 1.5, beta: 0.5 },
  { type: 'thresholded_relu', alpha: 0.2 },
  { type: 'gelu_erf' },
  { type: 'gelu_tanh' },
  { type: 'celu', alpha: 0.8 },
  { type: 'mish' },
  { type: 'swish', alpha: 1.2 },
  { type: 'hard_swish' },
  { type: 'shrink', alpha: 0.3, beta: 0.1 },
];

/**
 * Runs `program` natively and with the TypeScript interpreter on the same feeds; every output
 * must agree: float32 within `tol`, every other dtype exactly and in the typed-array class of
 * its dtype.
 */
export async function expectMatchesInterpreter(program: Program, feeds: ProgramData[], tol = TOL): Promise<void> {
  const expected = interpretProgram(program, feeds);
  const actual = await NativeProgram.create(program).run(feeds);
  program.outputs.forEach((id, i) => {
    const v = program.values[id]!;
    if (v.dtype === 'float32') {
      expectClose(actual[i] as Float32Array, tensor(v.shape, expected[i] as Float32Array), tol);
    } else {
      expect(actual[i]!.constructor).toBe(expected[i]!.constructor);
      expect(actual[i]).toEqual(expected[i]);
    }
  });
}

/** Runs `prog` once and checks that every output came back as a Float32Array (a float32 program's outputs). */
export async function runFloat32(prog: NativeProgram, feeds: readonly ProgramData[]): Promise<Float32Array[]> {
  const outputs = await prog.run(feeds);
  for (const o of outputs) expect(o).toBeInstanceOf(Float32Array);
  return outputs as Float32Array[];
}

/** Expects `fn` to throw a KilnError with `code` whose message matches `pattern`. */
export function expectKilnError(fn: () => unknown, code: ErrorCode, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    expect((e as KilnError).code).toBe(code);
    expect((e as KilnError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a KilnError');
}

export type CreateProgram = (program: unknown, options?: object) => unknown;

/** kiln_cuda.node's createProgram when that addon was built with CUDA, else undefined. */
export function loadCudaCreateProgram(): CreateProgram | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const path = process.env.KILN_CUDA_NATIVE_PATH ?? resolve(here, '../../../cuda-runtime/build/Release/kiln_cuda.node');
  if (!existsSync(path)) return undefined;
  try {
    const addon = createRequire(import.meta.url)(path) as { createProgram?: CreateProgram };
    return typeof addon.createProgram === 'function' ? addon.createProgram : undefined;
  } catch {
    return undefined;
  }
}
