/** A plan's tactics section as compile options: every runner forces the tactics the build chose. */
import type { Plan } from '../plan/plan.js';

/** The tactic each layer was built with, by layer name. */
export function planTactics(plan: Pick<Plan, 'tactics'>): Map<string, string> {
  return new Map(Object.entries(plan.tactics?.choices ?? {}).map(([layer, choice]) => [layer, choice.tactic]));
}

/** The plan's tactics with the input shapes they were timed for (other shapes get the executor's own choice). */
export function planTacticOptions(plan: Pick<Plan, 'tactics'>): { tactics: Map<string, string>; tacticShapes?: Map<string, number[]> } {
  const shapes = plan.tactics?.inputShapes;
  return { tactics: planTactics(plan), ...(shapes ? { tacticShapes: new Map(Object.entries(shapes)) } : {}) };
}
