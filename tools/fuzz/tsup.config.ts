import { defineConfig } from 'tsup';

// The worker is its own entry: the supervisor forks it as a separate process.
export default defineConfig({
  entry: { cli: 'src/cli.ts', worker: 'src/worker.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
});
