/**
 * Times the convolutions of ResNet-50 and DenseNet-121 (224², batch 1) as one-op NativePrograms,
 * every tactic each, and prints GFLOP/s per tactic plus each model's conv total with the best
 * tactic per layer (what the engine's tactic selection would pick). Also times the DenseNet
 * pre-activation (channel_affine + relu) and the ResNet classifier GEMM.
 *
 *   pnpm -s dev packages/cpu-runtime/bench/program-ops.ts [--json out.json] [--repeats N] [--only resnet50|densenet121]
 *
 * Threads: all cores unless KILN_CPU_THREADS is set.
 */
import { writeFileSync } from 'node:fs';
import type { ProgramOp, ProgramValue } from '@kiln-inference/core';
import { loadCpuNative, NativeProgram, nativeProgramTactics } from '../src/index.js';

interface ConvShape {
  /** input channels, size, output channels, kernel, stride, pad */
  c: number;
  h: number;
  m: number;
  k: number;
  s: number;
  p: number;
  /** how many layers of the model have this shape */
  count: number;
}

function resnet50(): ConvShape[] {
  const shapes: ConvShape[] = [{ c: 3, h: 224, m: 64, k: 7, s: 2, p: 3, count: 1 }];
  const stages = [
    { width: 64, blocks: 3, h: 56, inC: 64 },
    { width: 128, blocks: 4, h: 28, inC: 256 },
    { width: 256, blocks: 6, h: 14, inC: 512 },
    { width: 512, blocks: 3, h: 7, inC: 1024 },
  ];
  for (const [i, st] of stages.entries()) {
    const out = st.width * 4;
    const first = i === 0;
    const inH = first ? st.h : st.h * 2;
    // First block: 1×1 reduce at the input size, 3×3 (stride 2 after the first stage), 1×1 expand, 1×1 downsample.
    shapes.push({ c: st.inC, h: inH, m: st.width, k: 1, s: 1, p: 0, count: 1 });
    shapes.push({ c: st.width, h: inH, m: st.width, k: 3, s: first ? 1 : 2, p: 1, count: 1 });
    shapes.push({ c: st.width, h: st.h, m: out, k: 1, s: 1, p: 0, count: st.blocks });
    shapes.push({ c: st.inC, h: inH, m: out, k: 1, s: first ? 1 : 2, p: 0, count: 1 });
    if (st.blocks > 1) {
      shapes.push({ c: out, h: st.h, m: st.width, k: 1, s: 1, p: 0, count: st.blocks - 1 });
      shapes.push({ c: st.width, h: st.h, m: st.width, k: 3, s: 1, p: 1, count: st.blocks - 1 });
    }
  }
  return merge(shapes);
}

function densenet121(): ConvShape[] {
  const shapes: ConvShape[] = [{ c: 3, h: 224, m: 64, k: 7, s: 2, p: 3, count: 1 }];
  const blocks = [6, 12, 24, 16];
  let channels = 64;
  let h = 56;
  for (const [i, layers] of blocks.entries()) {
    for (let l = 0; l < layers; l++) {
      shapes.push({ c: channels + 32 * l, h, m: 128, k: 1, s: 1, p: 0, count: 1 });
      shapes.push({ c: 128, h, m: 32, k: 3, s: 1, p: 1, count: 1 });
    }
    channels += 32 * layers;
    if (i < blocks.length - 1) {
      shapes.push({ c: channels, h, m: channels / 2, k: 1, s: 1, p: 0, count: 1 });
      channels /= 2;
      h /= 2;
    }
  }
  return merge(shapes);
}

function merge(shapes: ConvShape[]): ConvShape[] {
  const byKey = new Map<string, ConvShape>();
  for (const s of shapes) {
    const key = `${s.c}/${s.h}/${s.m}/${s.k}/${s.s}/${s.p}`;
    const seen = byKey.get(key);
    if (seen) seen.count += s.count;
    else byKey.set(key, { ...s });
  }
  return [...byKey.values()];
}

/** LCG noise in [-0.5, 0.5), written in place (no garbage: V8 GC threads would steal a core mid-timing). */
function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = a / 2 ** 32 - 0.5;
  }
  return out;
}

/** Lets background work (GC, compilation) settle before a measurement on a 2-core machine. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

function convProgram(s: ConvShape, tactic?: string) {
  const oh = Math.floor((s.h + 2 * s.p - s.k) / s.s) + 1;
  const values: ProgramValue[] = [
    { name: 'x', shape: [1, s.c, s.h, s.h], storage: { kind: 'input', index: 0 } },
    { name: 'w', shape: [s.m, s.c, s.k, s.k], storage: { kind: 'weight', index: 0 } },
    { name: 'b', shape: [s.m], storage: { kind: 'weight', index: 1 } },
    { name: 'y', shape: [1, s.m, oh, oh], storage: { kind: 'arena', offset: 0 } },
  ];
  const op: ProgramOp = {
    op: 'conv2d',
    x: 0,
    w: 1,
    b: 2,
    y: 3,
    strides: [s.s, s.s],
    pads: [s.p, s.p, s.p, s.p],
    dilations: [1, 1],
    groups: 1,
    activation: { type: 'relu' },
    ...(tactic ? { tactic } : {}),
  };
  const program = {
    values,
    weights: [random(s.m * s.c * s.k * s.k, 1), random(s.m, 2)],
    ops: [op],
    inputs: [0],
    outputs: [3],
    arenaBytes: 4 * s.m * oh * oh,
  };
  return { program, flops: 2 * s.m * oh * oh * s.c * s.k * s.k, x: random(s.c * s.h * s.h, 3) };
}

async function timeProgram(program: ReturnType<typeof convProgram>['program'], x: Float32Array, repeats: number): Promise<number> {
  const prog = NativeProgram.create(program);
  await settle();
  await prog.profile([x], 2); // warm-up: thread-local buffers, caches
  // The best of three medians: on a shared 2-core machine a burst of other work can spoil one.
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const [ms] = await prog.profile([x], repeats);
    best = Math.min(best, ms!);
  }
  prog.dispose();
  return best;
}

interface Row {
  model: string;
  shape: string;
  count: number;
  gflop: number;
  tactics: Record<string, { ms: number; gflops: number }>;
  best: string;
}

async function benchModel(model: string, shapes: ConvShape[], repeats: number): Promise<Row[]> {
  const rows: Row[] = [];
  console.log(`\n${model}: conv2d (+bias+relu), batch 1, GFLOP/s per tactic`);
  console.log(
    `${'shape (C→M k/s @H)'.padEnd(26)}${'×'.padStart(3)}  ${'pointwise'.padStart(10)} ${'direct'.padStart(10)} ${'implicit'.padStart(10)} ${'im2col'.padStart(10)}  best ms`,
  );
  for (const s of shapes) {
    const { program, flops, x } = convProgram(s);
    const tactics = nativeProgramTactics(program.ops[0]!, program.values);
    const row: Row = {
      model,
      shape: `${s.c}→${s.m} ${s.k}×${s.k}/${s.s} @${s.h}`,
      count: s.count,
      gflop: flops / 1e9,
      tactics: {},
      best: '',
    };
    for (const t of tactics) {
      const ms = await timeProgram(convProgram(s, t).program, x, repeats);
      row.tactics[t] = { ms, gflops: flops / (ms * 1e6) };
    }
    row.best = Object.entries(row.tactics).sort((a, b) => a[1].ms - b[1].ms)[0]![0];
    const cell = (t: string) => (row.tactics[t] ? row.tactics[t]!.gflops.toFixed(1) : '-').padStart(10);
    console.log(
      `${row.shape.padEnd(26)}${String(s.count).padStart(3)}  ${cell('pointwise_gemm')} ${cell('direct_gemm')} ${cell('implicit_gemm')} ${cell('im2col_gemm')}  ${row.tactics[row.best]!.ms.toFixed(3)}`,
    );
    rows.push(row);
  }
  const totalMs = rows.reduce((t, r) => t + r.count * r.tactics[r.best]!.ms, 0);
  const totalGflop = rows.reduce((t, r) => t + r.count * r.gflop, 0);
  console.log(
    `${model} convs: ${totalGflop.toFixed(2)} GFLOP in ${totalMs.toFixed(1)} ms with the best tactics (${((totalGflop / totalMs) * 1e3).toFixed(1)} GFLOP/s)`,
  );
  return rows;
}

async function benchExtras(repeats: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  // ResNet-50 classifier: [1, 2048] · W[1000, 2048]ᵀ + b.
  const fc = {
    values: [
      { name: 'x', shape: [1, 2048], storage: { kind: 'input', index: 0 } },
      { name: 'w', shape: [1000, 2048], storage: { kind: 'weight', index: 0 } },
      { name: 'b', shape: [1000], storage: { kind: 'weight', index: 1 } },
      { name: 'y', shape: [1, 1000], storage: { kind: 'arena', offset: 0 } },
    ] as ProgramValue[],
    weights: [random(2048000, 4), random(1000, 5)],
    ops: [{ op: 'gemm', a: 0, b: 1, bias: 2, y: 3, transA: false, transB: true, alpha: 1, beta: 1 }] as ProgramOp[],
    inputs: [0],
    outputs: [3],
    arenaBytes: 4000,
  };
  out['gemm 1×2048·2048×1000 ms'] = await timeProgram(fc as never, random(2048, 6), repeats);
  // DenseNet pre-activation on a mid-block concat buffer: [1, 256, 28, 28].
  const n = 256 * 28 * 28;
  const affine = {
    values: [
      { name: 'x', shape: [1, 256, 28, 28], storage: { kind: 'input', index: 0 } },
      { name: 's', shape: [256], storage: { kind: 'weight', index: 0 } },
      { name: 't', shape: [256], storage: { kind: 'weight', index: 1 } },
      { name: 'y', shape: [1, 256, 28, 28], storage: { kind: 'arena', offset: 0 } },
    ] as ProgramValue[],
    weights: [random(256, 7), random(256, 8)],
    ops: [{ op: 'channel_affine', x: 0, scale: 1, shift: 2, y: 3, channelAxis: 1, activation: { type: 'relu' } }] as ProgramOp[],
    inputs: [0],
    outputs: [3],
    arenaBytes: 4 * n,
  };
  out['channel_affine+relu 256×28² ms'] = await timeProgram(affine as never, random(n, 9), repeats);
  for (const [k, v] of Object.entries(out)) console.log(`${k}: ${v.toFixed(3)}`);
  return out;
}

async function main(): Promise<void> {
  const native = loadCpuNative();
  if (!native.ok) {
    console.error(`native addon unavailable: ${native.reason}`);
    process.exit(1);
  }
  const args = process.argv.slice(2);
  const repeats = Number(args[args.indexOf('--repeats') + 1]) || 15;
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const features = native.addon.cpuFeatures();
  console.log(
    `kiln_cpu: ${native.addon.threadCount()} threads, micro-kernel ${features.microKernel}, best of 3 medians of ${repeats} runs`,
  );
  const rows: Row[] = [];
  if (!only || only === 'resnet50') rows.push(...(await benchModel('resnet50', resnet50(), repeats)));
  if (!only || only === 'densenet121') rows.push(...(await benchModel('densenet121', densenet121(), repeats)));
  const extras = await benchExtras(repeats);
  const jsonPath = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ threads: native.addon.threadCount(), repeats, rows, extras }, null, 2));
}

await main();
