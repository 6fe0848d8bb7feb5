import { defineConfig } from 'tsup';

export default defineConfig({
  // cli.js is what `pnpm conformance` runs; case-worker.js is the script of the worker pool.
  entry: { cli: 'src/cli.ts', 'case-worker': 'src/case-worker.ts', 'write-operator-docs': 'src/write-operator-docs.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // Bundle the kiln packages from their sources (tsconfig paths): the runner measures the code
  // in the tree, not whatever dist/ happens to be built.
  noExternal: [/^@kiln-inference\//],
  banner: {
    js: "import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);",
  },
});
