import { ErrorCode, KilnError, LAYER_KINDS, Network, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, deserializePlan, Engine, PLAN_FORMAT_VERSION, type Plan, serializePlan } from '../src/index.js';
import { everyLayerNetwork } from './fixtures/every-layer-network.js';

/** Plain data for a network: tensors become dtype/shape/values, sub-networks recurse. */
function describeValue(v: unknown): unknown {
  if (v instanceof Tensor) return { dtype: v.dtype, shape: [...v.shape], values: v.toArray() };
  if (v instanceof Network) return describeNetwork(v);
  if (Array.isArray(v)) return v.map(describeValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describeValue(x)]));
  return v;
}

function describeNetwork(n: Network): unknown {
  return { name: n.name, inputs: n.inputs, outputs: n.outputs, tensors: [...n.tensors.values()], layers: describeValue(n.layers) };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function expectKilnError(fn: () => unknown, code: string, messagePart: RegExp): KilnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    expect((e as KilnError).code).toBe(code);
    expect((e as KilnError).message).toMatch(messagePart);
    return e as KilnError;
  }
  throw new Error(`expected a KilnError ${code}`);
}

async function expectKilnErrorAsync(p: Promise<unknown>, code: string, messagePart: RegExp): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => e instanceof KilnError && e.code === code && messagePart.test(e.message));
}

/** No builder rules: these tests check the format, so the fixture must reach it unoptimized. */
async function planBytes(network = everyLayerNetwork()): Promise<Uint8Array> {
  return serializePlan(await buildPlan(network, { rules: [] }));
}

describe('plan format', () => {
  it('covers every layer kind in the fixture', () => {
    const kinds = new Set(everyLayerNetwork().layers.map((l) => l.kind));
    expect([...LAYER_KINDS].filter((k) => !kinds.has(k))).toEqual([]);
  });

  it('round-trips every layer kind, sub-networks, plugin fields and tensors of every dtype', async () => {
    const network = everyLayerNetwork();
    const bytes = await planBytes(network);
    const plan = deserializePlan(bytes);
    expect(describeNetwork(plan.network)).toEqual(describeNetwork(network));
    const resize = plan.network.layers.find((l) => l.kind === 'resize')!;
    expect(Number.isNaN((resize.params as { extrapolationValue: number }).extrapolationValue)).toBe(true);
    const shape = plan.network.layers.find((l) => l.kind === 'shape')!;
    expect(Object.is((shape.params as { start: number }).start, -0)).toBe(true);
    const int64 = plan.network.layers.find((l) => l.name === 'const_int64')!;
    expect((int64.params as { value: Tensor }).value.toArray()).toEqual([-(2n ** 62n), 7n]);
  });

  it('is byte-identical when serialized again', async () => {
    const bytes = await planBytes();
    expect(bytesEqual(serializePlan(deserializePlan(bytes)), bytes)).toBe(true);
  });

  it('does not depend on the order converters wrote parameter keys in', async () => {
    const a = everyLayerNetwork();
    const b = everyLayerNetwork();
    for (const layer of b.layers) {
      const params = layer.params as Record<string, unknown>;
      layer.params = Object.fromEntries(Object.entries(params).reverse()) as typeof layer.params;
    }
    expect(bytesEqual(await planBytes(a), await planBytes(b))).toBe(true);
  });

  it('stores weights once, aligned to 64 bytes, and records the manifest', async () => {
    const network = everyLayerNetwork();
    const plan = deserializePlan(await planBytes(network));
    const m = plan.manifest;
    expect(m.formatVersion).toBe(PLAN_FORMAT_VERSION);
    expect(m.backend).toBe('cpu');
    expect(m.plugins).toEqual([{ namespace: 'test', name: 'everything', version: '2' }]);
    expect(m.precisions).toContain('float32');
    expect(m.sections.map((s) => s.name)).toEqual(['layers', 'weights']);
    for (const s of m.sections) expect(s.offset % 64).toBe(0);
    const f32 = plan.network.layers.find((l) => l.name === 'const_float32')!;
    expectTensorClose((f32.params as { value: Tensor }).value, Tensor.fromValues('float32', [2], [-1, 0.5]), { rtol: 0, atol: 0 });
  });
});

describe('plan loading errors', () => {
  it('rejects a file that is not a plan (bad magic)', async () => {
    const bytes = await planBytes();
    bytes[0] = 0x58;
    const e = expectKilnError(() => deserializePlan(bytes), ErrorCode.PLAN_CORRUPTED, /magic/);
    expect(e.hint).toMatch(/rebuild/);
  });

  it('rejects a truncated plan', async () => {
    const bytes = await planBytes();
    expectKilnError(() => deserializePlan(bytes.subarray(0, bytes.length - 10)), ErrorCode.PLAN_CORRUPTED, /truncated/);
    expectKilnError(() => deserializePlan(bytes.subarray(0, 20)), ErrorCode.PLAN_CORRUPTED, /truncated/);
  });

  it('detects a corrupted weight byte by its checksum', async () => {
    const bytes = await planBytes();
    bytes[bytes.length - 3]! ^= 0x10;
    expectKilnError(() => deserializePlan(bytes), ErrorCode.PLAN_CORRUPTED, /'weights' section checksum/);
  });

  it('detects a corrupted manifest', async () => {
    const bytes = await planBytes();
    bytes[60]! ^= 0x01;
    expectKilnError(() => deserializePlan(bytes), ErrorCode.PLAN_CORRUPTED, /manifest checksum/);
  });

  it('names the format version it cannot read and says to rebuild', async () => {
    const bytes = await planBytes();
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, PLAN_FORMAT_VERSION + 1, true);
    const e = expectKilnError(
      () => deserializePlan(bytes),
      ErrorCode.PLAN_FORMAT_VERSION,
      new RegExp(`version ${PLAN_FORMAT_VERSION + 1}`),
    );
    expect(e.hint).toMatch(/rebuild/);
  });

  it('refuses a plan built for another backend', async () => {
    const net = new Network('n');
    net.addInput({ name: 'x', dtype: 'float32', shape: [1] });
    net.markOutput('x');
    const plan: Plan = await buildPlan(net);
    const cuda = serializePlan({ ...plan, manifest: { ...plan.manifest, backend: 'cuda' } });
    await expectKilnErrorAsync(
      Engine.create(cuda, { backend: 'cpu' }),
      ErrorCode.PLAN_BACKEND_MISMATCH,
      /built for the 'cuda' backend.*rebuild/,
    );
  });

  it('refuses a plan whose plugin is not registered, and loads once it is', async () => {
    const bytes = await planBytes();
    await expectKilnErrorAsync(Engine.create(bytes), ErrorCode.PLAN_MISSING_PLUGIN, /test::everything@2.*rebuild/);
    const plugins = new Map([['test::everything::2', () => []]]);
    const engine = await Engine.create(bytes, { plugins });
    expect(engine.outputs.map((o) => o.name)).toEqual(['plugin_out', 'loop_out']);
  });

  it('refuses a layer kind this kiln does not know, as a plan from another version', async () => {
    const plan = await buildPlan(everyLayerNetwork());
    const future = new Network('future');
    future.addInput({ name: 'x', dtype: 'float32', shape: [1] });
    future.layers.push({
      name: 'warp',
      kind: 'warp_drive',
      inputs: ['x'],
      outputs: ['x2'],
      params: {},
    } as unknown as Network['layers'][number]);
    const bytes = serializePlan({ ...plan, network: future });
    expectKilnError(() => deserializePlan(bytes), ErrorCode.PLAN_FORMAT_VERSION, /layer kind 'warp_drive'/);
  });

  it('answers every truncation and every flipped byte with a plan error, never a crash', async () => {
    const bytes = await planBytes();
    const planCodes: string[] = [ErrorCode.PLAN_CORRUPTED, ErrorCode.PLAN_FORMAT_VERSION];
    const failures: string[] = [];
    const attempt = (b: Uint8Array, what: string) => {
      try {
        deserializePlan(b);
        failures.push(`${what}: accepted`);
      } catch (e) {
        if (!(e instanceof KilnError) || !planCodes.includes(e.code)) failures.push(`${what}: ${String(e)}`);
      }
    };
    for (let n = 0; n < bytes.length; n += 7) attempt(bytes.subarray(0, n), `truncated to ${n}`);
    // Flips in alignment padding change no checked byte, so only header, manifest and section bytes are flipped.
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const manifestEnd = 48 + view.getUint32(12, true);
    const plan = deserializePlan(bytes);
    const sectionStart = Math.ceil(manifestEnd / 64) * 64;
    const checked = (i: number) =>
      i < manifestEnd || plan.manifest.sections.some((s) => i >= sectionStart + s.offset && i < sectionStart + s.offset + s.length);
    for (let i = 0; i < bytes.length; i += 3) {
      if (!checked(i)) continue;
      const copy = bytes.slice();
      copy[i]! ^= 0x41;
      attempt(copy, `byte ${i} flipped`);
    }
    expect(failures).toEqual([]);
  });
});

describe('memory section', () => {
  /** x → relu a → reshape v → concat [v, b] (in place) → relu y: views, a slice and in-place writes. */
  function staticNetwork(): Network {
    const net = new Network('static');
    net.addInput({ name: 'x', dtype: 'float32', shape: [1, 2, 4] });
    const layer = (kind: 'activation' | 'shuffle' | 'concatenation', name: string, inputs: string[], params: object, shape: number[]) =>
      net.addLayer(kind, { name, inputs, outputs: [{ name, dtype: 'float32', shape }], params: params as never });
    layer('activation', 'a', ['x'], { type: 'relu' }, [1, 2, 4]);
    layer('shuffle', 'v', ['a'], { reshape: [1, 2, 4] }, [1, 2, 4]);
    layer('activation', 'b', ['x'], { type: 'sigmoid' }, [1, 2, 4]);
    layer('activation', 'a2', ['a'], { type: 'tanh' }, [1, 2, 4]);
    layer('concatenation', 'c', ['a2', 'b'], { axis: 1, inPlace: true }, [1, 4, 4]);
    layer('activation', 'y', ['c'], { type: 'relu' }, [1, 4, 4]);
    net.markOutput('y');
    net.markOutput('v');
    return net;
  }

  async function planWithMemory(): Promise<Plan> {
    const plan = await buildPlan(staticNetwork(), { rules: [], tune: false });
    expect(plan.memoryPlan).toBeDefined();
    return plan;
  }

  it('round-trips the memory plan byte-identically as its own checksummed section', async () => {
    const plan = await planWithMemory();
    expect(plan.memoryPlan!.inPlaceConcats).toEqual(['c']);
    expect(plan.memoryPlan!.placements.v!.viewOf).toBe('a');
    expect(plan.memoryPlan!.placements.y!.inPlaceOf).toBe('c');
    const bytes = serializePlan(plan);
    const loaded = deserializePlan(bytes);
    expect(loaded.manifest.sections.map((s) => s.name)).toEqual(['layers', 'weights', 'memory']);
    for (const s of loaded.manifest.sections) expect(s.offset % 64).toBe(0);
    expect(loaded.memoryPlan).toEqual(plan.memoryPlan);
    expect(bytesEqual(serializePlan(loaded), bytes)).toBe(true);
    expect(bytesEqual(serializePlan(await planWithMemory()), bytes)).toBe(true);
  });

  it('loads plans without a memory section (dynamic networks, older plans) and engines load plans with one', async () => {
    const plan = await planWithMemory();
    const older = deserializePlan(serializePlan({ ...plan, memoryPlan: undefined }));
    expect(older.memoryPlan).toBeUndefined();
    expect(older.manifest.sections.map((s) => s.name)).toEqual(['layers', 'weights']);
    const engine = await Engine.create(serializePlan(plan));
    expect(engine.outputs.map((o) => o.name)).toEqual(['y', 'v']);
  });

  it('detects a corrupted memory section by its checksum', async () => {
    const bytes = serializePlan(await planWithMemory());
    const plan = deserializePlan(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const sectionStart = Math.ceil((48 + view.getUint32(12, true)) / 64) * 64;
    const memory = plan.manifest.sections.find((s) => s.name === 'memory')!;
    for (let i = 0; i < memory.length; i += 5) {
      const copy = bytes.slice();
      copy[sectionStart + memory.offset + i]! ^= 0x41;
      expectKilnError(() => deserializePlan(copy), ErrorCode.PLAN_CORRUPTED, /'memory' section checksum/);
    }
  });

  it('rejects a memory plan that places a tensor outside its arena', async () => {
    const plan = await planWithMemory();
    const m = plan.memoryPlan!;
    const bad = { ...m, placements: { ...m.placements, y: { offset: m.arenaBytes, bytes: 4 } } };
    expectKilnError(() => deserializePlan(serializePlan({ ...plan, memoryPlan: bad })), ErrorCode.PLAN_CORRUPTED, /'y' outside the arena/);
  });
});

describe('tactics section', () => {
  function convNetwork(): Network {
    const net = new Network('conv');
    net.addInput({ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] });
    net.addLayer('constant', {
      name: 'w',
      inputs: [],
      outputs: [{ name: 'w', dtype: 'float32', shape: [4, 3, 3, 3] }],
      params: {
        value: Tensor.fromValues(
          'float32',
          [4, 3, 3, 3],
          Array.from({ length: 108 }, (_, i) => ((i * 7) % 11) / 11 - 0.5),
        ),
      },
    });
    net.addLayer('convolution', {
      name: 'conv',
      inputs: ['x', 'w'],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4, 6, 6] }],
      params: {
        kernelShape: [3, 3],
        strides: [1, 1],
        padsBegin: [0, 0],
        padsEnd: [0, 0],
        dilations: [1, 1],
        groups: 1,
        paddingMode: 'explicit',
      },
    });
    net.markOutput('y');
    return net;
  }
  const tactics = {
    device: 'cpu x64 test 2 threads',
    choices: {
      conv: { tactic: 'implicit_gemm', timings: { implicit_gemm: 0.25, im2col_gemm: 0.5 }, source: 'measured' as const, workspaceBytes: 0 },
    },
  };

  it('round-trips the chosen tactics byte-identically as their own section', async () => {
    const plan = { ...(await buildPlan(convNetwork(), { tune: false })), tactics };
    const bytes = serializePlan(plan);
    const loaded = deserializePlan(bytes);
    expect(loaded.tactics).toEqual(tactics);
    expect(loaded.manifest.sections.map((s) => s.name)).toContain('tactics');
    expect(bytesEqual(serializePlan(loaded), bytes)).toBe(true);
  });

  it('rejects a malformed tactics section', async () => {
    const plan = { ...(await buildPlan(convNetwork(), { tune: false })), tactics: { device: 'x', choices: { conv: { tactic: 3 } } } };
    expectKilnError(() => deserializePlan(serializePlan(plan as unknown as Plan)), ErrorCode.PLAN_CORRUPTED, /tactics section/);
  });
});
