/** The timing cache file: every candidate's milliseconds and workspace bytes, version 2. */
import { ErrorCode, KILN_VERSION } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { TimingCache } from '../../src/index.js';

describe('TimingCache', () => {
  it('round-trips every candidate with its workspace, keys sorted', () => {
    const cache = new TimingCache();
    cache.set('conv a[1x3x8x8]', 'cpu x64', { im2col_gemm: { ms: 0.5, workspaceBytes: 2304 }, direct: { ms: 0.75, workspaceBytes: 0 } });
    const text = cache.serialize();
    expect(JSON.parse(text)).toEqual({
      format: 'kiln-timing-cache',
      version: 2,
      entries: {
        [`${KILN_VERSION}|cpu x64|conv a[1x3x8x8]`]: {
          direct: { ms: 0.75, workspaceBytes: 0 },
          im2col_gemm: { ms: 0.5, workspaceBytes: 2304 },
        },
      },
    });
    const again = TimingCache.parse(text);
    expect(again.get('conv a[1x3x8x8]', 'cpu x64')).toEqual({
      direct: { ms: 0.75, workspaceBytes: 0 },
      im2col_gemm: { ms: 0.5, workspaceBytes: 2304 },
    });
    expect(again.serialize()).toBe(text);
  });

  it('reads a version-1 file (timings without workspace) as empty, so its ops are timed again', () => {
    const v1 = JSON.stringify({ format: 'kiln-timing-cache', version: 1, entries: { [`${KILN_VERSION}|cpu x64|conv`]: { direct: 0.75 } } });
    expect(TimingCache.parse(v1).size).toBe(0);
  });

  it('refuses an entry without workspace bytes, naming it', () => {
    const bad = JSON.stringify({ format: 'kiln-timing-cache', version: 2, entries: { k: { direct: { ms: 1 } } } });
    expect(() => TimingCache.parse(bad, 'cache.json')).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_MODEL, message: "cache.json: entry 'k' is malformed Hint: delete the file" }),
    );
  });
});
