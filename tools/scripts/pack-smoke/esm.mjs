// The umbrella from an ES module: `import` must resolve the package's ESM build.
import * as kiln from 'kiln-inference';
import { checkTinyCnn } from './tiny-cnn-check.cjs';

const resolved = import.meta.resolve('kiln-inference');
const result = await checkTinyCnn(kiln, process.cwd());
console.log(JSON.stringify({ format: 'esm', resolved: resolved.slice(resolved.lastIndexOf('/') + 1), ...result }));
if (!resolved.endsWith('/dist/index.js') || !result.ok) process.exitCode = 1;
