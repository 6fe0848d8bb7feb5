/**
 * Reads the corpus' `kiln-corpus-reference/1` files (the tf/ and uff/ references: a model, feeds
 * and expected outputs per case) and checks a runner's outputs against them. The runner is the
 * caller's (a converted network on the reference executor, a built plan), so this module needs
 * nothing but core.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode, isDType, KilnError, Tensor } from '@kiln-inference/core';
import { readRawFile } from './files.js';
import { expectTensorClose } from './tensor-compare.js';

export const KILN_REFERENCE_SCHEMA = 'kiln-corpus-reference/1';

/** A feed or an output: raw little-endian `file` (relative to the case folder) or inline `value`. */
export interface ReferenceTensor {
  name: string;
  /** A kiln dtype name; defaults to float32 (the schema's rule for outputs). */
  dtype?: string;
  shape: number[];
  file?: string;
  value?: number;
  /** Expected index of the largest element of the first row (last axis). */
  argmax?: number;
}

export interface ReferenceCase {
  /** Case folder relative to the reference folder ('.' for the folder itself). */
  dir: string;
  feeds: ReferenceTensor[];
  outputs: ReferenceTensor[];
}

export interface Reference {
  schema: string;
  format: string;
  /** Model path, relative to the reference folder. */
  model: string;
  tolerance: { rtol: number; atol: number };
  cases: ReferenceCase[];
  /** Absolute folder of reference.json. */
  folder: string;
}

/** The reference.json in `folder`, checked for the fields every consumer reads. */
export function readReference(folder: string): Reference {
  const path = join(folder, 'reference.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as Partial<Reference>;
  if (json.schema !== KILN_REFERENCE_SCHEMA) {
    throw new Error(`${path}: schema '${String(json.schema)}' is not ${KILN_REFERENCE_SCHEMA}`);
  }
  if (typeof json.model !== 'string' || !Array.isArray(json.cases) || !json.tolerance) {
    throw new Error(`${path}: a ${KILN_REFERENCE_SCHEMA} file needs 'model', 'tolerance' and 'cases'`);
  }
  return { ...(json as Omit<Reference, 'folder'>), folder: resolve(folder) };
}

export function modelPath(ref: Reference): string {
  return resolve(ref.folder, ref.model);
}

/** A feed or expected output: the raw little-endian file, or the inline value filled over the shape. */
export function loadReferenceTensor(ref: Pick<Reference, 'folder'>, c: ReferenceCase, t: ReferenceTensor): Tensor {
  const dtype = t.dtype ?? 'float32';
  if (!isDType(dtype)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `case ${c.dir}: '${t.name}' has unknown dtype '${dtype}'`, {
      hint: 'reference.json dtypes are kiln dtype names (float32, int32, ...)',
    });
  }
  if (t.file !== undefined) return readRawFile(join(ref.folder, c.dir, t.file), dtype, t.shape);
  if (t.value === undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `case ${c.dir}: '${t.name}' has neither 'file' nor 'value'`, {
      hint: `every feed and output of a ${KILN_REFERENCE_SCHEMA} case names a raw file or an inline value`,
    });
  }
  return Tensor.fromValues(dtype, t.shape, new Array<number>(t.shape.reduce((a, b) => a * b, 1)).fill(t.value));
}

export function caseFeeds(ref: Reference, c: ReferenceCase): Map<string, Tensor> {
  return new Map(c.feeds.map((f) => [f.name, loadReferenceTensor(ref, c, f)]));
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
      const expected = loadReferenceTensor(ref, c, o);
      expectTensorClose(actual, expected, ref.tolerance);
      if (o.argmax !== undefined) {
        const row = actual.toFloat32().subarray(0, o.shape[o.shape.length - 1]!);
        if (argmax(row) !== o.argmax) throw new Error(`case ${c.dir} output '${o.name}': argmax ${argmax(row)}, expected ${o.argmax}`);
      }
    }
  }
}
