/**
 * A one-line progress bar for long CLI jobs (builds), drawn on stderr when it is a terminal and
 * printed as plain phase lines otherwise (CI logs, pipes), so output stays readable either way.
 */
import type { ProgressEvent } from '@kiln/core';

const WIDTH = 28;

export class ProgressBar {
  private lastPhase = '';
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update = (event: ProgressEvent): void => {
    const tty = this.stream.isTTY === true;
    if (!tty) {
      // Plain output: one line per phase change and per phase summary message.
      if (event.phase !== this.lastPhase || (event.done === undefined && event.message)) {
        this.stream.write(`[${event.phase}] ${event.message ?? ''}\n`);
      }
      this.lastPhase = event.phase;
      return;
    }
    const fraction = event.total ? Math.min(1, (event.done ?? 0) / event.total) : undefined;
    const bar =
      fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH, '.')}] ${event.done}/${event.total} `;
    const text = `${event.phase.padEnd(9)} ${bar}${event.item ? `${event.item}: ` : ''}${event.message ?? ''}`;
    const columns = this.stream.columns ?? 100;
    this.stream.write(`\r${text.slice(0, columns - 1).padEnd(columns - 1)}`);
    this.drawn = true;
    this.lastPhase = event.phase;
  };

  /** Ends the bar's line so the next output starts clean. */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
