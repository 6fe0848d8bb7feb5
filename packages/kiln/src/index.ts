/**
 * kiln: the umbrella package. Re-exports the pipeline's public pieces and adds the one-call
 * API (`build`, `load`, `run`) and the onnxruntime-style `InferenceSession` (which also takes
 * onnxruntime-node's calls: see docs/from-onnxruntime.md).
 */

import { registerCudaBackend } from './cuda/register-cuda-backend.js';

export type { ConversionContext, Converter, Support, ValidationContext } from '@kiln-inference/converters';
export { ConverterRegistry, checkSupport, convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
export * from '@kiln-inference/core';
export { ReferenceExecutor, runReference } from '@kiln-inference/cpu-runtime';
export type { CudaStatus } from '@kiln-inference/cuda-runtime';
export type {
  BackendFactory,
  BackendSettings,
  BuildOptions,
  EngineIO,
  EngineOptions,
  HybridCounters,
  HybridEvent,
  HybridSessionOptions,
  MemoryPlan,
  OptimizationProfile,
  Plan,
  ProgramBackend,
  ShapeRange,
  TacticChoices,
} from '@kiln-inference/engine';
export {
  BackendRegistry,
  buildPlan,
  CpuBackend,
  defaultBackends,
  deserializePlan,
  Engine,
  ExecutionContext,
  HybridSession,
  releaseIdleWorkers,
  serializePlan,
  TimingCache,
  targetOracle,
} from '@kiln-inference/engine';
export { decodeTensorProto, encodeTensorProto, exportOnnx, importOnnx, loadOnnxFile } from '@kiln-inference/onnx';
export type { HybridGraph, PartitionOptions, PartitionReport } from '@kiln-inference/partitioner';
export { partition, renderPartitionHtml } from '@kiln-inference/partitioner';
export type { Plugin, PluginNode, PluginsOption } from '@kiln-inference/plugin-sdk';
export { collapseNamespaces, definePlugin, field, loadPlugins, PluginRegistry, replaceOps, upTo } from '@kiln-inference/plugin-sdk';
export type { CudaBackendOptions } from './cuda/cuda-backend.js';
export { CudaBackend } from './cuda/cuda-backend.js';
// cudaStatus loads the optional @kiln-inference/cuda-runtime on first call (the umbrella's CUDA seam).
export { cudaStatus } from './cuda/cuda-runtime-module.js';
export { cudaBackendFactory, registerCudaBackend } from './cuda/register-cuda-backend.js';
export { createInferenceGraph, InferenceGraph } from './inference-graph/inference-graph.js';
export type {
  InferenceGraphOptions,
  InferenceTarget,
  PrecisionMode,
  ResolvedInferenceOptions,
} from './inference-graph/inference-graph-options.js';
export type { ModelSourceOptions } from './inference-graph/model-source.js';
export { INFERENCE_GRAPH_SCHEMA, loadInferenceGraph } from './inference-graph/saved-inference-graph.js';
export type { LoadedModel, LoadModelOptions } from './load-model.js';
export { loadModel, toNetwork } from './load-model.js';
export type { ModelFormat } from './model-format.js';
export { detectModelFormat } from './model-format.js';
export { build, load, run } from './one-call.js';
export type { ExecutionProviderConfig } from './ort-compat/execution-providers.js';
export { EXECUTION_PROVIDERS } from './ort-compat/execution-providers.js';
export type { GraphOptimizationLevel } from './ort-compat/graph-optimization-level.js';
export { GRAPH_OPTIMIZATION_LEVELS } from './ort-compat/graph-optimization-level.js';
export type { OrtSessionOptions } from './ort-compat/ort-session-options.js';
export type { ValueMetadata } from './ort-compat/value-metadata.js';
export type { ModelInput, SessionOptions } from './session.js';
export { engineOptions, InferenceSession, planFor } from './session.js';

// The default registry gets CUDA beside the engine's CPU backend; the binding loads only when used.
registerCudaBackend();
