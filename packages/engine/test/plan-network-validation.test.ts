/**
 * Plan decoding validates the structure of every network it rebuilds, sub-networks included:
 * each tensor has one producer and a description, and every layer reads what exists before it.
 * Edits go through the engine's own plan writer, so the checksums are valid and only the
 * decoder's checks stand between a re-signed plan and the builder.
 */
import { ErrorCode, KilnError, type Network } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { buildPlan, deserializePlan, type Plan, serializePlan } from '../src/index.js';
import { everyLayerNetwork } from './fixtures/every-layer-network.js';

let fixture: Uint8Array | undefined;
async function editedPlan(edit: (network: Network) => void): Promise<Uint8Array> {
  fixture ??= serializePlan(await buildPlan(everyLayerNetwork(), { rules: [] }));
  const plan: Plan = deserializePlan(fixture);
  edit(plan.network);
  return serializePlan(plan);
}

function corruption(bytes: Uint8Array): KilnError {
  try {
    deserializePlan(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    expect((e as KilnError).code).toBe(ErrorCode.PLAN_CORRUPTED);
    return e as KilnError;
  }
  throw new Error('the plan decoded');
}

describe('plan decoding validates every network', () => {
  it('the unedited fixture decodes', async () => {
    expect(deserializePlan(await editedPlan(() => {})).network.layers.length).toBeGreaterThan(50);
  });

  it('rejects a tensor written by two layers, naming the second', async () => {
    const bytes = await editedPlan((n) => {
      const [a, b] = n.layers.filter((l) => l.kind === 'activation' || l.kind === 'unary');
      b!.outputs = [a!.outputs[0]!];
    });
    const e = corruption(bytes);
    expect(e.message).toMatch(/this layer writes '.+', which is already produced/);
    expect(e.layer?.kind === 'activation' || e.layer?.kind === 'unary').toBe(true);
  });

  it('rejects a layer output without a tensor description', async () => {
    const bytes = await editedPlan((n) => {
      n.layers.find((l) => l.kind === 'softmax')!.outputs.push('undescribed');
    });
    const e = corruption(bytes);
    expect(e.message).toMatch(/writes 'undescribed', which has no tensor description/);
    expect(e.layer?.kind).toBe('softmax');
  });

  it('validates sub-networks, not just the top level', async () => {
    const bytes = await editedPlan((n) => {
      const loop = n.layers.find((l) => l.kind === 'loop')!;
      if (loop.kind !== 'loop') throw new Error('no loop layer');
      loop.params.body.layers[0]!.inputs = ['nowhere'];
    });
    const e = corruption(bytes);
    expect(e.message).toMatch(/network 'loop_body'.*reads 'nowhere', which nothing produces/);
  });
});
