// The umbrella from CommonJS: `require` must resolve the package's CJS build (no require(esm)).
const kiln = require('kiln-inference');
const { checkTinyCnn } = require('./tiny-cnn-check.cjs');

const resolved = require.resolve('kiln-inference');
checkTinyCnn(kiln, process.cwd()).then((result) => {
  console.log(JSON.stringify({ format: 'cjs', resolved: resolved.slice(resolved.lastIndexOf('/') + 1), ...result }));
  if (!resolved.endsWith('/dist/index.cjs') || !result.ok) process.exitCode = 1;
});
