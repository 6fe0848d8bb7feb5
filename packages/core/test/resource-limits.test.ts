/** Resource limits: defaults sized to memory, validated overrides, scoped limits, and what a breach says. */
import { describe, expect, it } from 'vitest';
import {
  allocateStorage,
  checkCount,
  checkModelBytes,
  checkShapeSize,
  checkTensorSize,
  currentResourceLimits,
  defaultResourceLimits,
  KilnError,
  resourceLimits,
  Tensor,
  withResourceLimits,
} from '../src/index.js';

function thrown(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    return e as KilnError;
  }
  throw new Error('expected a KilnError');
}

describe('defaultResourceLimits', () => {
  it('gives one tensor a quarter and one model half of the memory', () => {
    const limits = defaultResourceLimits(8 * 2 ** 30);
    expect(limits.maxTensorBytes).toBe(2 * 2 ** 30);
    expect(limits.maxModelBytes).toBe(4 * 2 ** 30);
    expect(limits.maxTensorElements).toBe(2 * 2 ** 30);
    expect(Object.isFrozen(limits)).toBe(true);
  });

  it('caps tensors at 16 GiB and elements at 2^32 on large machines', () => {
    const limits = defaultResourceLimits(1024 * 2 ** 30);
    expect(limits.maxTensorBytes).toBe(2 ** 34);
    expect(limits.maxTensorElements).toBe(2 ** 32);
    expect(limits.maxModelBytes).toBe(512 * 2 ** 30);
  });

  it('falls back to an assumed 8 GiB for nonsense memory sizes', () => {
    for (const memory of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(defaultResourceLimits(memory)).toEqual(defaultResourceLimits(8 * 2 ** 30));
    }
  });
});

describe('resourceLimits', () => {
  it('applies overrides over a base, flooring them', () => {
    const base = defaultResourceLimits(8 * 2 ** 30);
    const limits = resourceLimits({ maxTensorBytes: 1024.7, maxNodes: undefined }, base);
    expect(limits.maxTensorBytes).toBe(1024);
    expect(limits.maxNodes).toBe(base.maxNodes);
    expect(limits.maxNestingDepth).toBe(base.maxNestingDepth);
  });

  it('refuses unknown names and values that are not finite numbers ≥ 1', () => {
    expect(thrown(() => resourceLimits({ maxTensorByte: 5 } as never)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => resourceLimits({ maxTensorByte: 5 } as never)).message).toMatch(/unknown resource limit 'maxTensorByte'/);
    for (const bad of [0, 0.5, -3, Number.NaN, Number.POSITIVE_INFINITY, '12']) {
      const e = thrown(() => resourceLimits({ maxNodes: bad as number }));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(/maxNodes must be a finite number ≥ 1/);
    }
  });
});

describe('scoped limits', () => {
  it('withResourceLimits installs limits for a synchronous section and restores the outer ones', () => {
    const outer = currentResourceLimits();
    const small = resourceLimits({ maxTensorElements: 10 });
    const tiny = resourceLimits({ maxTensorElements: 2 });
    withResourceLimits(small, () => {
      expect(currentResourceLimits()).toBe(small);
      expect(() => new Tensor('float32', [3, 3])).not.toThrow();
      expect(thrown(() => new Tensor('float32', [11])).code).toBe('RESOURCE_LIMIT');
      withResourceLimits(tiny, () => expect(thrown(() => allocateStorage('int8', 3)).code).toBe('RESOURCE_LIMIT'));
      expect(currentResourceLimits()).toBe(small);
    });
    expect(currentResourceLimits()).toBe(outer);
  });

  it('restores the outer limits when the section throws', () => {
    const outer = currentResourceLimits();
    expect(() =>
      withResourceLimits(resourceLimits({ maxNodes: 1 }), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(currentResourceLimits()).toBe(outer);
  });
});

describe('breaches', () => {
  const limits = resourceLimits({ maxTensorElements: 1000, maxTensorBytes: 2048, maxModelBytes: 4096, maxNodeOutputs: 8 });

  it('names the limit, the size, the node and the option that raises it', () => {
    const e = thrown(() => checkShapeSize('float32', [65536, 65536], { node: { name: 'fill', op: 'ConstantOfShape' } }, limits));
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.node).toEqual({ name: 'fill', op: 'ConstantOfShape' });
    expect(e.message).toMatch(/float32 tensor of 4294967296 elements is over the limit maxTensorElements = 1000/);
    expect(e.hint).toMatch(/limits: \{ maxTensorElements/);
  });

  it('checks bytes after elements, and leads with the subject when one is given', () => {
    const e = thrown(() => checkTensorSize('float64', 300, { what: "weight 'w'" }, limits));
    expect(e.message).toMatch(/^weight 'w': a float64 tensor of 300 elements needs 2\.3 KiB, over the limit maxTensorBytes = 2\.0 KiB/);
    expect(checkTensorSize('float64', 256, {}, limits)).toBe(256);
  });

  it('refuses element counts that are not counts as INVALID_SHAPE', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(thrown(() => checkTensorSize('int8', n, {}, limits)).code).toBe('INVALID_SHAPE');
    expect(thrown(() => checkShapeSize('int8', [2, -1], { what: 'x' }, limits)).message).toMatch(/^x: invalid dimension -1/);
  });

  it('checks model bytes and counts', () => {
    expect(() => checkModelBytes(4096, 'the weights', {}, limits)).not.toThrow();
    expect(thrown(() => checkModelBytes(4097, 'the weights', {}, limits)).message).toMatch(
      /the weights needs 4\.0 KiB, over the limit maxModelBytes = 4\.0 KiB/,
    );
    expect(thrown(() => checkModelBytes(Number.NaN, 'the weights', {}, limits)).code).toBe('RESOURCE_LIMIT');
    const e = thrown(() => checkCount('maxNodeOutputs', 4294967295, 'outputs of the node', { node: { name: 's', op: 'Split' } }, limits));
    expect(e.message).toMatch(/outputs of the node \(4294967295\) is over the limit maxNodeOutputs = 8/);
    expect(e.node?.name).toBe('s');
  });
});
