/**
 * quantize and dequantize (ONNX QuantizeLinear / DequantizeLinear) between float32 and
 * int8/uint8 run natively against the reference interpreter and against hand-computed values:
 * per tensor (scalar or [1] scale) and per axis (every axis, negative ones too), with and without
 * a zero point, round half to even, saturation, NaN and ±Inf, and a quantize → dequantize round
 * trip. Then hostile quantization Programs, refused by validateProgram and by the addon's own
 * validator (no TypeScript in front of it), each naming the op.
 */
import { ErrorCode, KilnError, type Program, validateProgram } from '@kiln-inference/core';
import { mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { interpretProgram, NativeProgram, nativeErrorToKilnError } from '../../src/index.js';
import { expectMatchesInterpreter, loadCudaCreateProgram, native, ProgramBuilder, sizeOf, skipReason } from './program-harness.js';

const QUANTIZED = ['int8', 'uint8'] as const;
type Quantized = (typeof QUANTIZED)[number];

/** Values that exercise rounding ties, saturation and the special floats, then seeded ones. */
function floats(n: number, seed: number): Float32Array {
  const edges = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1e6, -1e6, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0];
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, (_, i) => (i < edges.length ? edges[i]! : (rand() - 0.5) * 600));
}

function zeroPoints(dtype: Quantized, n: number, seed: number): Int8Array | Uint8Array {
  const rand = mulberry32(seed);
  return dtype === 'int8'
    ? Int8Array.from({ length: n }, () => Math.floor(rand() * 41) - 20)
    : Uint8Array.from({ length: n }, () => 100 + Math.floor(rand() * 56));
}

/** Positive and negative scales, none zero. */
function scales(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (rand() < 0.2 ? -1 : 1) * (0.25 + rand() * 3));
}

const skip = !native.ok;

describe.skipIf(skip)(`quantize runs natively as the interpreter does${skipReason}`, () => {
  it('gives the hand-computed values: ties to even, the zero point added after rounding, saturation, NaN → 0', async () => {
    const x = Float32Array.from([0.5, 1.5, 2.5, -0.5, -2.5, 3.75, 1000, -1000, Number.NaN, Number.POSITIVE_INFINITY]);
    const cases: { dtype: Quantized; zeroPoint?: number; want: number[] }[] = [
      { dtype: 'int8', want: [0, 2, 2, 0, -2, 4, 127, -128, 0, 127] },
      { dtype: 'int8', zeroPoint: -3, want: [-3, -1, -1, -3, -5, 1, 127, -128, 0, 127] },
      { dtype: 'uint8', want: [0, 2, 2, 0, 0, 4, 255, 0, 0, 255] },
      { dtype: 'uint8', zeroPoint: 128, want: [128, 130, 130, 128, 126, 132, 255, 0, 0, 255] },
    ];
    for (const c of cases) {
      const p = new ProgramBuilder();
      const xi = p.input('x', [10]);
      const scale = p.weight('scale', [], Float32Array.of(1));
      const zp =
        c.zeroPoint === undefined
          ? undefined
          : p.weight('zp', [], c.dtype === 'int8' ? Int8Array.of(c.zeroPoint) : Uint8Array.of(c.zeroPoint), c.dtype);
      const y = p.arena('y', [10], c.dtype);
      p.op({ op: 'quantize', x: xi, scale, ...(zp === undefined ? {} : { zeroPoint: zp }), y, axis: 0 }).output(y);
      const program = p.build();
      const [got] = await NativeProgram.create(program).run([x]);
      expect(Array.from(got as Int8Array), JSON.stringify(c)).toEqual(c.want);
      expect(Array.from(interpretProgram(program, [x])[0] as Int8Array), JSON.stringify(c)).toEqual(c.want);
    }
  });

  it('per tensor ([] and [1] scales) and per axis (every axis, negative ones too), with and without a zero point', async () => {
    const shape = [2, 3, 4];
    let seed = 1;
    for (const dtype of QUANTIZED) {
      for (const axis of [null, 0, 1, 2, -1, -3] as const) {
        for (const withZeroPoint of [false, true]) {
          const paramShape = axis === null ? (seed % 2 === 0 ? [] : [1]) : [shape[axis < 0 ? axis + 3 : axis]!];
          const n = sizeOf(paramShape);
          const p = new ProgramBuilder();
          const x = p.input('x', shape);
          const scale = p.weight('scale', paramShape, scales(n, seed++));
          const zeroPoint = withZeroPoint ? p.weight('zp', paramShape, zeroPoints(dtype, n, seed++), dtype) : undefined;
          const y = p.arena('y', shape, dtype);
          p.op({ op: 'quantize', x, scale, ...(zeroPoint === undefined ? {} : { zeroPoint }), y, axis: axis ?? 0 }).output(y);
          await expectMatchesInterpreter(p.build(), [floats(24, seed++)]);
        }
      }
    }
  });

  it('reads a scale and zero point computed at run time (feeds), over a large tensor split across threads', async () => {
    const shape = [4, 16, 64, 32];
    const p = new ProgramBuilder();
    const x = p.input('x', shape);
    const scale = p.input('scale', [16]);
    const zeroPoint = p.input('zp', [16], 'uint8');
    const y = p.arena('y', shape, 'uint8');
    p.op({ op: 'quantize', x, scale, zeroPoint, y, axis: 1 }).output(y);
    await expectMatchesInterpreter(p.build(), [floats(sizeOf(shape), 7), scales(16, 8), zeroPoints('uint8', 16, 9)]);
  });

  it('takes a scalar scale with a [1] zero point and a [1] scale with a scalar one (ONNX models mix them)', async () => {
    for (const [scaleShape, zeroPointShape] of [
      [[], [1]],
      [[1], []],
    ]) {
      const p = new ProgramBuilder();
      const x = p.input('x', [2, 3]);
      const scale = p.weight('scale', scaleShape!, Float32Array.of(0.1));
      const zeroPoint = p.weight('zp', zeroPointShape!, Int8Array.of(-4), 'int8');
      const q = p.arena('q', [2, 3], 'int8');
      const y = p.arena('y', [2, 3]);
      p.op({ op: 'quantize', x, scale, zeroPoint, y: q, axis: 0 });
      p.op({ op: 'dequantize', x: q, scale, zeroPoint, y, axis: 0 }).output(q).output(y);
      await expectMatchesInterpreter(p.build(), [floats(6, 12)]);
    }
  });

  it('quantizes an empty tensor to an empty one', async () => {
    const p = new ProgramBuilder();
    const x = p.input('x', [0, 3]);
    const scale = p.weight('scale', [3], scales(3, 3));
    const y = p.arena('y', [0, 3], 'int8');
    p.op({ op: 'quantize', x, scale, y, axis: 1 }).output(y);
    await expectMatchesInterpreter(p.build(), [new Float32Array(0)]);
  });
});

describe.skipIf(skip)(`dequantize runs natively as the interpreter does${skipReason}`, () => {
  it('gives the hand-computed values (x − zeroPoint) · scale', async () => {
    const cases = [
      { x: Int8Array.from([-128, -1, 0, 1, 127]), dtype: 'int8' as const, zeroPoint: Int8Array.of(-1), want: [-31.75, 0, 0.25, 0.5, 32] },
      {
        x: Uint8Array.from([0, 127, 128, 255, 3]),
        dtype: 'uint8' as const,
        zeroPoint: Uint8Array.of(128),
        want: [-32, -0.25, 0, 31.75, -31.25],
      },
      { x: Int8Array.from([-128, -1, 0, 1, 127]), dtype: 'int8' as const, want: [-32, -0.25, 0, 0.25, 31.75] },
    ];
    for (const c of cases) {
      const p = new ProgramBuilder();
      const x = p.input('x', [5], c.dtype);
      const scale = p.weight('scale', [1], Float32Array.of(0.25));
      const zeroPoint = c.zeroPoint ? p.weight('zp', [1], c.zeroPoint, c.dtype) : undefined;
      const y = p.arena('y', [5]);
      p.op({ op: 'dequantize', x, scale, ...(zeroPoint === undefined ? {} : { zeroPoint }), y, axis: 0 }).output(y);
      const program = p.build();
      const [got] = await NativeProgram.create(program).run([c.x]);
      expect(Array.from(got as Float32Array)).toEqual(c.want);
      expect(Array.from(interpretProgram(program, [c.x])[0] as Float32Array)).toEqual(c.want);
    }
  });

  it('per tensor and per axis (every axis, negative ones too), with and without a zero point', async () => {
    const shape = [3, 2, 5];
    let seed = 100;
    for (const dtype of QUANTIZED) {
      for (const axis of [null, 0, 1, 2, -1, -2] as const) {
        for (const withZeroPoint of [false, true]) {
          const paramShape = axis === null ? (seed % 2 === 0 ? [] : [1]) : [shape[axis < 0 ? axis + 3 : axis]!];
          const n = sizeOf(paramShape);
          const p = new ProgramBuilder();
          const x = p.input('x', shape, dtype);
          const scale = p.weight('scale', paramShape, scales(n, seed++));
          const zeroPoint = withZeroPoint ? p.weight('zp', paramShape, zeroPoints(dtype, n, seed++), dtype) : undefined;
          const y = p.arena('y', shape);
          p.op({ op: 'dequantize', x, scale, ...(zeroPoint === undefined ? {} : { zeroPoint }), y, axis: axis ?? 0 }).output(y);
          const rand = mulberry32(seed++);
          const data = Array.from({ length: 30 }, () => Math.floor(rand() * 256));
          await expectMatchesInterpreter(p.build(), [dtype === 'int8' ? Int8Array.from(data, (v) => v - 128) : Uint8Array.from(data)], {
            rtol: 0,
            atol: 0,
          });
        }
      }
    }
  });

  it('round-trips quantize → dequantize within half a step per channel, in one program', async () => {
    const shape = [2, 4, 8];
    const p = new ProgramBuilder();
    const x = p.input('x', shape);
    const scaleValues = Float32Array.from([0.01, 0.02, 0.05, 0.1]);
    const scale = p.weight('scale', [4], scaleValues);
    const zeroPoint = p.weight('zp', [4], Uint8Array.from([128, 120, 100, 90]), 'uint8');
    const q = p.arena('q', shape, 'uint8');
    const y = p.arena('y', shape);
    p.op({ op: 'quantize', x, scale, zeroPoint, y: q, axis: 1 });
    p.op({ op: 'dequantize', x: q, scale, zeroPoint, y, axis: 1 }).output(y);
    const rand = mulberry32(77);
    const xs = Float32Array.from({ length: sizeOf(shape) }, () => rand() * 2 - 1);
    const [got] = (await NativeProgram.create(p.build()).run([xs])) as Float32Array[];
    for (let i = 0; i < xs.length; i++) {
      const step = scaleValues[Math.floor(i / 8) % 4]!;
      expect(Math.abs(got![i]! - xs[i]!), `element ${i}`).toBeLessThanOrEqual(step / 2 + 1e-6);
    }
  });
});

/** One hostile Program, the op its error must name, and what the message says. */
interface Hostile {
  name: string;
  program: Program;
  message: RegExp;
}

function hostilePrograms(): Hostile[] {
  const out: Hostile[] = [];
  const build = (
    name: string,
    message: RegExp,
    make: (p: ProgramBuilder, x: number) => { scale: number; zeroPoint?: number; y: number; axis: number },
    xShape = [2, 3],
  ) => {
    const p = new ProgramBuilder();
    const x = p.input('x', xShape);
    const { scale, zeroPoint, y, axis } = make(p, x);
    p.op({ op: 'quantize', x, scale, ...(zeroPoint === undefined ? {} : { zeroPoint }), y, axis, label: 'q' }).output(y);
    out.push({ name, program: p.build(), message });
  };
  build('a per-axis scale of the wrong length', /per-axis scale must be \[3\]/, (p) => ({
    scale: p.weight('s', [2], scales(2, 1)),
    y: p.arena('y', [2, 3], 'int8'),
    axis: 1,
  }));
  build('a per-axis scale whose axis is out of range', /axis 5 is out of range for rank 2/, (p) => ({
    scale: p.weight('s', [3], scales(3, 1)),
    y: p.arena('y', [2, 3], 'int8'),
    axis: 5,
  }));
  build('a per-axis scale that is not a vector', /per-axis scale must be \[3\]/, (p) => ({
    scale: p.weight('s', [3, 1], scales(3, 1)),
    y: p.arena('y', [2, 3], 'int8'),
    axis: 1,
  }));
  build('a one-element scale of rank 2', /per-tensor scale must be a scalar or \[1\]/, (p) => ({
    scale: p.weight('s', [1, 1], scales(1, 1)),
    y: p.arena('y', [2, 3], 'int8'),
    axis: 0,
  }));
  build('a per-tensor zero point of three elements', /per-tensor zero point must be a scalar or \[1\], got \[3\]/, (p) => ({
    scale: p.weight('s', [], scales(1, 1)),
    zeroPoint: p.weight('z', [3], Int8Array.of(0, 1, 2), 'int8'),
    y: p.arena('y', [2, 3], 'int8'),
    axis: 1,
  }));
  build('a zero point of another shape than the scale', /zero point must have the scale's shape \[3\]/, (p) => ({
    scale: p.weight('s', [3], scales(3, 1)),
    zeroPoint: p.weight('z', [1], Int8Array.of(0), 'int8'),
    y: p.arena('y', [2, 3], 'int8'),
    axis: 1,
  }));
  build("a zero point of another dtype than y's", /zeroPoint is uint8 but must have y's dtype int8/, (p) => ({
    scale: p.weight('s', [], scales(1, 1)),
    zeroPoint: p.weight('z', [], Uint8Array.of(0), 'uint8'),
    y: p.arena('y', [2, 3], 'int8'),
    axis: 0,
  }));
  build('a float32 y', /y is float32 but must be int8 or uint8/, (p) => ({
    scale: p.weight('s', [], scales(1, 1)),
    y: p.arena('y', [2, 3]),
    axis: 0,
  }));
  build('an int32 scale', /scale is int32 but must be float32/, (p) => ({
    scale: p.weight('s', [], Int32Array.of(1)),
    y: p.arena('y', [2, 3], 'uint8'),
    axis: 0,
  }));
  build("a y of another shape than x's", /y must be x's shape/, (p) => ({
    scale: p.weight('s', [], scales(1, 1)),
    y: p.arena('y', [3, 2], 'int8'),
    axis: 0,
  }));
  {
    // dequantize from float32 and with a zero point of another dtype than x's.
    const p = new ProgramBuilder();
    const x = p.input('x', [4]);
    const scale = p.weight('s', [], scales(1, 1));
    const y = p.arena('y', [4]);
    p.op({ op: 'dequantize', x, scale, y, axis: 0, label: 'q' }).output(y);
    out.push({ name: 'a dequantize of float32', program: p.build(), message: /x is float32 but must be int8 or uint8/ });
  }
  {
    const p = new ProgramBuilder();
    const x = p.input('x', [4], 'int8');
    const scale = p.weight('s', [4], scales(4, 1));
    const zeroPoint = p.weight('z', [4], Uint8Array.of(1, 2, 3, 4), 'uint8');
    const y = p.arena('y', [4]);
    p.op({ op: 'dequantize', x, scale, zeroPoint, y, axis: -1, label: 'q' }).output(y);
    out.push({
      name: "a dequantize zero point of another dtype than x's",
      program: p.build(),
      message: /zeroPoint is uint8 but must have x's dtype int8/,
    });
  }
  {
    const p = new ProgramBuilder();
    const x = p.input('x', [2, 4], 'uint8');
    const scale = p.weight('s', [4], scales(4, 1));
    const y = p.arena('y', [2, 4], 'int8');
    p.op({ op: 'dequantize', x, scale, y, axis: 0, label: 'q' }).output(y);
    out.push({
      name: 'a dequantize to int8 (the dtype is checked before the scale for the wrong axis)',
      program: p.build(),
      message: /y is int8 but must be float32/,
    });
  }
  {
    // No scale at all: the reader refuses the missing field before any check runs.
    const p = new ProgramBuilder();
    const x = p.input('x', [2]);
    const y = p.arena('y', [2], 'int8');
    p.op({ op: 'quantize', x, y, axis: 0, label: 'q' } as never).output(y);
    out.push({ name: 'a quantize without a scale', program: p.build(), message: /scale/ });
  }
  return out;
}

describe('validateProgram refuses hostile quantization Programs, naming the op', () => {
  for (const h of hostilePrograms()) {
    it(h.name, () => {
      let error: unknown;
      try {
        validateProgram(h.program);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KilnError);
      expect((error as KilnError).code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect((error as KilnError).message).toMatch(/program op 0 \((de)?quantize\)/);
      expect((error as KilnError).message).toMatch(h.message);
      expect((error as KilnError).layer?.name).toBe('q');
    });
  }
});

describe.skipIf(skip)(`kiln_cpu.node's own validator refuses hostile quantization Programs, naming the op${skipReason}`, () => {
  const addon = native.ok ? native.addon : undefined;
  for (const h of hostilePrograms()) {
    it(h.name, () => {
      let raw: { message: string; code?: string; layer?: { name: string; kind: string; index: number } } | undefined;
      try {
        addon!.createProgram(h.program);
      } catch (e) {
        raw = e as typeof raw;
      }
      expect(raw, 'the addon accepted the Program').toBeDefined();
      expect(raw!.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(raw!.message).toMatch(/^NativeProgram: /);
      expect(raw!.message).toMatch(h.message);
      expect(raw!.layer).toMatchObject({ name: 'q', index: 0 });
      expect(nativeErrorToKilnError(raw)).toBeInstanceOf(KilnError);
    });
  }
});

const cudaCreateProgram = loadCudaCreateProgram();

describe.skipIf(!cudaCreateProgram)('kiln_cuda.node refuses quantization ops by name (no CUDA kernel yet)', () => {
  for (const kind of ['quantize', 'dequantize'] as const) {
    it(`${kind} is UNSUPPORTED_LAYER with the op as the layer`, () => {
      const p = new ProgramBuilder();
      const x = p.input('x', [4], kind === 'quantize' ? 'float32' : 'int8');
      const scale = p.weight('s', [], Float32Array.of(0.5));
      const y = p.arena('y', [4], kind === 'quantize' ? 'int8' : 'float32');
      p.op({ op: kind, x, scale, y, axis: 0, label: 'q' }).output(y);
      let raw: { code?: string; layer?: object } | undefined;
      try {
        cudaCreateProgram!(p.build(), {});
      } catch (e) {
        raw = e as typeof raw;
      }
      expect(raw?.code).toBe(ErrorCode.UNSUPPORTED_LAYER);
      expect(raw?.layer).toMatchObject({ kind, index: 0, name: 'q' });
    });
  }
});
