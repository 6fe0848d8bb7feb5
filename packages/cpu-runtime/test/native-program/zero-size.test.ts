/**
 * Zero-size values in the native program executor: an empty batch (the symbolic batch of a
 * real model fed with 0 rows) once divided by zero in the packed GEMM and killed the process.
 * Every op kind, under every tactic it lists, must run a zero-extent shape, leave empty
 * outputs empty, and fill non-empty outputs of empty inputs (pad, concat, gemm with k = 0,
 * conv with no input channels) exactly as the TypeScript interpreter does.
 */
import type { Program, ProgramOp } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram, nativeProgramTactics } from '../../src/index.js';
import { expectMatchesInterpreter, native, ProgramBuilder, randomArray, runFloat32, sizeOf, skipReason } from './program-harness.js';

interface ZeroCase {
  name: string;
  /** Builds the program; returns it with one feed per input value. */
  build(p: ProgramBuilder): Float32Array[];
}

const feed = (shape: number[], seed: number) => randomArray(sizeOf(shape), seed);

function weight(p: ProgramBuilder, name: string, shape: number[], seed: number): number {
  return p.weight(name, shape, feed(shape, seed));
}

function conv(name: string, xs: number[], ws: number[], ys: number[], extra: Partial<Extract<ProgramOp, { op: 'conv2d' }>> = {}): ZeroCase {
  return {
    name,
    build(p) {
      const x = p.input('x', xs);
      const w = weight(p, 'w', ws, 2);
      const b = weight(p, 'b', [ws[0]!], 3);
      const y = p.arena('y', ys);
      p.op({ op: 'conv2d', x, w, b, y, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1, ...extra }).output(y);
      return [feed(xs, 1)];
    },
  };
}

const CASES: ZeroCase[] = [
  conv('conv2d, batch 0', [0, 3, 5, 5], [4, 3, 3, 3], [0, 4, 5, 5], { activation: { type: 'relu' } }),
  conv('conv2d, batch 0, wide rows', [0, 3, 4, 20], [4, 3, 3, 3], [0, 4, 4, 20]),
  conv('conv2d 1×1, batch 0', [0, 6, 4, 4], [5, 6, 1, 1], [0, 5, 4, 4], { pads: [0, 0, 0, 0] }),
  conv('depthwise conv2d, batch 0', [0, 3, 5, 5], [3, 1, 3, 3], [0, 3, 5, 5], { groups: 3 }),
  conv('conv2d, no output channels', [2, 3, 5, 5], [0, 3, 3, 3], [2, 0, 5, 5]),
  conv('conv2d, empty image rows (padding only)', [2, 3, 0, 5], [4, 3, 1, 1], [2, 4, 2, 5], { pads: [1, 0, 1, 0] }),
  conv('conv2d, no input channels (bias only)', [2, 0, 4, 4], [3, 0, 3, 3], [2, 3, 4, 4]),
  {
    name: 'conv2d with a residual, batch 0',
    build(p) {
      const x = p.input('x', [0, 2, 4, 4]);
      const r = p.input('r', [0, 3, 4, 4]);
      const w = weight(p, 'w', [3, 2, 3, 3], 2);
      const y = p.arena('y', [0, 3, 4, 4]);
      p.op({ op: 'conv2d', x, w, residual: r, y, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 }).output(y);
      return [new Float32Array(0), new Float32Array(0)];
    },
  },
  ...(
    [
      ['gemm, 0 rows', [0, 5], [5, 3], [0, 3]],
      ['gemm, 0 columns', [4, 5], [5, 0], [4, 0]],
      ['gemm, k = 0 (bias only)', [4, 0], [0, 3], [4, 3]],
    ] as const
  ).map(
    ([name, as, bs, ys]): ZeroCase => ({
      name,
      build(p) {
        const a = p.input('a', [...as]);
        const b = weight(p, 'b', [...bs], 2);
        const bias = weight(p, 'bias', [ys[1]], 3);
        const y = p.arena('y', [...ys]);
        p.op({ op: 'gemm', a, b, bias, y, transA: false, transB: false, alpha: 1.5, beta: 0.5, activation: { type: 'relu' } }).output(y);
        return [feed([...as], 1)];
      },
    }),
  ),
  {
    name: 'gemm with a weight A and transposes, 0 rows of B',
    build(p) {
      const a = weight(p, 'a', [5, 4], 2);
      const b = p.input('b', [0, 5]);
      const y = p.arena('y', [4, 0]);
      p.op({ op: 'gemm', a, b, y, transA: true, transB: true, alpha: 1, beta: 0 }).output(y);
      return [new Float32Array(0)];
    },
  },
  ...(
    [
      ['batched_matmul, batch 0', [0, 2, 3], [3, 4], [0, 2, 4]],
      ['batched_matmul, k = 0', [2, 3, 0], [2, 0, 4], [2, 3, 4]],
      ['batched_matmul, 0 rows', [2, 0, 3], [2, 3, 4], [2, 0, 4]],
    ] as const
  ).map(
    ([name, as, bs, ys]): ZeroCase => ({
      name,
      build(p) {
        const a = p.input('a', [...as]);
        const b = p.input('b', [...bs]);
        const y = p.arena('y', [...ys]);
        p.op({ op: 'batched_matmul', a, b, y }).output(y);
        return [feed([...as], 1), feed([...bs], 2)];
      },
    }),
  ),
  ...(['max', 'average'] as const).map(
    (type): ZeroCase => ({
      name: `pool2d ${type}, batch 0`,
      build(p) {
        const x = p.input('x', [0, 3, 6, 6]);
        const y = p.arena('y', [0, 3, 3, 3]);
        p.op({
          op: 'pool2d',
          type,
          x,
          y,
          window: [2, 2],
          strides: [2, 2],
          pads: [0, 0, 0, 0],
          dilations: [1, 1],
          countIncludePad: false,
        }).output(y);
        return [new Float32Array(0)];
      },
    }),
  ),
  ...(['max', 'average'] as const).map(
    (type): ZeroCase => ({
      name: `global_pool ${type}, batch 0`,
      build(p) {
        const x = p.input('x', [0, 3, 4, 4]);
        const y = p.arena('y', [0, 3, 1, 1]);
        p.op({ op: 'global_pool', type, x, y }).output(y);
        return [new Float32Array(0)];
      },
    }),
  ),
  {
    name: 'binary add with broadcasting, batch 0',
    build(p) {
      const a = p.input('a', [0, 2, 3]);
      const b = weight(p, 'b', [2, 1], 2);
      const y = p.arena('y', [0, 2, 3]);
      p.op({ op: 'binary', type: 'add', a, b, y, activation: { type: 'relu' } }).output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'binary mul, empty trailing axis',
    build(p) {
      const a = p.input('a', [3, 0]);
      const b = p.input('b', [1, 0]);
      const y = p.arena('y', [3, 0]);
      p.op({ op: 'binary', type: 'mul', a, b, y }).output(y);
      return [new Float32Array(0), new Float32Array(0)];
    },
  },
  {
    name: 'activation and unary, batch 0',
    build(p) {
      const x = p.input('x', [0, 4]);
      const t = p.arena('t', [0, 4]);
      const y = p.arena('y', [0, 4]);
      p.op({ op: 'activation', x, y: t, activation: { type: 'gelu_tanh' } })
        .op({ op: 'unary', type: 'exp', x: t, y })
        .output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'deconv2d, batch 0',
    build(p) {
      const x = p.input('x', [0, 3, 4, 4]);
      const w = weight(p, 'w', [3, 2, 3, 3], 2);
      const b = weight(p, 'b', [2], 3);
      const y = p.arena('y', [0, 2, 6, 6]);
      p.op({ op: 'deconv2d', x, w, b, y, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 }).output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'deconv2d depthwise, batch 0',
    build(p) {
      const x = p.input('x', [0, 2, 4, 4]);
      const w = weight(p, 'w', [2, 1, 3, 3], 2);
      const y = p.arena('y', [0, 2, 9, 9]);
      p.op({ op: 'deconv2d', x, w, y, strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2 }).output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'deconv2d, no input channels (bias only)',
    build(p) {
      const x = p.input('x', [1, 0, 3, 3]);
      const w = weight(p, 'w', [0, 2, 3, 3], 2);
      const b = weight(p, 'b', [2], 3);
      const y = p.arena('y', [1, 2, 5, 5]);
      p.op({ op: 'deconv2d', x, w, b, y, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 }).output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'channel_affine, batch 0',
    build(p) {
      const x = p.input('x', [0, 3, 4]);
      const scale = weight(p, 's', [3], 2);
      const shift = weight(p, 't', [3], 3);
      const y = p.arena('y', [0, 3, 4]);
      p.op({ op: 'channel_affine', x, scale, shift, y, channelAxis: 1 }).output(y);
      return [new Float32Array(0)];
    },
  },
  ...(
    [
      ['softmax, batch 0', [0, 5], 1],
      ['softmax over an empty axis', [3, 0], 1],
      ['log softmax, batch 0 on axis 0', [0, 5], 0],
    ] as const
  ).map(
    ([name, shape, axis]): ZeroCase => ({
      name,
      build(p) {
        const x = p.input('x', [...shape]);
        const y = p.arena('y', [...shape]);
        p.op({ op: 'softmax', x, y, axis, log: name.startsWith('log') }).output(y);
        return [new Float32Array(0)];
      },
    }),
  ),
  {
    name: 'concat of empty inputs, and of an empty input with a full one',
    build(p) {
      const a = p.input('a', [0, 2]);
      const b = p.input('b', [0, 3]);
      const c = p.input('c', [2, 0]);
      const d = p.input('d', [2, 3]);
      const y0 = p.arena('y0', [0, 5]);
      const y1 = p.arena('y1', [2, 3]);
      p.op({ op: 'concat', inputs: [a, b], y: y0, axis: 1 })
        .op({ op: 'concat', inputs: [c, d, c], y: y1, axis: 1 })
        .output(y0)
        .output(y1);
      return [new Float32Array(0), new Float32Array(0), new Float32Array(0), feed([2, 3], 4)];
    },
  },
  {
    name: 'copy and transpose, batch 0',
    build(p) {
      const x = p.input('x', [0, 3, 2]);
      const t = p.arena('t', [2, 0, 3]);
      const y = p.arena('y', [0, 6]);
      p.op({ op: 'transpose', x, y: t, perm: [2, 0, 1] })
        .op({ op: 'copy', x: t, y })
        .output(t)
        .output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'lrn, batch 0',
    build(p) {
      const x = p.input('x', [0, 4, 3, 3]);
      const y = p.arena('y', [0, 4, 3, 3]);
      p.op({ op: 'lrn', x, y, size: 3, alpha: 1e-4, beta: 0.75, bias: 1 }).output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'pad of an empty tensor fills with the value',
    build(p) {
      const x = p.input('x', [0, 3]);
      const y = p.arena('y', [2, 5]);
      p.op({ op: 'pad', x, y, pads: [1, 1, 1, 1], value: 0.25 }).output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'pad, batch 0 stays empty',
    build(p) {
      const x = p.input('x', [0, 3]);
      const y = p.arena('y', [0, 5]);
      p.op({ op: 'pad', x, y, pads: [0, 1, 0, 1], value: 1 }).output(y);
      return [new Float32Array(0)];
    },
  },
  {
    name: 'slice to nothing, and of nothing',
    build(p) {
      const x = p.input('x', [4, 3]);
      const e = p.input('e', [0, 3]);
      const y0 = p.arena('y0', [0, 3]);
      const y1 = p.arena('y1', [0, 2]);
      p.op({ op: 'slice', x, y: y0, starts: [0, 0], steps: [1, 1] })
        .op({ op: 'slice', x: e, y: y1, starts: [0, 2], steps: [1, -1] })
        .output(y0)
        .output(y1);
      return [feed([4, 3], 1), new Float32Array(0)];
    },
  },
  ...(['nearest', 'linear'] as const).map(
    (mode): ZeroCase => ({
      name: `resize2d ${mode}, batch 0`,
      build(p) {
        const x = p.input('x', [0, 2, 3, 3]);
        const y = p.arena('y', [0, 2, 6, 6]);
        p.op({ op: 'resize2d', x, y, mode, coordinateTransform: 'half_pixel', nearestMode: 'round_prefer_floor' }).output(y);
        return [new Float32Array(0)];
      },
    }),
  ),
];

/** The case once per tactic its ops list (a single-op program), or once with the default. */
function variants(c: ZeroCase): { program: Program; feeds: Float32Array[]; tactic: string }[] {
  const p = new ProgramBuilder();
  const feeds = c.build(p);
  const program = p.build();
  if (program.ops.length !== 1) return [{ program, feeds, tactic: 'default' }];
  const op = program.ops[0]!;
  return nativeProgramTactics(op, program.values).map((tactic) => ({
    program: { ...program, ops: [{ ...op, tactic } as ProgramOp] },
    feeds,
    tactic,
  }));
}

describe.skipIf(!native.ok)(`NativeProgram with zero-size values${skipReason}`, () => {
  for (const c of CASES) {
    it(`${c.name}: matches the interpreter under every tactic`, async () => {
      for (const v of variants(c)) {
        await expectMatchesInterpreter(v.program, v.feeds);
        const outputs = await runFloat32(NativeProgram.create(v.program), v.feeds);
        v.program.outputs.forEach((id, i) => {
          expect(outputs[i]!.length, `${c.name} (${v.tactic}) output ${i}`).toBe(sizeOf(v.program.values[id]!.shape));
        });
      }
    });
  }
});
