/**
 * Path policy for the files a model references (TF.js weight shards, ONNX external data,
 * SavedModel variables): a reference resolves inside the model folder, symbolic links
 * included, or is refused. A model is untrusted input: its references must not read, size or
 * even probe for files elsewhere, so a refusal says the same thing whether or not the target
 * exists. Every parser that opens a side file goes through here, so no raw ENOENT reaches users.
 *
 * Also: the memory a Node process may use, for the default resource limits.
 */
import { closeSync, fstatSync, lstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { isAbsolute, join, relative, resolve, sep, win32 } from 'node:path';
import { ErrorCode, KilnError } from './errors.js';
import { checkModelBytes, defaultResourceLimits, type ResourceLimits, resourceLimits } from './resource-limits.js';

function refused(reference: string, part: string): KilnError {
  return new KilnError(ErrorCode.EXTERNAL_DATA, `${part} path '${reference}' points outside the model folder`, {
    hint: 'referenced files must sit in the model folder or below it, and symbolic links must stay inside it too',
  });
}

function missing(reference: string, part: string, cause?: unknown): KilnError {
  return new KilnError(ErrorCode.IO_ERROR, `${part} '${reference}' is missing from the model folder`, {
    hint: 'copy the whole model folder, with every file its model file names',
    ...(cause === undefined ? {} : { cause }),
  });
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The real path of the file `reference` names, relative to `folder`; `part` says which part of
 * the model needs it ("weight shard", "tensor 'w': external data") and leads every message.
 * Refuses (EXTERNAL_DATA) absolute references, references that leave the folder and any
 * symbolic link whose target is outside it; a missing file inside the folder is IO_ERROR.
 */
export function resolveModelFile(folder: string, reference: string, part: string): string {
  return resolveInside(folder, reference, part, false)!;
}

/** resolveModelFile for optional files: undefined when the file is not in the folder. */
export function findModelFile(folder: string, reference: string, part: string): string | undefined {
  return resolveInside(folder, reference, part, true);
}

function resolveInside(folder: string, reference: string, part: string, optional: boolean): string | undefined {
  if (typeof reference !== 'string' || reference.length === 0 || reference.includes('\0')) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${part} path ${JSON.stringify(reference)} is not a file name`, {
      hint: 'the model file is corrupted',
    });
  }
  if (isAbsolute(reference) || win32.isAbsolute(reference)) throw refused(reference, part);
  let root: string;
  try {
    root = realpathSync(resolve(folder));
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `${part}: cannot read the model folder '${folder}'`, {
      hint: 'check the path and its permissions',
      cause: e,
    });
  }
  const lexical = resolve(root, reference);
  if (!isInside(root, lexical)) throw refused(reference, part);
  // Walk one component at a time so a link is judged before anything behind it is touched.
  let current = root;
  for (const component of relative(root, lexical)
    .split(sep)
    .filter((c) => c.length > 0)) {
    const next = join(current, component);
    let link: boolean;
    try {
      link = lstatSync(next).isSymbolicLink();
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (optional) return undefined;
        throw missing(reference, part, e);
      }
      throw new KilnError(ErrorCode.IO_ERROR, `${part} '${reference}': cannot read it in the model folder`, {
        hint: 'check the permissions of the model folder',
        cause: e,
      });
    }
    if (link) {
      let target: string;
      try {
        target = realpathSync(next);
      } catch {
        // A dangling link: saying so would tell whether its target exists.
        throw refused(reference, part);
      }
      if (!isInside(root, target)) throw refused(reference, part);
      current = target;
    } else current = next;
  }
  let isFile: boolean;
  try {
    isFile = statSync(current).isFile();
  } catch (e) {
    // Removed between the walk and here.
    if (optional) return undefined;
    throw missing(reference, part, e);
  }
  if (!isFile) {
    throw new KilnError(ErrorCode.IO_ERROR, `${part} '${reference}' in the model folder is not a file`, {
      hint: 'the model names a folder where it needs a data file',
    });
  }
  return current;
}

function sizeOf(path: string, reference: string, part: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    throw missing(reference, part, e);
  }
}

/** Reads a whole referenced file, its size checked against maxModelBytes before reading. */
export async function readModelFile(folder: string, reference: string, part: string, limits?: ResourceLimits): Promise<Uint8Array> {
  const path = resolveModelFile(folder, reference, part);
  checkModelBytes(sizeOf(path, reference, part), `${part} '${reference}'`, {}, limits);
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw missing(reference, part, e);
  }
}

/** Synchronous readModelFile, for importers that are synchronous (ONNX). */
export function readModelFileSync(folder: string, reference: string, part: string, limits?: ResourceLimits): Uint8Array {
  const path = resolveModelFile(folder, reference, part);
  checkModelBytes(sizeOf(path, reference, part), `${part} '${reference}'`, {}, limits);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw missing(reference, part, e);
  }
}

/**
 * Reads `length` bytes at `offset` of a referenced file (ONNX external data); a file too short
 * for them is TRUNCATED_FILE, which may give its size: it is inside the model folder.
 */
export function readModelFileRange(folder: string, reference: string, part: string, offset: number, length: number): Uint8Array {
  const path = resolveModelFile(folder, reference, part);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw missing(reference, part, e);
  }
  try {
    const size = fstatSync(fd).size;
    if (offset + length > size) {
      throw new KilnError(
        ErrorCode.TRUNCATED_FILE,
        `${part} '${reference}' has ${size} bytes, but bytes ${offset}..${offset + length} are needed`,
        { hint: 'the data file is truncated or belongs to another model' },
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n <= 0) break;
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Reads a model's own file (the path the user gave), turning fs failures into IO_ERROR. */
export async function readModelPath(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = errnoCode(e);
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : 'it cannot be read';
    throw new KilnError(ErrorCode.IO_ERROR, `cannot read ${what} '${path}': ${why}`, {
      hint: 'check the path and its permissions',
      cause: e,
    });
  }
}

/** The memory this process may use: the machine's, or its cgroup's limit when smaller. */
export function machineMemoryBytes(): number {
  let memory = totalmem();
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim());
      // 'max' (no limit) reads as NaN; cgroup v1 writes a huge number for "no limit".
      if (Number.isFinite(limit) && limit > 0 && limit < memory) memory = limit;
    } catch {
      // No such cgroup file on this machine.
    }
  }
  return memory;
}

/** Limits for a Node process: defaults sized to machineMemoryBytes(), then the caller's overrides. */
export function nodeResourceLimits(overrides: Partial<ResourceLimits> = {}): ResourceLimits {
  return resourceLimits(overrides, defaultResourceLimits(machineMemoryBytes()));
}
