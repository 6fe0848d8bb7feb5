/**
 * A fuzz case and its outcome. A case is data (files and a JSON description), so the parent
 * can save it as a reproducer and `--replay` can run it again without the generator.
 */
import type { Json } from './mutate/json.js';

export interface FuzzCase {
  target: string;
  seed: number;
  index: number;
  /** Files of the case, by path relative to the model folder ('../x' lands beside it). */
  files: Record<string, Uint8Array>;
  /** Target-specific description (a Program, a feed recipe, which file is the model). */
  meta?: Json;
  /** Why the case must be refused, when it was made invalid on purpose; accepting it is a finding. */
  invalid?: string;
  /** What the generator did, for reports. */
  note: string;
}

export const BAD_OUTCOMES = ['non-kiln-error', 'crash', 'hang', 'memory', 'silent-accept'] as const;
export const OUTCOMES = ['accepted', 'rejected', ...BAD_OUTCOMES] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface CaseResult {
  index: number;
  outcome: Outcome;
  /** KilnError code for 'rejected'. */
  code?: string;
  /** For 'rejected': the constructor of a non-Kiln cause a KilnError wraps (a masked internal error). */
  wrapped?: string;
  /** Error constructor, signal, or invalid reason. */
  kind?: string;
  message?: string;
  /** First stack frames inside the project, for deduplication and the hand-off. */
  frame?: string;
  stack?: string;
  note?: string;
  /** Milliseconds the case took in its worker (generation and execution). */
  ms?: number;
}

export function isBad(outcome: Outcome): boolean {
  return (BAD_OUTCOMES as readonly string[]).includes(outcome);
}

/** Findings that break at the same place count once. */
export function dedupeKey(target: string, r: CaseResult): string {
  return [target, r.outcome, r.kind ?? '', r.frame ?? ''].join('|');
}

/** The first stack frame in project code (not node internals or this fuzzer's harness). */
export function firstProjectFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:[^()\s]*\/)?(?:packages|native)\/[^()\s]+?):(\d+):\d+\)?$/.exec(line.trim());
    if (m) return `${m[1]!.replace(/^.*?\/(packages|native)\//, '$1/')}:${m[2]}`;
  }
  return undefined;
}

/** Classifies how one case's execution ended (in the worker, which caught what it threw). */
export function classifyThrow(error: unknown, invalid: string | undefined): Omit<CaseResult, 'index'> {
  const e = error as { name?: string; code?: string; message?: string; stack?: string; cause?: unknown; constructor?: { name?: string } };
  const isKiln = e !== null && typeof e === 'object' && e.name === 'KilnError' && typeof e.code === 'string';
  if (isKiln) {
    const cause = e.cause as { constructor?: { name?: string }; stack?: string } | undefined;
    const causeName = cause && typeof cause === 'object' ? cause.constructor?.name : undefined;
    const masked = causeName && ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'].includes(causeName);
    if (masked) return { outcome: 'rejected', code: e.code!, wrapped: causeName, frame: firstProjectFrame(cause!.stack) ?? '' };
    // INTERNAL means one of Kiln's own invariants broke: a bug the input reached, reported politely.
    if (e.code === 'INTERNAL') {
      return {
        outcome: 'rejected',
        code: e.code,
        wrapped: 'INTERNAL',
        frame: firstProjectFrame(e.stack) ?? '',
        message: String(e.message).slice(0, 200),
      };
    }
    return { outcome: 'rejected', code: e.code! };
  }
  const kind = e !== null && typeof e === 'object' ? (e.constructor?.name ?? 'Object') : typeof error;
  const stack = e !== null && typeof e === 'object' && typeof e.stack === 'string' ? e.stack : undefined;
  return {
    outcome: 'non-kiln-error',
    kind,
    message: String(e !== null && typeof e === 'object' ? e.message : error).slice(0, 300),
    frame: firstProjectFrame(stack) ?? '',
    ...(stack ? { stack: stack.split('\n').slice(0, 8).join('\n') } : {}),
    ...(invalid ? { note: `invalid by construction: ${invalid}` } : {}),
  };
}

export function acceptedResult(invalid: string | undefined): Omit<CaseResult, 'index'> {
  return invalid ? { outcome: 'silent-accept', kind: invalid.split(':')[0]!, message: invalid } : { outcome: 'accepted' };
}

/** A child that died: by signal it is a crash; V8 heap exhaustion or the RSS watchdog, memory. */
export function classifyExit(
  signal: string | null,
  code: number | null,
  stderrTail: string,
  killedFor: 'hang' | 'memory' | undefined,
): Omit<CaseResult, 'index'> {
  if (killedFor) return { outcome: killedFor, kind: killedFor === 'hang' ? 'time cap' : 'RSS cap' };
  if (/JavaScript heap out of memory|Reached heap limit|FATAL ERROR: .*Allocation failed/.test(stderrTail)) {
    const line = stderrTail.split('\n').find((l) => /FATAL ERROR|out of memory/.test(l)) ?? '';
    return { outcome: 'memory', kind: 'V8 heap', message: line.trim().slice(0, 300) };
  }
  return {
    outcome: 'crash',
    kind: signal ?? `exit ${code}`,
    message: stderrTail.trim().split('\n').slice(-6).join('\n').slice(0, 600),
  };
}
