/** Where the shared corpus is (KILN_CORPUS, default ../shared/corpus); seeds from it are optional. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function corpusDir(sub: string): string | undefined {
  const root = resolve(process.env.KILN_CORPUS ?? resolve(process.cwd(), '../shared/corpus'));
  const dir = join(root, sub);
  return existsSync(dir) ? dir : undefined;
}
