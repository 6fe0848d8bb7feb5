import type { ActivationSpec } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram, nativeProgramTactics } from '../../src/index.js';
import {
  expectClose,
  native,
  ProgramBuilder,
  randomArray,
  reference,
  referenceActivation,
  runFloat32,
  sizeOf,
  skipReason,
  TOL,
  tensor,
} from './program-harness.js';

interface GemmCase {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  bias?: number[];
  alpha: number;
  beta: number;
  activation?: ActivationSpec;
}

async function checkGemm(c: GemmCase, weights: boolean, tol = TOL): Promise<void> {
  const aShape = c.transA ? [c.k, c.m] : [c.m, c.k];
  const bShape = c.transB ? [c.n, c.k] : [c.k, c.n];
  const aData = randomArray(sizeOf(aShape), 11);
  const bData = randomArray(sizeOf(bShape), 12);
  const biasData = c.bias ? randomArray(sizeOf(c.bias), 13) : undefined;
  const p = new ProgramBuilder();
  const feeds: Float32Array[] = [aData];
  const a = p.input('a', aShape);
  let b: number;
  if (weights) b = p.weight('b', bShape, bData);
  else {
    b = p.input('b', bShape);
    feeds.push(bData);
  }
  const bias = c.bias ? p.weight('bias', c.bias, biasData!) : undefined;
  const y = p.arena('y', [c.m, c.n]);
  p.op({
    op: 'gemm',
    a,
    b,
    y,
    transA: c.transA,
    transB: c.transB,
    alpha: c.alpha,
    beta: c.beta,
    ...(bias !== undefined ? { bias } : {}),
    ...(c.activation ? { activation: c.activation } : {}),
  }).output(y);
  const product = reference('matrix_multiply', { transposeA: c.transA, transposeB: c.transB }, [
    tensor(aShape, aData),
    tensor(bShape, bData),
  ]);
  const prod = product.toFloat64();
  const expected = new Float32Array(c.m * c.n);
  const bs = c.bias ? [...new Array<number>(2 - c.bias.length).fill(1), ...c.bias] : [1, 1];
  for (let i = 0; i < c.m; i++)
    for (let j = 0; j < c.n; j++) {
      const bv = biasData ? biasData[(bs[0] === 1 ? 0 : i) * bs[1]! + (bs[1] === 1 ? 0 : j)]! : 0;
      expected[i * c.n + j] = c.alpha * prod[i * c.n + j]! + c.beta * bv;
    }
  const ref = referenceActivation(tensor([c.m, c.n], expected), c.activation);
  const prog = NativeProgram.create(p.build());
  const [out] = await runFloat32(prog, feeds);
  expectClose(out!, ref, tol);
}

describe.skipIf(!native.ok)(`NativeProgram gemm and batched_matmul${skipReason}`, () => {
  it('covers transposes, bias shapes, alpha/beta and activations (weight and computed B)', async () => {
    const biasShapes = [undefined, [23], [1, 23], [17, 1], [17, 23], [1]];
    let i = 0;
    for (const transA of [false, true])
      for (const transB of [false, true])
        for (const bias of biasShapes) {
          const activation: ActivationSpec | undefined = i % 3 === 0 ? { type: 'relu' } : i % 3 === 1 ? { type: 'sigmoid' } : undefined;
          await checkGemm(
            {
              m: 17,
              n: 23,
              k: 31,
              transA,
              transB,
              ...(bias ? { bias } : {}),
              alpha: 0.75,
              beta: 1.5,
              ...(activation ? { activation } : {}),
            },
            i % 2 === 0,
          );
          i++;
        }
  });

  it('handles batch-1 fully connected, deep reductions and wide outputs', async () => {
    // float32 accumulation over 2048 terms of ±1 values: absolute error up to ~1e-4 against float64.
    await checkGemm({ m: 1, n: 1000, k: 2048, transA: false, transB: true, bias: [1000], alpha: 1, beta: 1 }, true, {
      rtol: 1e-4,
      atol: 5e-4,
    });
    await checkGemm({ m: 3, n: 5, k: 1100, transA: false, transB: false, alpha: 1, beta: 1 }, false);
    await checkGemm(
      {
        m: 130,
        n: 300,
        k: 70,
        transA: true,
        transB: false,
        bias: [130, 1],
        alpha: 2,
        beta: 0.5,
        activation: { type: 'leaky_relu', alpha: 0.2 },
      },
      true,
    );
  });

  it('an empty reduction (K = 0) leaves only beta·bias and the activation', async () => {
    const p = new ProgramBuilder();
    const a = p.input('a', [3, 0]);
    const b = p.weight('b', [0, 5], new Float32Array(0));
    const bias = p.weight('bias', [5], Float32Array.of(1, -2, 3, -4, 5));
    const y = p.arena('y', [3, 5]);
    p.op({ op: 'gemm', a, b, bias, y, transA: false, transB: false, alpha: 2, beta: 0.5, activation: { type: 'relu' } }).output(y);
    const [out] = await runFloat32(NativeProgram.create(p.build()), [new Float32Array(0)]);
    expect(Array.from(out!)).toEqual([0.5, 0, 1.5, 0, 2.5, 0.5, 0, 1.5, 0, 2.5, 0.5, 0, 1.5, 0, 2.5]);
  });

  it('lists packed_gemm', () => {
    const p = new ProgramBuilder();
    const a = p.input('a', [2, 3]);
    const b = p.input('b', [3, 4]);
    const y = p.arena('y', [2, 4]);
    expect(nativeProgramTactics({ op: 'gemm', a, b, y, transA: false, transB: false, alpha: 1, beta: 1 }, p.values)).toEqual([
      'packed_gemm',
    ]);
  });

  const bmmCases: [number[], number[]][] = [
    [
      [5, 7],
      [7, 3],
    ],
    [
      [2, 5, 7],
      [2, 7, 3],
    ],
    [
      [2, 1, 5, 7],
      [3, 7, 9],
    ],
    [
      [4, 6],
      [2, 3, 6, 5],
    ],
    [
      [2, 3, 1, 4, 5],
      [3, 2, 5, 6],
    ],
  ];
  for (const [aShape, bShape] of bmmCases) {
    it(`batched_matmul ${JSON.stringify(aShape)} × ${JSON.stringify(bShape)} (weight and computed b)`, async () => {
      const aData = randomArray(sizeOf(aShape), 21);
      const bData = randomArray(sizeOf(bShape), 22);
      const ref = reference('matrix_multiply', { transposeA: false, transposeB: false }, [tensor(aShape, aData), tensor(bShape, bData)]);
      for (const weights of [false, true]) {
        const p = new ProgramBuilder();
        const a = p.input('a', aShape);
        const b = weights ? p.weight('b', bShape, bData) : p.input('b', bShape);
        const y = p.arena('y', ref.shape);
        p.op({ op: 'batched_matmul', a, b, y }).output(y);
        const [out] = await runFloat32(NativeProgram.create(p.build()), weights ? [aData] : [aData, bData]);
        expectClose(out!, ref);
      }
    });
  }
});
