/**
 * Build progress for the CLI. On a terminal: one line redrawn in place, with a bar when the
 * phase is countable. Piped (CI logs, `| tee`): a few plain lines — each phase's summary, where a
 * countable phase starts and ends — never one line per rewrite or tactic, which is thousands.
 */
import type { ProgressEvent } from '@kiln-inference/core';

const WIDTH = 28;

/** What ProgressBar writes to: a stream, or anything shaped like one (tests). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export class ProgressBar {
  private lastPhase = '';
  private drawn = false;

  constructor(private readonly stream: ProgressStream = process.stderr) {}

  update = (event: ProgressEvent): void => {
    if (this.stream.isTTY === true) this.draw(event);
    else this.log(event);
    this.lastPhase = event.phase;
  };

  /** Ends the bar's line so the next output starts clean. */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  private draw(event: ProgressEvent): void {
    const counted = countOf(event);
    const bar = counted
      ? `[${'#'.repeat(Math.round(Math.min(1, counted.done / counted.total) * WIDTH)).padEnd(WIDTH, '.')}] ${counted.done}/${counted.total} `
      : '';
    const text = `${event.phase.padEnd(9)} ${bar}${event.item ? `${event.item}: ` : ''}${event.message ?? ''}`;
    // A terminal of unknown size (a pty without a window, as `script` makes) reports 0 columns.
    const columns = this.stream.columns || 100;
    this.stream.write(`\r${text.slice(0, columns - 1).padEnd(columns - 1)}`);
    this.drawn = true;
  }

  private log(event: ProgressEvent): void {
    // Events about one item (a rewrite, a tactic) are progress; those without are the phase's news.
    if (event.item === undefined) {
      this.stream.write(`[${event.phase}] ${event.message ?? ''}\n`);
      return;
    }
    const counted = countOf(event);
    if (event.phase !== this.lastPhase) this.stream.write(`[${event.phase}] ${counted ? `${counted.total} to do` : 'started'}\n`);
    if (counted && counted.done === counted.total) this.stream.write(`[${event.phase}] ${counted.done}/${counted.total} done\n`);
  }
}

/** Done and total, only when the event carries both (a total alone is not a position). */
function countOf(event: ProgressEvent): { done: number; total: number } | undefined {
  return event.done !== undefined && event.total !== undefined && event.total > 0 ? { done: event.done, total: event.total } : undefined;
}
