// The CUDA Program executor against float64 reference loops, in every precision. Runs where
// cudaStatus() lists a GPU (`pnpm test:gpu` on the GPU host); skipped elsewhere with the reason.
import { ErrorCode, isKilnError, type Program, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { type CudaPrecision, CudaProgram, cudaStatus, deviceMemoryStats } from '../src/index.js';
import { ProgramBuilder, randomArray, size } from './support/program-builder.js';
import { conv2d, gatherBy, gemm, relu, relu6, strides } from './support/reference-ops.js';

const status = cudaStatus();
const gpu = status.devices.length > 0;
const skipNote = gpu ? '' : ` (skipped: ${status.reason ?? 'no GPU'})`;

// fp16 stores activations in half (11-bit mantissa); tf32 multiplies with 10-bit mantissas.
const TOLERANCE: Record<CudaPrecision, { rtol: number; atol: number }> = {
  fp32: { rtol: 1e-4, atol: 1e-4 },
  tf32: { rtol: 1e-2, atol: 1e-2 },
  fp16: { rtol: 3e-2, atol: 3e-2 },
};

function close(actual: Float32Array, expected: Float32Array, shape: number[], precision: CudaPrecision): void {
  expectTensorClose(new Tensor('float32', shape, actual), new Tensor('float32', shape, expected), TOLERANCE[precision]);
}

/** A small CNN: conv+bias+relu, depthwise+relu6, 1×1 conv with residual, max pool, global pool, reshape, gemm, softmax. */
function smallCnn(): { program: Program; inputs: Float32Array[]; expected: Float32Array[]; shapes: number[][] } {
  const p = new ProgramBuilder();
  const xData = randomArray(2 * 3 * 9 * 9, 1);
  const x = p.input('x', [2, 3, 9, 9], xData);
  const w1 = p.weight('w1', [8, 3, 3, 3], randomArray(8 * 27, 2, -0.5, 0.5));
  const b1 = p.weight('b1', [8], randomArray(8, 3));
  const c1 = conv2d(xData, [2, 3, 9, 9], p.get(w1), [8, 3, 3, 3], {
    bias: p.get(b1),
    strides: [1, 1],
    pads: [1, 1, 1, 1],
    dilations: [1, 1],
    groups: 1,
    act: relu,
  });
  const y1 = p.value('y1', c1.shape);
  p.op(
    {
      op: 'conv2d',
      x,
      w: w1,
      b: b1,
      y: y1,
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      groups: 1,
      activation: { type: 'relu' },
    },
    c1.y,
  );
  const wd = p.weight('wd', [8, 1, 3, 3], randomArray(72, 4, -0.5, 0.5));
  const bd = p.weight('bd', [8], randomArray(8, 5));
  const c2 = conv2d(c1.y, c1.shape, p.get(wd), [8, 1, 3, 3], {
    bias: p.get(bd),
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    dilations: [1, 1],
    groups: 8,
    act: relu6,
  });
  const y2 = p.value('y2', c2.shape);
  p.op(
    {
      op: 'conv2d',
      x: y1,
      w: wd,
      b: bd,
      y: y2,
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      groups: 8,
      activation: { type: 'clip', alpha: 0, beta: 6 },
    },
    c2.y,
  );
  const w3 = p.weight('w3', [8, 8, 1, 1], randomArray(64, 6, -0.5, 0.5));
  const c3 = conv2d(c2.y, c2.shape, p.get(w3), [8, 8, 1, 1], {
    residual: c2.y,
    strides: [1, 1],
    pads: [0, 0, 0, 0],
    dilations: [1, 1],
    groups: 1,
  });
  const y3 = p.value('y3', c3.shape);
  p.op({ op: 'conv2d', x: y2, w: w3, residual: y2, y: y3, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 }, c3.y);
  // 3×3 stride-2 max pool, padding 1 (ResNet's stem pool).
  const [n, c, h, w] = c3.shape as [number, number, number, number];
  const ph = Math.floor((h + 2 - 3) / 2) + 1;
  const pw = Math.floor((w + 2 - 3) / 2) + 1;
  const pooled = new Float32Array(n * c * ph * pw);
  for (let b = 0; b < n; ++b)
    for (let k = 0; k < c; ++k)
      for (let i = 0; i < ph; ++i)
        for (let j = 0; j < pw; ++j) {
          let m = -Infinity;
          for (let r = 0; r < 3; ++r)
            for (let s = 0; s < 3; ++s) {
              const ih = i * 2 - 1 + r;
              const iw = j * 2 - 1 + s;
              if (ih >= 0 && ih < h && iw >= 0 && iw < w) m = Math.max(m, c3.y[((b * c + k) * h + ih) * w + iw] ?? 0);
            }
          pooled[((b * c + k) * ph + i) * pw + j] = m;
        }
  const y4 = p.value('y4', [n, c, ph, pw]);
  p.op(
    {
      op: 'pool2d',
      type: 'max',
      x: y3,
      y: y4,
      window: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      countIncludePad: false,
    },
    pooled,
  );
  const gp = new Float32Array(n * c);
  for (let i = 0; i < n * c; ++i) {
    let s = 0;
    for (let j = 0; j < ph * pw; ++j) s += pooled[i * ph * pw + j] ?? 0;
    gp[i] = s / (ph * pw);
  }
  const y5 = p.value('y5', [n, c, 1, 1]);
  p.op({ op: 'global_pool', type: 'average', x: y4, y: y5 }, gp);
  const y6 = p.value('y6', [n, c]);
  p.op({ op: 'copy', x: y5, y: y6 }, gp);
  const fc = p.weight('fc', [5, c], randomArray(5 * c, 7));
  const fb = p.weight('fb', [5], randomArray(5, 8));
  const logits = gemm(gp, [n, c], p.get(fc), [5, c], true, p.get(fb));
  const y7 = p.value('logits', [n, 5]);
  p.op({ op: 'gemm', a: y6, b: fc, bias: fb, y: y7, transA: false, transB: true, alpha: 1, beta: 1 }, logits);
  const probs = new Float32Array(n * 5);
  for (let b = 0; b < n; ++b) {
    const row = Array.from(logits.subarray(b * 5, b * 5 + 5));
    const mx = Math.max(...row);
    const e = row.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, v) => a + v, 0);
    e.forEach((v, i) => {
      probs[b * 5 + i] = v / s;
    });
  }
  const y8 = p.value('probs', [n, 5]);
  p.op({ op: 'softmax', x: y7, y: y8, axis: 1, log: false }, probs);
  return { program: p.build([y7, y8, y3]), inputs: [xData], expected: [logits, probs, c3.y], shapes: [[n, 5], [n, 5], c3.shape] };
}

/** Layout and data-movement ops: transpose, slice, pad, concat, binary broadcast, channel affine, resize, lrn, batched matmul, average pool. */
function dataOps(): { program: Program; inputs: Float32Array[]; expected: Float32Array[]; shapes: number[][] } {
  const p = new ProgramBuilder();
  const xs = [2, 4, 6, 5];
  const xData = randomArray(size(xs), 11);
  const x = p.input('x', xs, xData);
  const st = strides(xs);
  const at = (c: number[]) => c.reduce((acc, v, i) => acc + v * (st[i] ?? 0), 0);
  const outs: number[] = [];
  const expected: Float32Array[] = [];
  const shapes: number[][] = [];
  const keep = (id: number, shape: number[]) => {
    outs.push(id);
    expected.push(p.get(id));
    shapes.push(shape);
  };
  // transpose to NHWC order
  const tShape = [2, 6, 5, 4];
  const t = p.value('t', tShape);
  p.op(
    { op: 'transpose', x, y: t, perm: [0, 2, 3, 1] },
    gatherBy(tShape, ([a, b, c, d]) => at([a ?? 0, d ?? 0, b ?? 0, c ?? 0]), xData),
  );
  keep(t, tShape);
  // slice rows 1,3,5 and reversed columns
  const sShape = [2, 4, 3, 5];
  const s = p.value('s', sShape);
  p.op(
    { op: 'slice', x, y: s, starts: [0, 0, 1, 4], steps: [1, 1, 2, -1] },
    gatherBy(sShape, ([a, b, c, d]) => at([a ?? 0, b ?? 0, 1 + 2 * (c ?? 0), 4 - (d ?? 0)]), xData),
  );
  keep(s, sShape);
  // pad H by (1, 2), crop W by (-1, 0)
  const pShape = [2, 4, 9, 4];
  const pd = p.value('pad', pShape);
  p.op(
    { op: 'pad', x, y: pd, pads: [0, 0, 1, -1, 0, 0, 2, 0], value: 0.5 },
    gatherBy(
      pShape,
      ([a, b, c, d]) => ((c ?? 0) - 1 < 0 || (c ?? 0) - 1 >= 6 ? -1 : at([a ?? 0, b ?? 0, (c ?? 0) - 1, (d ?? 0) + 1])),
      xData,
      0.5,
    ),
  );
  keep(pd, pShape);
  // binary with channel broadcast, fused relu
  const bias = p.weight('cb', [4, 1, 1], randomArray(4, 12));
  const sum = p.value('sum', xs);
  p.op(
    { op: 'binary', type: 'mul', a: x, b: bias, y: sum, activation: { type: 'relu' } },
    xData.map((v, i) => relu(v * (p.get(bias)[Math.floor(i / 30) % 4] ?? 0))),
  );
  keep(sum, xs);
  // channel affine with leaky relu
  const scale = p.weight('scale', [4], randomArray(4, 13));
  const shift = p.weight('shift', [4], randomArray(4, 14));
  const aff = p.value('affine', xs);
  p.op(
    { op: 'channel_affine', x, scale, shift, y: aff, channelAxis: 1, activation: { type: 'leaky_relu', alpha: 0.1 } },
    xData.map((v, i) => {
      const ch = Math.floor(i / 30) % 4;
      const u = v * (p.get(scale)[ch] ?? 0) + (p.get(shift)[ch] ?? 0);
      return u >= 0 ? u : 0.1 * u;
    }),
  );
  keep(aff, xs);
  // concat along channels
  const cShape = [2, 8, 6, 5];
  const cat = p.value('cat', cShape);
  p.op(
    { op: 'concat', inputs: [x, aff], y: cat, axis: 1 },
    gatherBy(cShape, ([a, b, c, d]) => ((b ?? 0) < 4 ? at([a ?? 0, b ?? 0, c ?? 0, d ?? 0]) : -1), xData).map((v, i) => {
      const b = Math.floor(i / 30) % 8;
      if (b < 4) return v;
      const n0 = Math.floor(i / 240);
      return p.get(aff)[n0 * 120 + (b - 4) * 30 + (i % 30)] ?? 0;
    }),
  );
  keep(cat, cShape);
  // nearest 2× upsample (asymmetric, floor)
  const rShape = [2, 4, 12, 10];
  const rs = p.value('resize', rShape);
  p.op(
    { op: 'resize2d', x, y: rs, mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor' },
    gatherBy(rShape, ([a, b, c, d]) => at([a ?? 0, b ?? 0, Math.floor((c ?? 0) / 2), Math.floor((d ?? 0) / 2)]), xData),
  );
  keep(rs, rShape);
  // LRN over 3 channels
  const lrnY = p.value('lrn', xs);
  p.op(
    { op: 'lrn', x, y: lrnY, size: 3, alpha: 0.3, beta: 0.75, bias: 2 },
    xData.map((v, i) => {
      const ch = Math.floor(i / 30) % 4;
      let sq = 0;
      for (let k = Math.max(0, ch - 1); k <= Math.min(3, ch + 1); ++k) sq += (xData[i + (k - ch) * 30] ?? 0) ** 2;
      return v / (2 + (0.3 / 3) * sq) ** 0.75;
    }),
  );
  keep(lrnY, xs);
  // average pool 2×2 stride 2 with padding counted
  const apShape = [2, 4, 4, 3];
  const ap = p.value('avgpool', apShape);
  p.op(
    {
      op: 'pool2d',
      type: 'average',
      x,
      y: ap,
      window: [2, 2],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      countIncludePad: true,
    },
    gatherBy(apShape, () => 0, xData).map((_, i) => {
      const [a, b, c, d] = [Math.floor(i / 48), Math.floor(i / 12) % 4, Math.floor(i / 3) % 4, i % 3];
      let s = 0;
      for (let r = 0; r < 2; ++r)
        for (let q = 0; q < 2; ++q) {
          const ih = c * 2 - 1 + r;
          const iw = d * 2 - 1 + q;
          if (ih >= 0 && ih < 6 && iw >= 0 && iw < 5) s += xData[at([a, b, ih, iw])] ?? 0;
        }
      return s / 4;
    }),
  );
  keep(ap, apShape);
  // batched matmul with a broadcast right operand: [2,4,6,5] × [5,3] → [2,4,6,3]
  const bm = p.weight('bm', [5, 3], randomArray(15, 15));
  const mmShape = [2, 4, 6, 3];
  const mm = p.value('matmul', mmShape);
  const mmRef = new Float32Array(size(mmShape));
  for (let r = 0; r < 8; ++r) mmRef.set(gemm(xData.subarray(r * 30, r * 30 + 30).slice(), [6, 5], p.get(bm), [5, 3], false), r * 18);
  p.op({ op: 'batched_matmul', a: x, b: bm, y: mm }, mmRef);
  keep(mm, mmShape);
  return { program: p.build(outs), inputs: [xData], expected, shapes };
}

/** conv → relu (y1), 3×3 conv (y2), 1×1 conv (y3), then y3 + y1 with relu written in place over y1: the add folds into the last conv. */
function residualInPlace(): { program: Program; inputs: Float32Array[]; expected: Float32Array[]; shapes: number[][] } {
  const p = new ProgramBuilder();
  const xs = [2, 8, 6, 6];
  const same = { strides: [1, 1], dilations: [1, 1], groups: 1 };
  const xData = randomArray(size(xs), 21);
  const x = p.input('x', xs, xData);
  const w1 = p.weight('w1', [8, 8, 3, 3], randomArray(576, 22, -0.3, 0.3));
  const c1 = conv2d(xData, xs, p.get(w1), [8, 8, 3, 3], { ...same, pads: [1, 1, 1, 1], act: relu });
  const y1 = p.value('y1', xs);
  p.op(
    { op: 'conv2d', x, w: w1, y: y1, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1, activation: { type: 'relu' } },
    c1.y,
  );
  const w2 = p.weight('w2', [8, 8, 3, 3], randomArray(576, 23, -0.3, 0.3));
  const c2 = conv2d(c1.y, xs, p.get(w2), [8, 8, 3, 3], { ...same, pads: [1, 1, 1, 1] });
  const y2 = p.value('y2', xs);
  p.op({ op: 'conv2d', x: y1, w: w2, y: y2, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 }, c2.y);
  const w3 = p.weight('w3', [8, 8, 1, 1], randomArray(64, 24, -0.5, 0.5));
  const b3 = p.weight('b3', [8], randomArray(8, 25));
  const c3 = conv2d(c2.y, xs, p.get(w3), [8, 8, 1, 1], { ...same, bias: p.get(b3), pads: [0, 0, 0, 0] });
  const y3 = p.value('y3', xs);
  p.op({ op: 'conv2d', x: y2, w: w3, b: b3, y: y3, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 }, c3.y);
  const y4 = p.alias('y4', y1);
  p.op(
    { op: 'binary', type: 'add', a: y3, b: y1, y: y4, activation: { type: 'relu' } },
    c3.y.map((v, i) => relu(v + (c1.y[i] ?? 0))),
  );
  return { program: p.build([y4]), inputs: [xData], expected: [p.get(y4)], shapes: [xs] };
}

// kiln's own kernels, and the cuBLASLt 1×1 path (offered only in builds with cuBLASLt).
const CONV_TACTICS = ['implicit_gemm', 'direct_nhwc', 'depthwise_nhwc', 'depthwise', 'cublaslt_conv0'];

/** Creates the program with `tactic` forced on op `index`, or undefined when that tactic is not offered there. */
async function createForced(
  program: Program,
  index: number,
  tactic: string | undefined,
  precision: CudaPrecision,
): Promise<CudaProgram | undefined> {
  const ops = program.ops.map((o, i) => (i === index && tactic ? { ...o, tactic } : o)) as Program['ops'];
  return CudaProgram.create({ ...program, ops }, { precision, channelsLast: true }).catch((e: unknown) => {
    if (/is not available here/.test(String((e as Error).message))) return undefined;
    throw e;
  });
}

describe.skipIf(!gpu)(`CudaProgram${skipNote}`, () => {
  for (const precision of ['fp32', 'fp16'] as const) {
    it(`folds an in-place residual add into the convolution in ${precision}`, async () => {
      const { program, inputs, expected, shapes } = residualInPlace();
      for (const tactic of [undefined, ...CONV_TACTICS]) {
        const prog = await createForced(program, 2, tactic, precision);
        if (!prog) continue;
        expect(prog.info.tactics).toHaveLength(3);
        const [out] = await prog.run(inputs);
        close(out as Float32Array, expected[0] as Float32Array, shapes[0] as number[], precision);
        await prog.dispose();
      }
    });
  }

  it('reports, per op it runs, the Program op it came from, the ops folded in and every candidate it timed', async () => {
    const { program } = residualInPlace();
    const prog = await CudaProgram.create(program, { precision: 'fp16' });
    const info = prog.info;
    // Ops 0–2 are convolutions; the add (op 3) is folded into op 2.
    expect(info.ops.map((o) => [o.opIndex, o.fusedOps])).toEqual([
      [0, []],
      [1, []],
      [2, [3]],
    ]);
    for (const [i, op] of info.ops.entries()) {
      expect(op.tactic).toBe(info.tactics[i]);
      if (op.trials.length === 0) continue;
      // The chosen tactic is the fastest candidate that ran.
      const fastest = Math.min(...op.trials.map((t) => t.ms));
      expect(op.trials.find((t) => t.tactic === op.tactic)?.ms).toBe(fastest);
      for (const t of op.trials) {
        expect(t.ms).toBeGreaterThan(0);
        expect(t.workspaceBytes).toBeGreaterThanOrEqual(0);
      }
    }
    expect((await prog.profile(1)).map((r) => r.opIndex)).toEqual([0, 1, 2]);
    await prog.dispose();
    // A forced tactic is not timed.
    const forced = await createForced(program, 1, 'implicit_gemm', 'fp16');
    expect(forced?.info.ops[1]).toMatchObject({ opIndex: 1, tactic: 'implicit_gemm', trials: [] });
    await forced?.dispose();
  });

  for (const precision of ['fp32', 'tf32', 'fp16'] as const) {
    it(`runs a small CNN in ${precision} and replays it as a CUDA graph`, async () => {
      const { program, inputs, expected, shapes } = smallCnn();
      const prog = await CudaProgram.create(program, { precision });
      expect(prog.info.tactics).toHaveLength(program.ops.length);
      for (let run = 0; run < 3; ++run) {
        const outs = await prog.run(inputs);
        for (const [i, o] of outs.entries()) close(o as Float32Array, expected[i] as Float32Array, shapes[i] as number[], precision);
      }
      expect(prog.info.graph, prog.info.graphFailure).toBe(true);
      await prog.dispose();
      expect(prog.disposed).toBe(true);
    });

    it(`runs layout and data-movement ops in ${precision}`, async () => {
      const { program, inputs, expected, shapes } = dataOps();
      const prog = await CudaProgram.create(program, { precision });
      const outs = await prog.run(inputs);
      for (const [i, o] of outs.entries()) close(o as Float32Array, expected[i] as Float32Array, shapes[i] as number[], precision);
      await prog.dispose();
    });
  }

  for (const precision of ['fp32', 'fp16'] as const) {
    it(`matches the reference with every convolution kernel it offers (${precision})`, async () => {
      const { program, inputs, expected, shapes } = smallCnn();
      let ran = 0;
      for (const [index, op] of program.ops.entries()) {
        if (op.op !== 'conv2d') continue;
        for (const tactic of CONV_TACTICS) {
          const prog = await createForced(program, index, tactic, precision);
          if (!prog) continue;
          ran += 1;
          expect(prog.info.tactics[index]).toBe(tactic);
          const outs = await prog.run(inputs);
          close(outs[2] as Float32Array, expected[2] as Float32Array, shapes[2] as number[], precision);
          await prog.dispose();
        }
      }
      expect(ran).toBeGreaterThanOrEqual(5);
    });
  }

  it('runs clones concurrently, each with its own memory', async () => {
    const { program, inputs, expected, shapes } = smallCnn();
    const first = await CudaProgram.create(program, { precision: 'fp32' });
    const clones = await Promise.all([first.clone(), first.clone(), first.clone()]);
    const results = await Promise.all([first, ...clones].map((c) => c.run(inputs)));
    for (const outs of results) close(outs[1] as Float32Array, expected[1] as Float32Array, shapes[1] as number[], 'fp32');
    const timings = await first.profile(2);
    expect(timings.map((t) => t.tactic)).toEqual(first.info.tactics);
    expect(timings.every((t) => t.ms >= 0)).toBe(true);
    await Promise.all([first, ...clones].map((c) => c.dispose()));
  });

  it('frees every byte over create/run/dispose cycles', async () => {
    const { program, inputs } = smallCnn();
    const before = deviceMemoryStats().bytesInUse;
    for (let i = 0; i < 20; ++i) {
      const prog = await CudaProgram.create(program, { precision: 'fp16' });
      const clone = await prog.clone();
      await prog.run(inputs);
      await clone.run(inputs);
      await clone.dispose();
      await prog.dispose();
    }
    expect(deviceMemoryStats().bytesInUse).toBe(before);
  });

  it('rejects wrong feeds and use after dispose with KilnErrors', async () => {
    const { program } = smallCnn();
    const prog = await CudaProgram.create(program);
    await expect(prog.run([new Float32Array(3)])).rejects.toSatisfy(
      (e: unknown) =>
        isKilnError(e, ErrorCode.INVALID_ARGUMENT) && /has 3 elements; the program needs 486/.test(String((e as Error).message)),
    );
    await prog.dispose();
    await expect(prog.run([new Float32Array(486)])).rejects.toThrow(/disposed/);
    const bad = { ...program, ops: [{ ...program.ops[0], tactic: 'no_such_tactic' } as Program['ops'][number]] };
    await expect(CudaProgram.create(bad as Program)).rejects.toThrow(/tactic 'no_such_tactic' is not available/);
  });
});

describe('CudaProgram without a usable GPU, and Program validation', () => {
  it.runIf(!gpu)('rejects create with a KilnError that says why', async () => {
    const { program } = smallCnn();
    const error = await CudaProgram.create(program).catch((e: unknown) => e);
    expect(isKilnError(error, ErrorCode.CUDA_ERROR) || isKilnError(error, ErrorCode.NATIVE_UNAVAILABLE)).toBe(true);
    expect(isKilnError(error) ? error.hint : '').toMatch(/\S/);
  });

  it.runIf(status.compiledWithCuda)('checks the Program before any CUDA call, naming the op', async () => {
    const { program } = smallCnn();
    const badOp = { ...program, ops: [{ ...program.ops[0], op: 'fft' } as unknown as Program['ops'][number]] };
    await expect(CudaProgram.create(badOp)).rejects.toSatisfy(
      (e: unknown) =>
        isKilnError(e, ErrorCode.INVALID_ARGUMENT) && /program op 0 \(fft\): unknown op kind 'fft'/.test(String((e as Error).message)),
    );
    const badValue = {
      ...program,
      values: program.values.map((v, i) => (i === 0 ? { ...v, storage: { kind: 'arena' as const, offset: 2 } } : v)),
    };
    await expect(CudaProgram.create(badValue)).rejects.toThrow(/offsets must be multiples of the dtype's size/);
    await expect(CudaProgram.create(program, { precision: 'int8' as never })).rejects.toThrow(/precision must be fp32, tf32 or fp16/);
  });
});
