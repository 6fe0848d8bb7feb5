/**
 * Estimated host↔device transfers of a partition. The host side is the fallback nodes plus
 * the graph boundary (graph inputs are fed from the host, graph outputs return to it); each
 * engine is device side. Counted per value and destination:
 *  - host→device: an engine input produced on the host (one per engine reading it);
 *  - device→host: an engine output read by any fallback node or returned as a graph output;
 *  - device→device (not in the total): an engine input produced by another engine.
 * Weights read by engines are built into them and never count.
 */
import type { Graph } from '@kiln-inference/core';
import type { NodeDependencies } from './node-dependencies.js';
import type { Segment } from './segment.js';

export interface TransferEstimate {
  hostToDevice: number;
  deviceToHost: number;
  /** hostToDevice + deviceToHost */
  total: number;
  deviceToDevice: number;
}

export function estimateTransfers(graph: Graph, deps: NodeDependencies, segments: readonly Segment[]): TransferEstimate {
  const segmentOf = new Int32Array(graph.nodes.length).fill(-1);
  for (const s of segments) for (const n of s.nodeIndices) segmentOf[n] = s.id;
  let hostToDevice = 0;
  let deviceToHost = 0;
  let deviceToDevice = 0;
  for (const s of segments) {
    for (const v of s.inputs) {
      const p = deps.producer.get(v);
      if (p !== undefined && segmentOf[p]! >= 0) deviceToDevice++;
      else hostToDevice++;
    }
    for (const v of s.outputs) {
      const readOnHost = deps.graphOutputs.has(v) || (deps.readers.get(v) ?? []).some((r) => segmentOf[r] === -1);
      if (readOnHost) deviceToHost++;
    }
  }
  return { hostToDevice, deviceToHost, total: hostToDevice + deviceToHost, deviceToDevice };
}
