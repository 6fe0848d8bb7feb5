/**
 * An execution context of a device backend (CUDA): the staged runner on the calling thread, its
 * native stages as the backend's programs with the plan's tactics forced (the ones the build
 * timed on this device model, so contexts start without timing), runs queued one at a time.
 */
import type { ResourceLimits } from '@kiln-inference/core';
import type { BackendRunner } from '../backend.js';
import type { Plan } from '../plan/plan.js';
import { planTacticOptions } from '../tactics/plan-tactics.js';
import { InlineRunner } from './inline-runner.js';
import { type StageBackend, StagedRunner } from './staged-runner.js';

export function createDeviceRunner(plan: Pick<Plan, 'network' | 'tactics'>, backend: StageBackend, limits?: ResourceLimits): BackendRunner {
  const staged = new StagedRunner(plan.network, { backend, ...planTacticOptions(plan), ...(limits ? { limits } : {}) });
  return new InlineRunner(staged, true);
}
