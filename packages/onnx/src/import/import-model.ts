/** ModelProto bytes → kiln Graph (format 'onnx'). */
import { dirname } from 'node:path';
import {
  checkModelBytes,
  ErrorCode,
  type Graph,
  KilnError,
  type ResourceLimits,
  readModelPath,
  resourceLimits,
  withResourceLimits,
} from '@kiln-inference/core';
import { inferGraphTypes } from '../inference/infer-graph.js';
import { decodeMessage } from '../proto/decode-message.js';
import { int64ToNumber } from '../proto/int64.js';
import { hasField, type ModelMsg } from '../proto/messages.js';
import { functionFromProto, graphFromProto, opsetsFromProto } from './import-graph.js';

export interface ImportOptions {
  /** Folder that external data locations are relative to. */
  baseDir?: string;
  /** Turn `Constant` nodes into weights (default true). */
  constantsAsWeights?: boolean;
  /** Infer dtypes and shapes of intermediate values into `graph.valueInfo` (default true). */
  inferShapes?: boolean;
  onWarning?: (msg: string) => void;
  /** Overrides of the resource limits in force (tensor and model bytes, nodes, nesting, strings). */
  limits?: Partial<ResourceLimits>;
}

export type LoadOptions = Omit<ImportOptions, 'baseDir'>;

/** Key prefix of ModelProto.metadata_props entries in `graph.metadata`. */
export const METADATA_PROPS_PREFIX = 'metadata_props.';

function modelMetadata(m: ModelMsg): Record<string, string> {
  const meta: Record<string, string> = {};
  if (hasField(m, 'irVersion')) meta.ir_version = String(int64ToNumber(m.irVersion));
  if (m.producerName) meta.producer_name = m.producerName;
  if (m.producerVersion) meta.producer_version = m.producerVersion;
  if (m.domain) meta.domain = m.domain;
  if (hasField(m, 'modelVersion')) meta.model_version = String(int64ToNumber(m.modelVersion));
  if (m.docString) meta.doc_string = m.docString;
  for (const p of m.metadataProps) meta[METADATA_PROPS_PREFIX + p.key] = p.value;
  return meta;
}

/** The import stage in progress, so an unforeseen failure can say where it happened. */
type ImportStage = 'decode' | 'graph build' | 'shape inference';

export function importOnnx(bytes: Uint8Array, options: ImportOptions = {}): Graph {
  const progress: { stage: ImportStage } = { stage: 'decode' };
  try {
    const limits = resourceLimits(options.limits);
    // Import is synchronous, so every allocation in it (decoders, shape inference) sees these limits.
    return withResourceLimits(limits, () => importModel(bytes, options, progress));
  } catch (e) {
    if (e instanceof KilnError) throw e;
    // A corrupted file can still trip an unforeseen path; users get a KilnError, not a crash, and
    // the original error stays its cause (with its stack) so the path can be found and fixed.
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new KilnError(ErrorCode.INVALID_MODEL, `could not import the ONNX model (${progress.stage} failed): ${detail}`, {
      hint: "the model may be corrupted; if onnxruntime loads it, report this as a kiln bug (with the error's cause)",
      cause: e,
    });
  }
}

function importModel(bytes: Uint8Array, options: ImportOptions, progress: { stage: ImportStage }): Graph {
  if (bytes instanceof Uint8Array && bytes.length === 0) {
    throw new KilnError(ErrorCode.TRUNCATED_FILE, 'the ONNX model is empty (0 bytes)', {
      hint: 'the file was not written completely; export it again',
    });
  }
  if (bytes instanceof Uint8Array) checkModelBytes(bytes.length, 'the ONNX model file');
  const model = decodeMessage<ModelMsg>('ModelProto', bytes, 'the ONNX model');
  if (!model.graph) {
    throw new KilnError(ErrorCode.INVALID_MODEL, 'the ONNX model has no graph', {
      hint: 'the bytes are corrupted or are not an ONNX ModelProto (a TensorProto .pb file is not a model)',
    });
  }
  progress.stage = 'graph build';
  const warn = options.onWarning ?? (() => {});
  const ctx = {
    baseDir: options.baseDir,
    constantsAsWeights: options.constantsAsWeights ?? true,
    warn,
    depth: 0,
    totals: { bytes: 0, nodes: 0 },
  };
  const graph = graphFromProto(model.graph, ctx);
  graph.metadata = { ...modelMetadata(model), ...graph.metadata };
  graph.opsetImports = opsetsFromProto(model.opsetImport);
  graph.functions = model.functions.map((f) => functionFromProto(f, ctx));
  progress.stage = 'shape inference';
  if (options.inferShapes ?? true) inferGraphTypes(graph, { warn });
  return graph;
}

export async function loadOnnxFile(path: string, options: LoadOptions = {}): Promise<Graph> {
  const bytes = await readModelPath(path, 'ONNX model');
  return importOnnx(bytes, { ...options, baseDir: dirname(path) });
}
