import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { residentRegions } from '../src/suites/memory-map.js';

const linux = existsSync('/proc/self/smaps');

describe.skipIf(!linux)('resident memory by region (/proc/self/smaps)', () => {
  it('splits the whole resident set: the regions add up to VmRSS', () => {
    const r = residentRegions()!;
    const vmRssMb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
    const total = r.mallocMainMb + r.mallocArenasMb + r.otherAnonMb + r.fileMb;
    // Two reads a moment apart: the process may touch a few pages in between.
    expect(total).toBeGreaterThan(vmRssMb * 0.9);
    expect(total).toBeLessThan(vmRssMb * 1.1);
    // Node's code is mapped from its binary; V8's heap is anonymous.
    expect(r.fileMb).toBeGreaterThan(1);
    expect(r.otherAnonMb).toBeGreaterThan(1);
  });

  it('counts a block malloc carves from the main arena under [heap]', () => {
    const before = residentRegions()!.mallocMainMb;
    // Buffers under the mmap threshold come from malloc; thousands of them grow the main arena.
    const keep = Array.from({ length: 4000 }, () => Buffer.alloc(8 * 1024, 1));
    const after = residentRegions()!.mallocMainMb;
    expect(keep.length).toBe(4000);
    expect(after - before).toBeGreaterThan(16);
  });
});
