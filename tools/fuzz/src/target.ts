/**
 * What a fuzz target is: a generator of cases (seeded, structure-aware) and an executor that
 * feeds one case to Kiln's public API. The executor throws whatever Kiln throws; the worker
 * classifies it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FuzzCase } from './fuzz-case.js';
import type { Rng } from './prng.js';

export type GeneratedCase = Omit<FuzzCase, 'target' | 'seed' | 'index'>;

export interface Target {
  name: string;
  generate(rng: Rng): Promise<GeneratedCase>;
  execute(c: FuzzCase, rng: Rng): Promise<void>;
  /** Why the target cannot run here (no device, no corpus), when it cannot. */
  unavailable?(): string | undefined;
}

/** A file outside the model folder whose bytes must never come back as model data. */
export const SECRET_NAME = 'secret.bin';
export const SECRET_BYTES = new Uint8Array(64).fill(0x5a);

const caseRoot = join(tmpdir(), `kiln-fuzz-${process.pid}`);

/**
 * Lays a case out on disk: its files under `<root>/model/`, and a secret beside that folder
 * for path-traversal cases to find. Returns the model folder.
 */
export function writeCaseFiles(c: FuzzCase): string {
  rmSync(caseRoot, { recursive: true, force: true });
  const modelDir = join(caseRoot, 'model');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(caseRoot, SECRET_NAME), SECRET_BYTES);
  for (const [name, bytes] of Object.entries(c.files)) {
    const path = join(modelDir, name);
    if (!path.startsWith(caseRoot)) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return modelDir;
}

export function removeCaseFiles(): void {
  rmSync(caseRoot, { recursive: true, force: true });
}

/** Does a file reference leave the model folder (relative `..` climbs or an absolute path)? */
export function escapesFolder(ref: string): boolean {
  if (ref.startsWith('/') || /^[A-Za-z]:[\\/]/.test(ref)) return true;
  let depth = 0;
  for (const part of ref.split(/[\\/]/)) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return true;
  }
  return false;
}
