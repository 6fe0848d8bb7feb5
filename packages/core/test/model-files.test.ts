/** Path policy for side files: inside the model folder (symlinks included) or refused, and never a raw ENOENT. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findModelFile,
  KilnError,
  machineMemoryBytes,
  nodeResourceLimits,
  readModelFile,
  readModelFileRange,
  readModelPath,
  resolveModelFile,
  resourceLimits,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-model-files-'));
const folder = join(root, 'model');
const secret = join(root, 'secret.txt');
mkdirSync(join(folder, 'sub'), { recursive: true });
writeFileSync(secret, 'x'.repeat(1234));
writeFileSync(join(folder, 'w.bin'), new Uint8Array([1, 2, 3, 4, 5, 6]));
writeFileSync(join(folder, 'sub', 'v.bin'), new Uint8Array([9]));
symlinkSync(secret, join(folder, 'leak.bin'));
symlinkSync(join(root, 'nothing-here'), join(folder, 'dangling.bin'));
symlinkSync(root, join(folder, 'up'));
symlinkSync(join(folder, 'w.bin'), join(folder, 'alias.bin'));
symlinkSync(join(folder, 'sub'), join(folder, 'subdir'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function refusal(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    return e as KilnError;
  }
  throw new Error('expected a KilnError');
}

describe('resolveModelFile', () => {
  it('resolves files and links that stay inside the folder', () => {
    expect(resolveModelFile(folder, 'w.bin', 'weight shard')).toMatch(/w\.bin$/);
    expect(resolveModelFile(folder, 'alias.bin', 'weight shard')).toBe(resolveModelFile(folder, 'w.bin', 'weight shard'));
    expect(resolveModelFile(folder, 'subdir/v.bin', 'weight shard')).toBe(resolveModelFile(folder, 'sub/v.bin', 'weight shard'));
    expect(resolveModelFile(folder, 'sub/../w.bin', 'weight shard')).toMatch(/w\.bin$/);
  });

  it('refuses what leaves the folder the same way whether or not the target exists', () => {
    const references = [
      '../secret.txt',
      '../missing.txt',
      secret,
      '/no/such/file',
      'leak.bin',
      'dangling.bin',
      'up/secret.txt',
      'up/none',
      'C:\\x',
    ];
    for (const reference of references) {
      const e = refusal(() => resolveModelFile(folder, reference, 'weight shard'));
      expect(e.code, reference).toBe('EXTERNAL_DATA');
      expect(e.message.split(' Hint: ')[0]).toBe(`weight shard path '${reference}' points outside the model folder`);
      expect(e.message).not.toMatch(/1234|exist/);
    }
  });

  it('reports a missing file inside the folder as IO_ERROR naming it and the part that needs it', () => {
    const e = refusal(() => resolveModelFile(folder, 'sub/gone.bin', 'SavedModel variables data shard'));
    expect(e.code).toBe('IO_ERROR');
    expect(e.message.split(' Hint: ')[0]).toBe("SavedModel variables data shard 'sub/gone.bin' is missing from the model folder");
    expect(findModelFile(folder, 'sub/gone.bin', 'x')).toBeUndefined();
    expect(refusal(() => findModelFile(folder, '../secret.txt', 'x')).code).toBe('EXTERNAL_DATA');
    expect(refusal(() => resolveModelFile(folder, 'sub', 'x')).code).toBe('IO_ERROR');
    expect(refusal(() => resolveModelFile(folder, '', 'x')).code).toBe('INVALID_MODEL');
  });
});

describe('reading', () => {
  it('reads whole files and ranges, bounded by maxModelBytes', async () => {
    expect(Array.from(await readModelFile(folder, 'alias.bin', 'weight shard'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(readModelFileRange(folder, 'w.bin', 'external data', 2, 3))).toEqual([3, 4, 5]);
    expect(refusal(() => readModelFileRange(folder, 'w.bin', 'external data', 4, 3)).code).toBe('TRUNCATED_FILE');
    await expect(readModelFile(folder, 'w.bin', 'weight shard', resourceLimits({ maxModelBytes: 5 }))).rejects.toMatchObject({
      code: 'RESOURCE_LIMIT',
    });
    await expect(readModelFile(folder, 'leak.bin', 'weight shard')).rejects.toMatchObject({ code: 'EXTERNAL_DATA' });
  });

  it('turns a missing model path into IO_ERROR', async () => {
    await expect(readModelPath(join(root, 'none.onnx'), 'ONNX model')).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(readModelPath(folder, 'ONNX model')).rejects.toThrow(/it is a folder/);
  });
});

describe('machine memory', () => {
  it('sizes the Node defaults to the memory this process may use', () => {
    const memory = machineMemoryBytes();
    expect(memory).toBeGreaterThan(0);
    expect(nodeResourceLimits().maxModelBytes).toBe(Math.floor(memory / 2));
    expect(nodeResourceLimits({ maxNodes: 7 }).maxNodes).toBe(7);
  });
});
