/**
 * ONNX tensor-sequence ops: hand-built graphs converted and run on the reference executor, the
 * conversion errors, and the corpus cases that use sequences (node tests and the simple
 * test_sequence_model* models), compared element by element with rtol = atol = 1e-4.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AttributeValue, Graph, type GraphNode, Tensor, type ValueInfo } from '@kiln-inference/core';
import { ReferenceExecutor, type RuntimeValue, TensorSequence } from '@kiln-inference/cpu-runtime';
import { decodeSequenceProto, decodeTensorProto, importOnnx } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertGraph, createOnnxRegistry } from '../src/index.js';

const int = (value: number): AttributeValue => ({ kind: 'int', value });

function node(op: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}): GraphNode {
  return { name: `${op}_${outputs[0]}`, op, domain: '', inputs, outputs, attributes };
}

const tensorInput = (name: string): ValueInfo => ({ name, type: { kind: 'tensor', dtype: 'float32', shape: null } });
const sequenceInput = (name: string): ValueInfo => ({
  name,
  type: { kind: 'sequence', element: { kind: 'tensor', dtype: 'float32', shape: null } },
});

function graphOf(nodes: GraphNode[], inputs: ValueInfo[], outputs: string[], weights: Record<string, Tensor> = {}): Graph {
  return new Graph({
    format: 'onnx',
    nodes,
    inputs,
    outputs: outputs.map((name) => ({ name, type: null })),
    weights: new Map(Object.entries(weights)),
    opsetImports: [{ domain: '', version: 17 }],
  });
}

function run(graph: Graph, feeds: Record<string, RuntimeValue>): RuntimeValue[] {
  const network = convertGraph(graph, createOnnxRegistry());
  const result = new ReferenceExecutor().runValues(network, feeds);
  return network.outputs.map((o) => result.get(o)!);
}

const exact = { rtol: 0, atol: 0 };
const f32 = (values: number[], shape: number[]) => Tensor.fromValues('float32', shape, values);

describe('ONNX sequence ops, hand-built graphs', () => {
  it('split, insert, erase, length and concat in one graph', () => {
    const graph = graphOf(
      [
        node('SplitToSequence', ['x'], ['pieces'], { axis: int(0), keepdims: int(1) }),
        node('SequenceInsert', ['pieces', 'extra', 'zero'], ['inserted']),
        node('SequenceErase', ['inserted'], ['erased']),
        node('SequenceLength', ['erased'], ['n']),
        node('ConcatFromSequence', ['erased'], ['y'], { axis: int(0) }),
      ],
      [tensorInput('x'), tensorInput('extra')],
      ['y', 'n'],
      { zero: Tensor.scalar('int64', 0n) },
    );
    const [y, n] = run(graph, { x: f32([1, 2, 3, 4, 5, 6], [3, 2]), extra: f32([9, 9], [1, 2]) });
    // Insert [9 9] in front, erase the last piece [5 6], concatenate the rest.
    expectTensorClose(y as Tensor, f32([9, 9, 1, 2, 3, 4], [3, 2]), exact);
    expectTensorClose(n as Tensor, Tensor.scalar('int64', 3n), exact);
  });

  it('takes a sequence input, reads an element and returns a new sequence', () => {
    const graph = graphOf(
      [node('SequenceAt', ['s', 'last'], ['at']), node('SequenceConstruct', ['at', 'at'], ['twice'])],
      [sequenceInput('s')],
      ['at', 'twice'],
      { last: Tensor.scalar('int32', -1) },
    );
    const network = convertGraph(graph, createOnnxRegistry());
    expect(network.inputs[0]).toMatchObject({ name: 's', dtype: 'float32', valueKind: 'sequence' });
    expect(network.tensor(network.outputs[1]!).valueKind).toBe('sequence');
    const s = new TensorSequence('float32', [f32([1], [1]), f32([2, 3], [2])]);
    const [at, twice] = run(graph, { s });
    expectTensorClose(at as Tensor, f32([2, 3], [2]), exact);
    expect(twice).toBeInstanceOf(TensorSequence);
    expect((twice as TensorSequence).length).toBe(2);
  });

  it('SequenceEmpty takes its dtype attribute (ONNX type codes)', () => {
    const graph = graphOf([node('SequenceEmpty', [], ['e'], { dtype: int(7) }), node('SequenceLength', ['e'], ['n'])], [], ['e', 'n']);
    const [e, n] = run(graph, {});
    expect((e as TensorSequence).dtype).toBe('int64');
    expectTensorClose(n as Tensor, Tensor.scalar('int64', 0n), exact);
  });

  it('SequenceMap runs its body per element: sequence inputs give elements, tensors the whole tensor', () => {
    const body = new Graph({
      format: 'onnx',
      name: 'add_bias',
      nodes: [node('Add', ['elem', 'bias'], ['sum']), node('Shape', ['elem'], ['dims'])],
      inputs: [tensorInput('elem'), tensorInput('bias')],
      outputs: [
        { name: 'sum', type: null },
        { name: 'dims', type: null },
      ],
    });
    const graph = new Graph({
      format: 'onnx',
      nodes: [node('SequenceMap', ['s', 'b'], ['sums', 'shapes'], { body: { kind: 'graph', value: body } })],
      inputs: [sequenceInput('s'), tensorInput('b')],
      outputs: [
        { name: 'sums', type: null },
        { name: 'shapes', type: null },
      ],
      opsetImports: [{ domain: '', version: 17 }],
    });
    const s = new TensorSequence('float32', [f32([1, 2], [2]), f32([3], [1])]);
    const [sums, shapes] = run(graph, { s, b: f32([10], [1]) }) as TensorSequence[];
    expect(sums!.length).toBe(2);
    expectTensorClose(sums!.elements[0]!, f32([11, 12], [2]), exact);
    expectTensorClose(sums!.elements[1]!, f32([13], [1]), exact);
    expectTensorClose(shapes!.elements[0]!, Tensor.fromValues('int64', [1], [2]), exact);
    expect(shapes!.dtype).toBe('int64');
    // An empty input sequence gives empty output sequences that keep their dtypes.
    const [none] = run(graph, { s: new TensorSequence('float32'), b: f32([10], [1]) }) as TensorSequence[];
    expect(none!.length).toBe(0);
    expect(none!.dtype).toBe('float32');
  });

  it('refuses a tensor where a sequence is expected, naming the node', () => {
    const graph = graphOf([node('SequenceAt', ['x', 'zero'], ['y'])], [tensorInput('x')], ['y'], { zero: Tensor.scalar('int64', 0n) });
    expect(() => convertGraph(graph, createOnnxRegistry())).toThrow(
      expect.objectContaining({
        node: expect.objectContaining({ op: 'SequenceAt' }),
        message: expect.stringMatching(/must be a tensor sequence/),
      }),
    );
  });

  it('refuses ConcatFromSequence without an axis', () => {
    const graph = graphOf([node('ConcatFromSequence', ['s'], ['y'])], [sequenceInput('s')], ['y']);
    expect(() => convertGraph(graph, createOnnxRegistry())).toThrow(/axis attribute is required/);
  });
});

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

const NODE_CASES = [
  'test_identity_sequence',
  'test_if_seq',
  'test_loop13_seq',
  'test_optional_get_element_sequence',
  'test_sequence_insert_at_back',
  'test_sequence_insert_at_front',
  'test_sequence_map_add_1_sequence_1_tensor',
  'test_sequence_map_add_2_sequences',
  'test_sequence_map_extract_shapes',
  'test_sequence_map_identity_1_sequence',
  'test_sequence_map_identity_1_sequence_1_tensor',
  'test_sequence_map_identity_2_sequences',
  'test_sequence_map_add_1_sequence_1_tensor_expanded',
  'test_sequence_map_add_2_sequences_expanded',
  'test_sequence_map_extract_shapes_expanded',
  'test_sequence_map_identity_1_sequence_1_tensor_expanded',
  'test_sequence_map_identity_1_sequence_expanded',
  'test_sequence_map_identity_2_sequences_expanded',
  'test_split_to_sequence_1',
  'test_split_to_sequence_2',
  'test_split_to_sequence_nokeepdims',
].map((name) => `node/${name}`);
const MODEL_CASES = Array.from({ length: 8 }, (_, i) => `simple/test_sequence_model${i + 1}`);

function readValue(path: string, info: ValueInfo): RuntimeValue {
  const bytes = new Uint8Array(readFileSync(path));
  if (info.type?.kind !== 'sequence') return decodeTensorProto(bytes).tensor;
  const { elements } = decodeSequenceProto(bytes);
  const declared = info.type.element?.kind === 'tensor' ? info.type.element.dtype : 'float32';
  return new TensorSequence(elements[0]?.dtype ?? declared, elements);
}

function expectValueClose(actual: RuntimeValue | undefined, expected: RuntimeValue): void {
  const tol = { rtol: 1e-4, atol: 1e-4 };
  if (expected instanceof Tensor) {
    expect(actual).toBeInstanceOf(Tensor);
    expectTensorClose(actual as Tensor, expected, tol);
    return;
  }
  expect(actual).toBeInstanceOf(TensorSequence);
  const seq = actual as TensorSequence;
  expect(seq.dtype).toBe(expected.dtype);
  expect(seq.length).toBe(expected.length);
  for (const [i, t] of expected.elements.entries()) expectTensorClose(seq.elements[i]!, t, tol);
}

function runCorpusCase(dir: string): number {
  const graph = importOnnx(new Uint8Array(readFileSync(join(dir, 'model.onnx'))));
  const network = convertGraph(graph, createOnnxRegistry());
  const executor = new ReferenceExecutor();
  let sets = 0;
  for (; existsSync(join(dir, `test_data_set_${sets}`)); sets++) {
    const data = join(dir, `test_data_set_${sets}`);
    const feeds = new Map(graph.feedInputs.map((input, i) => [input.name, readValue(join(data, `input_${i}.pb`), input)]));
    const outputs = executor.runValues(network, feeds);
    for (const [i, out] of graph.outputs.entries()) expectValueClose(outputs.get(out.name), readValue(join(data, `output_${i}.pb`), out));
  }
  return sets;
}

describe.skipIf(!corpus)('ONNX corpus cases with sequence values', () => {
  for (const name of [...NODE_CASES, ...MODEL_CASES]) {
    it(name, () => {
      expect(runCorpusCase(join(corpus!, 'onnx-backend', name))).toBeGreaterThan(0);
    });
  }
});
