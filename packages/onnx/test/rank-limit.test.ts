/**
 * Ranks read from model data: shape inference sizes an output's shape by the length of a shape
 * input (Reshape, Expand, ConstantOfShape). A 200-byte model declaring that input as
 * int64[2147483648] once made a 2^31-element array; now the length is checked against the limit
 * maxRank first and the import stops with RESOURCE_LIMIT naming the node.
 */
import { isKilnError, type KilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import { floatInput, modelBytes } from './helpers/model-builder.js';

const int64Input = (name: string, dims: number[]) => ({
  name,
  type: { tensorType: { elemType: 7, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

/** `op`(data?, shape) where `shape` is a graph input of the given length. */
function shapeInputModel(op: 'Reshape' | 'Expand' | 'ConstantOfShape', shapeLength: number): Uint8Array {
  const inputs = op === 'ConstantOfShape' ? ['shape'] : ['data', 'shape'];
  return modelBytes({
    node: [{ name: `${op}_0`, opType: op, input: inputs, output: ['out'] }],
    input: [...(op === 'ConstantOfShape' ? [] : [floatInput('data', [2, 3, 4])]), int64Input('shape', [shapeLength])],
    output: [{ name: 'out', type: { tensorType: { elemType: 1 } } }],
  });
}

function refusal(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    expect(isKilnError(e), String(e)).toBe(true);
    return e as KilnError;
  }
  throw new Error('expected a KilnError');
}

describe('ranks from a shape input length', () => {
  it.each(['Reshape', 'Expand', 'ConstantOfShape'] as const)('%s with a shape input of int64[2147483648] is a RESOURCE_LIMIT', (op) => {
    const e = refusal(() => importOnnx(shapeInputModel(op, 2147483648)));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.node).toMatchObject({ name: `${op}_0`, op });
    expect(e.message).toMatch(/the rank given by the length of input 'shape' \(2147483648\) is over the limit maxRank = 64/);
  });

  it('infers an unknown-dims output of the given rank within the limit', () => {
    const graph = importOnnx(shapeInputModel('Reshape', 3));
    const out = graph.valueInfo.get('out')!.type;
    expect(out).toEqual({ kind: 'tensor', dtype: 'float32', shape: [null, null, null] });
  });

  it('takes maxRank per call', () => {
    expect(() => importOnnx(shapeInputModel('Expand', 5), { limits: { maxRank: 5 } })).not.toThrow();
    const e = refusal(() => importOnnx(shapeInputModel('Expand', 5), { limits: { maxRank: 4 } }));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.message).toMatch(/\(5\) is over the limit maxRank = 4/);
  });
});
