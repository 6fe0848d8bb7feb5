/**
 * Reads the corpus' `kiln-corpus-reference/1` files (the tf/ and uff/ references: a model, feeds
 * and expected outputs per case) and checks a runner's outputs against them. The runner is the
 * caller's (a converted network on the reference executor, a built plan), so this module needs
 * nothing but core.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DType, Tensor } from '@kiln/core';
import { readRawFile } from './files.js';
import { expectTensorClose } from './tensor-compare.js';

export interface ReferenceTensor {
  name: string;
  dtype: DType;
  shape: number[];
  file?: string;
  value?: number;
  argmax?: number;
}

export interface ReferenceCase {
  dir: string;
  feeds: ReferenceTensor[];
  outputs: ReferenceTensor[];
}

export interface Reference {
  schema: string;
  format: string;
  model: string;
  tolerance: { rtol: number; atol: number };
  cases: ReferenceCase[];
  /** Absolute folder of reference.json. */
  folder: string;
}

export function readReference(folder: string): Reference {
  const json = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as Omit<Reference, 'folder'>;
  if (json.schema !== 'kiln-corpus-reference/1') throw new Error(`${folder}: unexpected schema ${json.schema}`);
  return { ...json, folder };
}

export function modelPath(ref: Reference): string {
  return resolve(ref.folder, ref.model);
}

function loadTensor(ref: Reference, c: ReferenceCase, t: ReferenceTensor): Tensor {
  if (t.file) return readRawFile(join(ref.folder, c.dir, t.file), t.dtype ?? 'float32', t.shape);
  return Tensor.fromValues(t.dtype, t.shape, new Array<number>(t.shape.reduce((a, b) => a * b, 1)).fill(t.value ?? 0));
}

export function caseFeeds(ref: Reference, c: ReferenceCase): Map<string, Tensor> {
  return new Map(c.feeds.map((f) => [f.name, loadTensor(ref, c, f)]));
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Runs every case through `run` and checks its outputs (values and, where given, argmax). */
export function checkReferenceCases(ref: Reference, run: (feeds: Map<string, Tensor>) => ReadonlyMap<string, Tensor>): void {
  for (const c of ref.cases) {
    const results = run(caseFeeds(ref, c));
    for (const o of c.outputs) {
      const actual = results.get(o.name);
      if (!actual) throw new Error(`case ${c.dir}: output '${o.name}' missing; outputs: ${[...results.keys()].join(', ')}`);
      const expected = loadTensor(ref, c, { ...o, dtype: o.dtype ?? 'float32' });
      expectTensorClose(actual, expected, ref.tolerance);
      if (o.argmax !== undefined) {
        const row = actual.toFloat32().subarray(0, o.shape[o.shape.length - 1]!);
        if (argmax(row) !== o.argmax) throw new Error(`case ${c.dir} output '${o.name}': argmax ${argmax(row)}, expected ${o.argmax}`);
      }
    }
  }
}
