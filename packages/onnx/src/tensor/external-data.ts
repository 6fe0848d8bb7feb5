/**
 * External data: a TensorProto with data_location = EXTERNAL keeps its bytes in a file next to
 * the model, named by the `location` key, at `offset` for `length` bytes. Paths are resolved
 * against the model's folder and may not leave it (see @kiln-inference/core's model-files).
 */
import { ErrorCode, KilnError, readModelFileRange } from '@kiln-inference/core';
import type { TensorMsg } from '../proto/messages.js';

export const DATA_LOCATION_EXTERNAL = 1;

export interface ExternalDataRef {
  location: string;
  offset: number;
  length: number | undefined;
}

export function parseExternalDataRef(msg: TensorMsg, where: string): ExternalDataRef {
  const entries = new Map(msg.externalData.map((e) => [e.key, e.value]));
  const location = entries.get('location');
  if (!location) {
    throw new KilnError(ErrorCode.EXTERNAL_DATA, `${where}: external data has no 'location' key`, {
      hint: 'the model is corrupted; re-save it with its external data',
    });
  }
  return {
    location,
    offset: parseCount(entries.get('offset'), 'offset', where) ?? 0,
    length: parseCount(entries.get('length'), 'length', where),
  };
}

function parseCount(text: string | undefined, key: string, where: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new KilnError(ErrorCode.EXTERNAL_DATA, `${where}: external data ${key} '${text}' is not a non-negative integer`, {
      hint: 'the model is corrupted; re-save it with its external data',
    });
  }
  return n;
}

/**
 * Reads the bytes of an external tensor; `expected` is what the tensor's shape needs. The
 * location goes through the shared path policy: inside the model folder, symlinks included.
 */
export function readExternalData(ref: ExternalDataRef, baseDir: string | undefined, expected: number, where: string): Uint8Array {
  if (baseDir === undefined) {
    throw new KilnError(
      ErrorCode.EXTERNAL_DATA,
      `${where}: data is stored in external file '${ref.location}' but no base folder is known`,
      {
        hint: 'use loadOnnxFile(path), or pass { baseDir } to importOnnx',
      },
    );
  }
  const length = ref.length ?? expected;
  return readModelFileRange(baseDir, ref.location, `${where}: external data`, ref.offset, length);
}
