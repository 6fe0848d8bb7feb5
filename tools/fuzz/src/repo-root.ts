/** The workspace root (the folder with tsconfig.dev.json), found upward from this module. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'tsconfig.dev.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('kiln fuzz: cannot find the workspace root (tsconfig.dev.json) above this module');
    dir = up;
  }
  return dir;
}
