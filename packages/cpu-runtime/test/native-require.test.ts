/**
 * KILN_REQUIRE_NATIVE=1 (what CI sets): an addon that does not load is an error, not a silent
 * fallback, both in the loader and in the test gate that decides whether native tests run.
 */
import { ErrorCode } from '@kiln-inference/core';
import { loadNativeForTests, nativeRequired, nativeSkipNote } from '@kiln-inference/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';

async function freshLoader(env: Record<string, string>) {
  vi.resetModules();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import('../src/native/load-native.js')).loadCpuNative;
}

/** The error `fn` throws (a fresh module graph has its own KilnError class, so no instanceof). */
function thrown(fn: () => unknown): { name: string; code: string; message: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    return e as { name: string; code: string; message: string; hint?: string };
  }
  throw new Error('expected a throw');
}

describe('KILN_REQUIRE_NATIVE=1', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('turns a missing addon into a NATIVE_UNAVAILABLE KilnError that says why', async () => {
    const load = await freshLoader({
      KILN_REQUIRE_NATIVE: '1',
      KILN_DISABLE_NATIVE: '',
      KILN_CPU_NATIVE_PATH: '/nonexistent/kiln_cpu.node',
    });
    const error = thrown(load);
    expect([error.name, error.code]).toEqual(['KilnError', ErrorCode.NATIVE_UNAVAILABLE]);
    expect(error.message).toMatch(/KILN_REQUIRE_NATIVE=1.*\/nonexistent\/kiln_cpu\.node not found/);
    expect(error.hint).toMatch(/build:native/);
  });

  it('turns an unloadable file into a NATIVE_UNAVAILABLE KilnError', async () => {
    const load = await freshLoader({
      KILN_REQUIRE_NATIVE: '1',
      KILN_DISABLE_NATIVE: '',
      KILN_CPU_NATIVE_PATH: new URL(import.meta.url).pathname,
    });
    const error = thrown(load);
    expect([error.name, error.code]).toEqual(['KilnError', ErrorCode.NATIVE_UNAVAILABLE]);
    expect(error.message).toMatch(/failed to load/);
  });

  it('leaves an explicit KILN_DISABLE_NATIVE=1 alone', async () => {
    const load = await freshLoader({ KILN_REQUIRE_NATIVE: '1', KILN_DISABLE_NATIVE: '1' });
    expect(load()).toEqual({ ok: false, reason: 'native kernels disabled by KILN_DISABLE_NATIVE=1' });
    expect(nativeRequired()).toBe(false);
  });

  it('makes the test gate fail instead of skip', () => {
    const missing = () => ({ ok: false as const, reason: 'not built' });
    vi.stubEnv('KILN_DISABLE_NATIVE', '');
    vi.stubEnv('KILN_REQUIRE_NATIVE', '');
    expect(loadNativeForTests('kiln_cpu.node', missing)).toEqual({ ok: false, reason: 'not built' });
    expect(nativeSkipNote(missing())).toBe(' (skipped: not built)');
    vi.stubEnv('KILN_REQUIRE_NATIVE', '1');
    expect(() => loadNativeForTests('kiln_cpu.node', missing)).toThrow(
      /kiln_cpu\.node is required \(KILN_REQUIRE_NATIVE=1\) but did not load: not built/,
    );
    expect(loadNativeForTests('kiln_cpu.node', () => ({ ok: true as const }))).toEqual({ ok: true });
  });
});
