/**
 * Child process for the ConstantOfShape([65536, 65536]) regression: takes the ~100-byte model
 * through import, conversion, build and an inline run, and prints the KilnError code that
 * stopped it and the process's peak RSS. It runs alone so its RSS is the pipeline's. Plain
 * JavaScript (run through tsx for the workspace paths): @kiln-inference/onnx does not depend on the
 * converters and engine it drives, so its type check must not see them.
 */

import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { Graph, isKilnError, Tensor } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';
import { exportOnnx, importOnnx } from '@kiln-inference/onnx';

const model = exportOnnx(
  new Graph({
    format: 'onnx',
    name: 'fill',
    nodes: [
      {
        name: 'fill',
        op: 'ConstantOfShape',
        domain: '',
        inputs: ['shape'],
        outputs: ['y'],
        attributes: { value: { kind: 'tensor', value: Tensor.fromValues('float32', [1], [1]) } },
      },
    ],
    inputs: [],
    outputs: [{ name: 'y', type: null }],
    weights: new Map([['shape', Tensor.fromValues('int64', [2], [65536, 65536])]]),
    opsetImports: [{ domain: '', version: 17 }],
  }),
);

let stage = 'import';
let code = 'none';
let node;
try {
  const graph = importOnnx(model);
  stage = 'convert';
  const network = convertGraph(graph, createOnnxRegistry());
  stage = 'build';
  const plan = await buildPlan(network, { tune: false, backend: 'cpu' });
  stage = 'run';
  const engine = await Engine.create(plan, { execution: 'inline', kernels: 'reference' });
  const context = await engine.createExecutionContext();
  await context.run({});
} catch (e) {
  code = isKilnError(e) ? e.code : `not a KilnError: ${String(e)}`;
  node = isKilnError(e) ? (e.node?.name ?? e.layer?.name) : undefined;
}
process.stdout.write(JSON.stringify({ modelBytes: model.length, stage, code, node, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
