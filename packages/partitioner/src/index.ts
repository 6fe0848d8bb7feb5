/**
 * @kiln-inference/partitioner: decides what runs where. Marks nodes with a capability oracle, clusters
 * the supported ones into DAG-safe segments, replaces each kept segment with one engine node,
 * and reports the result as JSON and as an HTML/SVG picture.
 */

export type { Capability, CapabilityCategory, CapabilityOracle } from './capability.js';
export { notSupported, SUPPORTED_CAPABILITY } from './capability.js';
export { combineOracles } from './combine-oracles.js';
export { converterOracle } from './converter-oracle.js';
export { extractSubgraph } from './extract-subgraph.js';
export type { EngineSegment, HybridGraph, HybridStep } from './hybrid-graph.js';
export {
  ENGINE_DOMAIN,
  ENGINE_OP,
  ENGINE_SEGMENT_ATTRIBUTE,
  ENGINE_SUBGRAPH_ATTRIBUTE,
  isEngineNode,
} from './hybrid-graph.js';
export type { LayerSupportTable } from './layer-table-oracle.js';
export { layerKindTable, layerTableOracle } from './layer-table-oracle.js';
export type { LoweringResult, NodeLowering } from './node-lowering.js';
export { allLayers, isolateNode, registryLowering } from './node-lowering.js';
export { capturedValues, nodeReads } from './node-reads.js';
export type { PartitionResult } from './partition.js';
export { partition } from './partition.js';
export type { Box, PartitionLayout } from './partition-layout.js';
export { layoutPartition } from './partition-layout.js';
export type { PartitionOptions, ResolvedPartitionOptions } from './partition-options.js';
export { DEFAULT_MINIMUM_SEGMENT_SIZE, resolvePartitionOptions } from './partition-options.js';
export type { DroppedSegment, FallbackGroup, PartitionReport, SegmentSummary } from './partition-report.js';
export { nodeLabel } from './partition-report.js';
export { renderPartitionHtml, segmentColour } from './render-partition-html.js';
export type { FallbackCategory, FallbackReason, Segment } from './segment.js';
export { nodeSetOracle, opSetOracle, predicateOracle, randomOpOracle, randomOpSubset } from './synthetic-oracles.js';
export type { TransferEstimate } from './transfers.js';
