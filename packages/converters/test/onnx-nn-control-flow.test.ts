import { type AttributeValue, type DType, Graph, type GraphNode, type Shape, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { checkSupport, convertGraph, createOnnxRegistry } from '../src/index.js';

const f32 = (values: number[], shape: number[] = [values.length]) => Tensor.fromValues('float32', shape, values);
const tensor = (dtype: DType, shape: Shape | null) => ({ kind: 'tensor' as const, dtype, shape });
const node = (op: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}): GraphNode => ({
  name: `${op}_${outputs[0]}`,
  op,
  domain: '',
  inputs,
  outputs,
  attributes,
});
const graphAttr = (value: Graph): AttributeValue => ({ kind: 'graph', value });

function model(
  nodes: GraphNode[],
  inputs: [string, DType, Shape | null][],
  outputs: string[],
  weights: Record<string, Tensor> = {},
): Graph {
  return new Graph({
    format: 'onnx',
    nodes,
    inputs: inputs.map(([name, dtype, shape]) => ({ name, type: tensor(dtype, shape) })),
    outputs: outputs.map((name) => ({ name, type: null })),
    weights: new Map(Object.entries(weights)),
    opsetImports: [{ domain: '', version: 16 }],
  });
}

function run(g: Graph, feeds: Record<string, Tensor>): Map<string, Tensor> {
  return new ReferenceExecutor().run(convertGraph(g, createOnnxRegistry()), feeds);
}

describe('ONNX If / Loop / Scan converters', () => {
  // then: y = a + k (k a branch-local constant); else: y = a * b (both read from the outer graph).
  const thenBranch = model([node('Add', ['a', 'k'], ['t'])], [], ['t'], { k: f32([100]) });
  const elseBranch = model([node('Mul', ['a', 'b'], ['e'])], [], ['e']);
  const ifModel = model(
    [node('If', ['c'], ['y'], { then_branch: graphAttr(thenBranch), else_branch: graphAttr(elseBranch) })],
    [
      ['c', 'bool', []],
      ['a', 'float32', [2]],
      ['b', 'float32', [2]],
    ],
    ['y'],
  );

  it('If captures outer values read by either branch', () => {
    const feeds = (c: boolean) => ({ c: Tensor.fromValues('bool', [], [c]), a: f32([1, 2]), b: f32([3, 4]) });
    expectTensorClose(run(ifModel, feeds(true)).get('y')!, f32([101, 102]), { rtol: 0, atol: 0 });
    expectTensorClose(run(ifModel, feeds(false)).get('y')!, f32([3, 8]), { rtol: 0, atol: 0 });
    const layer = convertGraph(ifModel, createOnnxRegistry()).layers.find((l) => l.kind === 'conditional')!;
    expect(layer.inputs).toEqual(['c', 'a', 'b']);
  });

  it('Loop runs a body that reads an outer value, with a scan output', () => {
    const body = model(
      [node('Add', ['acc', 'step'], ['acc_out']), node('Identity', ['cond_in'], ['cond_out']), node('Identity', ['acc_out'], ['scan_out'])],
      [
        ['i', 'int64', []],
        ['cond_in', 'bool', []],
        ['acc', 'float32', [1]],
      ],
      ['cond_out', 'acc_out', 'scan_out'],
    );
    const g = model(
      [node('Loop', ['M', '', 'init'], ['final', 'all'], { body: graphAttr(body) })],
      [
        ['M', 'int64', []],
        ['init', 'float32', [1]],
        ['step', 'float32', [1]],
      ],
      ['final', 'all'],
    );
    const out = run(g, { M: Tensor.fromValues('int64', [], [3]), init: f32([1]), step: f32([2]) });
    expectTensorClose(out.get('final')!, f32([7]), { rtol: 0, atol: 0 });
    expectTensorClose(out.get('all')!, f32([3, 5, 7], [3, 1]), { rtol: 0, atol: 0 });
  });

  it('a body naming one value twice (carried and scanned) keeps both output positions', () => {
    const body = model(
      [node('Add', ['acc', 'acc'], ['acc_out']), node('Identity', ['cond_in'], ['cond_out'])],
      [
        ['i', 'int64', []],
        ['cond_in', 'bool', []],
        ['acc', 'float32', [1]],
      ],
      ['cond_out', 'acc_out', 'acc_out'],
    );
    const g = model(
      [node('Loop', ['M', '', 'init'], ['final', 'all'], { body: graphAttr(body) })],
      [
        ['M', 'int64', []],
        ['init', 'float32', [1]],
      ],
      ['final', 'all'],
    );
    const out = run(g, { M: Tensor.fromValues('int64', [], [3]), init: f32([1]) });
    expectTensorClose(out.get('final')!, f32([8]), { rtol: 0, atol: 0 });
    expectTensorClose(out.get('all')!, f32([2, 4, 8], [3, 1]), { rtol: 0, atol: 0 });
  });

  it('Scan with a reversed input along axis 1', () => {
    const body = model(
      [node('Add', ['s', 'x_t'], ['s_out']), node('Identity', ['s_out'], ['y_t'])],
      [
        ['s', 'float32', [2]],
        ['x_t', 'float32', [2]],
      ],
      ['s_out', 'y_t'],
    );
    const ints = (value: number[]): AttributeValue => ({ kind: 'ints', value });
    const g = model(
      [
        node('Scan', ['init', 'x'], ['final', 'ys'], {
          body: graphAttr(body),
          num_scan_inputs: { kind: 'int', value: 1 },
          scan_input_axes: ints([1]),
          scan_input_directions: ints([1]),
        }),
      ],
      [
        ['init', 'float32', [2]],
        ['x', 'float32', [2, 3]],
      ],
      ['final', 'ys'],
    );
    const out = run(g, { init: f32([0, 0]), x: f32([1, 2, 3, 10, 20, 30], [2, 3]) });
    expectTensorClose(out.get('final')!, f32([6, 60]), { rtol: 0, atol: 0 });
    expectTensorClose(out.get('ys')!, f32([3, 30, 5, 50, 6, 60], [3, 2]), { rtol: 0, atol: 0 });
  });

  it('accepts sequence-typed loop state, rejects sequence scan outputs and Loops that never end', () => {
    const body = new Graph({
      format: 'onnx',
      inputs: [
        { name: 'i', type: tensor('int64', []) },
        { name: 'c', type: tensor('bool', []) },
        { name: 'seq', type: { kind: 'sequence', element: tensor('float32', null) } },
      ],
      outputs: [
        { name: 'c', type: null },
        { name: 'seq', type: null },
      ],
    });
    const g = model(
      [node('Loop', ['M', '', 's0'], ['s1'], { body: graphAttr(body) })],
      [
        ['M', 'int64', []],
        ['s0', 'float32', null],
      ],
      ['s1'],
    );
    expect(checkSupport(createOnnxRegistry(), g, g.nodes[0]!)).toMatchObject({ supported: true });
    const scanSequence = new Graph({
      format: 'onnx',
      inputs: [
        { name: 'i', type: tensor('int64', []) },
        { name: 'c', type: tensor('bool', []) },
      ],
      outputs: [
        { name: 'c', type: null },
        { name: 'seq_y', type: { kind: 'sequence', element: tensor('float32', null) } },
      ],
    });
    const scanning = model([node('Loop', ['M', ''], ['ys'], { body: graphAttr(scanSequence) })], [['M', 'int64', []]], ['ys']);
    expect(checkSupport(createOnnxRegistry(), scanning, scanning.nodes[0]!)).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
      reason: expect.stringMatching(/'seq_y' is a sequence/),
    });
    const forever = model([node('Loop', ['', '', 's0'], ['s1'], { body: graphAttr(body) })], [['s0', 'float32', null]], ['s1']);
    expect(checkSupport(createOnnxRegistry(), forever, forever.nodes[0]!)).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/never ends/),
    });
  });

  it('Scan-8 runs the body per batch entry up to its sequence length, zero-padding scan outputs', () => {
    const body = model(
      [node('Add', ['s', 'x_t'], ['s_out']), node('Identity', ['s_out'], ['y_t'])],
      [
        ['s', 'float32', [1]],
        ['x_t', 'float32', [1]],
      ],
      ['s_out', 'y_t'],
    );
    const scan8 = model(
      [node('Scan', ['lens', 'init', 'x'], ['final', 'ys'], { body: graphAttr(body), num_scan_inputs: { kind: 'int', value: 1 } })],
      [
        ['lens', 'int64', [2]],
        ['init', 'float32', [2, 1]],
        ['x', 'float32', [2, 3, 1]],
      ],
      ['final', 'ys'],
    );
    scan8.opsetImports = [{ domain: '', version: 8 }];
    const out = run(scan8, {
      lens: Tensor.fromValues('int64', [2], [3, 2]),
      init: f32([0, 100], [2, 1]),
      x: f32([1, 2, 3, 10, 20, 30], [2, 3, 1]),
    });
    expectTensorClose(out.get('final')!, f32([6, 130], [2, 1]), { rtol: 0, atol: 0 });
    expectTensorClose(out.get('ys')!, f32([1, 3, 6, 110, 130, 0], [2, 3, 1]), { rtol: 0, atol: 0 });
  });

  it('rejects an If whose branch output count differs from the node', () => {
    const twoOut = model(
      [node('If', ['c'], ['y', 'z'], { then_branch: graphAttr(thenBranch), else_branch: graphAttr(elseBranch) })],
      [['c', 'bool', []]],
      ['y'],
    );
    expect(checkSupport(createOnnxRegistry(), twoOut, twoOut.nodes[0]!)).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/has 1 outputs, the node 2/),
    });
  });
});
