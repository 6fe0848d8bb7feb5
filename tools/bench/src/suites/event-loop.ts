/**
 * `pnpm bench --suite event-loop [--duration-ms N]`: how responsive the event loop stays while a
 * plan runs back to back. Worker execution and inline native execution (one native asynchronous
 * call per run) of a convolution plan, against the control that must block the loop: the same
 * kind of workload inline on the reference kernels. Event-loop delay is sampled with
 * `monitorEventLoopDelay`; this is a measurement on a machine, never a unit-test assertion.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Network, Tensor } from '@kiln-inference/core';
import { buildPlan, type CpuKernels, Engine, type ExecutionMode } from '@kiln-inference/engine';

export interface EventLoopRow {
  case: string;
  execution: ExecutionMode;
  kernels: CpuKernels;
  plan: string;
  /** The context really ran off the calling thread. */
  off_thread: boolean;
  runs: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Four 3×3 convolutions over 32×56×56 with ReLU (a few milliseconds per run natively, like a real model's run). */
function convNetwork(): Network {
  const net = new Network('convs');
  net.addInput({ name: 'x', dtype: 'float32', shape: [1, 32, 56, 56] });
  let from = 'x';
  for (let i = 0; i < 4; i++) {
    const w = Tensor.fromValues(
      'float32',
      [32, 32, 3, 3],
      Array.from({ length: 32 * 32 * 9 }, (_, k) => ((k * 7) % 13) / 130 - 0.05),
    );
    net.addLayer('constant', {
      name: `w${i}`,
      inputs: [],
      outputs: [{ name: `w${i}`, dtype: 'float32', shape: [32, 32, 3, 3] }],
      params: { value: w },
    });
    net.addLayer('convolution', {
      name: `conv${i}`,
      inputs: [from, `w${i}`],
      outputs: [{ name: `c${i}`, dtype: 'float32', shape: [1, 32, 56, 56] }],
      params: {
        kernelShape: [3, 3],
        strides: [1, 1],
        padsBegin: [1, 1],
        padsEnd: [1, 1],
        dilations: [1, 1],
        groups: 1,
        paddingMode: 'explicit',
        epilogue: { activation: { type: 'relu' } },
      },
    });
    from = `c${i}`;
  }
  net.markOutput(from);
  return net;
}

/** One 192×192 by 192×192 matmul: tens of milliseconds on the reference kernels. */
function matmulNetwork(): Network {
  const net = new Network('matmul');
  net.addInput({ name: 'a', dtype: 'float32', shape: [192, 192] });
  net.addInput({ name: 'b', dtype: 'float32', shape: [192, 192] });
  net.addLayer('matrix_multiply', {
    name: 'mm',
    inputs: ['a', 'b'],
    outputs: [{ name: 'y', dtype: 'float32', shape: [192, 192] }],
    params: { transposeA: false, transposeB: false },
  });
  net.markOutput('y');
  return net;
}

const convFeeds = () => ({
  x: Tensor.fromValues(
    'float32',
    [1, 32, 56, 56],
    Array.from({ length: 32 * 56 * 56 }, (_, i) => (i % 9) / 9),
  ),
});
const matmulFeeds = () => ({
  a: Tensor.fromValues(
    'float32',
    [192, 192],
    Array.from({ length: 192 * 192 }, (_, i) => (i % 7) - 3),
  ),
  b: Tensor.fromValues(
    'float32',
    [192, 192],
    Array.from({ length: 192 * 192 }, (_, i) => (i % 5) - 2),
  ),
});

interface EventLoopCase {
  name: string;
  execution: ExecutionMode;
  kernels: CpuKernels;
  plan: 'conv' | 'matmul';
}

const CASES: readonly EventLoopCase[] = [
  { name: 'worker', execution: 'worker', kernels: 'native', plan: 'conv' },
  { name: 'inline native', execution: 'inline', kernels: 'native', plan: 'conv' },
  { name: 'inline reference (control)', execution: 'inline', kernels: 'reference', plan: 'matmul' },
];

/** Warms up, then runs back to back for `durationMs` while sampling event-loop delay. */
async function measure(c: EventLoopCase, durationMs: number): Promise<EventLoopRow> {
  const network = c.plan === 'conv' ? convNetwork() : matmulNetwork();
  const feeds = c.plan === 'conv' ? convFeeds() : matmulFeeds();
  const engine = await Engine.create(await buildPlan(network), { execution: c.execution, kernels: c.kernels });
  const ctx = engine.createExecutionContext();
  try {
    await ctx.run(feeds); // worker start, program compilation
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const end = performance.now() + durationMs;
    let runs = 0;
    while (performance.now() < end) {
      await ctx.run(feeds);
      runs++;
      // Let timers and I/O run between requests, as a server's loop would.
      await new Promise((resolve) => setImmediate(resolve));
    }
    histogram.disable();
    return {
      case: c.name,
      execution: c.execution,
      kernels: c.kernels,
      plan: c.plan,
      off_thread: ctx.offThread,
      runs,
      p50_ms: histogram.percentile(50) / 1e6,
      p99_ms: histogram.percentile(99) / 1e6,
      max_ms: histogram.max / 1e6,
    };
  } finally {
    await ctx.dispose();
  }
}

export async function runEventLoopSuite(durationMs: number, log: (line: string) => void): Promise<EventLoopRow[]> {
  const rows: EventLoopRow[] = [];
  for (const c of CASES) {
    const row = await measure(c, durationMs);
    log(`event-loop: ${c.name}: ${row.runs} runs, p99 ${row.p99_ms.toFixed(2)} ms`);
    rows.push(row);
  }
  return rows;
}

export function formatEventLoopTable(rows: readonly EventLoopRow[]): string {
  const lines = ['| case | plan | off thread | runs | p50 ms | p99 ms | max ms |', '|---|---|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(
      `| ${r.case} | ${r.plan} | ${r.off_thread ? 'yes' : 'no'} | ${r.runs} | ${r.p50_ms.toFixed(2)} | ${r.p99_ms.toFixed(2)} | ${r.max_ms.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}
