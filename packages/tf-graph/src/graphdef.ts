/**
 * Frozen GraphDef (.pb) import: the bytes of a `GraphDef` message, weights as Const nodes.
 */
import { basename } from 'node:path';
import { ErrorCode, type Graph, KilnError, readModelPath } from '@kiln-inference/core';
import { buildTfGraph, type TfImportOptions } from './graph-builder.js';
import { decodeGraphDef, type TfGraphDef } from './proto/tf-messages.js';
import { ProtoReader } from './proto/wire-reader.js';

/** Decodes GraphDef bytes without building a Graph (for tools that inspect the raw nodes). */
export function decodeGraphDefBytes(bytes: Uint8Array, what = 'GraphDef'): TfGraphDef {
  if (bytes.length === 0) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${what}: the file is empty`, { hint: 'pass the bytes of a frozen GraphDef (.pb)' });
  }
  // SavedModel and UFF files both open with a varint version in field 1 (byte 0x08), where a
  // GraphDef has its first node.
  if (bytes[0] === 0x08) {
    throw new KilnError(ErrorCode.UNSUPPORTED_FORMAT, `${what}: the file starts with a version number, not a node`, {
      hint: 'this looks like a SavedModel (use loadSavedModel on its folder) or a UFF file (use @kiln-inference/uff)',
    });
  }
  const graph = decodeGraphDef(new ProtoReader(bytes, what));
  if (graph.nodes.length === 0) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${what}: no nodes were found`, {
      hint: 'this is not a GraphDef; a SavedModel (saved_model.pb) is read with loadSavedModel',
    });
  }
  return graph;
}

export function importGraphDef(bytes: Uint8Array, options: TfImportOptions = {}): Graph {
  const def = decodeGraphDefBytes(bytes);
  return buildTfGraph(def.nodes, def.producer, {
    ...options,
    library: def.library,
    metadata: { source: 'tf-graphdef', ...(def.functionNames.length ? { functions: def.functionNames.join(',') } : {}) },
  });
}

export async function loadGraphDef(path: string, options: TfImportOptions = {}): Promise<Graph> {
  const bytes = await readModelPath(path, 'GraphDef');
  return importGraphDef(bytes, { name: basename(path).replace(/\.pb$/, ''), ...options });
}
