/**
 * The memory plan: where every activation of a built network lives in one arena. The planner
 * (plan-memory.ts) fills it; the plan format stores it as the 'memory' section; native executors
 * read the offsets (see Program in @kiln-inference/core for which overlaps they must expect).
 */
export interface TensorPlacement {
  /** Byte offset in the arena. */
  offset: number;
  /** Bytes the tensor occupies (its element count × element size, not rounded up). */
  bytes: number;
  /** Set when this tensor shares another's bytes: a reshape/identity/split view, or a slice of an in-place concatenation's output. */
  viewOf?: string;
  /** Set when the layer producing this tensor writes it over the bytes of this input (an elementwise op). */
  inPlaceOf?: string;
}

export interface MemoryPlan {
  /** Every buffer starts at a multiple of this many bytes (views inside a buffer need not). */
  alignment: number;
  /** The arena size the plan needs: the peak. */
  arenaBytes: number;
  /** Sum of every activation's bytes, as if none were reused. */
  sumBytes: number;
  /** Max over steps of the bytes live at that step: no placement can use less arena. */
  lowerBoundBytes: number;
  /** One scratch buffer shared by all layers (they run one at a time), separate from the arena. */
  workspaceBytes: number;
  /** Every arena tensor (views included). */
  placements: Record<string, TensorPlacement>;
  /** Tensors that are views of a tensor outside the arena (network input / constant): name → root. */
  externalViews: Record<string, string>;
  /** Concatenation layer names whose copy was eliminated (their inputs are slices of the output). */
  inPlaceConcats: string[];
}

export interface PlanMemoryOptions {
  /** Static shapes per tensor; falls back to the network's TensorDesc shapes. */
  shapes?: ReadonlyMap<string, readonly number[]>;
  /** Bytes; a power of two. Default 64. */
  alignment?: number;
  /** Let elementwise layers write over an input that dies there. Default true. */
  inPlace?: boolean;
  /** Scratch bytes each layer needs (from the chosen tactics), by layer name. */
  workspace?: ReadonlyMap<string, number>;
  /** Bytes; a layer needing more scratch is an error naming the layer. */
  maxWorkspaceSize?: number;
}

export const DEFAULT_ALIGNMENT = 64;
