#!/usr/bin/env node
// Runs a model through the built umbrella twice, on the native CPU kernels and on the TypeScript
// reference kernels, with one seeded random input, and prints the largest difference: a check
// of kiln_cpu.node wherever it runs, including a cross build under emulation
// (docs/packaging-natives.md). Run `pnpm build` first; set KILN_CPU_NATIVE_PATH to check another
// build and KILN_REQUIRE_NATIVE=1 so a failed load is an error, not a silent pass.
//   node tools/scripts/native-vs-reference.mjs MODEL.onnx 1x3x224x224
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { InferenceSession, Tensor } = await import(pathToFileURL(join(root, 'packages/kiln/dist/index.js')).href);
const { loadCpuNative } = await import(pathToFileURL(join(root, 'packages/cpu-runtime/dist/index.js')).href);

const [model, shapeArg] = process.argv.slice(2);
if (!model || !/^\d+(x\d+)*$/.test(shapeArg ?? '')) {
  console.error('usage: native-vs-reference.mjs MODEL SHAPE (e.g. 1x3x224x224)');
  process.exit(2);
}
const shape = shapeArg.split('x').map(Number);
let seed = 1;
const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return (seed / 2 ** 31) * 2 - 1;
});
const input = Tensor.fromValues('float32', shape, values);
const native = loadCpuNative();
console.log(
  native.ok
    ? `kiln_cpu.node: ${native.path} (${process.arch}, ${native.addon.microKernel()} micro-kernel)`
    : `kiln_cpu.node: ${native.reason}`,
);

const results = {};
for (const kernels of ['native', 'reference']) {
  const session = await InferenceSession.create(model, { kernels });
  const outputs = await session.run({ [session.inputNames[0]]: input });
  results[kernels] = Object.values(outputs).map((t) => t.data);
  await session.release();
}
let maxAbsDiff = 0;
let elements = 0;
results.native.forEach((data, o) => {
  elements += data.length;
  for (let i = 0; i < data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(data[i] - results.reference[o][i]));
});
console.log(JSON.stringify({ model, outputs: results.native.length, elements, maxAbsDiff }));
