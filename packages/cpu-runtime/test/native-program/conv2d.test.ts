import type { ActivationSpec } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram, nativeProgramTactics, nativeProgramWorkspaceBytes } from '../../src/index.js';
import {
  ALL_ACTIVATIONS,
  expectClose,
  native,
  ProgramBuilder,
  randomArray,
  reference,
  runFloat32,
  SAME_3X3_CONV,
  sizeOf,
  skipReason,
  tensor,
} from './program-harness.js';

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  strides?: [number, number];
  pads?: [number, number, number, number];
  dilations?: [number, number];
  groups?: number;
  bias?: boolean;
  residual?: boolean;
  activation?: ActivationSpec;
}

function outSize(size: number, k: number, s: number, p0: number, p1: number, d: number): number {
  return Math.floor((size + p0 + p1 - (d * (k - 1) + 1)) / s) + 1;
}

/** Builds the one-op program; weights as 'weight' values (prepacked) or as inputs (computed). */
function convProgram(c: ConvCase, tactic: string | undefined, weightsAsInputs: boolean) {
  const strides = c.strides ?? [1, 1];
  const pads = c.pads ?? [0, 0, 0, 0];
  const dilations = c.dilations ?? [1, 1];
  const groups = c.groups ?? 1;
  const y = [
    c.x[0],
    c.w[0],
    outSize(c.x[2], c.w[2], strides[0], pads[0], pads[2], dilations[0]),
    outSize(c.x[3], c.w[3], strides[1], pads[1], pads[3], dilations[1]),
  ];
  const xData = randomArray(sizeOf(c.x), 1);
  const wData = randomArray(sizeOf(c.w), 2);
  const bData = randomArray(c.w[0], 3);
  const rData = randomArray(sizeOf(y), 4);
  const p = new ProgramBuilder();
  const feeds = [xData];
  const x = p.input('x', c.x);
  let w: number;
  let b: number | undefined;
  if (weightsAsInputs) {
    w = p.input('w', c.w);
    feeds.push(wData);
    if (c.bias) {
      b = p.input('b', [c.w[0]]);
      feeds.push(bData);
    }
  } else {
    w = p.weight('w', c.w, wData);
    if (c.bias) b = p.weight('b', [c.w[0]], bData);
  }
  let residual: number | undefined;
  if (c.residual) {
    residual = p.input('r', y);
    feeds.push(rData);
  }
  const out = p.arena('y', y);
  p.op({
    op: 'conv2d',
    x,
    w,
    y: out,
    strides,
    pads,
    dilations,
    groups,
    ...(b !== undefined ? { b } : {}),
    ...(residual !== undefined ? { residual } : {}),
    ...(c.activation ? { activation: c.activation } : {}),
    ...(tactic ? { tactic } : {}),
  }).output(out);
  const ref = reference(
    'convolution',
    {
      kernelShape: [c.w[2], c.w[3]],
      strides,
      padsBegin: [pads[0], pads[1]],
      padsEnd: [pads[2], pads[3]],
      dilations,
      groups,
      paddingMode: 'explicit',
      epilogue: { ...(c.residual ? { residualInput: 3 } : {}), ...(c.activation ? { activation: c.activation } : {}) },
    },
    [tensor(c.x, xData), tensor(c.w, wData), c.bias ? tensor([c.w[0]], bData) : undefined, c.residual ? tensor(y, rData) : undefined],
  );
  return { program: p.build(), feeds, ref };
}

const CASES: ConvCase[] = [
  { name: '1×1 pointwise, bias', x: [1, 19, 7, 9], w: [13, 19, 1, 1], bias: true },
  { name: '1×1 stride 2', x: [1, 8, 9, 11], w: [7, 8, 1, 1], strides: [2, 2] },
  { name: '3×3 pad 1, relu', x: [1, 5, 13, 11], w: [11, 5, 3, 3], pads: [1, 1, 1, 1], bias: true, activation: { type: 'relu' } },
  { name: '7×7 stride 2 pad 3', x: [1, 3, 23, 21], w: [8, 3, 7, 7], strides: [2, 2], pads: [3, 3, 3, 3], bias: true },
  { name: 'dilation 2', x: [1, 4, 12, 13], w: [6, 4, 3, 3], dilations: [2, 2], pads: [2, 2, 2, 2] },
  { name: 'asymmetric pads, stride [2, 1]', x: [1, 3, 10, 9], w: [5, 3, 3, 2], strides: [2, 1], pads: [0, 1, 2, 0] },
  { name: 'groups 2', x: [1, 6, 8, 8], w: [4, 3, 3, 3], groups: 2, pads: [1, 1, 1, 1], bias: true },
  { name: 'depthwise 3×3 stride 2', x: [1, 8, 11, 11], w: [8, 1, 3, 3], groups: 8, strides: [2, 2], pads: [1, 1, 1, 1], bias: true },
  { name: 'depthwise multiplier 2', x: [1, 3, 9, 7], w: [6, 1, 3, 3], groups: 3, pads: [1, 1, 1, 1] },
  {
    name: 'batch 2, residual, relu',
    x: [2, 7, 6, 5],
    w: [9, 7, 3, 3],
    pads: [1, 1, 1, 1],
    bias: true,
    residual: true,
    activation: { type: 'relu' },
  },
  { name: 'large K (multi k-block)', x: [1, 96, 9, 9], w: [20, 96, 3, 3], pads: [1, 1, 1, 1], bias: true, residual: true },
  {
    name: 'many output channels (B packed once, shared by row tiles)',
    x: [1, 8, 9, 10],
    w: [160, 8, 3, 3],
    pads: [1, 1, 1, 1],
    bias: true,
    residual: true,
    activation: { type: 'relu' },
  },
  { name: 'stride 3, uneven pads', x: [1, 4, 17, 16], w: [5, 4, 3, 3], strides: [3, 3], pads: [2, 1, 0, 2] },
  {
    name: 'wide rows, dilation and asymmetric pads (direct_gemm first)',
    x: [2, 6, 7, 37],
    w: [13, 6, 3, 5],
    pads: [2, 0, 1, 3],
    dilations: [1, 2],
    bias: true,
    residual: true,
    activation: { type: 'leaky_relu', alpha: 0.1 },
  },
  {
    name: 'deep and wide (multi k-block direct tiles)',
    x: [1, 70, 5, 33],
    w: [9, 70, 3, 3],
    pads: [1, 1, 1, 1],
    bias: true,
    activation: { type: 'relu' },
  },
  {
    name: 'RGB stem-like 5×5 stride 2 (direct_gemm first)',
    x: [1, 3, 9, 40],
    w: [8, 3, 5, 5],
    strides: [2, 2],
    pads: [2, 2, 2, 2],
    bias: true,
    activation: { type: 'relu' },
  },
  { name: 'many rows and columns', x: [1, 16, 30, 29], w: [150, 16, 1, 1], bias: true, activation: { type: 'clip', alpha: 0, beta: 0.5 } },
];

describe.skipIf(!native.ok)(`NativeProgram conv2d${skipReason}`, () => {
  for (const c of CASES) {
    it(`${c.name}: every tactic, prepacked and computed weights`, async () => {
      const probe = convProgram(c, undefined, false);
      const tactics = nativeProgramTactics(probe.program.ops[0]!, probe.program.values);
      expect(tactics.length).toBeGreaterThan(1);
      for (const tactic of tactics) {
        expect(nativeProgramWorkspaceBytes(probe.program.ops[0]!, probe.program.values, tactic)).toBeGreaterThanOrEqual(0);
        for (const weightsAsInputs of [false, true]) {
          const { program, feeds, ref } = convProgram(c, tactic, weightsAsInputs);
          const prog = NativeProgram.create(program);
          expect(prog.tactics()).toEqual([tactic]);
          const [y] = await runFloat32(prog, feeds);
          expectClose(y!, ref);
          prog.dispose();
        }
      }
    });
  }

  it('handles empty batches and empty reductions with every tactic', async () => {
    const empty = convProgram({ name: 'batch 0', x: [0, 3, 9, 20], w: [4, 3, 3, 3], pads: [1, 1, 1, 1], bias: true }, undefined, false);
    for (const tactic of nativeProgramTactics(empty.program.ops[0]!, empty.program.values)) {
      const { program, feeds } = convProgram(
        { name: 'batch 0', x: [0, 3, 9, 20], w: [4, 3, 3, 3], pads: [1, 1, 1, 1], bias: true },
        tactic,
        false,
      );
      const [y] = await runFloat32(NativeProgram.create(program), feeds);
      expect(y).toHaveLength(0);
    }
    // No input channels: y is the bias (then the activation) everywhere.
    const p = new ProgramBuilder();
    const x = p.input('x', [1, 0, 4, 20]);
    const w = p.weight('w', [3, 0, 3, 3], new Float32Array(0));
    const b = p.weight('b', [3], Float32Array.of(-1, 0.5, 2));
    const y = p.arena('y', [1, 3, 4, 20]);
    p.op({ op: 'conv2d', x, w, b, y, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1, activation: { type: 'relu' } });
    p.output(y);
    const program = p.build();
    for (const tactic of nativeProgramTactics(program.ops[0]!, program.values)) {
      const [out] = await runFloat32(NativeProgram.create({ ...program, ops: [{ ...program.ops[0]!, tactic } as never] }), [
        new Float32Array(0),
      ]);
      expect(Array.from(out!.subarray(0, 1))).toEqual([0]);
      expect(Array.from(out!.subarray(80, 81))).toEqual([0.5]);
      expect(Array.from(out!.subarray(160, 161))).toEqual([2]);
      expect(new Set(out!.subarray(160))).toEqual(new Set([2]));
    }
  });

  it('keeps a weight raw when one op reads it both as weights and as data (every tactic)', async () => {
    // Fuzz finding: conv2d with x and w the same weight value; the packed copy stood in for both
    // slots, the raw data was freed at load and x read a null pointer (SIGSEGV).
    const data = randomArray(27, 7);
    const build = (tactic?: string) => {
      const p = new ProgramBuilder();
      const v = p.weight('v', [1, 3, 3, 3], data);
      const y = p.arena('y', [1, 1, 3, 3]);
      p.op({
        op: 'conv2d',
        x: v,
        w: v,
        y,
        strides: [1, 1],
        pads: [1, 1, 1, 1],
        dilations: [1, 1],
        groups: 1,
        ...(tactic ? { tactic } : {}),
      });
      return p.output(y).build();
    };
    const ref = reference('convolution', SAME_3X3_CONV, [tensor([1, 3, 3, 3], data), tensor([1, 3, 3, 3], data)]);
    const probe = build();
    for (const tactic of nativeProgramTactics(probe.ops[0]!, probe.values)) {
      const prog = NativeProgram.create(build(tactic));
      const [y] = await runFloat32(prog, []);
      expectClose(y!, ref);
      prog.dispose();
    }
  });

  it('lists only valid tactics', () => {
    const dw = convProgram(CASES[7]!, undefined, false).program;
    expect(nativeProgramTactics(dw.ops[0]!, dw.values)).toEqual(['depthwise_direct', 'implicit_gemm', 'im2col_gemm', 'direct_gemm']);
    const pw = convProgram(CASES[0]!, undefined, false).program;
    expect(nativeProgramTactics(pw.ops[0]!, pw.values)).toEqual(['pointwise_gemm', 'implicit_gemm', 'im2col_gemm', 'direct_gemm']);
    const k3 = convProgram(CASES[2]!, undefined, false).program;
    expect(nativeProgramTactics(k3.ops[0]!, k3.values)).toEqual(['implicit_gemm', 'im2col_gemm', 'direct_gemm']);
    const wide = convProgram(CASES[CASES.length - 1]!, undefined, false).program;
    expect(nativeProgramTactics(wide.ops[0]!, wide.values)).toEqual(['pointwise_gemm', 'implicit_gemm', 'im2col_gemm', 'direct_gemm']);
    const rows = convProgram({ name: 'wide 3×3', x: [1, 3, 6, 14], w: [4, 3, 3, 3], pads: [1, 1, 1, 1] }, undefined, false).program;
    expect(nativeProgramTactics(rows.ops[0]!, rows.values)).toEqual(['direct_gemm', 'implicit_gemm', 'im2col_gemm']);
    const stem = convProgram(CASES.find((c) => c.name.startsWith('RGB stem'))!, undefined, false).program;
    expect(nativeProgramTactics(stem.ops[0]!, stem.values)).toEqual(['direct_gemm', 'implicit_gemm', 'im2col_gemm']);
    expect(() => NativeProgram.create({ ...k3, ops: [{ ...k3.ops[0]!, tactic: 'pointwise_gemm' } as never] })).toThrow(/pointwise_gemm/);
  });

  it('fuses every activation type with bias and residual', async () => {
    for (const activation of ALL_ACTIVATIONS) {
      for (const tactic of ['implicit_gemm', 'direct_gemm', 'depthwise_direct']) {
        const c: ConvCase =
          tactic === 'depthwise_direct'
            ? { name: 'dw', x: [1, 4, 6, 7], w: [4, 1, 3, 3], groups: 4, pads: [1, 1, 1, 1], bias: true, residual: true, activation }
            : { name: 'act', x: [1, 5, 6, 7], w: [9, 5, 3, 3], pads: [1, 1, 1, 1], bias: true, residual: true, activation };
        const { program, feeds, ref } = convProgram(c, tactic, false);
        const prog = NativeProgram.create(program);
        const [y] = await runFloat32(prog, feeds);
        expectClose(y!, ref);
      }
    }
  });

  it('runs every tactic on the portable micro-kernel too', async () => {
    const loaded = native;
    if (!loaded.ok) return;
    loaded.addon.setMicroKernel('generic');
    try {
      for (const c of [CASES[2]!, CASES[9]!, CASES[12]!, CASES[14]!]) {
        const probe = convProgram(c, undefined, false);
        for (const tactic of nativeProgramTactics(probe.program.ops[0]!, probe.program.values)) {
          const { program, feeds, ref } = convProgram(c, tactic, false);
          const [y] = await runFloat32(NativeProgram.create(program), feeds);
          expectClose(y!, ref);
        }
      }
    } finally {
      loaded.addon.setMicroKernel('auto');
    }
  });

  for (const tactic of ['implicit_gemm', 'im2col_gemm', 'direct_gemm']) {
    it(`${tactic} accumulates in place over its residual (y shares the residual storage)`, async () => {
      await checkInPlaceResidual(tactic);
    });
  }
});

/** A conv whose y is a view of its residual: every output element is read before it is written. */
async function checkInPlaceResidual(tactic: string): Promise<void> {
  const xShape = [1, 48, 8, 30];
  const wShape = [24, 48, 3, 3];
  const yShape = [1, 24, 8, 30];
  const xData = randomArray(sizeOf(xShape), 5);
  const wData = randomArray(sizeOf(wShape), 6);
  const rData = randomArray(sizeOf(yShape), 7);
  const p = new ProgramBuilder();
  const x = p.input('x', xShape);
  const r0 = p.input('r', yShape);
  const w = p.weight('w', wShape, wData);
  const r = p.arena('r_copy', yShape);
  const y = p.view('y', yShape, r);
  p.op({ op: 'copy', x: r0, y: r });
  p.op({
    op: 'conv2d',
    x,
    w,
    residual: r,
    y,
    strides: [1, 1],
    pads: [1, 1, 1, 1],
    dilations: [1, 1],
    groups: 1,
    activation: { type: 'relu' },
    tactic,
  });
  p.output(y);
  const ref = reference(
    'convolution',
    {
      ...SAME_3X3_CONV,
      epilogue: { residualInput: 3, activation: { type: 'relu' } },
    },
    [tensor(xShape, xData), tensor(wShape, wData), undefined, tensor(yShape, rData)],
  );
  const [out] = await runFloat32(NativeProgram.create(p.build()), [xData, rData]);
  expectClose(out!, ref);
}
