import { DTYPES, Tensor } from '@kiln-inference/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { i64, iota, patternTensor, runLayer, storageOf } from './layer-harness.js';

describe('padding kernel', () => {
  const x = iota('float32', [3]);
  const pad = (mode: 'constant' | 'reflect' | 'edge' | 'wrap', pads: number[]) =>
    runLayer('padding', { mode }, [x, i64(pads)])[0]!.toArray();

  it('pads in every mode', () => {
    expect(pad('constant', [2, 1])).toEqual([0, 0, 0, 1, 2, 0]);
    expect(pad('reflect', [2, 2])).toEqual([2, 1, 0, 1, 2, 1, 0]);
    expect(pad('edge', [2, 1])).toEqual([0, 0, 0, 1, 2, 2]);
    expect(pad('wrap', [2, 1])).toEqual([1, 2, 0, 1, 2, 0]);
  });

  it('crops with negative pads and uses the value input and axes', () => {
    const y = iota('int32', [2, 3]);
    const [z] = runLayer('padding', { mode: 'constant' }, [y, i64([-1, 1]), Tensor.scalar('int32', 9), i64([1])], 1, 'int32');
    expect(z!.shape).toEqual([2, 3]);
    expect(z!.toArray()).toEqual([1, 2, 9, 4, 5, 9]);
  });

  it('pads strings with the given value', () => {
    const s = Tensor.fromValues('string', [1], ['a']);
    const [z] = runLayer('padding', { mode: 'constant' }, [s, i64([1, 0]), Tensor.scalar('string', '-')], 1, 'string');
    expect(z!.toArray()).toEqual(['-', 'a']);
  });

  it('rejects a pads length that does not match', () => {
    expect(() => runLayer('padding', { mode: 'constant' }, [x, i64([1])])).toThrow(/pads has 1 values/);
  });
});

describe('padding kernel over every dtype', () => {
  for (const dtype of DTYPES) {
    it(`pads ${dtype} storage exactly (edge and reflect)`, () => {
      const x = patternTensor(dtype, [3]);
      const s = storageOf(x);
      const [e] = runLayer('padding', { mode: 'edge' }, [x, i64([1, 1])], 1, dtype);
      expect(storageOf(e!)).toEqual([s[0], s[0], s[1], s[2], s[2]]);
      const [r] = runLayer('padding', { mode: 'reflect' }, [x, i64([1, 1])], 1, dtype);
      expect(storageOf(r!)).toEqual([s[1], s[0], s[1], s[2], s[1]]);
    });
  }
});

describe('padding kernel properties', () => {
  it('negative pads undo positive pads in every mode', () => {
    const modes = ['constant', 'reflect', 'edge', 'wrap'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...modes),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        (mode, dim, before, after) => {
          const x = iota('float32', [dim]);
          const [padded] = runLayer('padding', { mode }, [x, i64([before, after])]);
          expect(padded!.shape).toEqual([dim + before + after]);
          const [cropped] = runLayer('padding', { mode }, [padded!, i64([-before, -after])]);
          expect(cropped!.toArray()).toEqual(x.toArray());
        },
      ),
    );
  });
});
