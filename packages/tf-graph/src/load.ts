/**
 * One entry point for any TensorFlow model on disk: a SavedModel folder (saved_model.pb +
 * variables/), a TensorFlow.js model.json, or a frozen GraphDef (.pb).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, type Graph, KilnError } from '@kiln-inference/core';
import type { TfImportOptions } from './graph-builder.js';
import { loadGraphDef } from './graphdef.js';
import { loadSavedModel, type SavedModelOptions } from './savedmodel/saved-model.js';
import { loadTfjsModel } from './tfjs/tfjs-model.js';

export type TfFormat = 'savedmodel' | 'tfjs' | 'graphdef';

export async function detectTfFormat(path: string): Promise<TfFormat> {
  const info = await stat(path).catch(() => {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot read '${path}'`, { hint: 'check the path' });
  });
  if (info.isDirectory()) {
    const hasPb = await stat(join(path, 'saved_model.pb')).then(
      () => true,
      () => false,
    );
    if (!hasPb)
      throw new KilnError(ErrorCode.UNSUPPORTED_FORMAT, `'${path}' is a folder without saved_model.pb`, {
        hint: 'pass a SavedModel folder, a model.json or a frozen .pb',
      });
    return 'savedmodel';
  }
  return path.endsWith('.json') ? 'tfjs' : 'graphdef';
}

export async function loadTensorFlow(
  path: string,
  options: TfImportOptions & Pick<SavedModelOptions, 'tags' | 'signature'> = {},
): Promise<Graph> {
  const format = await detectTfFormat(path);
  if (format === 'savedmodel') return (await loadSavedModel(path, options)).graph;
  return format === 'tfjs' ? loadTfjsModel(path, options) : loadGraphDef(path, options);
}
