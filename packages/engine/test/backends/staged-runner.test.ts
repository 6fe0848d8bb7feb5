/**
 * The one staged runner, used by every backend: native stages on a ProgramBackend's programs,
 * reference stages on the TypeScript kernels in between. Over a fake device backend (standing in
 * for CUDA, no GPU needed) and over the CPU's native programs (where kiln_cpu.node is built).
 */
import { ErrorCode, isKilnError, resourceLimits, type Tensor } from '@kiln-inference/core';
import { loadCpuNative, ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose, loadNativeForTests, nativeSkipNote } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { CpuBackend, StagedRunner } from '../../src/index.js';
import { FakeDeviceBackend } from './fake-device-backend.js';
import { mixedInput, mixedNetwork } from './mixed-network.js';

const native = loadNativeForTests('kiln_cpu.node', () => loadCpuNative());

function reference(x: Tensor): Tensor {
  return new ReferenceExecutor().run(mixedNetwork(), { x }).get('y')!;
}

describe('StagedRunner over a device backend', () => {
  it('alternates native and reference stages and matches the reference kernels', async () => {
    const backend = new FakeDeviceBackend();
    const runner = new StagedRunner(mixedNetwork(), { backend });
    expect(runner.describe()).toEqual([
      { kind: 'native', layers: 1 },
      { kind: 'reference', layers: 1 },
      { kind: 'native', layers: 1 },
    ]);
    const x = mixedInput(1);
    const y = (await runner.runValues(new Map([['x', x]]))).get('y') as Tensor;
    expect(y.shape).toEqual([1, 3, 4, 4]);
    expectTensorClose(y, reference(x), { rtol: 1e-6, atol: 1e-6 });
    // Each native stage became one program: the convolution, then the add.
    expect(backend.created.map((p) => p.ops.map((op) => op.op))).toEqual([['conv2d'], ['binary']]);
    await runner.dispose();
    expect(backend.disposed).toBe(2);
  });

  it('creates programs once per input shape and drops the oldest past maxShapesPerStage', async () => {
    const backend = new FakeDeviceBackend();
    const runner = new StagedRunner(mixedNetwork(), { backend, maxShapesPerStage: 1 });
    await runner.runValues(new Map([['x', mixedInput(1)]]));
    await runner.runValues(new Map([['x', mixedInput(2)]]));
    expect(backend.created).toHaveLength(2);
    const x = mixedInput(3, 2);
    const y = (await runner.runValues(new Map([['x', x]]))).get('y') as Tensor;
    expect(y.shape).toEqual([2, 3, 4, 4]);
    expectTensorClose(y, reference(x), { rtol: 1e-6, atol: 1e-6 });
    expect(backend.created).toHaveLength(4);
    expect(backend.disposed).toBe(2);
    await runner.dispose();
    expect(backend.disposed).toBe(4);
  });

  it('moves a layer the device refuses (UNSUPPORTED_LAYER) to the reference kernels and still answers', async () => {
    const backend = new FakeDeviceBackend('sum');
    const runner = new StagedRunner(mixedNetwork(), { backend });
    const x = mixedInput(4);
    const y = (await runner.runValues(new Map([['x', x]]))).get('y') as Tensor;
    expectTensorClose(y, reference(x), { rtol: 1e-6, atol: 1e-6 });
    expect(runner.describe()).toEqual([
      { kind: 'native', layers: 1 },
      { kind: 'reference', layers: 2 },
    ]);
    // The first split's convolution program was freed with the split.
    expect(backend.created.map((p) => p.ops.map((op) => op.op))).toEqual([['conv2d'], ['conv2d']]);
    expect(backend.disposed).toBe(1);
  });

  it('names the layer whose activation breaks the resource limits', async () => {
    // x holds 32 elements, the convolution's output 48.
    const backend = new FakeDeviceBackend();
    const runner = new StagedRunner(mixedNetwork(), { backend, limits: resourceLimits({ maxTensorElements: 40 }) });
    await expect(runner.runValues(new Map([['x', mixedInput(5)]]))).rejects.toSatisfy(
      (e: unknown) => isKilnError(e, ErrorCode.RESOURCE_LIMIT) && e.layer?.name === 'conv',
    );
    expect(backend.created).toHaveLength(0);
  });
});

describe.skipIf(!native.ok)(`StagedRunner over the CPU's native programs${nativeSkipNote(native)}`, () => {
  it('runs native and reference stages mixed, like the reference kernels', async () => {
    const runner = new StagedRunner(mixedNetwork(), { backend: new CpuBackend() });
    expect(runner.describe().map((s) => s.kind)).toEqual(['native', 'reference', 'native']);
    const x = mixedInput(6);
    expectTensorClose((await runner.runValues(new Map([['x', x]]))).get('y') as Tensor, reference(x), { rtol: 1e-5, atol: 1e-5 });
    await runner.dispose();
  });
});
