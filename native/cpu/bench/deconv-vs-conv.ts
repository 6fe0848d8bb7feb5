/**
 * Times deconv2d against the adjoint conv2d (same multiply-adds: the conv maps the deconv's
 * output shape back to its input shape with the same weights) with NativeProgram.profile, so
 * the 'not slower than 5× a conv of the same FLOPs' goal of the gemm_col2im and
 * depthwise_direct tactics can be checked: pnpm -s dev native/cpu/bench/deconv-vs-conv.ts
 */
import type { Program } from '@kiln-inference/core';
import { NativeProgram } from '@kiln-inference/cpu-runtime';

function rand(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.random() - 0.5);
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function one(kind: 'deconv2d' | 'conv2d', x: number[], w: number[], y: number[], s: number, p: number, groups: number): Program {
  return {
    values: [
      { name: 'x', shape: x, storage: { kind: 'input', index: 0 } },
      { name: 'w', shape: w, storage: { kind: 'weight', index: 0 } },
      { name: 'y', shape: y, storage: { kind: 'arena', offset: 0 } },
    ],
    weights: [rand(size(w))],
    ops: [{ op: kind, x: 0, w: 1, y: 2, strides: [s, s], pads: [p, p, p, p], dilations: [1, 1], groups } as never],
    inputs: [0],
    outputs: [2],
    arenaBytes: 4 * size(y),
  };
}

async function time(prog: Program, feed: Float32Array): Promise<number> {
  // The op's own time (NativeProgram.profile), median of 7 rounds of 10 runs.
  const np = NativeProgram.create(prog);
  const t: number[] = [];
  for (let i = 0; i < 7; i++) t.push((await np.profile([feed], 10))[0]!);
  return t.sort((a, b) => a - b)[3]!;
}

// Deconv C→M (H→OH) against the adjoint conv M→C (OH→H): identical multiply-adds.
const cases: [string, number, number, number, number, number, number, number][] = [
  // name, C, M, H, k, s, p, groups
  ['256→128 14² k4 s2', 256, 128, 14, 4, 2, 1, 1],
  ['64→32 56² k4 s2', 64, 32, 56, 4, 2, 1, 1],
  ['128→128 28² k3 s1', 128, 128, 28, 3, 1, 1, 1],
  ['512→256 7² k2 s2', 512, 256, 7, 2, 2, 0, 1],
  ['dw 128 28² k4 s2', 128, 128, 28, 4, 2, 1, 128],
];
async function main(): Promise<void> {
  for (const [name, C, M, H, k, s, p, g] of cases) {
    const OH = (H - 1) * s - 2 * p + k;
    const d = one('deconv2d', [1, C, H, H], [C, M / g, k, k], [1, M, OH, OH], s, p, g);
    const c = one('conv2d', [1, M, OH, OH], [C, M / g, k, k], [1, C, H, H], s, p, g);
    const td = await time(d, rand(C * H * H));
    const tc = await time(c, rand(M * OH * OH));
    const gflop = (2 * C * (M / g) * k * k * H * H) / 1e9;
    console.log(
      `${name}: deconv ${td.toFixed(3)} ms (${((gflop / td) * 1e3).toFixed(1)} GFLOP/s), conv ${tc.toFixed(3)} ms, ratio ${(td / tc).toFixed(2)}`,
    );
  }
}

void main();
