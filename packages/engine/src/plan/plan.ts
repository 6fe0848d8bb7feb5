/** A built plan in memory: its manifest (sections filled at serialization), its network and its memory plan. */
import type { Network } from '@kiln-inference/core';
import type { MemoryPlan } from '../memory/memory-plan.js';
import type { TacticChoices } from '../tactics/tactic-choices.js';
import type { PlanManifest } from './manifest.js';

export interface Plan {
  /** `sections` is recomputed by serializePlan; it reflects the bytes a plan was loaded from. */
  manifest: PlanManifest;
  network: Network;
  /** Where every activation lives in the arena; absent when the network has dynamic shapes. Serialized as the 'memory' section. */
  memoryPlan?: MemoryPlan;
  /** The implementation chosen for each tuned layer, with the timings behind it. Serialized as the 'tactics' section. */
  tactics?: TacticChoices;
  /** Layers (top-level network) before and after the builder rules; set by buildPlan, not serialized. */
  layerCounts?: { before: number; after: number };
}
