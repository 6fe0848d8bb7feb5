/** Tensor sequences through the engine: plan round trip, runValues inline and in a worker thread. */
import { Network, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, deserializePlan, Engine, serializePlan, TensorSequence } from '../src/index.js';
import { fromWire, toWire } from '../src/worker/wire.js';
import { startSourceWorker } from './fixtures/source-worker.js';

/** seq → (seq with x appended, its length, the concatenation of its elements). */
function appendNetwork(): Network {
  const net = new Network('append');
  net.addInput({ name: 'seq', dtype: 'float32', shape: [2], valueKind: 'sequence' });
  net.addInput({ name: 'x', dtype: 'float32', shape: [2] });
  const seqOut = (name: string) => ({ name, dtype: 'float32' as const, shape: [2], valueKind: 'sequence' as const });
  net.addLayer('sequence_insert', { inputs: ['seq', 'x'], outputs: [seqOut('appended')], params: {} });
  net.addLayer('sequence_length', { inputs: ['appended'], outputs: [{ name: 'n', dtype: 'int64', shape: [] }], params: {} });
  net.addLayer('concat_from_sequence', {
    inputs: ['appended'],
    outputs: [{ name: 'joined', dtype: 'float32', shape: null }],
    params: { axis: 0, newAxis: false },
  });
  for (const o of ['appended', 'n', 'joined']) net.markOutput(o);
  return net;
}

const seq = new TensorSequence('float32', [Tensor.fromValues('float32', [2], [1, 2])]);
const x = Tensor.fromValues('float32', [2], [3, 4]);
const exact = { rtol: 0, atol: 0 };

function expectAppended(outputs: Record<string, unknown>): void {
  const appended = outputs.appended as TensorSequence;
  expect(appended).toBeInstanceOf(TensorSequence);
  expect(appended.length).toBe(2);
  expectTensorClose(appended.elements[1]!, x, exact);
  expectTensorClose(outputs.n as Tensor, Tensor.scalar('int64', 2n), exact);
  expectTensorClose(outputs.joined as Tensor, Tensor.fromValues('float32', [4], [1, 2, 3, 4]), exact);
}

describe('tensor sequences in plans and engines', () => {
  it('keeps valueKind through a plan round trip, byte for byte', async () => {
    const bytes = serializePlan(await buildPlan(appendNetwork()));
    const loaded = deserializePlan(bytes);
    expect(loaded.network.inputs[0]!.valueKind).toBe('sequence');
    expect(loaded.network.tensor('appended').valueKind).toBe('sequence');
    expect(loaded.network.tensor('n').valueKind).toBeUndefined();
    expect(serializePlan(loaded)).toEqual(bytes);
  });

  it('reports sequence inputs and outputs on the engine', async () => {
    const engine = await Engine.create(await buildPlan(appendNetwork()), { execution: 'inline' });
    expect(engine.inputs.map((i) => i.valueKind)).toEqual(['sequence', undefined]);
    expect(engine.outputs.map((o) => o.valueKind)).toEqual(['sequence', undefined, undefined]);
  });

  it('runs sequence feeds and outputs inline; run() refuses sequence outputs', async () => {
    const engine = await Engine.create(await buildPlan(appendNetwork()), { execution: 'inline' });
    const context = engine.createExecutionContext();
    expectAppended(await context.runValues({ seq, x }));
    await expect(context.run({ seq, x })).rejects.toThrow(/runValues/);
    await expect(context.runValues({ seq: x, x })).rejects.toThrow(/expects a sequence of float32/);
    await context.dispose();
  });

  it('carries sequences to and from a worker thread', async () => {
    const engine = await Engine.create(await buildPlan(appendNetwork()), { execution: 'worker', startWorker: startSourceWorker });
    const context = engine.createExecutionContext();
    expect(context.offThread).toBe(true);
    expectAppended(await context.runValues({ seq, x }));
    // The caller's sequence stays usable after its storage was copied for the worker.
    expectTensorClose(seq.elements[0]!, Tensor.fromValues('float32', [2], [1, 2]), exact);
    await context.dispose();
  });

  it('wire format keeps an empty sequence with its dtype', () => {
    const { wire } = toWire(new Map([['e', new TensorSequence('int8')]]));
    const back = fromWire(structuredClone(wire)).get('e');
    expect(back).toBeInstanceOf(TensorSequence);
    expect((back as TensorSequence).dtype).toBe('int8');
    expect((back as TensorSequence).length).toBe(0);
  });
});
