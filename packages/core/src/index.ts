export type { DType, DTypeInfo, TensorData, TypedArray } from './dtype.js';
export {
  allocateStorage,
  DTYPES,
  dtypeInfo,
  isDType,
  isFloatDType,
  isIntegerDType,
  storageBytes,
  storageMatches,
} from './dtype.js';
export type { KilnErrorOptions, LayerContext, NodeContext } from './errors.js';
export { check, ErrorCode, isKilnError, KilnError } from './errors.js';
export type { JobOptions, Logger, LogLevel, ProgressEvent, ProgressListener } from './events.js';
export { emitProgress, MemoryLogger, silentLogger, throwIfAborted, yieldToEventLoop } from './events.js';
export * from './float-codecs.js';
export type {
  AttributeOf,
  AttributeValue,
  GraphFormat,
  GraphFunction,
  GraphInit,
  GraphNode,
  OpsetImport,
  ValidateOptions,
  ValueInfo,
  ValueType,
} from './graph.js';
export { attr, Graph } from './graph.js';
export type {
  InferContext,
  InferResult,
  InputRole,
  InputSpec,
  LayerDef,
  LayerDefs,
  LayerTraits,
  OutputSpec,
  ParamField,
  ParamFields,
  ParamSchema,
  ParamType,
  ValueFacts,
} from './layer-def.js';
export type { CheckParamsOptions, InferNetworkOptions, WindowDimSpec, WindowGeometry, WindowSpec } from './layer-defs/index.js';
export {
  axisIn,
  broadcastDims,
  checkLayerInputs,
  checkLayerParams,
  declaredFacts,
  describeParamType,
  dimProduct,
  dimSum,
  dimsCompatible,
  inferLayer,
  inferNetwork,
  knownIntValues,
  LAYER_DEFS,
  layerDef,
  layerParamsProblem,
  MAX_KNOWN_ELEMENTS,
  matchesParamType,
  perDim,
  resolveReshape,
  shapeOperandDims,
  sliceRange,
  staticDims,
  unifyDims,
  windowDim,
  windowGeometry,
  windowOutputDim,
} from './layer-defs/index.js';
export type * from './layers.js';
export { ACTIVATION_TYPES, LAYER_KINDS, SEQUENCE_LAYER_KINDS } from './layers.js';
export {
  findModelFile,
  machineMemoryBytes,
  nodeResourceLimits,
  readModelFile,
  readModelFileRange,
  readModelFileSync,
  readModelPath,
  resolveModelFile,
} from './model-files.js';
export { kilnErrorFromNative } from './native-error.js';
export type { Layout, TensorDesc } from './network.js';
export { Network } from './network.js';
export { hasNumpyDType, parseNpy, serializeNpy, tensorFromLittleEndian, tensorToLittleEndian } from './npy.js';
export type * from './program.js';
export {
  isProgramDType,
  PROGRAM_BINARY_OPS,
  PROGRAM_COMPARE_OPS,
  PROGRAM_DTYPE_ARRAYS,
  PROGRAM_DTYPES,
  PROGRAM_UNARY_OPS,
  programDTypeBytes,
} from './program.js';
export * from './program-ops/index.js';
export { isRandomGraphOp, isRandomLayer, RANDOM_GRAPH_OPS } from './randomness.js';
export type { LimitContext, ResourceLimits } from './resource-limits.js';
export {
  checkCount,
  checkModelBytes,
  checkShapeSize,
  checkTensorSize,
  currentResourceLimits,
  defaultResourceLimits,
  resourceLimits,
  setProcessResourceLimits,
  withResourceLimits,
} from './resource-limits.js';
export type { Dim, Shape } from './shape.js';
export {
  broadcastShapes,
  broadcastSymbolic,
  formatShape,
  isStaticShape,
  MAX_ELEMENTS,
  normalizeAxis,
  shapeSize,
  shapesEqual,
  stridesOf,
} from './shape.js';
export type { ScalarValue, TensorInputData, TensorLocation } from './tensor.js';
export { castTensor, decodeToFloat64, encodeValues, MINIFLOAT_FORMATS, Tensor } from './tensor.js';
export type { OrtTensorType } from './tensor-type-names.js';
export { dtypeFromData, dtypeFromTypeName, ORT_TENSOR_TYPES } from './tensor-type-names.js';
export { KILN_VERSION } from './version.js';
