/** External data: written by kiln's exporter to a temp folder, read back through loadOnnxFile. */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, Tensor } from '@kiln-inference/core';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnxWithExternalData, importOnnx, loadOnnxFile, saveOnnxFile } from '../src/index.js';
import { graphDifference } from './helpers/graph-equality.js';
import { modelBytes } from './helpers/model-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-onnx-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleGraph(): Graph {
  const big = Tensor.fromValues(
    'float32',
    [16, 32],
    Array.from({ length: 512 }, (_, i) => Math.sin(i)),
  );
  const packed = Tensor.fromValues(
    'int4',
    [2049],
    Array.from({ length: 2049 }, (_, i) => (i % 16) - 8),
  );
  const small = Tensor.fromValues('int64', [2], [1, -1]);
  return new Graph({
    format: 'onnx',
    name: 'ext',
    nodes: [{ name: 'mm', op: 'MatMul', domain: '', inputs: ['x', 'big'], outputs: ['y'], attributes: {} }],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: ['n', 16] } }],
    outputs: [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: ['n', 32] } }],
    weights: new Map<string, Tensor>([
      ['big', big],
      ['packed', packed],
      ['small', small],
    ]),
    opsetImports: [{ domain: '', version: 17 }],
  });
}

describe('external data', () => {
  it('round-trips large weights through a data file next to the model', async () => {
    const g = sampleGraph();
    const path = join(dir, 'model.onnx');
    saveOnnxFile(g, path, { externalData: true });
    const data = readFileSync(join(dir, 'model.onnx.data'));
    expect(data.length).toBeGreaterThanOrEqual(512 * 4 + 1025);
    expect(readFileSync(path).length).toBeLessThan(1024);
    const back = await loadOnnxFile(path);
    expect(graphDifference(g, back, { ignoreMetadata: ['ir_version'] })).toBeUndefined();
    expect(back.valueInfo.get('y')?.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: ['n', 32] });
  });

  it('needs a base folder when importing from bytes', () => {
    const { model } = exportOnnxWithExternalData(sampleGraph(), { location: 'w.bin' });
    expect(() => importOnnx(model)).toThrow(expect.objectContaining({ code: 'EXTERNAL_DATA' }));
    expect(() => importOnnx(model)).toThrowError(/tensor 'big'.*external file 'w.bin'.*loadOnnxFile/);
  });

  it('reports missing and truncated data files', () => {
    const { model, data } = exportOnnxWithExternalData(sampleGraph(), { location: 'short.bin' });
    expect(() => importOnnx(model, { baseDir: dir })).toThrow(expect.objectContaining({ code: 'IO_ERROR' }));
    expect(() => importOnnx(model, { baseDir: dir })).toThrowError(/tensor 'big': external data 'short.bin' is missing/);
    writeFileSync(join(dir, 'short.bin'), data.subarray(0, 100));
    expect(() => importOnnx(model, { baseDir: dir })).toThrow(expect.objectContaining({ code: 'TRUNCATED_FILE' }));
  });

  it('refuses external data reached through a symlink that leaves the model folder, disclosing nothing', () => {
    const outside = mkdtempSync(join(tmpdir(), 'kiln-onnx-outside-'));
    try {
      const { model, data } = exportOnnxWithExternalData(sampleGraph(), { location: 'linked.bin' });
      writeFileSync(join(outside, 'real.bin'), data);
      symlinkSync(join(outside, 'real.bin'), join(dir, 'linked.bin'));
      symlinkSync(join(outside, 'nothing.bin'), join(dir, 'dangling.bin'));
      symlinkSync(outside, join(dir, 'out'));
      let e: unknown;
      try {
        importOnnx(model, { baseDir: dir });
      } catch (err) {
        e = err;
      }
      expect(e).toMatchObject({ code: 'EXTERNAL_DATA' });
      expect((e as Error).message).toMatch(/tensor 'big': external data path 'linked.bin' points outside the model folder/);
      expect((e as Error).message).not.toContain(String(data.length));
      for (const location of ['dangling.bin', 'out/real.bin', 'out/nothing.bin']) {
        const bytes = modelBytes({
          initializer: [{ name: 'w', dims: [1], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: location }] }],
        });
        expect(() => importOnnx(bytes, { baseDir: dir }), location).toThrow(expect.objectContaining({ code: 'EXTERNAL_DATA' }));
      }
      // A link that stays inside the folder is followed.
      writeFileSync(join(dir, 'inside.bin'), data);
      const { model: viaLink } = exportOnnxWithExternalData(sampleGraph(), { location: 'inside-link.bin' });
      symlinkSync(join(dir, 'inside.bin'), join(dir, 'inside-link.bin'));
      expect(graphDifference(sampleGraph(), importOnnx(viaLink, { baseDir: dir }), { ignoreMetadata: ['ir_version'] })).toBeUndefined();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('rejects locations that escape the model folder', () => {
    for (const location of ['../secret.bin', '/etc/passwd', 'sub/../../x.bin']) {
      const bytes = modelBytes({
        initializer: [{ name: 'w', dims: [1], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: location }] }],
      });
      expect(() => importOnnx(bytes, { baseDir: dir }), location).toThrowError(
        /tensor 'w': external data path .* points outside the model folder/,
      );
    }
    expect(() => exportOnnxWithExternalData(sampleGraph(), { location: '../x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('rejects malformed offsets', () => {
    const bytes = modelBytes({
      initializer: [
        {
          name: 'w',
          dims: [1],
          dataType: 1,
          dataLocation: 1,
          externalData: [
            { key: 'location', value: 'a.bin' },
            { key: 'offset', value: '-4' },
          ],
        },
      ],
    });
    expect(() => importOnnx(bytes, { baseDir: dir })).toThrowError(/offset '-4' is not a non-negative integer/);
  });
});
