/** Shape and dtype inference: hand-built graphs with known answers, and the backend tests' outputs. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AttributeValue, Graph, type GraphNode, type Shape, Tensor, type ValueType } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { decodeTestValue, importOnnx, inferGraphTypes } from '../src/index.js';

const corpus = corpusDir();

function node(op: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}): GraphNode {
  return { name: `${op}_${outputs[0]}`, op, domain: '', inputs, outputs, attributes };
}

const f32 = (shape: Shape): ValueType => ({ kind: 'tensor', dtype: 'float32', shape });
const ints = (value: number[]): AttributeValue => ({ kind: 'ints', value });
const int = (value: number): AttributeValue => ({ kind: 'int', value });
const i64 = (values: number[]) => Tensor.fromValues('int64', [values.length], values);

function infer(nodes: GraphNode[], inputs: Record<string, ValueType>, weights: Record<string, Tensor> = {}, opset = 17) {
  const g = new Graph({
    format: 'onnx',
    nodes,
    inputs: Object.entries(inputs).map(([name, type]) => ({ name, type })),
    weights: new Map(Object.entries(weights)),
    opsetImports: [{ domain: '', version: opset }],
  });
  const warnings: string[] = [];
  inferGraphTypes(g, { warn: (m) => warnings.push(m) });
  const typeOf = (name: string) => g.valueInfo.get(name)?.type;
  return { typeOf, warnings };
}

describe('inferGraphTypes on hand-built graphs', () => {
  it('follows a conv / pool / flatten / gemm classifier with a symbolic batch', () => {
    const { typeOf, warnings } = infer(
      [
        node('Conv', ['x', 'w'], ['c'], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }),
        node('Relu', ['c'], ['r']),
        node('MaxPool', ['r'], ['p'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) }),
        node('GlobalAveragePool', ['p'], ['g']),
        node('Flatten', ['g'], ['f']),
        node('Gemm', ['f', 'fc'], ['y'], { transB: int(1) }),
        node('Softmax', ['y'], ['s']),
      ],
      { x: f32(['N', 3, 224, 224]) },
      { w: Tensor.zeros('float32', [16, 3, 3, 3]), fc: Tensor.zeros('float32', [10, 16]) },
    );
    expect(warnings).toEqual([]);
    expect(typeOf('c')).toEqual(f32(['N', 16, 112, 112]));
    expect(typeOf('p')).toEqual(f32(['N', 16, 56, 56]));
    expect(typeOf('g')).toEqual(f32(['N', 16, 1, 1]));
    expect(typeOf('f')).toEqual(f32(['N', 16]));
    expect(typeOf('s')).toEqual(f32(['N', 10]));
  });

  it('keeps symbolic spatial dims through stride-1 padded windows, and loses them on strides', () => {
    const { typeOf } = infer(
      [
        node('Conv', ['x', 'w'], ['same'], { pads: ints([1, 1, 1, 1]) }),
        node('Conv', ['x', 'w'], ['auto'], { auto_pad: { kind: 'string', value: 'SAME_UPPER' } }),
        node('Conv', ['x', 'w'], ['strided'], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }),
        node('AveragePool', ['x'], ['valid'], { kernel_shape: ints([2, 2]) }),
      ],
      { x: f32(['N', 3, 'H', 'W']) },
      { w: Tensor.zeros('float32', [16, 3, 3, 3]) },
    );
    expect(typeOf('same')).toEqual(f32(['N', 16, 'H', 'W']));
    expect(typeOf('auto')).toEqual(f32(['N', 16, 'H', 'W']));
    expect(typeOf('strided')).toEqual(f32(['N', 16, null, null]));
    expect(typeOf('valid')).toEqual(f32(['N', 3, null, null]));
  });

  it('computes Reshape targets from a Shape → Gather → Concat chain', () => {
    const { typeOf } = infer(
      [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['b'], { axis: int(0) }),
        node('Unsqueeze', ['b', 'axes0'], ['b1']),
        node('Concat', ['b1', 'minus1'], ['target'], { axis: int(0) }),
        node('Reshape', ['x', 'target'], ['y']),
        node('Transpose', ['x'], ['t'], { perm: ints([0, 2, 3, 1]) }),
        node('Slice', ['x', 'starts', 'ends', 'axes'], ['sl']),
        node('Cast', ['sl'], ['half'], { to: int(10) }),
        node('ReduceMean', ['half'], ['m'], { axes: ints([-1]), keepdims: int(0) }),
        node('Equal', ['m', 'm'], ['eq']),
      ],
      { x: f32(['batch', 4, 8, 2]) },
      { zero: Tensor.fromValues('int64', [], [0]), axes0: i64([0]), minus1: i64([-1]), starts: i64([1]), ends: i64([100]), axes: i64([2]) },
    );
    expect(typeOf('s')).toEqual({ kind: 'tensor', dtype: 'int64', shape: [4] });
    expect(typeOf('target')).toEqual({ kind: 'tensor', dtype: 'int64', shape: [2] });
    expect(typeOf('y')).toEqual(f32(['batch', 64]));
    expect(typeOf('t')).toEqual(f32(['batch', 8, 2, 4]));
    expect(typeOf('sl')).toEqual(f32(['batch', 4, 7, 2]));
    expect(typeOf('m')).toEqual({ kind: 'tensor', dtype: 'float16', shape: ['batch', 4, 7] });
    expect(typeOf('eq')).toEqual({ kind: 'tensor', dtype: 'bool', shape: ['batch', 4, 7] });
  });

  it('broadcasts, splits, pads and unsqueezes with opset-13 inputs', () => {
    const { typeOf } = infer(
      [
        node('Add', ['a', 'b'], ['sum']),
        node('Split', ['sum', 'parts'], ['s0', 's1'], { axis: int(1) }),
        node('Pad', ['s1', 'pads'], ['padded']),
        node('Unsqueeze', ['padded', 'axes'], ['u']),
        node('MatMul', ['u', 'm'], ['mm']),
      ],
      { a: f32([2, 1, 5]), b: f32([7, 1]) },
      { parts: i64([3, 4]), pads: i64([0, 1, 0, 0, 2, 0]), axes: i64([0, -1]), m: Tensor.zeros('float32', [1, 4]) },
      13,
    );
    expect(typeOf('sum')).toEqual(f32([2, 7, 5]));
    expect(typeOf('s0')).toEqual(f32([2, 3, 5]));
    expect(typeOf('s1')).toEqual(f32([2, 4, 5]));
    expect(typeOf('padded')).toEqual(f32([2, 7, 5]));
    expect(typeOf('u')).toEqual(f32([1, 2, 7, 5, 1]));
    expect(typeOf('mm')).toEqual(f32([1, 2, 7, 5, 4]));
  });

  it('handles ConvTranspose, LSTM, Resize, TopK and If', () => {
    const branch = (op: string) => new Graph({ format: 'onnx', nodes: [node(op, ['up'], ['o'])], outputs: [{ name: 'o', type: null }] });
    const { typeOf } = infer(
      [
        node('ConvTranspose', ['x', 'w'], ['ct'], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) }),
        node('Resize', ['ct', '', 'scales'], ['up'], { mode: { kind: 'string', value: 'nearest' } }),
        node('If', ['cond'], ['branch'], {
          then_branch: { kind: 'graph', value: branch('Relu') },
          else_branch: { kind: 'graph', value: branch('Sigmoid') },
        }),
        node('LSTM', ['seq', 'W', 'R'], ['Y', 'Y_h', 'Y_c'], {
          hidden_size: int(5),
          direction: { kind: 'string', value: 'bidirectional' },
        }),
        node('TopK', ['seq', 'k'], ['values', 'indices'], { axis: int(-1) }),
      ],
      { x: f32([1, 8, 10, 10]), cond: { kind: 'tensor', dtype: 'bool', shape: [] }, seq: f32([7, 'b', 3]) },
      {
        w: Tensor.zeros('float32', [8, 4, 3, 3]),
        scales: Tensor.fromValues('float32', [4], [1, 1, 2, 0.5]),
        W: Tensor.zeros('float32', [2, 20, 3]),
        R: Tensor.zeros('float32', [2, 20, 5]),
        k: i64([2]),
      },
      13,
    );
    expect(typeOf('ct')).toEqual(f32([1, 4, 20, 20]));
    expect(typeOf('up')).toEqual(f32([1, 4, 40, 10]));
    expect(typeOf('branch')).toEqual(f32([1, 4, 40, 10]));
    expect(typeOf('Y')).toEqual(f32([7, 2, 'b', 5]));
    expect(typeOf('Y_c')).toEqual(f32([2, 'b', 5]));
    expect(typeOf('values')).toEqual(f32([7, 'b', 2]));
    expect(typeOf('indices')).toEqual({ kind: 'tensor', dtype: 'int64', shape: [7, 'b', 2] });
  });

  it('types sequences and optionals', () => {
    const { typeOf } = infer(
      [
        node('SequenceConstruct', ['a', 'a'], ['seq']),
        node('SequenceAt', ['seq', 'zero'], ['item']),
        node('SequenceLength', ['seq'], ['len']),
        node('Identity', ['seq'], ['seq2']),
        node('Optional', ['seq2'], ['opt']),
        node('OptionalGetElement', ['opt'], ['back']),
        node('OptionalHasElement', ['opt'], ['has']),
      ],
      { a: f32([2, 3]) },
      { zero: Tensor.fromValues('int64', [], [0]) },
      18,
    );
    const seqType = { kind: 'sequence', element: f32([2, 3]) };
    expect(typeOf('seq')).toEqual(seqType);
    expect(typeOf('item')).toEqual(f32([2, 3]));
    expect(typeOf('len')).toEqual({ kind: 'tensor', dtype: 'int64', shape: [] });
    expect(typeOf('opt')).toEqual({ kind: 'optional', element: seqType });
    expect(typeOf('back')).toEqual(seqType);
    expect(typeOf('has')).toEqual({ kind: 'tensor', dtype: 'bool', shape: [] });
  });

  it('keeps unknown what it cannot know, and warns instead of throwing on broken shapes', () => {
    const { typeOf, warnings } = infer(
      [node('Add', ['a', 'b'], ['bad']), node('Relu', ['bad'], ['after']), node('Reshape', ['a', 'dyn'], ['r'])],
      { a: f32([2, 3]), b: f32([4, 5]), dyn: { kind: 'tensor', dtype: 'int64', shape: [3] } },
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Add_bad.*cannot be broadcast/);
    expect(typeOf('bad')).toBeUndefined();
    expect(typeOf('r')).toEqual(f32([null, null, null]));
  });
});

describe.skipIf(!corpus)('inference against the backend tests', () => {
  if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

  it('never contradicts the dtype or shape of an expected output', () => {
    const root = join(corpus ?? '', 'onnx-backend/node');
    let checked = 0;
    let fullyKnown = 0;
    const contradictions: string[] = [];
    for (const test of readdirSync(root)) {
      const g = importOnnx(new Uint8Array(readFileSync(join(root, test, 'model.onnx'))), { onWarning: () => {} });
      g.outputs.forEach((o, i) => {
        const file = join(root, test, 'test_data_set_0', `output_${i}.pb`);
        const inferred = g.valueInfo.get(o.name)?.type;
        if (o.type?.kind !== 'tensor' || !existsSync(file) || inferred?.kind !== 'tensor' || test.includes('E8M0')) return;
        const expected = decodeTestValue(new Uint8Array(readFileSync(file)), 'tensor') as Tensor;
        checked++;
        const shape = inferred.shape;
        const agrees =
          inferred.dtype === expected.dtype &&
          (shape === null || (shape.length === expected.rank && shape.every((d, k) => typeof d !== 'number' || d === expected.shape[k])));
        if (!agrees) contradictions.push(`${test}/${o.name}: inferred ${JSON.stringify(inferred)} but ran as ${expected.toString()}`);
        else if (shape?.every((d) => typeof d === 'number')) fullyKnown++;
      });
    }
    expect(contradictions).toEqual([]);
    expect(checked).toBeGreaterThan(2000);
    expect(fullyKnown).toBeGreaterThan(1400);
  });

  it('gives sequence and optional outputs their declared kind and element dtype', () => {
    const root = join(corpus ?? '', 'onnx-backend/node');
    const elementDtype = (t: ValueType | null | undefined): string | undefined =>
      t && (t.kind === 'sequence' || t.kind === 'optional')
        ? t.element?.kind === 'tensor'
          ? t.element.dtype
          : elementDtype(t.element)
        : undefined;
    let checked = 0;
    for (const test of readdirSync(root)) {
      const g = importOnnx(new Uint8Array(readFileSync(join(root, test, 'model.onnx'))), { onWarning: () => {} });
      for (const o of g.outputs) {
        if (!o.type || o.type.kind === 'tensor') continue;
        const inferred = g.valueInfo.get(o.name)?.type;
        expect(inferred?.kind, `${test}/${o.name}`).toBe(o.type.kind);
        expect(elementDtype(inferred), `${test}/${o.name}`).toBe(elementDtype(o.type));
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(29);
  });

  it('types every value of the light models (ResNet-50, VGG-19, …) with static shapes', () => {
    const dir = join(corpus ?? '', 'onnx-backend/light');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.onnx'))) {
      const g = importOnnx(new Uint8Array(readFileSync(join(dir, file))));
      for (const n of g.nodes) {
        for (const o of n.outputs) {
          const t = g.valueInfo.get(o)?.type;
          expect(t?.kind === 'tensor' && t.shape?.every((d) => typeof d === 'number'), `${file}: ${n.op} → ${o}`).toBe(true);
        }
      }
    }
  });
});
