// docs/from-onnxruntime.md shows a snippet file verbatim; this runs the snippet and checks the page still shows it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '@kiln-inference/core';
import { expectTensorClose, readNpyFile, repoRoot } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from './docs/from-onnxruntime-snippet.js';

const SNIPPET = 'packages/kiln/test/docs/from-onnxruntime-snippet.ts';
const example = (f: string) => join(repoRoot(), 'examples/tiny-cnn', f);

describe('docs/from-onnxruntime.md', () => {
  it('shows the snippet file as it is', () => {
    const doc = readFileSync(join(repoRoot(), 'docs/from-onnxruntime.md'), 'utf8');
    const block = doc.match(/<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)```\n<!-- \/snippet -->/);
    expect(block?.[1]).toBe(SNIPPET);
    expect(block?.[2]).toBe(readFileSync(join(repoRoot(), SNIPPET), 'utf8'));
  });

  it("the snippet's classify() gives the example model's expected output", async () => {
    const input = readNpyFile(example('input.npy'));
    const values = await classify(example('model.onnx'), input.data as Float32Array, [...input.shape]);
    expectTensorClose(new Tensor('float32', values, [1, 3]), readNpyFile(example('expected_output.npy')), { rtol: 1e-5, atol: 1e-6 });
  });
});
