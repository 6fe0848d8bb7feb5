/**
 * Resource limits in the ONNX importer: every tensor's declared size, the model's total, node
 * counts, sub-graph nesting and string lengths are checked before anything is allocated, with
 * limits set per call; and the ~100-byte ConstantOfShape([65536, 65536]) that once took a
 * process past 4 GiB now stops with RESOURCE_LIMIT at low RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKilnError, type KilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose, repoRoot } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import { floatInput, modelBytes } from './helpers/model-builder.js';

function refusal(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    expect(isKilnError(e), String(e)).toBe(true);
    return e as KilnError;
  }
  throw new Error('expected a KilnError');
}

const w = { name: 'w', dims: [4, 4], dataType: 1, rawData: new Uint8Array(new Float32Array(16).fill(0.25).buffer) };
const add = { name: 'add', opType: 'Add', input: ['x', 'w'], output: ['y'] };
const normal = modelBytes({ node: [add], initializer: [w], input: [floatInput('x', [4, 4])], output: [floatInput('y', [4, 4])] });

describe('tensor sizes', () => {
  it('refuses an initializer whose declared dims exceed the limits, before decoding it', () => {
    const huge = { name: 'huge', dims: [65536, 65536, 16], dataType: 1, floatData: [1] };
    const e = refusal(() => importOnnx(modelBytes({ initializer: [huge], output: [floatInput('huge', [])] })));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.message).toMatch(/^tensor 'huge': a float32 tensor of 68719476736 elements is over the limit maxTensorElements/);
  });

  it('takes limits per call: a small maxTensorBytes refuses a normal initializer and a Constant node, naming them', () => {
    expectTensorClose(importOnnx(normal).weights.get('w')!, Tensor.fromValues('float32', [4, 4], new Array(16).fill(0.25)), {
      rtol: 0,
      atol: 0,
    });
    const e = refusal(() => importOnnx(normal, { limits: { maxTensorBytes: 32 } }));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.message).toMatch(/^tensor 'w': a float32 tensor of 16 elements needs 64 B, over the limit maxTensorBytes = 32 B/);

    const constant = {
      name: 'c',
      opType: 'Constant',
      output: ['w'],
      attribute: [{ name: 'value', type: 4, t: { dims: [4, 4], dataType: 1, rawData: w.rawData } }],
    };
    const withConstant = modelBytes({ node: [constant, add], input: [floatInput('x', [4, 4])], output: [floatInput('y', [4, 4])] });
    const c = refusal(() => importOnnx(withConstant, { limits: { maxTensorBytes: 32 } }));
    expect(c.code).toBe('RESOURCE_LIMIT');
    expect(c.node).toMatchObject({ name: 'c', op: 'Constant' });
  });

  it("bounds the model's total tensor bytes, before reading external data, and the model file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-onnx-limits-'));
    try {
      writeFileSync(join(dir, 'w.bin'), new Uint8Array(64 * 64 * 4));
      const external = (name: string, location: string) => ({
        name,
        dims: [64, 64],
        dataType: 1,
        dataLocation: 1,
        externalData: [{ key: 'location', value: location }],
      });
      // The second tensor's file does not exist: the total is refused before anything opens it.
      const two = modelBytes({ initializer: [external('a', 'w.bin'), external('b', 'absent.bin')], output: [floatInput('a', [64, 64])] });
      const e = refusal(() => importOnnx(two, { baseDir: dir, limits: { maxModelBytes: 20_000 } }));
      expect(e.code).toBe('RESOURCE_LIMIT');
      expect(e.message).toMatch(/the model's tensors \(up to tensor 'b'\) needs 32\.0 KiB, over the limit maxModelBytes = 19\.5 KiB/);
      expect(refusal(() => importOnnx(two, { baseDir: dir })).code).toBe('IO_ERROR');
      const file = refusal(() => importOnnx(normal, { limits: { maxModelBytes: 100 } }));
      expect(file.message).toMatch(/the ONNX model file needs .* over the limit maxModelBytes = 100 B/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('counts', () => {
  it('bounds nodes, sub-graph nesting and attribute strings', () => {
    expect(refusal(() => importOnnx(normal, { limits: { maxNodes: 0.5 } })).code).toBe('INVALID_ARGUMENT');
    const nodes = refusal(() => importOnnx(normal, { limits: { maxNodes: 1, maxModelBytes: 1 } }));
    expect(nodes.code).toBe('RESOURCE_LIMIT');

    const many = modelBytes({ node: [add, { ...add, name: 'add2', output: ['z'] }], initializer: [w], input: [floatInput('x', [4, 4])] });
    expect(refusal(() => importOnnx(many, { limits: { maxNodes: 1 } })).message).toMatch(
      /nodes in the model .* \(2\) is over the limit maxNodes = 1/,
    );

    // If → then_branch holding an If → then_branch: nesting depth 2.
    const leaf = { name: 'leaf', node: [], output: [floatInput('x', [4, 4])] };
    const inner = {
      name: 'inner',
      node: [
        {
          name: 'if2',
          opType: 'If',
          input: ['cond'],
          output: ['o'],
          attribute: [
            { name: 'then_branch', type: 5, g: leaf },
            { name: 'else_branch', type: 5, g: leaf },
          ],
        },
      ],
      output: [floatInput('o', [4, 4])],
    };
    const nested = modelBytes({
      node: [
        {
          name: 'if1',
          opType: 'If',
          input: ['cond'],
          output: ['y'],
          attribute: [
            { name: 'then_branch', type: 5, g: inner },
            { name: 'else_branch', type: 5, g: leaf },
          ],
        },
      ],
      input: [{ name: 'cond', type: { tensorType: { elemType: 9, shape: { dim: [] } } } }, floatInput('x', [4, 4])],
      output: [floatInput('y', [4, 4])],
    });
    expect(() => importOnnx(nested)).not.toThrow();
    const deep = refusal(() => importOnnx(nested, { limits: { maxNestingDepth: 1 } }));
    expect(deep.code).toBe('RESOURCE_LIMIT');
    expect(deep.message).toMatch(/sub-graph 'leaf': nesting depth \(2\) is over the limit maxNestingDepth = 1/);
    expect(deep.node).toMatchObject({ name: 'if2', op: 'If' });

    let type: object = { tensorType: { elemType: 1 } };
    for (let i = 0; i < 3; i++) type = { sequenceType: { elemType: type } };
    const sequences = modelBytes({ node: [add], initializer: [w], input: [floatInput('x', [4, 4])], output: [{ name: 'y', type }] });
    expect(importOnnx(sequences, { inferShapes: false }).outputs[0]!.type?.kind).toBe('sequence');
    const types = refusal(() => importOnnx(sequences, { inferShapes: false, limits: { maxNestingDepth: 2 } }));
    expect(types.message).toMatch(/the nesting depth of a value type \(3\) is over the limit maxNestingDepth = 2/);

    const labelled = modelBytes({
      node: [{ ...add, attribute: [{ name: 'label', type: 3, s: new TextEncoder().encode('x'.repeat(100)) }] }],
      initializer: [w],
      input: [floatInput('x', [4, 4])],
    });
    const long = refusal(() => importOnnx(labelled, { limits: { maxStringLength: 64 } }));
    expect(long.message).toMatch(/attribute 'label': the length of a string in bytes \(100\) is over the limit maxStringLength = 64/);
    expect(long.node).toMatchObject({ name: 'add' });
  });
});

describe('ConstantOfShape([65536, 65536]) in a fresh process', () => {
  it('ends in RESOURCE_LIMIT naming the node, with the process staying small', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join('packages', 'onnx', 'test', 'helpers', 'constant-of-shape-child.mjs')],
      {
        cwd: repoRoot(),
        env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.dev.json' },
        encoding: 'utf8',
      },
    );
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout) as { modelBytes: number; stage: string; code: string; node: string; maxRssBytes: number };
    expect(report.modelBytes).toBeLessThan(200);
    expect(report).toMatchObject({ stage: 'convert', code: 'RESOURCE_LIMIT', node: 'fill' });
    // The fill alone would be 16 GiB; the whole pipeline up to the refusal stays far below 1 GiB.
    expect(report.maxRssBytes).toBeLessThan(2 ** 30);
  });
});
