/**
 * Kiln's version, written into plans and timing caches (one fixed version group pre-1.0).
 * Read from package.json so `changeset version` is the only place a release changes it.
 */
import { version } from '../package.json';

export const KILN_VERSION: string = version;
