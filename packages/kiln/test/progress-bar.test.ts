/**
 * The build progress renderer fed events as a build emits them: on a terminal one redrawn line
 * with real counts (never 'undefined/N'), piped a few phase lines whatever the number of events.
 */
import type { ProgressEvent } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../src/cli/progress-bar.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 120, write: (text: string) => writes.push(text) } };
}

/** A build's events: validate (a count but no position), 1000 rewrites, 3 tactics, memory. */
const BUILD: ProgressEvent[] = [
  { phase: 'validate', total: 3304, message: '3304 layers' },
  ...Array.from({ length: 1000 }, (_, i) => ({ phase: 'optimize', item: `conv_${i}`, message: 'fuse-bias: folded' })),
  { phase: 'optimize', message: '1000 rewrites, 3304 → 2304 layers' },
  ...[1, 2, 3].map((done) => ({ phase: 'tactics', item: `conv_${done}`, done, total: 3, message: 'Conv: direct (timed 4 tactics)' })),
  { phase: 'memory', message: 'arena 1.00 MiB for 2.00 MiB of activations (50.0%)' },
];

function render(isTTY: boolean) {
  const { writes, stream } = fakeStream(isTTY);
  const bar = new ProgressBar(stream);
  for (const e of BUILD) bar.update(e);
  bar.finish();
  return writes;
}

describe('ProgressBar', () => {
  it('piped: one line per phase summary and where a countable phase starts and ends', () => {
    expect(render(false).join('')).toBe(
      [
        '[validate] 3304 layers',
        '[optimize] started',
        '[optimize] 1000 rewrites, 3304 → 2304 layers',
        '[tactics] 3 to do',
        '[tactics] 3/3 done',
        '[memory] arena 1.00 MiB for 2.00 MiB of activations (50.0%)',
        '',
      ].join('\n'),
    );
  });

  it('on a terminal: redraws one line with done/total, and no bar without a position', () => {
    const writes = render(true);
    expect(writes).toHaveLength(BUILD.length + 1);
    expect(writes.every((w, i) => i === writes.length - 1 || (w.startsWith('\r') && w.length === 120))).toBe(true);
    expect(writes.join('')).not.toContain('undefined');
    expect(writes[0]!.trimEnd()).toBe('\rvalidate  3304 layers');
    expect(writes[1002]!.trimEnd()).toBe(`\rtactics   [${'#'.repeat(9)}${'.'.repeat(19)}] 1/3 conv_1: Conv: direct (timed 4 tactics)`);
    expect(writes[1004]!.trimEnd()).toBe(`\rtactics   [${'#'.repeat(28)}] 3/3 conv_3: Conv: direct (timed 4 tactics)`);
    expect(writes.at(-1)).toBe('\n');
  });

  it('on a terminal that reports 0 columns: 100 columns, text kept whole', () => {
    const { writes, stream } = fakeStream(true);
    new ProgressBar({ ...stream, columns: 0 }).update({ phase: 'validate', message: '945 layers' });
    expect(writes).toEqual([`\r${'validate  945 layers'.padEnd(99)}`]);
  });
});
