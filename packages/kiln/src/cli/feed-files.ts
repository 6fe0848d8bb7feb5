/**
 * `--input NAME=FILE` for `kiln run`: FILE is a .npy file, a serialized ONNX TensorProto (.pb),
 * or raw little-endian data written `path.bin:DTYPE:D0xD1x…`.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, isDType, KilnError, parseNpy, type Tensor, type TensorDesc, tensorFromLittleEndian } from '@kiln-inference/core';
import { decodeTensorProto } from '@kiln-inference/onnx';

export function readFeedFile(spec: string): Tensor {
  const raw = /^(.*):([a-z0-9]+):(\d+(?:x\d+)*|scalar)$/i.exec(spec);
  if (raw && !spec.endsWith('.npy') && !spec.endsWith('.pb')) {
    const [, path, dtype, dims] = raw;
    if (!isDType(dtype))
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown dtype '${dtype}' in '${spec}'`, {
        hint: 'e.g. data.bin:float32:1x3x224x224',
      });
    const shape = dims === 'scalar' ? [] : dims!.split('x').map(Number);
    return tensorFromLittleEndian(dtype, shape, readBytes(path!));
  }
  const bytes = readBytes(spec);
  if (spec.endsWith('.npy')) return parseNpy(bytes);
  if (spec.endsWith('.pb')) return decodeTensorProto(bytes).tensor;
  throw new KilnError(ErrorCode.INVALID_ARGUMENT, `cannot tell the format of input file '${spec}'`, {
    hint: 'use .npy, a TensorProto .pb, or raw data as path.bin:DTYPE:D0xD1x…',
  });
}

/** Matches `NAME=FILE` specs to the model inputs; a bare FILE is allowed for single-input models. */
export function readFeeds(specs: readonly string[], inputs: readonly TensorDesc[]): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  specs.forEach((spec, i) => {
    const eq = spec.indexOf('=');
    let name: string;
    let file: string;
    if (eq > 0 && inputs.some((inp) => inp.name === spec.slice(0, eq))) {
      name = spec.slice(0, eq);
      file = spec.slice(eq + 1);
    } else if (eq > 0) {
      throw new KilnError(ErrorCode.UNKNOWN_FEED, `'${spec.slice(0, eq)}' is not an input of this model`, {
        hint: `inputs are: ${inputs.map((x) => x.name).join(', ')}`,
      });
    } else {
      const input = inputs[i];
      if (!input) throw new KilnError(ErrorCode.UNKNOWN_FEED, `more --input files than model inputs (${inputs.length})`);
      name = input.name;
      file = spec;
    }
    feeds[name] = readFeedFile(file);
  });
  return feeds;
}

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot read input file '${path}': ${(e as Error).message}`, { cause: e });
  }
}
