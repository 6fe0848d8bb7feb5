import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTensorProto, KilnError, serializeNpy, Tensor, tensorToLittleEndian } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { readFeedFile, readFeeds } from '../src/cli/feed-files.js';
import { sanitizeFileName, writeOutputs } from '../src/cli/output-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
const t = Tensor.fromValues('float32', [2, 3], [1, 2, 3, 4, 5, 6]);

describe('kiln run input files', () => {
  it('reads .npy, TensorProto .pb and raw path:dtype:dims inputs', () => {
    writeFileSync(join(dir, 'x.npy'), serializeNpy(t));
    writeFileSync(join(dir, 'x.pb'), encodeTensorProto(t, 'x'));
    writeFileSync(join(dir, 'x.bin'), tensorToLittleEndian(t));
    for (const spec of [join(dir, 'x.npy'), join(dir, 'x.pb'), `${join(dir, 'x.bin')}:float32:2x3`]) {
      const got = readFeedFile(spec);
      expect(got.shape).toEqual([2, 3]);
      expect(got.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(() => readFeedFile(`${join(dir, 'x.bin')}:float32:2x2`)).toThrow(KilnError);
    expect(() => readFeedFile(`${join(dir, 'x.bin')}:nosuch:2x3`)).toThrow(/unknown dtype/);
    expect(() => readFeedFile(join(dir, 'absent.npy'))).toThrow(/cannot read/);
  });

  it('maps NAME=FILE and bare FILE specs to model inputs', () => {
    const inputs = [{ name: 'a', dtype: 'float32' as const, shape: [2, 3] }];
    expect(Object.keys(readFeeds([join(dir, 'x.npy')], inputs))).toEqual(['a']);
    expect(Object.keys(readFeeds([`a=${join(dir, 'x.npy')}`], inputs))).toEqual(['a']);
    expect(() => readFeeds([`b=${join(dir, 'x.npy')}`], inputs)).toThrow(/not an input/);
  });
});

describe('kiln run outputs', () => {
  it('writes one .npy per output with safe unique names and an index', () => {
    expect(sanitizeFileName('a/b:c')).toBe('a_b_c');
    expect(sanitizeFileName('../x')).toBe('__x'); // no leading dots: never a hidden file or a parent path
    const out = join(dir, 'out');
    const written = writeOutputs(out, { 'a/b': t, 'a:b': t, h: Tensor.fromValues('bfloat16', [1], [1.5]) });
    expect(written.map((w) => w.file)).toEqual(['a_b.npy', 'a_b_1.npy', 'h.npy']);
    expect(written[2]!.storedAs).toBe('float32');
    const index = JSON.parse(readFileSync(join(out, 'outputs.json'), 'utf8'));
    expect(index.outputs[0]).toMatchObject({ name: 'a/b', dtype: 'float32', shape: [2, 3] });
  });
});
