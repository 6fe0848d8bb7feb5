#!/usr/bin/env node
// What a built Linux addon asks of the machine that loads it: the shared libraries it links
// (readelf -d) and the highest symbol version it needs from each runtime (objdump -T), e.g.
//   node native/scripts/native-floor.mjs packages/cpu-runtime/build/Release/kiln_cpu.node
//   → kiln_cpu.node: glibc >= 2.34; links libm.so.6, libgcc_s.so.1, libc.so.6, ld-linux-x86-64.so.2
// --json prints { file, needed, versions: { GLIBC, GLIBCXX, CXXABI, GCC } } (null where none).
// docs/packaging-natives.md records the floor each release reached.
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

const RUNTIMES = ['GLIBC', 'GLIBCXX', 'CXXABI', 'GCC'];

function run(tool, args) {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error(`native-floor: ${tool} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim()}; install binutils`);
    process.exit(1);
  }
  return r.stdout;
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function nativeFloor(file) {
  const needed = [...run('readelf', ['-d', file]).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const versions = Object.fromEntries(RUNTIMES.map((r) => [r, null]));
  // Only undefined (imported) symbols count: those are what the loading machine must provide.
  for (const line of run('objdump', ['-T', file]).split('\n')) {
    const m = /\*UND\*\s+\S+\s+(?:\(([A-Z]+)_([\d.]+)\)|([A-Z]+)_([\d.]+))/.exec(line);
    if (!m) continue;
    const runtime = m[1] ?? m[3];
    const version = m[2] ?? m[4];
    if (runtime in versions && (versions[runtime] === null || compareVersions(version, versions[runtime]) > 0)) versions[runtime] = version;
  }
  return { file, needed, versions };
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!file) {
    console.error('usage: native-floor.mjs FILE.node [--json]');
    process.exit(2);
  }
  const floor = nativeFloor(file);
  if (process.argv.includes('--json')) console.log(JSON.stringify(floor));
  else {
    const asks = Object.entries(floor.versions)
      .filter(([, v]) => v !== null)
      .map(([r, v]) => `${r === 'GLIBC' ? 'glibc' : r} >= ${v}`);
    console.log(`${basename(file)}: ${asks.join(', ')}; links ${floor.needed.join(', ')}`);
  }
}
