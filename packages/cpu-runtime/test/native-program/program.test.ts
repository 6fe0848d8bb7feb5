import { Worker } from 'node:worker_threads';
import { type ActivationSpec, ErrorCode, KilnError, Network, type Program, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram, ReferenceExecutor } from '../../src/index.js';
import {
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

const C = 16;
const X_SHAPE = [1, C, 10, 10];

/** A residual block + head as a core Network (the oracle) and as a hand-lowered Program. */
function residualBlock() {
  const w1 = randomArray(C * C * 9, 81, -0.3, 0.3);
  const b1 = randomArray(C, 82);
  const w2 = randomArray(C * C * 9, 83, -0.3, 0.3);
  const b2 = randomArray(C, 84);
  const fc = randomArray(10 * C, 85);
  const fcb = randomArray(10, 86);
  const relu: ActivationSpec = { type: 'relu' };
  const net = new Network('block');
  net.addInput({ name: 'x', dtype: 'float32', shape: X_SHAPE });
  const constant = (name: string, shape: number[], data: Float32Array) =>
    net.addLayer('constant', { inputs: [], outputs: [name], params: { value: tensor(shape, data) } });
  constant('w1', [C, C, 3, 3], w1);
  constant('b1', [C], b1);
  constant('w2', [C, C, 3, 3], w2);
  constant('b2', [C], b2);
  constant('fc', [10, C], fc);
  constant('fcb', [10], fcb);
  const conv = SAME_3X3_CONV;
  net.addLayer('convolution', { inputs: ['x', 'w1', 'b1'], outputs: ['c1'], params: { ...conv, epilogue: { activation: relu } } });
  net.addLayer('convolution', {
    inputs: ['c1', 'w2', 'b2', 'x'],
    outputs: ['c2'],
    params: { ...conv, epilogue: { residualInput: 3, activation: relu } },
  });
  net.addLayer('pooling', {
    inputs: ['c2'],
    outputs: ['p'],
    params: {
      type: 'max',
      global: false,
      window: [2, 2],
      strides: [2, 2],
      padsBegin: [0, 0],
      padsEnd: [0, 0],
      dilations: [1, 1],
      paddingMode: 'explicit',
      ceilMode: false,
      countIncludePad: false,
    },
  });
  net.addLayer('pooling', {
    inputs: ['p'],
    outputs: ['g'],
    params: {
      type: 'average',
      global: true,
      window: [],
      strides: [],
      padsBegin: [],
      padsEnd: [],
      dilations: [],
      paddingMode: 'explicit',
      ceilMode: false,
      countIncludePad: false,
    },
  });
  net.addLayer('shuffle', { inputs: ['g'], outputs: ['flat'], params: { reshape: [1, C] } });
  net.addLayer('matrix_multiply', { inputs: ['flat', 'fc'], outputs: ['mm'], params: { transposeA: false, transposeB: true } });
  net.addLayer('elementwise', { inputs: ['mm', 'fcb'], outputs: ['logits'], params: { op: 'add' } });
  net.addLayer('softmax', { inputs: ['logits'], outputs: ['prob'], params: { axis: 1, mode: 'softmax' } });
  net.markOutput('prob');
  net.markOutput('c2');

  const p = new ProgramBuilder();
  const x = p.input('x', X_SHAPE);
  const vw1 = p.weight('w1', [C, C, 3, 3], w1);
  const vb1 = p.weight('b1', [C], b1);
  const vw2 = p.weight('w2', [C, C, 3, 3], w2);
  const vb2 = p.weight('b2', [C], b2);
  const vfc = p.weight('fc', [10, C], fc);
  const vfcb = p.weight('fcb', [10], fcb);
  const c1 = p.arena('c1', X_SHAPE);
  const c2 = p.arena('c2', X_SHAPE);
  const pool = p.arena('p', [1, C, 5, 5]);
  const g = p.arena('g', [1, C, 1, 1]);
  const flat = p.view('flat', [1, C], g);
  const logits = p.arena('logits', [1, 10]);
  const prob = p.view('prob', [1, 10], logits); // softmax over its input's storage is not allowed: give it its own
  p.values[prob]!.storage = { kind: 'arena', offset: p.arenaBytes };
  p.arenaBytes += 64;
  const geo = {
    strides: [1, 1] as [number, number],
    pads: [1, 1, 1, 1] as [number, number, number, number],
    dilations: [1, 1] as [number, number],
    groups: 1,
  };
  p.op({ op: 'conv2d', x, w: vw1, b: vb1, y: c1, ...geo, activation: relu });
  p.op({ op: 'conv2d', x: c1, w: vw2, b: vb2, residual: x, y: c2, ...geo, activation: relu });
  p.op({
    op: 'pool2d',
    type: 'max',
    x: c2,
    y: pool,
    window: [2, 2],
    strides: [2, 2],
    pads: [0, 0, 0, 0],
    dilations: [1, 1],
    countIncludePad: false,
  });
  p.op({ op: 'global_pool', type: 'average', x: pool, y: g });
  p.op({ op: 'gemm', a: flat, b: vfc, bias: vfcb, y: logits, transA: false, transB: true, alpha: 1, beta: 1 });
  p.op({ op: 'softmax', x: logits, y: prob, axis: 1, log: false });
  p.output(prob).output(c2);
  return { net, program: p.build() };
}

function expectKilnError(fn: () => unknown, code: ErrorCode, pattern: RegExp): void {
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

describe.skipIf(!native.ok)(`NativeProgram programs${skipReason}`, () => {
  const { net, program } = residualBlock();

  async function checkAgainstReference(prog: NativeProgram, seed: number): Promise<void> {
    const xData = randomArray(sizeOf(X_SHAPE), seed);
    const ref = new ReferenceExecutor().run(net, { x: tensor(X_SHAPE, xData) });
    const [prob, c2] = await runFloat32(prog, [xData]);
    expectClose(prob!, ref.get('prob')!);
    expectClose(c2!, ref.get('c2')!);
  }

  it('runs a residual block with a classifier head like the reference executor', async () => {
    await checkAgainstReference(NativeProgram.create(program), 90);
  });

  it('does not read the caller weight arrays after create()', async () => {
    const copy: Program = { ...program, weights: program.weights.map((w) => w.slice()) };
    const prog = NativeProgram.create(copy);
    for (const w of copy.weights) (w as Float32Array).fill(Number.NaN);
    await checkAgainstReference(prog, 91);
  });

  it('keeps a packed weight raw when another op or an output still reads it', async () => {
    const wData = randomArray(12, 100);
    const aData = randomArray(8, 101);
    const p = new ProgramBuilder();
    const a = p.input('a', [2, 4]);
    const w = p.weight('w', [4, 3], wData);
    const y = p.arena('y', [2, 3]);
    const z = p.arena('z', [4, 3]);
    p.op({ op: 'gemm', a, b: w, y, transA: false, transB: false, alpha: 1, beta: 1 });
    p.op({ op: 'binary', type: 'mul', a: w, b: w, y: z });
    p.output(y).output(z).output(w);
    const [outY, outZ, outW] = await runFloat32(NativeProgram.create(p.build()), [aData]);
    const ref = reference('matrix_multiply', { transposeA: false, transposeB: false }, [tensor([2, 4], aData), tensor([4, 3], wData)]);
    expectClose(outY!, ref);
    expectClose(
      outZ!,
      tensor(
        [4, 3],
        wData.map((v) => v * v),
      ),
    );
    expect(Array.from(outW!)).toEqual(Array.from(wData));
  });

  it('serializes concurrent runs on one instance and keeps each result', async () => {
    const prog = NativeProgram.create(program);
    const feeds = [92, 93, 94, 95].map((s) => randomArray(sizeOf(X_SHAPE), s));
    const together = await Promise.all(feeds.map((x) => runFloat32(prog, [x])));
    for (let i = 0; i < feeds.length; i++) {
      const [alone] = await runFloat32(prog, [feeds[i]!]);
      expect(Array.from(together[i]![0]!)).toEqual(Array.from(alone!));
    }
  });

  it('clones share weights, run side by side, and outlive the original', async () => {
    const prog = NativeProgram.create(program);
    const twin = prog.clone();
    await Promise.all([checkAgainstReference(prog, 96), checkAgainstReference(twin, 97)]);
    prog.dispose();
    await checkAgainstReference(twin, 98);
    await expect(prog.run([randomArray(sizeOf(X_SHAPE), 1)])).rejects.toThrow(/disposed/);
  });

  it('profiles every op', async () => {
    const prog = NativeProgram.create(program);
    const times = await prog.profile([randomArray(sizeOf(X_SHAPE), 99)], 3);
    expect(times).toHaveLength(program.ops.length);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(0);
    expect(prog.tactics()).toEqual(['implicit_gemm', 'implicit_gemm', 'direct', 'direct', 'packed_gemm', 'direct']);
  });

  it('rejects bad programs with KilnErrors that name the op and value', () => {
    const badId: Program = { ...program, ops: program.ops.map((op, i) => (i === 1 ? { ...op, x: 999 } : op)) };
    expectKilnError(() => NativeProgram.create(badId), ErrorCode.INVALID_ARGUMENT, /op 1 \(conv2d\).*x = 999/);
    const overflow: Program = { ...program, arenaBytes: program.arenaBytes - 128 };
    expectKilnError(() => NativeProgram.create(overflow), ErrorCode.INVALID_ARGUMENT, /value \d+ '\w+'.*outside the arena/);
    const badShape: Program = { ...program, ops: program.ops.map((op, i) => (i === 4 ? { ...op, transB: false } : op)) };
    expectKilnError(() => NativeProgram.create(badShape), ErrorCode.INVALID_ARGUMENT, /op 4 \(gemm\).*'fc'/);
    const writesInput: Program = { ...program, ops: program.ops.map((op, i) => (i === 0 ? { ...op, y: 0 } : op)) };
    expectKilnError(() => NativeProgram.create(writesInput), ErrorCode.INVALID_ARGUMENT, /op 0 \(conv2d\).*'x'/);
    const badTactic: Program = { ...program, ops: program.ops.map((op, i) => (i === 4 ? { ...op, tactic: 'winograd' } : op)) };
    expectKilnError(() => NativeProgram.create(badTactic), ErrorCode.INVALID_ARGUMENT, /op 4 \(gemm\).*winograd/);
  });

  it('the addon itself refuses bad programs without crashing', () => {
    const loaded = native;
    if (!loaded.ok) return;
    const bad = { ...program, ops: [{ ...program.ops[0]!, y: 12345 }] };
    expect(() => loaded.addon.createProgram(bad as Program)).toThrow(/op 0 \(conv2d\)/);
    const overflow = { ...program, arenaBytes: 16 };
    expect(() => loaded.addon.createProgram(overflow)).toThrow(/outside the arena/);
    const shape = { ...program, ops: [{ ...program.ops[0]!, w: 6 }] };
    expect(() => loaded.addon.createProgram(shape as Program)).toThrow(/op 0 \(conv2d\)/);
  });

  it('rejects feeds of the wrong length, naming the input and its op', async () => {
    const prog = NativeProgram.create(program);
    await expect(prog.run([new Float32Array(5)])).rejects.toThrow(/input 0 'x'.*1600/);
    await expect(prog.run([])).rejects.toThrow(/got 0 inputs/);
    await expect(prog.run([new Float32Array(5)])).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      layer: { kind: 'conv2d', index: 0 },
    });
  });

  it('loads and runs in a worker thread (context-aware addon)', async () => {
    const loaded = native;
    if (!loaded.ok) return;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData.path);
      const handle = addon.createProgram(workerData.program);
      handle.run([workerData.x]).then((out) => parentPort.postMessage(Array.from(out[0])), (e) => parentPort.postMessage(String(e)));
    `;
    const p = new ProgramBuilder();
    const x = p.input('x', [2, 3]);
    const y = p.arena('y', [2, 3]);
    p.op({ op: 'activation', x, y, activation: { type: 'relu' } }).output(y);
    const result = await new Promise<unknown>((resolve, reject) => {
      const worker = new Worker(code, {
        eval: true,
        workerData: { path: loaded.path, program: p.build(), x: Float32Array.of(-1, 2, -3, 4, -5, 6) },
      });
      worker.once('message', (m) => {
        resolve(m);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    expect(result).toEqual([0, 2, 0, 4, 0, 6]);
  });
});

describe('NativeProgram without the addon', () => {
  it.skipIf(native.ok)('throws NATIVE_UNAVAILABLE', () => {
    expectKilnError(() => NativeProgram.create(residualBlock().program), ErrorCode.NATIVE_UNAVAILABLE, /kiln_cpu\.node/);
  });
  it('tensor helper sanity', () => {
    expect(tensor([2], Float32Array.of(1, 2))).toBeInstanceOf(Tensor);
  });
});
