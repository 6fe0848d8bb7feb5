/**
 * Files a TensorFlow model references (TF.js weight shards, SavedModel variables) resolve inside
 * the model folder, symlinks included: a manifest naming '../secret.txt', an absolute path or a
 * link out of the folder is refused without disclosing anything about the target, and a missing
 * shard is an IO_ERROR naming it, never a raw ENOENT.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKilnError, Tensor } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { loadSavedModel, loadTensorFlow, loadTfjsModel } from '@kiln-inference/tf-graph';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'kiln-tf-model-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The secret outside every model folder: 1234 bytes, a length no message may repeat. */
const secret = join(root, 'secret.txt');
writeFileSync(secret, 'k'.repeat(1234));

let folders = 0;
/** A TF.js model folder whose manifest names `shard` for one float32 [2] weight. */
function tfjsFolder(shard: string, write: (dir: string) => void = () => {}): string {
  const dir = join(root, `tfjs-${folders++}`);
  mkdirSync(dir);
  const model = {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } },
        { name: 'y', op: 'Identity', input: ['w'], attr: { T: { type: 'DT_FLOAT' } } },
      ],
      versions: { producer: 1000 },
    },
    weightsManifest: [{ paths: [shard], weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  write(dir);
  return join(dir, 'model.json');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the load to fail');
}

describe('TensorFlow.js weight shards', () => {
  it('loads a shard inside the folder, also through a link that stays inside', async () => {
    const values = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    for (const shard of ['w.bin', 'sub/w.bin', 'alias.bin']) {
      const path = tfjsFolder(shard, (dir) => {
        mkdirSync(join(dir, 'sub'));
        writeFileSync(join(dir, 'sub', 'w.bin'), values);
        writeFileSync(join(dir, 'w.bin'), values);
        symlinkSync(join(dir, 'sub', 'w.bin'), join(dir, 'alias.bin'));
      });
      const graph = await loadTfjsModel(path);
      expectTensorClose(graph.weights.get('w')!, Tensor.fromValues('float32', [2], [1.5, -2]), { rtol: 0, atol: 0 });
    }
  });

  it("refuses '../secret.txt', an absolute path and links out of the folder, disclosing nothing", async () => {
    const cases: [string, (dir: string) => void][] = [
      ['../secret.txt', () => {}],
      [secret, () => {}],
      ['leak.bin', (dir) => symlinkSync(secret, join(dir, 'leak.bin'))],
      ['out/secret.txt', (dir) => symlinkSync(root, join(dir, 'out'))],
      ['gone.bin', (dir) => symlinkSync(join(root, 'no-such-file'), join(dir, 'gone.bin'))],
    ];
    for (const [shard, write] of cases) {
      const e = await rejection(loadTfjsModel(tfjsFolder(shard, write)));
      expect(isKilnError(e, 'EXTERNAL_DATA'), `${shard}: ${e.message}`).toBe(true);
      expect(e.message).toContain(`weight shard path '${shard}' points outside the model folder`);
      expect(e.message).not.toMatch(/1234|\bbytes\b|exist/);
    }
  });

  it('reports a missing shard as IO_ERROR naming it', async () => {
    const e = await rejection(loadTensorFlow(tfjsFolder('group1-shard1of1.bin')));
    expect(isKilnError(e, 'IO_ERROR')).toBe(true);
    expect(e.message).toMatch(/weight shard 'group1-shard1of1.bin' is missing from the model folder/);
    expect(e.message).not.toMatch(/ENOENT/);
  });
});

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

describe.skipIf(!corpus)('SavedModel variables', () => {
  const source = join(corpus ?? '', 'tf/savedmodel/half_plus_two/00000123');
  const shardName = 'variables.data-00000-of-00001';

  function copy(name: string): string {
    const dir = join(root, name);
    cpSync(source, dir, { recursive: true });
    return dir;
  }

  it('reports a missing data shard as IO_ERROR naming the file and the model part', async () => {
    const dir = copy('missing-shard');
    unlinkSync(join(dir, 'variables', shardName));
    const e = await rejection(loadSavedModel(dir));
    expect(isKilnError(e, 'IO_ERROR')).toBe(true);
    expect(e.message).toContain(`SavedModel variables data shard 'variables/${shardName}' is missing from the model folder`);
    expect(e.message).not.toMatch(/ENOENT/);
  });

  it('refuses a data shard that links out of the folder, and reads one that links inside', async () => {
    const outside = copy('outside-shard');
    symlinkSync(join(source, 'variables', shardName), join(root, 'elsewhere.data'));
    unlinkSync(join(outside, 'variables', shardName));
    symlinkSync(join(root, 'elsewhere.data'), join(outside, 'variables', shardName));
    const e = await rejection(loadSavedModel(outside));
    expect(isKilnError(e, 'EXTERNAL_DATA')).toBe(true);
    expect(e.message).toContain(`SavedModel variables data shard path 'variables/${shardName}' points outside the model folder`);

    const inside = copy('inside-shard');
    const kept = join(inside, 'variables', 'kept.data');
    cpSync(join(inside, 'variables', shardName), kept);
    unlinkSync(join(inside, 'variables', shardName));
    symlinkSync(kept, join(inside, 'variables', shardName));
    const { variables } = await loadSavedModel(inside);
    expectTensorClose(variables.get('Variable')!, Tensor.scalar('float32', 0.5), { rtol: 0, atol: 0 });
    expectTensorClose(variables.get('Variable_1')!, Tensor.scalar('float32', 2), { rtol: 0, atol: 0 });
  });
});
