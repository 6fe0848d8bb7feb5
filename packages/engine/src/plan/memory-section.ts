/**
 * The 'memory' section: the memory plan as canonical JSON. Optional fields are written only when
 * set, so a plan read back serializes to the same bytes. Loading checks the structure, since
 * an executor trusts these offsets with raw memory.
 */
import { checkModelBytes } from '@kiln-inference/core';
import type { MemoryPlan, TensorPlacement } from '../memory/memory-plan.js';
import type { JsonValue } from './canonical-json.js';
import { corrupted } from './weights-blob.js';

const COUNTS = ['alignment', 'arenaBytes', 'sumBytes', 'lowerBoundBytes', 'workspaceBytes'] as const;

export function encodeMemoryPlan(plan: MemoryPlan): JsonValue {
  const placements: Record<string, JsonValue> = {};
  for (const [name, p] of Object.entries(plan.placements)) {
    const entry: Record<string, JsonValue> = { offset: p.offset, bytes: p.bytes };
    if (p.viewOf !== undefined) entry.viewOf = p.viewOf;
    if (p.inPlaceOf !== undefined) entry.inPlaceOf = p.inPlaceOf;
    placements[name] = entry;
  }
  return {
    alignment: plan.alignment,
    arenaBytes: plan.arenaBytes,
    sumBytes: plan.sumBytes,
    lowerBoundBytes: plan.lowerBoundBytes,
    workspaceBytes: plan.workspaceBytes,
    placements,
    externalViews: { ...plan.externalViews },
    inPlaceConcats: [...plan.inPlaceConcats],
  };
}

export function decodeMemoryPlan(value: unknown): MemoryPlan {
  const bad = (what: string) => corrupted(`the memory section ${what}`);
  if (!isRecord(value)) throw bad('is not an object');
  for (const key of COUNTS) if (!isCount(value[key])) throw bad(`has no valid '${key}'`);
  const arenaBytes = value.arenaBytes as number;
  // An executor may size its arena from this before it lowers anything: bound it first.
  checkModelBytes(arenaBytes + (value.workspaceBytes as number), "the plan's activation arena and workspace");
  if (!isRecord(value.placements)) throw bad("has no 'placements' object");
  const placements: Record<string, TensorPlacement> = {};
  for (const [name, p] of Object.entries(value.placements)) {
    if (!isRecord(p) || !isCount(p.offset) || !isCount(p.bytes) || p.offset + p.bytes > arenaBytes) {
      throw bad(`places tensor '${name}' outside the arena`);
    }
    const placement: TensorPlacement = { offset: p.offset, bytes: p.bytes };
    for (const key of ['viewOf', 'inPlaceOf'] as const) {
      if (p[key] === undefined) continue;
      if (typeof p[key] !== 'string') throw bad(`has a non-string '${key}' for tensor '${name}'`);
      placement[key] = p[key];
    }
    placements[name] = placement;
  }
  const externalViews = value.externalViews;
  if (!isRecord(externalViews) || !Object.values(externalViews).every((v) => typeof v === 'string')) {
    throw bad("has no valid 'externalViews'");
  }
  const concats = value.inPlaceConcats;
  if (!Array.isArray(concats) || !concats.every((c) => typeof c === 'string')) throw bad("has no valid 'inPlaceConcats'");
  return {
    alignment: value.alignment as number,
    arenaBytes,
    sumBytes: value.sumBytes as number,
    lowerBoundBytes: value.lowerBoundBytes as number,
    workspaceBytes: value.workspaceBytes as number,
    placements,
    externalViews: { ...(externalViews as Record<string, string>) },
    inPlaceConcats: [...(concats as string[])],
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}
