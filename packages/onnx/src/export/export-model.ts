/** kiln Graph → ModelProto bytes. */
import { ErrorCode, type Graph, KilnError } from '@kiln-inference/core';
import { METADATA_PROPS_PREFIX } from '../import/import-model.js';
import { ProtoTypes } from '../proto/schema.js';
import { functionToProto, graphToProto, type WeightEncoder } from './export-graph.js';

/** IR version written when the graph does not say (ONNX 1.16+ readers accept it). */
const DEFAULT_IR_VERSION = 10;
/** Opset written for graphs that import none (hand-built graphs). */
const DEFAULT_OPSET = 21;
/** Initializers that are not graph inputs need IR version 4 or later. */
const MIN_IR_FOR_FREE_INITIALIZERS = 4;

function irVersion(graph: Graph): number {
  const declared = Number(graph.metadata.ir_version ?? DEFAULT_IR_VERSION);
  const ir = Number.isSafeInteger(declared) && declared > 0 ? declared : DEFAULT_IR_VERSION;
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const free = [...graph.weights.keys()].some((w) => !inputs.has(w));
  return free ? Math.max(ir, MIN_IR_FOR_FREE_INITIALIZERS) : ir;
}

function modelObject(graph: Graph, encodeWeight?: WeightEncoder): Record<string, unknown> {
  const meta = graph.metadata;
  const opsets = graph.opsetImports.length > 0 ? graph.opsetImports : [{ domain: '', version: DEFAULT_OPSET }];
  const model: Record<string, unknown> = {
    irVersion: irVersion(graph),
    opsetImport: opsets.map((o) => ({ domain: o.domain === 'ai.onnx' ? '' : o.domain, version: o.version })),
    graph: graphToProto(graph, encodeWeight),
    functions: graph.functions.map((f) => functionToProto(f, [...graph.nodes, ...graph.functions.flatMap((other) => other.nodes)])),
    metadataProps: Object.entries(meta)
      .filter(([k]) => k.startsWith(METADATA_PROPS_PREFIX))
      .map(([k, value]) => ({ key: k.slice(METADATA_PROPS_PREFIX.length), value })),
  };
  if (meta.producer_name) model.producerName = meta.producer_name;
  if (meta.producer_version) model.producerVersion = meta.producer_version;
  if (meta.domain) model.domain = meta.domain;
  if (meta.model_version !== undefined) model.modelVersion = Number(meta.model_version) || 0;
  if (meta.doc_string) model.docString = meta.doc_string;
  return model;
}

function checkExportable(graph: Graph): void {
  if (graph.format !== 'onnx') {
    throw new KilnError(
      ErrorCode.UNSUPPORTED_FORMAT,
      `cannot export a '${graph.format}' graph as ONNX: its nodes hold ${graph.format} ops`,
      {
        hint: 'convert the graph to ONNX ops first; only graphs imported from ONNX (or built with ONNX ops) can be exported',
      },
    );
  }
}

export function exportOnnx(graph: Graph): Uint8Array {
  checkExportable(graph);
  return ProtoTypes.ModelProto.encode(modelObject(graph)).finish();
}

/** Encodes a model whose weights are written by `encodeWeight` (the external-data writer). */
export function exportOnnxWith(graph: Graph, encodeWeight: WeightEncoder): Uint8Array {
  checkExportable(graph);
  return ProtoTypes.ModelProto.encode(modelObject(graph, encodeWeight)).finish();
}
