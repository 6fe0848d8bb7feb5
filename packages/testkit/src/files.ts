/** Loaders for test data files: .npy and raw little-endian, and the corpus location. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DType, parseNpy, type Tensor, tensorFromLittleEndian } from '@kiln-inference/core';

export function readNpyFile(path: string): Tensor {
  return parseNpy(new Uint8Array(readFileSync(path)));
}

/** Raw little-endian data of `dtype` and `shape`, row-major (the corpus' `.bin` files). */
export function readRawFile(path: string, dtype: DType, shape: readonly number[]): Tensor {
  return tensorFromLittleEndian(dtype, shape, new Uint8Array(readFileSync(path)));
}

/**
 * The corpus folder: KILN_CORPUS, else ../shared/corpus from the repository root. Returns
 * undefined when it is absent so tests can skip with a message.
 */
export function corpusDir(): string | undefined {
  const candidates = [process.env.KILN_CORPUS, resolve(repoRoot(), '../shared/corpus')].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return candidates.map((p) => resolve(p)).find((p) => existsSync(p));
}

/** Walks up from the working directory to the folder holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = process.cwd();
  for (;;) {
    if (existsSync(resolve(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export const CORPUS_MISSING_MESSAGE = 'corpus not found: set KILN_CORPUS or place it at ../shared/corpus; skipping';
