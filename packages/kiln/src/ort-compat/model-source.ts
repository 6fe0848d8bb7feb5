/**
 * What InferenceSession.create() was given, told from the bytes rather than from the argument's
 * type: onnxruntime users pass ONNX bytes where Kiln took bytes to be a plan. A plan opens with
 * its magic; model bytes are recognised by walking their top-level protobuf fields, which tells
 * an ONNX ModelProto from a TensorFlow GraphDef (the two formats Kiln imports from bytes alone).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { hasPlanMagic } from '@kiln-inference/engine';
import { ProtoReader, WireType } from '@kiln-inference/tf-graph';
import { readModelBytes } from '../load-model.js';
import { detectModelFormat, type ModelFormat } from '../model-format.js';

export type ModelSource =
  | { kind: 'plan'; bytes: Uint8Array }
  | { kind: 'model-file'; path: string }
  | { kind: 'model-bytes'; format: 'onnx' | 'tf-graphdef'; bytes: Uint8Array };

/** Wire type of each top-level field of onnx.ModelProto (onnx.proto3). */
const MODEL_PROTO_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WireType.VARINT], // ir_version
  [2, WireType.BYTES], // producer_name
  [3, WireType.BYTES], // producer_version
  [4, WireType.BYTES], // domain
  [5, WireType.VARINT], // model_version
  [6, WireType.BYTES], // doc_string
  [7, WireType.BYTES], // graph
  [8, WireType.BYTES], // opset_import
  [14, WireType.BYTES], // metadata_props
  [20, WireType.BYTES], // training_info
  [25, WireType.BYTES], // functions
  [26, WireType.BYTES], // configuration
]);

/** Wire type of each top-level field of tensorflow.GraphDef. */
const GRAPH_DEF_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WireType.BYTES], // node
  [2, WireType.BYTES], // library
  [3, WireType.VARINT], // version (deprecated)
  [4, WireType.BYTES], // versions
]);

const BYTES_HINT =
  'pass the bytes of a Kiln plan or an ONNX model (a TensorFlow GraphDef also works); SavedModel, TF.js and UFF models load from a path';

export function modelSource(model: string | Uint8Array | ArrayBuffer): ModelSource {
  if (typeof model === 'string') return fileSource(model);
  const bytes = model instanceof Uint8Array ? model : model instanceof ArrayBuffer ? new Uint8Array(model) : undefined;
  if (bytes === undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `a model is a path, a Uint8Array or an ArrayBuffer, not ${describe(model)}`, {
      hint: BYTES_HINT,
    });
  }
  return bytesSource(bytes);
}

function bytesSource(bytes: Uint8Array): ModelSource {
  if (hasPlanMagic(bytes)) return { kind: 'plan', bytes };
  if (hasTopLevelFields(bytes, MODEL_PROTO_FIELDS, 7)) return { kind: 'model-bytes', format: 'onnx', bytes };
  if (hasTopLevelFields(bytes, GRAPH_DEF_FIELDS, 1)) return { kind: 'model-bytes', format: 'tf-graphdef', bytes };
  throw new KilnError(
    ErrorCode.UNSUPPORTED_FORMAT,
    `${bytes.length} bytes are neither a Kiln plan (they do not open with "KILNPLAN") nor an ONNX model or TensorFlow GraphDef`,
    { hint: BYTES_HINT },
  );
}

/**
 * A file that opens with the plan magic is a plan, whatever its name; otherwise its name says
 * the format, and a file whose name says nothing is recognised by its bytes.
 */
function fileSource(path: string): ModelSource {
  const isFile = existsSync(path) && statSync(path).isFile();
  if (isFile && hasPlanMagic(readHead(path, 8))) return { kind: 'plan', bytes: readModelBytes(path) };
  let format: ModelFormat;
  try {
    format = detectModelFormat(path);
  } catch (e) {
    if (isFile && e instanceof KilnError && e.code === ErrorCode.UNSUPPORTED_FORMAT) return bytesSource(readModelBytes(path));
    throw e;
  }
  // A .plan file without the magic: deserializePlan says what is wrong with it.
  if (format === 'plan') return { kind: 'plan', bytes: readModelBytes(path) };
  return { kind: 'model-file', path };
}

function readHead(path: string, n: number): Uint8Array {
  const head = new Uint8Array(n);
  const fd = openSync(path, 'r');
  try {
    return head.subarray(0, readSync(fd, head, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * True when every top-level field has a number and wire type of the message and `required`
 * is among them. Reading stops at the first mismatch, so other bytes are turned down quickly.
 */
function hasTopLevelFields(bytes: Uint8Array, fields: ReadonlyMap<number, number>, required: number): boolean {
  if (bytes.length === 0) return false;
  const reader = new ProtoReader(bytes, 'model bytes');
  let seen = false;
  try {
    while (!reader.done) {
      const { field, wireType } = reader.tag();
      if (fields.get(field) !== wireType) return false;
      seen ||= field === required;
      reader.skip(wireType);
    }
  } catch {
    // Truncated or not protobuf at all: not this message.
    return false;
  }
  return seen;
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return `a ${(v as object).constructor?.name ?? 'object'}`;
}
