/**
 * Where a process's resident memory lives, from /proc/self/smaps (Linux), so a memory-growth
 * report can say which allocator holds what it gained:
 * - `mallocMainMb`: glibc's main arena (the `[heap]` mapping, grown by brk);
 * - `mallocArenasMb`: glibc's per-thread arenas, recognised by their 64 MiB-aligned anonymous
 *   read-write mappings (glibc reserves each arena heap as one aligned 64 MiB region);
 * - `otherAnonMb`: every other anonymous mapping: V8's heap pages, mmap'd malloc blocks, thread
 *   stacks;
 * - `fileMb`: mapped files (code of node and the addons, shared libraries).
 */
import { readFileSync } from 'node:fs';

export interface ResidentRegions {
  mallocMainMb: number;
  mallocArenasMb: number;
  otherAnonMb: number;
  fileMb: number;
}

const ARENA_ALIGNMENT = 64n * 1024n * 1024n;

/** The breakdown, or null where /proc/self/smaps cannot be read. */
export function residentRegions(): ResidentRegions | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  const kb = { mallocMain: 0, mallocArenas: 0, otherAnon: 0, file: 0 };
  let region: keyof typeof kb = 'otherAnon';
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-[0-9a-f]+ (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const [, start, perms, path] = header;
      if (path === '[heap]') region = 'mallocMain';
      else if (path && !path.startsWith('[')) region = 'file';
      else if (!path && perms!.startsWith('rw') && BigInt(`0x${start}`) % ARENA_ALIGNMENT === 0n) region = 'mallocArenas';
      else region = 'otherAnon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kb[region] += Number(rss[1]);
  }
  const mb = (k: number) => k / 1024;
  return { mallocMainMb: mb(kb.mallocMain), mallocArenasMb: mb(kb.mallocArenas), otherAnonMb: mb(kb.otherAnon), fileMb: mb(kb.file) };
}
