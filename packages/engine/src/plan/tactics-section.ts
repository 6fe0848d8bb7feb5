/**
 * The 'tactics' section: the tactic chosen for each tuned layer and the timings behind it, as
 * canonical JSON. Loading checks the structure; an unknown tactic name is the executor's to
 * reject (it falls back to its default only when the plan does not name one).
 */
import type { TacticChoice, TacticChoices } from '../tactics/tactic-choices.js';
import type { JsonValue } from './canonical-json.js';
import { corrupted } from './weights-blob.js';

export function encodeTactics(tactics: TacticChoices): JsonValue {
  const choices: Record<string, JsonValue> = {};
  for (const [layer, c] of Object.entries(tactics.choices)) {
    choices[layer] = { tactic: c.tactic, timings: { ...c.timings }, source: c.source, workspaceBytes: c.workspaceBytes };
  }
  return { device: tactics.device, choices, ...(tactics.inputShapes ? { inputShapes: { ...tactics.inputShapes } } : {}) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodeTactics(value: unknown): TacticChoices {
  const bad = (what: string) => corrupted(`the tactics section ${what}`);
  if (!isRecord(value) || typeof value.device !== 'string' || !isRecord(value.choices)) throw bad('is not { device, choices }');
  const choices: Record<string, TacticChoice> = {};
  for (const [layer, c] of Object.entries(value.choices)) {
    const sourceOk = c && isRecord(c) && (c.source === 'measured' || c.source === 'cache');
    if (
      !isRecord(c) ||
      typeof c.tactic !== 'string' ||
      !isRecord(c.timings) ||
      !sourceOk ||
      !(typeof c.workspaceBytes === 'number' && c.workspaceBytes >= 0)
    ) {
      throw bad(`has a malformed choice for layer '${layer}'`);
    }
    if (!Object.values(c.timings).every((t) => typeof t === 'number' && t >= 0)) throw bad(`has bad timings for layer '${layer}'`);
    choices[layer] = {
      tactic: c.tactic,
      timings: c.timings as Record<string, number>,
      source: c.source as TacticChoice['source'],
      workspaceBytes: c.workspaceBytes as number,
    };
  }
  const shapes = value.inputShapes;
  if (shapes !== undefined) {
    const valid = isRecord(shapes) && Object.values(shapes).every((d) => Array.isArray(d) && d.every((n) => Number.isInteger(n) && n >= 0));
    if (!valid) throw bad("has malformed 'inputShapes'");
  }
  return { device: value.device, choices, ...(shapes ? { inputShapes: shapes as Record<string, number[]> } : {}) };
}
