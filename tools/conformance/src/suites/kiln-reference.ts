/**
 * The corpus' `kiln-corpus-reference/1` folders (every reference.json under tf/ and uff/) as
 * conformance cases: paths only, so listing is cheap on the main thread. The format itself is
 * read by @kiln-inference/testkit's `readReference`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { subdirectories } from '../onnx/backend-layout.js';
import type { TestCase } from '../suite.js';

/** What a reference-driven case carries into the worker: paths only. */
export interface ReferenceCaseData extends Record<string, unknown> {
  /** Absolute folder holding reference.json. */
  referenceDir: string;
}

/** Subfolders of `root` (sorted) that hold a reference.json; [] when `root` is absent. */
export function referenceFolders(root: string): string[] {
  return subdirectories(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, 'reference.json')));
}

/** One test case per reference folder, named after the folder (minus `strip`, e.g. '-reference'). */
export function referenceCases(suite: string, folders: readonly string[], strip = ''): TestCase[] {
  return folders.map((dir) => {
    const base = dir.split(/[\\/]/).pop()!;
    const name = strip && base.endsWith(strip) ? base.slice(0, -strip.length) : base;
    const data: ReferenceCaseData = { referenceDir: dir };
    return { suite, name, data };
  });
}
