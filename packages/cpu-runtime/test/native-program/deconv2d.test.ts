import { type ActivationSpec, ErrorCode, type Program, type ProgramOp } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram, nativeProgramTactics, nativeProgramWorkspaceBytes } from '../../src/index.js';
import { expectKilnError, expectMatchesInterpreter, native, ProgramBuilder, randomArray, sizeOf, skipReason } from './program-harness.js';

interface DeconvCase {
  name: string;
  x: [number, number, number, number];
  /** Output channels M (w is [C, M/groups, kH, kW]). */
  m: number;
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  dilations: [number, number];
  groups: number;
  outputPadding: [number, number];
  bias: boolean;
  activation?: ActivationSpec;
  /** w as a feed instead of a weight (no prepacking). */
  wFeed?: boolean;
}

function outShape(c: DeconvCase): number[] {
  const spatial = [0, 1].map(
    (d) => (c.x[2 + d]! - 1) * c.strides[d]! - c.pads[d]! - c.pads[d + 2]! + c.dilations[d]! * (c.kernel[d]! - 1) + 1 + c.outputPadding[d]!,
  );
  return [c.x[0], c.m, ...spatial];
}

function deconvProgram(c: DeconvCase, seed: number): { program: Program; feeds: Float32Array[] } {
  const wShape = [c.x[1], c.m / c.groups, ...c.kernel];
  const xData = randomArray(sizeOf(c.x), seed);
  const wData = randomArray(sizeOf(wShape), seed + 1);
  const p = new ProgramBuilder();
  const x = p.input('x', c.x);
  const w = c.wFeed ? p.input('w', wShape) : p.weight('w', wShape, wData);
  const b = c.bias ? p.weight('b', [c.m], randomArray(c.m, seed + 2)) : undefined;
  const y = p.arena('y', outShape(c));
  p.op({
    op: 'deconv2d',
    x,
    w,
    ...(b !== undefined ? { b } : {}),
    y,
    strides: c.strides,
    pads: c.pads,
    dilations: c.dilations,
    groups: c.groups,
    ...(c.activation ? { activation: c.activation } : {}),
  }).output(y);
  return { program: p.build(), feeds: c.wFeed ? [xData, wData] : [xData] };
}

const base: Pick<DeconvCase, 'strides' | 'pads' | 'dilations' | 'groups' | 'outputPadding' | 'bias'> = {
  strides: [1, 1],
  pads: [0, 0, 0, 0],
  dilations: [1, 1],
  groups: 1,
  outputPadding: [0, 0],
  bias: false,
};

const CASES: DeconvCase[] = [
  { ...base, name: 'stride 1, no padding, bias', x: [2, 3, 5, 7], m: 4, kernel: [3, 3], bias: true },
  {
    ...base,
    name: 'stride 2, pads 1, output padding 1, bias + relu',
    x: [2, 4, 5, 7],
    m: 6,
    kernel: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    outputPadding: [1, 1],
    bias: true,
    activation: { type: 'relu' },
  },
  {
    ...base,
    name: 'stride 3, asymmetric pads, output padding (2, 1), sigmoid',
    x: [2, 3, 4, 5],
    m: 5,
    kernel: [4, 3],
    strides: [3, 3],
    pads: [0, 2, 1, 0],
    outputPadding: [2, 1],
    activation: { type: 'sigmoid' },
  },
  {
    ...base,
    name: 'dilation 2, strides (2, 1), groups 2, bias + leaky_relu',
    x: [2, 6, 5, 7],
    m: 4,
    kernel: [3, 3],
    strides: [2, 1],
    pads: [1, 0, 2, 1],
    dilations: [2, 2],
    groups: 2,
    bias: true,
    activation: { type: 'leaky_relu', alpha: 0.1 },
  },
  {
    ...base,
    name: 'depthwise (groups = C = M), stride 2, output padding 1, clip',
    x: [2, 6, 7, 5],
    m: 6,
    kernel: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    groups: 6,
    outputPadding: [1, 1],
    bias: true,
    activation: { type: 'clip', alpha: -0.5, beta: 0.5 },
  },
  {
    ...base,
    name: 'one input channel per group, two outputs each, dilation 2, stride 3, w as a feed',
    x: [2, 4, 5, 6],
    m: 8,
    kernel: [3, 2],
    strides: [3, 3],
    pads: [2, 0, 0, 1],
    dilations: [2, 2],
    groups: 4,
    outputPadding: [2, 0],
    bias: true,
    activation: { type: 'elu', alpha: 0.7 },
    wFeed: true,
  },
  {
    ...base,
    name: 'groups 3 with a rectangular kernel and dilation (2, 1), w as a feed',
    x: [2, 6, 5, 6],
    m: 9,
    kernel: [2, 3],
    strides: [1, 2],
    dilations: [2, 1],
    groups: 3,
    bias: true,
    wFeed: true,
  },
  {
    ...base,
    name: '1×1 kernel with stride 2 (bias-only gaps) and output padding',
    x: [2, 5, 3, 4],
    m: 3,
    kernel: [1, 1],
    strides: [2, 2],
    outputPadding: [1, 1],
    bias: true,
  },
  {
    ...base,
    name: 'pads larger than the kernel crop the output, stride 2',
    x: [1, 3, 6, 5],
    m: 2,
    kernel: [3, 3],
    strides: [2, 2],
    pads: [3, 2, 3, 4],
    bias: true,
    activation: { type: 'tanh' },
  },
  {
    ...base,
    name: 'many input channels (several k-blocks), stride 2',
    x: [1, 401, 3, 5],
    m: 10,
    kernel: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    bias: true,
  },
  {
    ...base,
    name: 'a larger map split over the thread pool, batch 2',
    x: [2, 16, 23, 19],
    m: 24,
    kernel: [4, 4],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    bias: true,
    activation: { type: 'relu' },
  },
];

describe.skipIf(!native.ok)(`NativeProgram deconv2d${skipReason}`, () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const { program, feeds } = deconvProgram(c, 100 + 10 * i);
      await expectMatchesInterpreter(program, feeds);
    });
  });

  it('depthwise with gemm_col2im forced matches too', async () => {
    const { program, feeds } = deconvProgram(CASES[4]!, 11);
    const forced: Program = { ...program, ops: [{ ...program.ops[0]!, tactic: 'gemm_col2im' } as never] };
    expect(NativeProgram.create(forced).tactics()).toEqual(['gemm_col2im']);
    await expectMatchesInterpreter(forced, feeds);
  });

  it('lists and reports its tactics', () => {
    const { program } = deconvProgram(CASES[1]!, 7);
    expect(nativeProgramTactics(program.ops[0]!, program.values)).toEqual(['gemm_col2im']);
    expect(NativeProgram.create(program).tactics()).toEqual(['gemm_col2im']);
    const depthwise = deconvProgram(CASES[4]!, 7).program;
    expect(nativeProgramTactics(depthwise.ops[0]!, depthwise.values)).toEqual(['depthwise_direct', 'gemm_col2im']);
    expect(NativeProgram.create(depthwise).tactics()).toEqual(['depthwise_direct']);
    // gemm_col2im needs at least one image's column matrix [M·kH·kW, H·W]; the direct scatter nothing.
    expect(nativeProgramWorkspaceBytes(program.ops[0]!, program.values)).toBeGreaterThanOrEqual(4 * 6 * 9 * 5 * 7);
    expect(nativeProgramWorkspaceBytes(depthwise.ops[0]!, depthwise.values)).toBe(0);
    const badTactic: Program = { ...program, ops: [{ ...program.ops[0]!, tactic: 'depthwise_direct' } as never] };
    expectKilnError(() => NativeProgram.create(badTactic), ErrorCode.INVALID_ARGUMENT, /op 0 \(deconv2d\).*depthwise_direct/);
  });

  it('rejects inconsistent shapes, naming the op and the value', () => {
    const { program } = deconvProgram(CASES[3]!, 8);
    const op = program.ops[0]!;
    const wrongGroups: Program = { ...program, ops: [{ ...op, groups: 4 } as never] };
    expectKilnError(() => NativeProgram.create(wrongGroups), ErrorCode.INVALID_ARGUMENT, /op 0 \(deconv2d\)/);
    const small = new ProgramBuilder();
    const x = small.input('x', [1, 2, 4, 4]);
    const w = small.weight('w', [2, 3, 3, 3], randomArray(54, 9));
    const y = small.arena('y', [1, 3, 8, 8]); // stride 2 needs at least 9×9
    small.op({ op: 'deconv2d', x, w, y, strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 }).output(y);
    expectKilnError(
      () => NativeProgram.create(small.build()),
      ErrorCode.INVALID_ARGUMENT,
      /op 0 \(deconv2d\).*'y'.*at least the deconvolution's size 9/,
    );
  });

  it('the addon itself refuses a bad deconv2d without crashing', () => {
    const loaded = native;
    if (!loaded.ok) return;
    const { program } = deconvProgram(CASES[0]!, 10);
    const op = program.ops[0] as Extract<ProgramOp, { op: 'deconv2d' }>;
    const badW = { ...program, ops: [{ ...op, w: op.x }] };
    expect(() => loaded.addon.createProgram(badW as Program)).toThrow(/op 0 \(deconv2d\)/);
    const badPads = { ...program, ops: [{ ...op, pads: [0, 0, 0] }] };
    expect(() => loaded.addon.createProgram(badPads as Program)).toThrow(/op 0 \(deconv2d\)/);
  });
});
