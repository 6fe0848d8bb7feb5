/** Maps a thrown error to a failure category and a one-line reason. */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { CaseOutcome, FailureCategory } from './suite.js';

const BY_CODE: Partial<Record<string, FailureCategory>> = {
  [ErrorCode.UNSUPPORTED_OP]: 'unsupported-op',
  [ErrorCode.UNSUPPORTED_LAYER]: 'unsupported-op',
  [ErrorCode.UNSUPPORTED_DTYPE]: 'unsupported-dtype',
};

/**
 * Validators report their verdict category in the hint of CONVERSION_FAILED ("category: …");
 * an unsupported attribute combination is a gap in the op's support, so it counts as such.
 */
const BY_VERDICT: Record<string, FailureCategory> = {
  'unsupported-op': 'unsupported-op',
  'unsupported-attribute': 'unsupported-op',
  'unsupported-dtype': 'unsupported-dtype',
};

export function categorizeError(e: unknown): { category: FailureCategory; reason: string } {
  if (e instanceof KilnError) {
    const verdict = /category: ([a-z-]+)/.exec(e.hint ?? '')?.[1];
    const category = BY_CODE[e.code] ?? (verdict ? BY_VERDICT[verdict] : undefined) ?? 'other';
    // The hint tells users what to do; the report needs the what, so it is left out here.
    const message = e.hint && e.message.endsWith(` Hint: ${e.hint}`) ? e.message.slice(0, -` Hint: ${e.hint}`.length) : e.message;
    return { category, reason: `${e.code}: ${oneLine(message)}` };
  }
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { category: 'other', reason: oneLine(message) };
}

export function failureFrom(e: unknown, ops?: string[]): CaseOutcome {
  return { status: 'fail', ...categorizeError(e), ...(ops ? { ops } : {}) };
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}
