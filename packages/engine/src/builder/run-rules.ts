/** Applies builder rules until a fixed point, logging every rewrite through progress events. */
import { ErrorCode, emitProgress, KilnError, type Network, type ProgressListener, throwIfAborted } from '@kiln-inference/core';
import type { BuilderRule } from './builder-rule.js';

/** Generous bound: a rule set that keeps rewriting past this is oscillating, not optimizing. */
const MAX_REWRITES_PER_LAYER = 16;

export interface RuleLogEntry {
  rule: string;
  layer: string;
  change: string;
}

export function runBuilderRules(
  network: Network,
  rules: readonly BuilderRule[],
  options: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
): RuleLogEntry[] {
  const log: RuleLogEntry[] = [];
  const limit = Math.max(64, network.layers.length * MAX_REWRITES_PER_LAYER);
  let changed = rules.length > 0;
  while (changed) {
    changed = false;
    for (const rule of rules) {
      for (let index = 0; index < network.layers.length; index++) {
        throwIfAborted(options.signal, 'the build');
        const layer = network.layers[index]!;
        if (!rule.targets.includes(layer.kind)) continue;
        const match = { network, layer, index };
        if (!rule.condition(match)) continue;
        const change = rule.apply(match);
        log.push({ rule: rule.name, layer: layer.name, change });
        emitProgress(options.onProgress, { phase: 'optimize', item: layer.name, message: `${rule.name}: ${change}` });
        changed = true;
        if (log.length > limit) {
          throw new KilnError(ErrorCode.INTERNAL, `builder rules made more than ${limit} rewrites without settling`, {
            hint: `rule '${rule.name}' probably undoes another rule's rewrite; report this with the model`,
          });
        }
      }
    }
  }
  return log;
}
