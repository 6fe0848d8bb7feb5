/**
 * End-to-end timing of ResNet-50 v1.5 and DenseNet-121 (224², batch 1, random weights) lowered
 * by hand into Programs the way the engine's builder would: BatchNorm folded into conv bias
 * where it follows a conv, bias + residual + ReLU fused into the conv epilogue, DenseNet's
 * concatenations eliminated (each 3×3 conv writes its slice of the block buffer) and its
 * pre-activation BN+ReLU as channel_affine. Arena offsets come from a small liveness-based
 * slot allocator. Prints min / median ms per run and the time per op kind.
 *
 *   pnpm -s dev packages/cpu-runtime/bench/model-programs.ts [--runs N] [--only resnet50|densenet121] [--tactic T]
 */
import type { Program, ProgramOp, ProgramValue } from '@kiln-inference/core';
import { loadCpuNative, NativeProgram } from '../src/index.js';

let seed = 12345;
/** LCG noise in [-scale, scale), written in place (little garbage for V8's GC threads). */
function random(n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = (seed / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

class ModelBuilder {
  readonly values: ProgramValue[] = [];
  readonly weights: Float32Array[] = [];
  readonly ops: ProgramOp[] = [];
  /** For views: the value whose storage they share and the element offset. */
  private readonly rootOf = new Map<number, { root: number; offset: number }>();
  constructor(private readonly convTactic?: string) {}

  input(name: string, shape: number[]): number {
    this.values.push({ name, shape, storage: { kind: 'input', index: 0 } });
    return this.values.length - 1;
  }

  weight(name: string, shape: number[], scale: number): number {
    this.weights.push(
      random(
        shape.reduce((a, b) => a * b, 1),
        scale,
      ),
    );
    this.values.push({ name, shape, storage: { kind: 'weight', index: this.weights.length - 1 } });
    return this.values.length - 1;
  }

  value(name: string, shape: number[]): number {
    this.values.push({ name, shape, storage: { kind: 'arena', offset: -1 } });
    return this.values.length - 1;
  }

  view(of: number, shape: number[], elementOffset: number): number {
    const base = this.rootOf.get(of) ?? { root: of, offset: 0 };
    const id = this.value(`${this.values[of]!.name}_view`, shape);
    this.rootOf.set(id, { root: base.root, offset: base.offset + elementOffset });
    return id;
  }

  conv(
    name: string,
    x: number,
    m: number,
    k: number,
    stride: number,
    opts: { residual?: number; relu?: boolean; into?: number } = {},
  ): number {
    const [n, c, h, w] = this.values[x]!.shape as [number, number, number, number];
    const pad = Math.floor(k / 2);
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    const wt = this.weight(`${name}.w`, [m, c, k, k], Math.sqrt(3 / (c * k * k)));
    const b = this.weight(`${name}.b`, [m], 0.1);
    const y = opts.into ?? this.value(name, [n, m, oh, ow]);
    this.ops.push({
      op: 'conv2d',
      x,
      w: wt,
      b,
      y,
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      dilations: [1, 1],
      groups: 1,
      ...(opts.residual !== undefined ? { residual: opts.residual } : {}),
      ...(opts.relu ? { activation: { type: 'relu' } } : {}),
      ...(this.convTactic ? { tactic: this.convTactic } : {}),
    } as ProgramOp);
    return y;
  }

  affineRelu(name: string, x: number): number {
    const c = this.values[x]!.shape[1]!;
    const scale = this.weight(`${name}.scale`, [c], 1);
    const shift = this.weight(`${name}.shift`, [c], 0.1);
    const y = this.value(name, this.values[x]!.shape);
    this.ops.push({ op: 'channel_affine', x, scale, shift, y, channelAxis: 1, activation: { type: 'relu' } });
    return y;
  }

  pool(name: string, type: 'max' | 'average', x: number, k: number, s: number, p: number, into?: number): number {
    const [n, c, h] = this.values[x]!.shape as [number, number, number];
    const o = Math.floor((h + 2 * p - k) / s) + 1;
    const y = into ?? this.value(name, [n, c, o, o]);
    this.ops.push({
      op: 'pool2d',
      type,
      x,
      y,
      window: [k, k],
      strides: [s, s],
      pads: [p, p, p, p],
      dilations: [1, 1],
      countIncludePad: false,
    });
    return y;
  }

  head(x: number, classes: number): number {
    const [n, c] = this.values[x]!.shape as [number, number];
    const g = this.value('gap', [n, c, 1, 1]);
    this.ops.push({ op: 'global_pool', type: 'average', x, y: g });
    const flat = this.view(g, [n, c], 0);
    const w = this.weight('fc.w', [classes, c], Math.sqrt(3 / c));
    const b = this.weight('fc.b', [classes], 0.1);
    const y = this.value('logits', [n, classes]);
    this.ops.push({ op: 'gemm', a: flat, b: w, bias: b, y, transA: false, transB: true, alpha: 1, beta: 1 });
    return y;
  }

  /** Places arena values: equal slots (the largest value), reused after a value's last reader. */
  build(output: number): Program {
    const root = (id: number) => this.rootOf.get(id)?.root ?? id;
    const lastUse = new Map<number, number>();
    const firstDef = new Map<number, number>();
    this.ops.forEach((op, i) => {
      for (const [key, v] of Object.entries(op)) {
        const ids =
          key === 'inputs'
            ? (v as number[])
            : typeof v === 'number' && ['x', 'w', 'b', 'a', 'bias', 'scale', 'shift', 'residual', 'y'].includes(key)
              ? [v]
              : [];
        for (const id of ids) {
          const r = root(id);
          lastUse.set(r, i);
          if (key === 'y' && !firstDef.has(r)) firstDef.set(r, i);
        }
      }
    });
    lastUse.set(root(output), this.ops.length);
    const roots = [...firstDef.keys()];
    const bytes = (id: number) => Math.ceil((4 * this.values[id]!.shape.reduce((a, b) => a * b, 1)) / 64) * 64;
    const slotBytes = Math.max(...roots.map(bytes));
    const free: number[] = [];
    let slots = 0;
    const slotOf = new Map<number, number>();
    this.ops.forEach((_, i) => {
      for (const r of roots) if (firstDef.get(r) === i) slotOf.set(r, free.pop() ?? slots++);
      for (const r of roots) if (lastUse.get(r) === i) free.push(slotOf.get(r)!);
    });
    this.values.forEach((v, id) => {
      if (v.storage.kind !== 'arena') return;
      const r = root(id);
      const offset = this.rootOf.get(id)?.offset ?? 0;
      v.storage = { kind: 'arena', offset: slotOf.get(r)! * slotBytes + 4 * offset };
    });
    return { values: this.values, weights: this.weights, ops: this.ops, inputs: [0], outputs: [output], arenaBytes: slots * slotBytes };
  }
}

function resnet50(tactic?: string): Program {
  const b = new ModelBuilder(tactic);
  const x = b.input('input', [1, 3, 224, 224]);
  let h = b.conv('conv1', x, 64, 7, 2, { relu: true });
  h = b.pool('pool1', 'max', h, 3, 2, 1);
  let channels = 64;
  for (const [stage, [width, blocks]] of (
    [
      [64, 3],
      [128, 4],
      [256, 6],
      [512, 3],
    ] as const
  ).entries()) {
    for (let i = 0; i < blocks; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const name = `layer${stage + 1}.${i}`;
      const c1 = b.conv(`${name}.conv1`, h, width, 1, 1, { relu: true });
      const c2 = b.conv(`${name}.conv2`, c1, width, 3, stride, { relu: true });
      const identity = i === 0 ? b.conv(`${name}.downsample`, h, width * 4, 1, stride) : h;
      h = b.conv(`${name}.conv3`, c2, width * 4, 1, 1, { residual: identity, relu: true });
      channels = width * 4;
    }
  }
  void channels;
  return b.build(b.head(h, 1000));
}

function densenet121(tactic?: string): Program {
  const b = new ModelBuilder(tactic);
  const x = b.input('input', [1, 3, 224, 224]);
  const stem = b.conv('conv0', x, 64, 7, 2, { relu: true });
  let channels = 64;
  let size = 56;
  const blocks = [6, 12, 24, 16];
  let buffer = b.value('block1', [1, channels + 32 * blocks[0]!, size, size]);
  b.pool('pool0', 'max', stem, 3, 2, 1, b.view(buffer, [1, 64, size, size], 0));
  let out = -1;
  for (const [bi, layers] of blocks.entries()) {
    for (let l = 0; l < layers; l++) {
      const name = `block${bi + 1}.layer${l + 1}`;
      const input = b.view(buffer, [1, channels, size, size], 0);
      const t = b.affineRelu(`${name}.norm1`, input);
      const u = b.conv(`${name}.conv1`, t, 128, 1, 1, { relu: true });
      b.conv(`${name}.conv2`, u, 32, 3, 1, { into: b.view(buffer, [1, 32, size, size], channels * size * size) });
      channels += 32;
    }
    const whole = b.view(buffer, [1, channels, size, size], 0);
    if (bi === blocks.length - 1) {
      out = b.affineRelu('norm5', whole);
      break;
    }
    const t = b.affineRelu(`transition${bi + 1}.norm`, whole);
    const c = b.conv(`transition${bi + 1}.conv`, t, channels / 2, 1, 1);
    channels /= 2;
    size /= 2;
    buffer = b.value(`block${bi + 2}`, [1, channels + 32 * blocks[bi + 1]!, size, size]);
    b.pool(`transition${bi + 1}.pool`, 'average', c, 2, 2, 0, b.view(buffer, [1, channels, size, size], 0));
  }
  return b.build(b.head(out, 1000));
}

async function bench(name: string, program: Program, runs: number): Promise<void> {
  const t0 = performance.now();
  const prog = NativeProgram.create(program);
  const createMs = performance.now() - t0;
  const input = random(3 * 224 * 224, 1);
  await new Promise((resolve) => setTimeout(resolve, 100)); // let V8's GC threads settle (2 cores)
  for (let i = 0; i < 3; i++) await prog.run([input]);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await prog.run([input]);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const perOp = await prog.profile([input], Math.max(3, Math.floor(runs / 2)));
  const byKind = new Map<string, number>();
  program.ops.forEach((op, i) => {
    byKind.set(op.op, (byKind.get(op.op) ?? 0) + perOp[i]!);
  });
  const kinds = [...byKind.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
  if (process.env.KILN_BENCH_TOP) {
    const top = perOp
      .map((ms, i) => ({ ms, i }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, Number(process.env.KILN_BENCH_TOP));
    for (const { ms, i } of top) {
      const op = program.ops[i]! as { y: number; x?: number };
      const x = op.x !== undefined ? program.values[op.x]!.shape.join('×') : '';
      console.log(
        `  op ${i} ${op.op} ${program.values[op.y]!.name} x ${x} → ${program.values[op.y]!.shape.join('×')} [${prog.tactics()[i]}]: ${ms.toFixed(2)} ms`,
      );
    }
  }
  console.log(
    `${name}: ${program.ops.length} ops, create ${createMs.toFixed(0)} ms, arena ${(program.arenaBytes / 2 ** 20).toFixed(1)} MiB; min ${times[0]!.toFixed(1)} ms, median ${times[times.length >> 1]!.toFixed(1)} ms over ${runs} runs; per kind (median ms): ${kinds}`,
  );
  prog.dispose();
}

const native = loadCpuNative();
if (!native.ok) {
  console.error(`native addon unavailable: ${native.reason}`);
  process.exit(1);
}
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 20;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const tactic = args.includes('--tactic') ? args[args.indexOf('--tactic') + 1] : undefined;
console.log(`kiln_cpu: ${native.addon.threadCount()} threads, micro-kernel ${native.addon.microKernel()}`);
if (!only || only === 'resnet50') await bench('resnet50', resnet50(tactic), runs);
if (!only || only === 'densenet121') await bench('densenet121', densenet121(tactic), runs);
