/**
 * Writes `kiln run` outputs: one .npy per output (names made safe for file systems, unique)
 * and an index `outputs.json` mapping each output name to its file, dtype and shape.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { castTensor, type DType, hasNumpyDType, serializeNpy, type Tensor } from '@kiln-inference/core';

export interface WrittenOutput {
  name: string;
  file: string;
  dtype: DType;
  shape: number[];
  /** Set when the dtype has no numpy equivalent and the file holds a widened copy. */
  storedAs?: DType;
}

export function sanitizeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe.length > 0 ? safe.slice(0, 200) : 'output';
}

export function writeOutputs(dir: string, outputs: Record<string, Tensor>): WrittenOutput[] {
  mkdirSync(dir, { recursive: true });
  const used = new Set<string>();
  const written: WrittenOutput[] = [];
  for (const [name, tensor] of Object.entries(outputs)) {
    let base = sanitizeFileName(name);
    for (let i = 1; used.has(base.toLowerCase()); i++) base = `${sanitizeFileName(name)}_${i}`;
    used.add(base.toLowerCase());
    const entry: WrittenOutput = { name, file: '', dtype: tensor.dtype, shape: [...tensor.shape] };
    if (tensor.dtype === 'string') {
      entry.file = `${base}.json`;
      writeFileSync(join(dir, entry.file), JSON.stringify({ shape: tensor.shape, values: tensor.data }));
    } else {
      let stored = tensor;
      if (!hasNumpyDType(tensor.dtype)) {
        stored = castTensor(tensor, tensor.dtype.startsWith('int') || tensor.dtype.startsWith('uint') ? 'int32' : 'float32');
        entry.storedAs = stored.dtype;
      }
      entry.file = `${base}.npy`;
      writeFileSync(join(dir, entry.file), serializeNpy(stored));
    }
    written.push(entry);
  }
  writeFileSync(join(dir, 'outputs.json'), `${JSON.stringify({ outputs: written }, null, 2)}\n`);
  return written;
}
