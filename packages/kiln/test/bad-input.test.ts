import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, exportOnnx, importOnnx, KilnError, Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { InferenceSession } from '../src/index.js';

const modelPath = resolve(__dirname, '../../../examples/tiny-cnn/model.onnx');

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    return (e as KilnError).code;
  }
  throw new Error('expected a KilnError');
}

describe('bad input gets a KilnError, never a crash', () => {
  const bytes = new Uint8Array(readFileSync(modelPath));

  it('rejects a truncated model and random bytes', async () => {
    for (const cut of [1, 10, bytes.length >> 1, bytes.length - 1]) {
      expect(await codeOf(() => importOnnx(bytes.subarray(0, cut)))).toMatch(/TRUNCATED_FILE|INVALID_MODEL/);
    }
    let seed = 7;
    const random = Uint8Array.from({ length: 4096 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    });
    expect(await codeOf(() => importOnnx(random))).toMatch(/TRUNCATED_FILE|INVALID_MODEL/);
  });

  it('rejects feeds with a wrong dtype, a wrong shape, a missing or an unknown name', async () => {
    const session = await InferenceSession.create(modelPath, { execution: 'inline' });
    try {
      const good = Tensor.zeros('float32', [1, 1, 8, 8]);
      expect(await codeOf(session.run({ image: Tensor.zeros('float64', [1, 1, 8, 8]) }))).toBe(ErrorCode.FEED_DTYPE_MISMATCH);
      expect(await codeOf(session.run({ image: Tensor.zeros('float32', [1, 1, 8, 9]) }))).toBe(ErrorCode.FEED_SHAPE_MISMATCH);
      expect(await codeOf(session.run({}))).toBe(ErrorCode.MISSING_FEED);
      expect(await codeOf(session.run({ image: good, extra: good }))).toBe(ErrorCode.UNKNOWN_FEED);
      // The symbolic batch dim accepts any batch size.
      const out = await session.run({ image: Tensor.zeros('float32', [2, 1, 8, 8]) });
      expect(out.probabilities!.shape).toEqual([2, 3]);
    } finally {
      await session.dispose();
    }
  });

  it('names the node whose input nobody produces', async () => {
    const graph = importOnnx(bytes);
    graph.nodes[1]!.inputs[0] = 'missing_value';
    const dir = mkdtempSync(join(tmpdir(), 'kiln-bad-'));
    const path = join(dir, 'dangling.onnx');
    writeFileSync(path, exportOnnx(graph));
    try {
      await InferenceSession.create(path, { execution: 'inline' });
      expect.unreachable();
    } catch (e) {
      expect((e as KilnError).code).toBe(ErrorCode.GRAPH_DANGLING_INPUT);
      expect((e as KilnError).node?.name).toBe('relu');
    }
  });
});
