import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker script is its own entry: CPU execution contexts start it from dist/engine-worker.js.
  entry: { index: 'src/index.ts', 'engine-worker': 'src/worker/engine-worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // No shims: the modules that locate files read import.meta.url and fall back to the real
  // __dirname/__filename where it is empty (the CJS build, a CJS bundle). tsup's ESM shim would
  // evaluate __dirname from import.meta.url at load time, which throws inside a CJS bundle.
  esbuildOptions(options) {
    options.logOverride = { ...options.logOverride, 'empty-import-meta': 'silent' };
  },
});
