/** The tensor-sequence kernels and the executor's handling of sequence feeds and outputs. */
import { type DType, ErrorCode, type LayerKind, type LayerParamsMap, Network, Tensor, type TensorDesc } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { ReferenceExecutor, type RuntimeValue, TensorSequence } from '../src/index.js';
import { f32, i64 } from './layer-harness.js';

type Value = Tensor | TensorSequence | undefined;

/** Runs one layer whose inputs (undefined = omitted) and single output may be sequences. */
function runValueLayer<K extends LayerKind>(
  kind: K,
  params: LayerParamsMap[K],
  inputs: Value[],
  output: 'tensor' | 'sequence',
  dtype: DType = 'float32',
): RuntimeValue {
  const network = new Network('test');
  const feeds = new Map<string, RuntimeValue>();
  const names = inputs.map((v, i) => {
    if (!v) return '';
    const desc: TensorDesc = { name: `in${i}`, dtype: v.dtype, shape: null };
    if (v instanceof TensorSequence) desc.valueKind = 'sequence';
    network.addInput(desc);
    feeds.set(desc.name, v);
    return desc.name;
  });
  const out: TensorDesc = { name: 'out', dtype, shape: null, ...(output === 'sequence' ? { valueKind: 'sequence' as const } : {}) };
  network.addLayer(kind, { name: `${kind}_layer`, inputs: names, outputs: [out], params });
  network.markOutput('out');
  return new ReferenceExecutor().runValues(network, feeds).get('out')!;
}

function asSequence(v: RuntimeValue): TensorSequence {
  expect(v).toBeInstanceOf(TensorSequence);
  return v as TensorSequence;
}

function expectElements(v: RuntimeValue, expected: Tensor[]): void {
  const seq = asSequence(v);
  expect(seq.length).toBe(expected.length);
  for (const [i, t] of expected.entries()) expectTensorClose(seq.elements[i]!, t, { rtol: 0, atol: 0 });
}

const a = f32([1, 2]);
const b = f32([3, 4, 5]);
const c = f32([6]);
const abc = new TensorSequence('float32', [a, b, c]);
const scalar = (p: number) => Tensor.scalar('int64', BigInt(p));

function expectKilnError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(pattern);
}

describe('sequence_construct / sequence_empty / sequence_length', () => {
  it('builds a sequence of its inputs in order', () => {
    expectElements(runValueLayer('sequence_construct', {}, [a, b, c], 'sequence'), [a, b, c]);
  });

  it('refuses mixed element dtypes', () => {
    expectKilnError(() => runValueLayer('sequence_construct', {}, [a, i64([1])], 'sequence'), /element 1 is int64/);
  });

  it('makes an empty sequence that keeps its dtype', () => {
    const seq = asSequence(runValueLayer('sequence_empty', { dtype: 'int32' }, [], 'sequence', 'int32'));
    expect(seq.length).toBe(0);
    expect(seq.dtype).toBe('int32');
  });

  it('counts elements as an int64 scalar', () => {
    const n = runValueLayer('sequence_length', {}, [abc], 'tensor', 'int64') as Tensor;
    expectTensorClose(n, Tensor.scalar('int64', 3n), { rtol: 0, atol: 0 });
  });
});

describe('sequence_at / sequence_insert / sequence_erase', () => {
  it('reads positive and negative positions', () => {
    expectTensorClose(runValueLayer('sequence_at', {}, [abc, scalar(1)], 'tensor') as Tensor, b, { rtol: 0, atol: 0 });
    expectTensorClose(runValueLayer('sequence_at', {}, [abc, Tensor.scalar('int32', -1)], 'tensor') as Tensor, c, { rtol: 0, atol: 0 });
  });

  it('refuses out-of-range positions with the valid range', () => {
    expectKilnError(() => runValueLayer('sequence_at', {}, [abc, scalar(3)], 'tensor'), /\[-3, 2\]/);
    expectKilnError(() => runValueLayer('sequence_at', {}, [abc, scalar(-4)], 'tensor'), /out of range/);
  });

  it('inserts before a position, at the end by default, and at position n', () => {
    const x = f32([9]);
    expectElements(runValueLayer('sequence_insert', {}, [abc, x, scalar(0)], 'sequence'), [x, a, b, c]);
    expectElements(runValueLayer('sequence_insert', {}, [abc, x, scalar(-1)], 'sequence'), [a, b, x, c]);
    expectElements(runValueLayer('sequence_insert', {}, [abc, x], 'sequence'), [a, b, c, x]);
    expectElements(runValueLayer('sequence_insert', {}, [abc, x, scalar(3)], 'sequence'), [a, b, c, x]);
    expectKilnError(() => runValueLayer('sequence_insert', {}, [abc, x, scalar(4)], 'sequence'), /\[-3, 3\]/);
    expectKilnError(() => runValueLayer('sequence_insert', {}, [abc, i64([1])], 'sequence'), /int64 tensor into a sequence of float32/);
  });

  it('leaves its input sequence unchanged', () => {
    runValueLayer('sequence_insert', {}, [abc, f32([0]), scalar(0)], 'sequence');
    runValueLayer('sequence_erase', {}, [abc, scalar(0)], 'sequence');
    expect(abc.length).toBe(3);
  });

  it('erases the last element by default, or the one at a position', () => {
    expectElements(runValueLayer('sequence_erase', {}, [abc], 'sequence'), [a, b]);
    expectElements(runValueLayer('sequence_erase', {}, [abc, scalar(-3)], 'sequence'), [b, c]);
    expectKilnError(() => runValueLayer('sequence_erase', {}, [new TensorSequence('float32')], 'sequence'), /empty sequence/);
  });
});

describe('split_to_sequence', () => {
  const x = Tensor.fromValues('float32', [3, 2], [1, 2, 3, 4, 5, 6]);

  it('splits into size-1 pieces, squeezed unless keepDims', () => {
    expectElements(runValueLayer('split_to_sequence', { axis: 0, keepDims: true }, [x], 'sequence'), [
      f32([1, 2], [1, 2]),
      f32([3, 4], [1, 2]),
      f32([5, 6], [1, 2]),
    ]);
    expectElements(runValueLayer('split_to_sequence', { axis: -1, keepDims: false }, [x], 'sequence'), [f32([1, 3, 5]), f32([2, 4, 6])]);
  });

  it('splits by a scalar size with a shorter last piece', () => {
    expectElements(runValueLayer('split_to_sequence', { axis: 0, keepDims: false }, [x, Tensor.scalar('int64', 2n)], 'sequence'), [
      f32([1, 2, 3, 4], [2, 2]),
      f32([5, 6], [1, 2]),
    ]);
  });

  it('splits by explicit sizes, which must add up to the axis', () => {
    expectElements(runValueLayer('split_to_sequence', { axis: 0, keepDims: false }, [x, i64([1, 2])], 'sequence'), [
      f32([1, 2], [1, 2]),
      f32([3, 4, 5, 6], [2, 2]),
    ]);
    expectKilnError(() => runValueLayer('split_to_sequence', { axis: 0, keepDims: true }, [x, i64([1, 1])], 'sequence'), /do not add up/);
  });
});

describe('concat_from_sequence', () => {
  const p = f32([1, 2], [1, 2]);
  const q = f32([3, 4], [1, 2]);
  const pq = new TensorSequence('float32', [p, q]);

  it('concatenates along an existing axis', () => {
    const y = runValueLayer('concat_from_sequence', { axis: 1, newAxis: false }, [pq], 'tensor') as Tensor;
    expectTensorClose(y, f32([1, 2, 3, 4], [1, 4]), { rtol: 0, atol: 0 });
  });

  it('stacks along a new axis, which may follow the last one', () => {
    const y = runValueLayer('concat_from_sequence', { axis: -1, newAxis: true }, [pq], 'tensor') as Tensor;
    expectTensorClose(y, f32([1, 3, 2, 4], [1, 2, 2]), { rtol: 0, atol: 0 });
  });

  it('refuses an empty sequence', () => {
    expectKilnError(
      () => runValueLayer('concat_from_sequence', { axis: 0, newAxis: false }, [new TensorSequence('float32')], 'tensor'),
      /empty sequence/,
    );
  });
});

describe('sequence values in the executor', () => {
  function identityNetwork(valueKind?: 'sequence'): Network {
    const network = new Network('pass');
    network.addInput({ name: 's', dtype: 'float32', shape: null, ...(valueKind ? { valueKind } : {}) });
    network.addLayer('identity', {
      inputs: ['s'],
      outputs: [{ name: 'y', dtype: 'float32', shape: null, ...(valueKind ? { valueKind } : {}) }],
      params: {},
    });
    network.markOutput('y');
    return network;
  }

  it('passes a sequence through identity and returns it from runValues', () => {
    const out = new ReferenceExecutor().runValues(identityNetwork('sequence'), { s: abc }).get('y')!;
    expectElements(out, [a, b, c]);
  });

  it('run() refuses sequence outputs and points at runValues', () => {
    expectKilnError(() => new ReferenceExecutor().run(identityNetwork('sequence'), { s: abc }), /runValues/);
  });

  it('checks the kind and element dtype of feeds', () => {
    const seqNet = identityNetwork('sequence');
    expect(() => new ReferenceExecutor().runValues(seqNet, { s: a })).toThrow(
      expect.objectContaining({ code: ErrorCode.FEED_DTYPE_MISMATCH }),
    );
    expect(() => new ReferenceExecutor().runValues(seqNet, { s: new TensorSequence('int64') })).toThrow(
      /sequence of float32 but was fed a sequence of int64/,
    );
    expect(() => new ReferenceExecutor().runValues(identityNetwork(), { s: abc })).toThrow(/expects a float32 tensor/);
  });

  it('keeps sequences away from tensor kernels, naming the layer', () => {
    const network = new Network('bad');
    network.addInput({ name: 's', dtype: 'float32', shape: null, valueKind: 'sequence' });
    network.addLayer('unary', {
      name: 'neg',
      inputs: ['s'],
      outputs: [{ name: 'y', dtype: 'float32', shape: null }],
      params: { op: 'neg' },
    });
    network.markOutput('y');
    expect(() => new ReferenceExecutor().run(network, { s: abc })).toThrow(
      expect.objectContaining({ layer: expect.objectContaining({ name: 'neg' }) }),
    );
  });

  it('TensorSequence refuses elements of another dtype', () => {
    expect(() => new TensorSequence('float32', [a, i64([1])])).toThrow(/element 1 is int64/);
  });
});

describe('sequences through control flow', () => {
  /** Body: [iteration, condition, seq] → [condition, seq with the iteration appended]. */
  function appendIterationBody(): Network {
    const body = new Network('append_iteration');
    body.addInput({ name: 'iter', dtype: 'int64', shape: [] });
    body.addInput({ name: 'cond', dtype: 'bool', shape: [] });
    body.addInput({ name: 'seq_in', dtype: 'int64', shape: [], valueKind: 'sequence' });
    body.addLayer('sequence_insert', {
      inputs: ['seq_in', 'iter'],
      outputs: [{ name: 'seq_out', dtype: 'int64', shape: [], valueKind: 'sequence' }],
      params: {},
    });
    body.markOutput('cond');
    body.markOutput('seq_out');
    return body;
  }

  it('loop carries a sequence from iteration to iteration', () => {
    const network = new Network('loop');
    network.addInput({ name: 'M', dtype: 'int64', shape: [] });
    network.addLayer('sequence_empty', {
      inputs: [],
      outputs: [{ name: 's0', dtype: 'int64', shape: null, valueKind: 'sequence' }],
      params: { dtype: 'int64' },
    });
    network.addLayer('loop', {
      inputs: ['M', '', 's0'],
      outputs: [{ name: 's', dtype: 'int64', shape: null, valueKind: 'sequence' }],
      params: { body: appendIterationBody(), numCarried: 1 },
    });
    network.markOutput('s');
    const s = asSequence(new ReferenceExecutor().runValues(network, { M: Tensor.scalar('int64', 3n) }).get('s')!);
    expect(s.elements.map((t) => t.getNumber(0))).toEqual([0, 1, 2]);
  });

  it('conditional returns a sequence from the chosen branch', () => {
    const branch = (name: string, element: string): Network => {
      const net = new Network(name);
      net.addInput({ name: element, dtype: 'float32', shape: null });
      net.addLayer('sequence_construct', {
        inputs: [element],
        outputs: [{ name: `${name}_seq`, dtype: 'float32', shape: null, valueKind: 'sequence' }],
        params: {},
      });
      net.markOutput(`${name}_seq`);
      return net;
    };
    const network = new Network('if');
    network.addInput({ name: 'c', dtype: 'bool', shape: [] });
    network.addInput({ name: 'a', dtype: 'float32', shape: null });
    network.addInput({ name: 'b', dtype: 'float32', shape: null });
    network.addLayer('conditional', {
      inputs: ['c', 'a', 'b'],
      outputs: [{ name: 'y', dtype: 'float32', shape: null, valueKind: 'sequence' }],
      params: { thenBranch: branch('then', 'a'), elseBranch: branch('else', 'b') },
    });
    network.markOutput('y');
    const run = (c: boolean) => new ReferenceExecutor().runValues(network, { c: Tensor.scalar('bool', c), a, b }).get('y')!;
    expectElements(run(true), [a]);
    expectElements(run(false), [b]);
  });

  it('loop refuses a sequence where a scan output must be a tensor', () => {
    // With numCarried 0 the body's sequence input is a captured value and its sequence output a scan output.
    const body = appendIterationBody();
    const network = new Network('loop');
    network.addInput({ name: 'M', dtype: 'int64', shape: [] });
    network.addInput({ name: 's0', dtype: 'int64', shape: null, valueKind: 'sequence' });
    network.addLayer('loop', {
      inputs: ['M', '', 's0'],
      outputs: [{ name: 'ys', dtype: 'int64', shape: null }],
      params: { body, numCarried: 0 },
    });
    network.markOutput('ys');
    expect(() => new ReferenceExecutor().runValues(network, { M: Tensor.scalar('int64', 1n), s0: new TensorSequence('int64') })).toThrow(
      /loop scan output 0 must be a tensor/,
    );
  });
});
