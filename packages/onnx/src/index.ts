/** @kiln-inference/onnx: ONNX import (ModelProto → Graph) and export, TensorProto codecs, test-data decoders. */

export { kilnDTypeToOnnx, OnnxDataType, onnxDTypeToKiln } from './dtypes.js';
export { exportOnnx } from './export/export-model.js';
export type { ExternalDataOptions } from './export/external-data-writer.js';
export { exportOnnxWithExternalData, saveOnnxFile } from './export/external-data-writer.js';
export type { ImportOptions, LoadOptions } from './import/import-model.js';
export { importOnnx, loadOnnxFile, METADATA_PROPS_PREFIX } from './import/import-model.js';
export { inferGraphTypes } from './inference/infer-graph.js';
export { decodeTensorProto, encodeTensorProto } from './tensor-proto.js';
export type { TestValueKind } from './test-values.js';
export { decodeOptionalProto, decodeSequenceProto, decodeTestValue } from './test-values.js';
