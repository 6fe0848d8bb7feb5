/** The reference backend is the oracle: every layer kind in the IR must have a kernel here. */
import { LAYER_KINDS } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { referenceKernels, valueKernels } from '../src/index.js';

describe('reference kernel coverage', () => {
  it('has a kernel for every layer kind', () => {
    const covered = new Set([...Object.keys(referenceKernels), ...Object.keys(valueKernels)]);
    expect(LAYER_KINDS.filter((kind) => !covered.has(kind))).toEqual([]);
  });
});
