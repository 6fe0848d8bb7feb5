/**
 * The import step of the TF and UFF suites: a model file → Graph + the registry that converts it.
 * Feed shapes go in as inputShapes (frozen graphs and UFF files may leave inputs open) and the
 * reference's output names select what the TensorFlow graph computes.
 */
import { createTfRegistry, createUffRegistry } from '@kiln-inference/converters';
import { loadTensorFlow } from '@kiln-inference/tf-graph';
import { loadUff } from '@kiln-inference/uff';
import type { ImportModel } from './run-reference-case.js';

export const importTensorFlowModel: ImportModel = async ({ model, inputShapes, outputs }) => ({
  graph: await loadTensorFlow(model, { inputShapes, outputs }),
  registry: createTfRegistry(),
});

/** UFF files name their outputs with MarkOutput nodes, so only the input shapes are passed. */
export const importUffModel: ImportModel = async ({ model, inputShapes }) => ({
  graph: await loadUff(model, { inputShapes }),
  registry: createUffRegistry(),
});
