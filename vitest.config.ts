import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages by name (each package.json's own); resolve them to their
// sources so a test run needs no prior build and reports lines in the TypeScript files.
const alias: Record<string, string> = {};
for (const dir of readdirSync(resolve(import.meta.dirname, 'packages'))) {
  const entry = resolve(import.meta.dirname, 'packages', dir, 'src/index.ts');
  if (!existsSync(entry)) continue;
  const { name } = JSON.parse(readFileSync(resolve(import.meta.dirname, 'packages', dir, 'package.json'), 'utf8'));
  alias[name] = entry;
}

const include = ['packages/*/test/**/*.test.ts', 'tools/*/test/**/*.test.ts'];

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Unit tests assert values, never wall-clock time: timings are benchmarks (tools/bench).
    projects: [{ extends: true, test: { name: 'unit', include, exclude: ['**/node_modules/**'] } }],
  },
});
