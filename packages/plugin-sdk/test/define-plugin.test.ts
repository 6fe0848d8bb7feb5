import { ErrorCode, isKilnError, type KilnError, Network, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { buildPlan, Engine, serializePlan } from '@kiln-inference/engine';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  addPluginLayer,
  definePlugin,
  describeFields,
  elementCount,
  type FieldInput,
  type FieldValues,
  field,
  PluginRegistry,
  upTo,
} from '../src/index.js';
import { Clip } from './fixtures/kiln-plugin-clip/src/index.js';

function thrown(f: () => unknown): KilnError {
  try {
    f();
  } catch (e) {
    if (isKilnError(e)) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

/** Indices of the nonzero elements of a 1-D tensor: a data-dependent output bounded by the input size. */
const NonZero = definePlugin({
  namespace: 'test',
  name: 'NonZero',
  version: '2',
  inputs: ['x'],
  dtypes: [['float32', 'int32']],
  outputs: ({ inputs }) => [{ dtype: 'int32', shape: [upTo(elementCount(inputs[0]!.shape))] }],
  cpu({ inputs }) {
    const x = inputs[0]!;
    const found: number[] = [];
    for (let i = 0; i < x.size; i++) if (x.getNumber(i) !== 0) found.push(i);
    return new Tensor('int32', [found.length], new Int32Array(found));
  },
});

describe('definePlugin fields', () => {
  const Resize = definePlugin({
    namespace: 'test',
    name: 'Resize',
    version: '1',
    fields: {
      scale: field.float({ min: 0 }),
      steps: field.int({ default: 1, min: 1 }),
      mode: field.string({ default: 'nearest', oneOf: ['nearest', 'linear'] }),
      axes: field.ints({ default: [2, 3], length: 2 }),
      antialias: field.bool({ default: false }),
      names: field.strings({ optional: true }),
      table: field.tensor({ optional: true }),
    },
    outputs: ({ inputs }) => [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }],
    cpu: ({ inputs }) => inputs[0]!,
  });

  it('fills defaults and keeps given values', () => {
    expect(Resize.validateFields({ scale: 2.5 })).toEqual({ scale: 2.5, steps: 1, mode: 'nearest', axes: [2, 3], antialias: false });
    const table = new Tensor('float32', [2], new Float32Array([1, 2]));
    expect(Resize.validateFields({ scale: 1, mode: 'linear', names: ['a'], table })).toMatchObject({ mode: 'linear', names: ['a'], table });
  });

  it.each([
    [{}, "field 'scale' is required", 'a number ≥ 0'],
    [{ scale: -1 }, "field 'scale' should be a number ≥ 0, got -1", 'a number ≥ 0'],
    [{ scale: 1, steps: 1.5 }, "field 'steps' should be an integer ≥ 1, got 1.5", 'an integer ≥ 1'],
    [{ scale: 1, mode: 'cubic' }, `field 'mode' should be one of "nearest", "linear", got "cubic"`, 'one of'],
    [{ scale: 1, axes: [1] }, "field 'axes' should be an array of integers of length 2, got [1]", 'of length 2'],
    [{ scale: 1, antialias: 1 }, "field 'antialias' should be true or false, got 1", 'true or false'],
    [{ scale: 1, table: [1, 2] }, "field 'table' should be a Tensor, got [1,2]", 'a Tensor'],
    [{ scale: 1, sclae: 2 }, "has no field 'sclae'", 'scale, steps, mode'],
  ])('rejects %j naming the field', (values, message, hint) => {
    const e = thrown(() => Resize.validateFields(values));
    expect(e.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(e.message).toContain(`plugin test::Resize@1: ${message}`);
    expect(e.hint).toContain(hint);
  });

  it('types the values cpu() sees and the input node() takes from the schema', () => {
    expectTypeOf<FieldValues<typeof Resize.fields>['scale']>().toEqualTypeOf<number>();
    expectTypeOf<FieldValues<typeof Resize.fields>['mode']>().toEqualTypeOf<'nearest' | 'linear'>();
    expectTypeOf<FieldValues<typeof Resize.fields>['names']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<FieldValues<typeof Resize.fields>['table']>().toEqualTypeOf<Tensor | undefined>();
    expectTypeOf<{ scale: number }>().toExtend<FieldInput<typeof Resize.fields>>();
    expectTypeOf<{ steps: number }>().not.toExtend<FieldInput<typeof Resize.fields>>();
  });

  it('describes its fields for docs', () => {
    expect(describeFields(Clip)).toEqual(['min: a number (default 0) — lower bound', 'max: a number (default 6) — upper bound']);
  });

  it('refuses a spec with a bad identity, a missing cpu() or an invalid default', () => {
    const base = { namespace: 'acme', name: 'X', version: '1', outputs: () => [], cpu: () => [] };
    expect(thrown(() => definePlugin({ ...base, namespace: 'a::b' })).message).toContain('namespace "a::b" is not valid');
    expect(thrown(() => definePlugin({ ...base, cpu: undefined as never })).message).toContain('cpu is not a function');
    const e = thrown(() => definePlugin({ ...base, fields: { k: field.int({ default: 0.5 }) } }));
    expect(e.message).toContain("a default is not valid: plugin acme::X@1: field 'k' should be an integer");
  });
});

describe('definePlugin outputs rule and CPU kernel', () => {
  it('gives output facts from input facts, symbolic dims included, and checks inputs', () => {
    expect(Clip.outputsFor([{ dtype: 'float32', shape: ['N', 3] }], {})).toEqual([{ dtype: 'float32', shape: ['N', 3] }]);
    expect(NonZero.outputsFor([{ dtype: 'int32', shape: [4, 5] }], {})).toEqual([{ dtype: 'int32', shape: [{ upTo: 20 }] }]);
    expect(NonZero.outputsFor([{ dtype: 'float32', shape: ['N'] }], {})).toEqual([{ dtype: 'int32', shape: [{ upTo: null }] }]);
    const count = thrown(() => Clip.outputsFor([], {}));
    expect(count.message).toContain('plugin acme::Clip@1 takes 1 input(s) (x), got 0');
    const dtype = thrown(() => Clip.outputsFor([{ dtype: 'int64', shape: [2] }], {}));
    expect(dtype.code).toBe(ErrorCode.UNSUPPORTED_DTYPE);
    expect(dtype.message).toContain('x is int64, but it takes float32');
  });

  it('runs as a Network layer on the reference executor', () => {
    const network = new Network('clip');
    network.addInput({ name: 'x', dtype: 'float32', shape: ['N', 4] });
    const [y] = addPluginLayer(network, Clip, {
      inputs: ['x'],
      fields: { min: -1, max: 2 },
      outputs: ['y'],
      package: '@acme/kiln-plugin-clip@1.2.0',
    });
    network.markOutput(y!);
    expect(network.tensor('y')).toEqual({ name: 'y', dtype: 'float32', shape: ['N', 4] });
    expect(network.layers[0]!.params).toEqual({
      namespace: 'acme',
      name: 'Clip',
      version: '1',
      fields: { min: -1, max: 2 },
      package: '@acme/kiln-plugin-clip@1.2.0',
    });
    const executor = new ReferenceExecutor({ plugins: new PluginRegistry([Clip]).kernels().plugins });
    const x = new Tensor('float32', [2, 4], new Float32Array([-3, -1, -0.5, 0, 0.5, 1.5, 2, 9]));
    const out = executor.run(network, new Map([['x', x]])).get('y')!;
    expectTensorClose(out, new Tensor('float32', [2, 4], new Float32Array([-1, -1, -0.5, 0, 0.5, 1.5, 2, 2])), { rtol: 0, atol: 0 });
  });

  it('runs a data-dependent output within its bound', () => {
    const network = new Network('nz');
    network.addInput({ name: 'x', dtype: 'float32', shape: [6] });
    network.markOutput(addPluginLayer(network, NonZero, { inputs: ['x'] })[0]!);
    expect(network.tensor(network.outputs[0]!).shape).toEqual([null]);
    const executor = new ReferenceExecutor({ plugins: new PluginRegistry([NonZero]).kernels().plugins });
    const x = new Tensor('float32', [6], new Float32Array([0, 3, 0, -2, 5, 0]));
    expect([...executor.run(network, new Map([['x', x]])).get(network.outputs[0]!)!.data]).toEqual([1, 3, 4]);
  });

  it('builds and runs a plan whose plugin output size depends on the data, feeding later layers', async () => {
    const network = new Network('nz-plan');
    network.addInput({ name: 'x', dtype: 'float32', shape: [6] });
    const [indices] = addPluginLayer(network, NonZero, { inputs: ['x'] });
    network.addLayer('unary', { inputs: [indices!], outputs: [{ name: 'neg', dtype: 'int32', shape: [null] }], params: { op: 'neg' } });
    network.markOutput('neg');
    const registry = new PluginRegistry([NonZero]);
    const engine = await Engine.create(serializePlan(await buildPlan(network)), { ...registry.kernels(), execution: 'inline' });
    const context = engine.createExecutionContext();
    const x = new Tensor('float32', [6], new Float32Array([0, 3, 0, -2, 5, 0]));
    expect([...(await context.run({ x })).neg!.data]).toEqual([-1, -3, -4]);
    await context.dispose();
  });

  it('reports a kernel that breaks its outputs rule, naming the layer', () => {
    const Liar = definePlugin({
      namespace: 'test',
      name: 'Liar',
      version: '1',
      outputs: ({ inputs }) => [{ dtype: 'float32', shape: [upTo(2), inputs[0]!.shape![1]!] }],
      cpu: () => new Tensor('float32', [3, 1], new Float32Array(3)),
    });
    const network = new Network('liar');
    network.addInput({ name: 'x', dtype: 'float32', shape: [1, 1] });
    network.markOutput(addPluginLayer(network, Liar, { inputs: ['x'], name: 'liar' })[0]!);
    const executor = new ReferenceExecutor({ plugins: new PluginRegistry([Liar]).kernels().plugins });
    const e = thrown(() => executor.run(network, new Map([['x', new Tensor('float32', [1, 1], new Float32Array(1))]])));
    expect(e.message).toContain("layer 'liar' (plugin test::Liar@1): output 0 has shape [3,1]: dim 0 is 3, over its bound upTo(2)");
  });

  it('gives cpu() zeroed scratch of workspaceSize bytes', () => {
    let seen = -1;
    const Scratch = definePlugin({
      namespace: 'test',
      name: 'Scratch',
      version: '1',
      fields: { words: field.int({ default: 3 }) },
      workspaceSize: ({ inputs, fields }) => 4 * fields.words * (inputs[0]!.shape![0] as number),
      outputs: ({ inputs }) => [{ dtype: 'float32', shape: inputs[0]!.shape }],
      cpu({ inputs, workspace }) {
        seen = workspace.every((b) => b === 0) ? workspace.byteLength : -2;
        return inputs[0]!;
      },
    });
    const network = new Network('scratch');
    network.addInput({ name: 'x', dtype: 'float32', shape: [5] });
    network.markOutput(addPluginLayer(network, Scratch, { inputs: ['x'], fields: { words: 2 } })[0]!);
    new ReferenceExecutor({ plugins: new PluginRegistry([Scratch]).kernels().plugins }).run(
      network,
      new Map([['x', new Tensor('float32', [5], new Float32Array(5))]]),
    );
    expect(seen).toBe(40);
  });
});
