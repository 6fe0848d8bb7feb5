/**
 * What a built kiln_cpu.node asks of the Linux machine that loads it (native/scripts/native-floor.mjs):
 * libstdc++ is linked in, so no GLIBCXX_/CXXABI_ version and no libstdc++.so.6; only glibc and
 * libgcc_s remain (docs/packaging-natives.md states the glibc floor a release build reached).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { nativeRequired } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const addon = resolve(root, 'packages/cpu-runtime/build/Release/kiln_cpu.node');
const script = resolve(root, 'native/scripts/native-floor.mjs');
const binutils = spawnSync('objdump', ['--version']).status === 0 && spawnSync('readelf', ['--version']).status === 0;
const built = existsSync(addon);
const why = process.platform !== 'linux' ? 'not Linux' : !binutils ? 'objdump/readelf not installed' : 'kiln_cpu.node not built';
const runs = process.platform === 'linux' && binutils && (built || nativeRequired());

describe(`kiln_cpu.node's runtime floor${runs ? '' : ` (skipped: ${why})`}`, () => {
  it.runIf(runs)("needs glibc and libgcc_s only, not the build machine's libstdc++", () => {
    const r = spawnSync(process.execPath, [script, addon, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const floor = JSON.parse(r.stdout) as { needed: string[]; versions: Record<string, string | null> };
    expect(floor.needed.filter((lib) => lib.startsWith('libstdc++'))).toEqual([]);
    expect(floor.versions.GLIBCXX).toBeNull();
    expect(floor.versions.CXXABI).toBeNull();
    expect(floor.versions.GLIBC).toMatch(/^2\.\d+$/);
    // arc4random (2.36) and _dl_find_object (2.35) would come from an unpruned static libstdc++/libgcc.
    expect(Number(floor.versions.GLIBC!.split('.')[1])).toBeLessThan(35);
  });
});
