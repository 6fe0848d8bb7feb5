/**
 * Export with external data: weights of at least `sizeThreshold` bytes go to one data file
 * (`location`, relative to the model's folder) instead of the model, as ONNX allows for models
 * past protobuf's 2 GB limit. Sub-graph weights stay inline.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { ErrorCode, type Graph, KilnError } from '@kiln-inference/core';
import { tensorToProto } from '../tensor/encode-tensor.js';
import { DATA_LOCATION_EXTERNAL } from '../tensor/external-data.js';
import { exportOnnx, exportOnnxWith } from './export-model.js';

export interface ExternalDataOptions {
  /** Data file name, relative to the model (default '<model>.data' when saving). */
  location: string;
  /** Weights smaller than this many bytes stay inline (default 1024). */
  sizeThreshold?: number;
}

/** Offsets are aligned so a reader can map tensors without copying. */
const ALIGNMENT = 64;

export function exportOnnxWithExternalData(graph: Graph, options: ExternalDataOptions): { model: Uint8Array; data: Uint8Array } {
  if (!options.location || isAbsolute(options.location) || normalize(options.location).startsWith('..')) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `external data location '${options.location}' must be a file name inside the model folder`,
      {
        hint: "use a plain name such as 'model.onnx.data'",
      },
    );
  }
  const threshold = options.sizeThreshold ?? 1024;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const model = exportOnnxWith(graph, (name, tensor) => {
    const inline = tensorToProto(tensor, name);
    if (!inline.rawData || inline.rawData.length < threshold) return inline;
    const padding = (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
    if (padding > 0) chunks.push(new Uint8Array(padding));
    offset += padding;
    const entry = {
      name,
      dims: inline.dims,
      dataType: inline.dataType,
      dataLocation: DATA_LOCATION_EXTERNAL,
      externalData: [
        { key: 'location', value: options.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(inline.rawData.length) },
      ],
    };
    chunks.push(inline.rawData);
    offset += inline.rawData.length;
    return entry;
  });
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { model, data };
}

/** Writes `path` and, when weights are large, its external data file next to it. */
export function saveOnnxFile(graph: Graph, path: string, options: { externalData?: boolean | Partial<ExternalDataOptions> } = {}): void {
  try {
    if (!options.externalData) {
      writeFileSync(path, exportOnnx(graph));
      return;
    }
    const extra = options.externalData === true ? {} : options.externalData;
    const location = extra.location ?? `${basename(path)}.data`;
    const { model, data } = exportOnnxWithExternalData(graph, { ...extra, location });
    writeFileSync(path, model);
    if (data.length > 0) writeFileSync(join(dirname(path), location), data);
  } catch (e) {
    if (e instanceof KilnError) throw e;
    throw new KilnError(ErrorCode.IO_ERROR, `cannot write ONNX model '${path}'`, {
      hint: 'check the folder exists and is writable',
      cause: e,
    });
  }
}
