/**
 * Gating tests on an optional native addon. Locally a missing addon skips its tests with the
 * reason in the title; with KILN_REQUIRE_NATIVE=1 (CI) it fails them instead, so a broken
 * native build can never pass as a run of skips.
 */

/** What an addon loader answers (loadCpuNative's shape, without the addon's type). */
export type NativeLoadOutcome = { ok: true } | { ok: false; reason: string };

/** True when KILN_REQUIRE_NATIVE=1 and native code was not explicitly disabled. */
export function nativeRequired(): boolean {
  return process.env.KILN_REQUIRE_NATIVE === '1' && process.env.KILN_DISABLE_NATIVE !== '1';
}

/**
 * Calls `load` and returns its answer for `describe.skipIf(!result.ok)`; throws (failing the
 * test file) when the addon is required but did not load.
 */
export function loadNativeForTests<T extends NativeLoadOutcome>(what: string, load: () => T): T {
  const result = load();
  if (!result.ok && nativeRequired()) {
    throw new Error(`${what} is required (KILN_REQUIRE_NATIVE=1) but did not load: ${result.reason}`);
  }
  return result;
}

/** ' (skipped: reason)' for a describe title when the addon is absent, else ''. */
export function nativeSkipNote(result: NativeLoadOutcome): string {
  return result.ok ? '' : ` (skipped: ${result.reason})`;
}

/**
 * A child process's stderr without Kiln's fallback warnings (and the `--trace-warnings` note
 * Node adds after the first), which a machine without the native addons prints by design.
 */
export function withoutFallbackWarnings(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.includes('KilnPerformanceWarning') && !line.includes('node --trace-warnings'))
    .join('\n');
}
