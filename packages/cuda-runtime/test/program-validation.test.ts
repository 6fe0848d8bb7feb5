// Crafted Programs must never reach the CUDA kernels, which trust every shape and index. Two
// layers refuse them: CudaProgram.create runs the Program validator the CPU executor uses, before
// it touches the device (so these run on any machine), and the native parser repeats the checks
// that memory safety depends on before any device work (run here wherever kiln_cuda.node was
// compiled with CUDA; parsing needs no GPU).
import { ErrorCode, KilnError, type Program, type ProgramOp, type ProgramValue } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { toKilnError } from '../src/cuda-error.js';
import { CudaProgram, cudaStatus } from '../src/index.js';
import { loadCudaNative } from '../src/native-addon.js';

const input = (name: string, shape: number[], index: number): ProgramValue => ({
  name,
  dtype: 'float32',
  shape,
  storage: { kind: 'input', index },
});
const weight = (name: string, shape: number[], index: number): ProgramValue => ({
  name,
  dtype: 'float32',
  shape,
  storage: { kind: 'weight', index },
});

/** Places arena values one after another; returns a Program of `ops` over `values`. */
function program(values: ProgramValue[], ops: ProgramOp[], inputs: number[], outputs: number[], weights: Float32Array[] = []): Program {
  let arenaBytes = 0;
  const placed = values.map((v) => {
    if (v.storage.kind !== 'arena') return v;
    const offset = arenaBytes;
    arenaBytes += 4 * v.shape.reduce((a, b) => a * b, 1);
    return { ...v, storage: { kind: 'arena' as const, offset } };
  });
  return { values: placed, weights, ops, inputs, outputs, arenaBytes };
}
const arena = (name: string, shape: number[]): ProgramValue => ({ name, dtype: 'float32', shape, storage: { kind: 'arena', offset: 0 } });

/** Every way a Program tried to read outside its buffers, with the code it must fail with. */
const HOSTILE: { name: string; program: Program; code: ErrorCode; message: RegExp; nativeCode?: ErrorCode }[] = [
  {
    name: "an 'input' storage index past the program's inputs",
    program: program(
      [input('x', [4], 0), input('stray', [4], 5), arena('y', [4])],
      [{ op: 'binary', type: 'add', a: 0, b: 1, y: 2 }],
      [0],
      [2],
    ),
    code: ErrorCode.INVALID_ARGUMENT,
    message: /index = 5 is outside \[0, 0\]/,
  },
  {
    name: 'a concat input of another rank',
    program: program(
      [input('a', [2, 3], 0), input('b', [6], 1), arena('y', [4, 3])],
      [{ op: 'concat', inputs: [0, 1], y: 2, axis: 0 }],
      [0, 1],
      [2],
    ),
    code: ErrorCode.INVALID_ARGUMENT,
    message: /concat/,
  },
  {
    name: 'concat sizes that do not add up to the output',
    program: program(
      [input('a', [2, 3], 0), input('b', [2, 3], 1), arena('y', [5, 3])],
      [{ op: 'concat', inputs: [0, 1], y: 2, axis: 0 }],
      [0, 1],
      [2],
    ),
    code: ErrorCode.INVALID_ARGUMENT,
    message: /add up/,
  },
  {
    name: 'a binary operand that does not broadcast to y',
    program: program(
      [input('a', [4, 3], 0), input('b', [5], 1), arena('y', [4, 3])],
      [{ op: 'binary', type: 'mul', a: 0, b: 1, y: 2 }],
      [0, 1],
      [2],
    ),
    code: ErrorCode.INVALID_ARGUMENT,
    message: /broadcast/,
  },
  {
    name: 'a fractional groups count',
    program: program(
      [input('x', [1, 4, 5, 5], 0), weight('w', [4, 2, 3, 3], 0), arena('y', [1, 4, 3, 3])],
      [{ op: 'conv2d', x: 0, w: 1, y: 2, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2.5 }],
      [0],
      [2],
      [new Float32Array(72)],
    ),
    code: ErrorCode.INVALID_ARGUMENT,
    message: /groups/,
  },
  {
    name: 'a conv whose declared output the window arithmetic does not give',
    program: program(
      [input('x', [1, 1, 5, 5], 0), weight('w', [1, 1, 3, 3], 0), arena('y', [1, 1, 9, 9])],
      [{ op: 'conv2d', x: 0, w: 1, y: 2, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 }],
      [0],
      [2],
      [new Float32Array(9)],
    ),
    code: ErrorCode.INVALID_ARGUMENT,
    message: /OH|OW|\[N, M, OH, OW\]/,
  },
  {
    name: 'pads of 2^31 (a conv output of 2^64 elements)',
    program: program(
      [input('x', [1, 1, 4, 4], 0), weight('w', [1, 1, 3, 3], 0), arena('y', [1, 1, 2 ** 32, 2 ** 32])],
      [{ op: 'conv2d', x: 0, w: 1, y: 2, strides: [1, 1], pads: [2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31], dilations: [1, 1], groups: 1 }],
      [0],
      [2],
      [new Float32Array(9)],
    ),
    // Value sizes are checked before any op is read, natively as in TypeScript.
    code: ErrorCode.RESOURCE_LIMIT,
    message: /maxTensor(Elements|Bytes)/,
  },
];

describe('CudaProgram.create validates the Program before the device', () => {
  for (const c of HOSTILE) {
    it(`refuses ${c.name}`, async () => {
      const e = await CudaProgram.create(c.program).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(KilnError);
      expect((e as KilnError).code).toBe(c.code);
    });
  }
});

const loaded = loadCudaNative();
const compiled =
  cudaStatus().compiledWithCuda && loaded.ok && typeof (loaded.addon as { createProgram?: unknown }).createProgram === 'function';
const skipNote = compiled ? '' : ' (skipped: kiln_cuda.node was not built with CUDA)';

describe.skipIf(!compiled)(`the native CUDA parser refuses crafted Programs on its own${skipNote}`, () => {
  const createProgram = compiled
    ? (loaded.addon as unknown as { createProgram(p: unknown, o: object): Promise<unknown> }).createProgram
    : undefined;

  for (const c of HOSTILE) {
    it(`refuses ${c.name} while parsing, before any device work`, () => {
      let thrown: unknown;
      try {
        // Parsing is synchronous; a device error would only come later, from the promise.
        void createProgram!(c.program, {}).catch(() => undefined);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeDefined();
      const e = toKilnError(thrown);
      expect(e.code).toBe(c.nativeCode ?? c.code);
      expect(e.message).toMatch(c.message);
    });
  }

  it('applies the limits CudaProgram.create passes', () => {
    const small = program([input('x', [1000], 0), arena('y', [1000])], [{ op: 'copy', x: 0, y: 1 }], [0], [1]);
    let thrown: unknown;
    try {
      void createProgram!(small, { maxTensorElements: 100 }).catch(() => undefined);
    } catch (e) {
      thrown = e;
    }
    expect(toKilnError(thrown).code).toBe(ErrorCode.RESOURCE_LIMIT);
  });
});
