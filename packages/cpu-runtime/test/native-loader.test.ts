import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCpuNative, nativeErrorToKilnError } from '../src/index.js';

async function freshLoader(env: Record<string, string>): Promise<typeof loadCpuNative> {
  vi.resetModules();
  // These cases load broken paths on purpose: CI's KILN_REQUIRE_NATIVE=1 would make that throw.
  vi.stubEnv('KILN_REQUIRE_NATIVE', '');
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import('../src/native/load-native.js')).loadCpuNative;
}

describe('loadCpuNative', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('answers once per process and never throws', () => {
    const first = loadCpuNative();
    expect(loadCpuNative()).toBe(first);
    if (first.ok) {
      expect(first.path.replaceAll('\\', '/')).toMatch(/packages\/cpu-runtime\/build\/Release\/kiln_cpu\.node$/);
      expect(typeof first.addon.cpuFeatures().avx2).toBe('boolean');
    } else {
      expect(first.reason).toMatch(/build:native|KILN_DISABLE_NATIVE/);
    }
  });

  it('says how to build the addon when it is missing', async () => {
    const load = await freshLoader({ KILN_CPU_NATIVE_PATH: '/nonexistent/kiln_cpu.node' });
    const result = load();
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.reason).toMatch(
        /\/nonexistent\/kiln_cpu\.node not found; build it with 'pnpm --filter @kiln-inference\/cpu-runtime build:native'/,
      );
  });

  it('reports a file that is not a loadable addon instead of throwing', async () => {
    const load = await freshLoader({ KILN_CPU_NATIVE_PATH: new URL(import.meta.url).pathname });
    const result = load();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/failed to load/);
  });

  it('can be turned off with KILN_DISABLE_NATIVE=1', async () => {
    const load = await freshLoader({ KILN_DISABLE_NATIVE: '1' });
    expect(load()).toEqual({ ok: false, reason: 'native kernels disabled by KILN_DISABLE_NATIVE=1' });
  });
});

describe('nativeErrorToKilnError', () => {
  it('keeps the native code and hint and names the layer', () => {
    const native = Object.assign(new Error('sgemm: a has 6 elements but M×K needs 8 Hint: check M, N, K'), {
      code: 'INVALID_ARGUMENT',
      hint: 'check M, N, K',
    });
    const error = nativeErrorToKilnError(native, { name: 'fc1', kind: 'matrix_multiply' });
    expect(isKilnError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect(error.hint).toBe('check M, N, K');
    expect(error.message).toBe("layer 'fc1' (matrix_multiply): sgemm: a has 6 elements but M×K needs 8 Hint: check M, N, K");
  });

  it('treats unknown codes as runtime errors', () => {
    const error = nativeErrorToKilnError(new Error('boom'));
    expect(error.code).toBe(ErrorCode.RUNTIME_ERROR);
    expect(error.message).toBe('boom');
  });
});
