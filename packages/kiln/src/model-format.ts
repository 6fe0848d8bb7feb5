/**
 * Recognises a model's format from its path and first bytes, so every entry point (CLI, load,
 * InferenceSession) accepts the same inputs.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { ErrorCode, KilnError } from '@kiln-inference/core';

/** The model formats Kiln loads; 'plan' is a built Kiln engine plan. */
export type ModelFormat = 'onnx' | 'tf-graphdef' | 'tf-savedmodel' | 'tfjs' | 'uff' | 'plan';

/** The format of the file or folder at `path`, from its name and first bytes; a `KilnError` when it is none Kiln reads. */
export function detectModelFormat(path: string): ModelFormat {
  if (!existsSync(path)) {
    throw new KilnError(ErrorCode.IO_ERROR, `model file '${path}' does not exist`, { hint: 'check the path' });
  }
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'saved_model.pb'))) return 'tf-savedmodel';
    if (existsSync(join(path, 'model.json'))) return 'tfjs';
    throw new KilnError(ErrorCode.UNSUPPORTED_FORMAT, `folder '${path}' holds neither saved_model.pb nor model.json`, {
      hint: 'pass a SavedModel folder, a TensorFlow.js folder, or a model file',
    });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.plan' || ext === '.engine') return 'plan';
  if (ext === '.onnx') return 'onnx';
  if (ext === '.uff') return 'uff';
  if (ext === '.json' || basename(path) === 'model.json') return 'tfjs';
  if (basename(path) === 'saved_model.pb') return 'tf-savedmodel';
  if (ext === '.pb' || ext === '.pbtxt') return 'tf-graphdef';
  throw new KilnError(ErrorCode.UNSUPPORTED_FORMAT, `cannot tell the format of '${path}' from its name`, {
    hint: 'use one of the extensions .onnx, .pb, .uff, .plan, or model.json / a SavedModel folder',
  });
}
