/**
 * Hostile plans: a plan's checksums prove integrity, not authenticity, so these tests edit real
 * plans and re-sign them — through the engine's own plan writer for param edits, and by
 * rebuilding the container byte by byte (each section re-hashed, as checksum.ts does) for edits
 * the writer cannot express (malformed JSON, bad number spellings). Every one must fail as a
 * KilnError naming what is wrong — PLAN_CORRUPTED, RESOURCE_LIMIT or INVALID_* — never a crash,
 * a plain TypeError or a multi-gigabyte allocation. Vitest runs each file in its own process,
 * so a regression to the old V8 abort fails this file without taking the runner down.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { type AnyLayer, ErrorCode, KilnError, Network, resourceLimits, Tensor, withResourceLimits } from '@kiln-inference/core';
import { importOnnx } from '@kiln-inference/onnx';
import { describe, expect, it } from 'vitest';
import { buildPlan, deserializePlan, Engine, type Plan, serializePlan } from '../src/index.js';
import { canonicalJson, type JsonValue } from '../src/plan/canonical-json.js';
import { sha256Hex } from '../src/plan/checksum.js';
import { everyLayerNetwork } from './fixtures/every-layer-network.js';

const HEADER_BYTES = 48;
const ALIGN = 64;
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Rebuilds a plan container with some sections replaced, every checksum recomputed. */
function resign(
  bytes: Uint8Array,
  replace: Record<string, Uint8Array>,
  editManifest: (m: Record<string, unknown>) => void = () => {},
): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const manifestLength = view.getUint32(12, true);
  const manifest = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength))) as {
    sections: { name: string; offset: number; length: number; sha256: string }[];
  };
  const start = alignUp(HEADER_BYTES + manifestLength);
  const blobs = manifest.sections.map((s) => replace[s.name] ?? bytes.subarray(start + s.offset, start + s.offset + s.length));
  let size = 0;
  manifest.sections = manifest.sections.map((s, i) => {
    const offset = alignUp(size);
    size = offset + blobs[i]!.length;
    return { name: s.name, offset, length: blobs[i]!.length, sha256: sha256Hex(blobs[i]!) };
  });
  editManifest(manifest as unknown as Record<string, unknown>);
  const manifestBytes = new TextEncoder().encode(canonicalJson(manifest as unknown as JsonValue));
  const sectionStart = alignUp(HEADER_BYTES + manifestBytes.length);
  const out = new Uint8Array(sectionStart + size);
  out.set(bytes.subarray(0, 12), 0);
  new DataView(out.buffer).setUint32(12, manifestBytes.length, true);
  out.set(Buffer.from(sha256Hex(manifestBytes), 'hex'), 16);
  out.set(manifestBytes, HEADER_BYTES);
  blobs.forEach((b, i) => {
    out.set(b, sectionStart + manifest.sections[i]!.offset);
  });
  return out;
}

function sectionJson(bytes: Uint8Array, name: string): Record<string, unknown> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const manifestLength = view.getUint32(12, true);
  const manifest = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength))) as {
    sections: { name: string; offset: number; length: number }[];
  };
  const s = manifest.sections.find((x) => x.name === name)!;
  const start = alignUp(HEADER_BYTES + manifestLength) + s.offset;
  return JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + s.length)));
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function kilnError(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw new Error(`expected a KilnError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error('expected a KilnError, but nothing was thrown');
}

async function kilnErrorAsync(p: Promise<unknown>): Promise<KilnError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw new Error(`expected a KilnError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error('expected a KilnError, but the promise resolved');
}

let fixtureBytes: Uint8Array | undefined;
async function fixturePlan(): Promise<Uint8Array> {
  fixtureBytes ??= serializePlan(await buildPlan(everyLayerNetwork(), { rules: [] }));
  return fixtureBytes;
}

/** The fixture plan with one layer's params edited, written by the engine's own plan writer. */
async function withParams(kind: AnyLayer['kind'], edit: (params: Record<string, unknown>) => void): Promise<Uint8Array> {
  const plan = deserializePlan(await fixturePlan());
  const layer = plan.network.layers.find((l) => l.kind === kind)!;
  edit(layer.params as Record<string, unknown>);
  return serializePlan(plan);
}

describe('hostile plans: layer params are type-checked on decode', () => {
  const cases: [AnyLayer['kind'], string, (p: Record<string, unknown>) => void, RegExp][] = [
    ['convolution', 'strides as a string', (p) => (p.strides = 'x'), /param 'strides' = "x"; it must be an array of integers >= 1/],
    [
      'convolution',
      'a pad that is not an integer',
      (p) => (p.padsBegin = [1, 0.5]),
      /param 'padsBegin\[1\]' = 0\.5; it must be an integer/,
    ],
    ['pooling', 'window as an object', (p) => (p.window = {}), /param 'window' = \{\}; it must be an array/],
    ['pooling', 'strides of another rank than the window', (p) => (p.strides = [1, 1, 1]), /window, strides.*lengths 2, 3/],
    ['softmax', 'a fractional axis', (p) => (p.axis = 1.5), /param 'axis' = 1\.5; it must be an integer/],
    ['resize', 'an unknown mode', (p) => (p.mode = 'bogus'), /param 'mode' = "bogus"; it must be one of 'nearest', 'linear', 'cubic'/],
    ['elementwise', 'op as a number', (p) => (p.op = 42), /param 'op' = 42; it must be one of 'add'/],
    ['concatenation', 'a missing axis', (p) => delete p.axis, /param 'axis' = nothing; it must be an integer/],
    ['split', 'an unknown param', (p) => (p.evil = true), /param 'evil' = true; it must be absent/],
    [
      'convolution',
      'a bad epilogue activation',
      (p) => (p.epilogue = { activation: { type: 'explode' } }),
      /'epilogue\.activation\.type' = "explode"/,
    ],
    ['fill', 'a negative shape', (p) => (p.shape = [2, -1]), /param 'shape\[1\]' = -1/],
    [
      'scan',
      'directions of the wrong length',
      (p) => (p.scanInputDirections = [0, 1, 0, 1, 0]),
      /one scan input axis and direction per scan input/,
    ],
    ['plugin', 'a field of an unstorable type', (p) => (p.fields = { bad: { nested: 1 } }), /param 'fields\.bad'/],
  ];
  for (const [kind, what, edit, message] of cases) {
    it(`${kind}: ${what} is PLAN_CORRUPTED naming the layer and param`, async () => {
      const bytes = await withParams(kind, edit);
      const e = kilnError(() => deserializePlan(bytes));
      expect(e.code).toBe(ErrorCode.PLAN_CORRUPTED);
      expect(e.layer?.kind).toBe(kind);
      expect(e.message).toMatch(message);
      // Loading goes through the same decoder.
      expect((await kilnErrorAsync(Engine.create(bytes))).code).toBe(ErrorCode.PLAN_CORRUPTED);
    });
  }

  it('a layer reading a tensor nothing produces fails the network validation as PLAN_CORRUPTED', async () => {
    const plan = deserializePlan(await fixturePlan());
    plan.network.layers.find((l) => l.kind === 'identity')!.inputs = ['no_such_tensor'];
    const e = kilnError(() => deserializePlan(serializePlan(plan)));
    expect(e.code).toBe(ErrorCode.PLAN_CORRUPTED);
    expect(e.message).toMatch(/no_such_tensor/);
  });
});

describe('hostile plans: malformed sections and nesting', () => {
  it('a re-signed manifest with a null device or a bogus precision is PLAN_CORRUPTED', async () => {
    const base = await fixturePlan();
    const edits: ((m: Record<string, unknown>) => void)[] = [
      (m) => (m.device = null),
      (m) => (m.buildSettings = { precision: 'fp64', passes: [] }),
      (m) => (m.plugins = [{ name: 1 }]),
    ];
    for (const edit of edits) {
      const e = kilnError(() => deserializePlan(resign(base, {}, edit)));
      expect(e.code).toBe(ErrorCode.PLAN_CORRUPTED);
      expect(e.message).toMatch(/manifest/);
    }
  });

  it('malformed JSON in a re-signed layers section is PLAN_CORRUPTED', async () => {
    const bytes = resign(await fixturePlan(), { layers: new TextEncoder().encode('{"network": [1, 2,') });
    const e = kilnError(() => deserializePlan(bytes));
    expect(e.code).toBe(ErrorCode.PLAN_CORRUPTED);
    expect(e.message).toMatch(/layers section is not valid JSON/);
  });

  it('a tensor table entry that is null, a number or an array is PLAN_CORRUPTED (fuzz finding, seed 20261207)', async () => {
    const base = await fixturePlan();
    for (const entry of [null, 7, [1, 2]]) {
      const layers = sectionJson(base, 'layers') as { tensors: unknown[] };
      expect(layers.tensors.length).toBeGreaterThan(0);
      layers.tensors[0] = entry;
      const e = kilnError(() => deserializePlan(resign(base, { layers: json(layers) })));
      expect(e.code).toBe(ErrorCode.PLAN_CORRUPTED);
      expect(e.message).toMatch(/tensor table entry 0 is not an object/);
    }
  });

  const spellings: [string, unknown, RegExp][] = [
    ['a $bigint that is not an integer', { $bigint: '12x' }, /bigint "12x"/],
    ['a $number that is not a special number', { $number: 'seven' }, /number "seven"/],
    ['a $tensor index that is not an integer', { $tensor: 0.5 }, /tensor 0\.5/],
    ['a $tensor index outside the table', { $tensor: 1e9 }, /outside the tensor table/],
  ];
  for (const [what, value, message] of spellings) {
    it(`${what} is PLAN_CORRUPTED`, async () => {
      const base = await fixturePlan();
      const layers = sectionJson(base, 'layers') as { network: { layers: { kind: string; params: Record<string, unknown> }[] } };
      layers.network.layers.find((l) => l.kind === 'lrn')!.params.alpha = value;
      const e = kilnError(() => deserializePlan(resign(base, { layers: json(layers) })));
      expect(e.code).toBe(ErrorCode.PLAN_CORRUPTED);
      expect(e.message).toMatch(message);
    });
  }

  it('sub-networks nested past maxNestingDepth are a RESOURCE_LIMIT, deep JSON params too', async () => {
    const base = await fixturePlan();
    const layers = sectionJson(base, 'layers') as { network: unknown; tensors: unknown };
    let network: unknown = { name: 'leaf', inputs: [], outputs: [], tensors: [], layers: [] };
    for (let i = 0; i < 80; i++) {
      network = {
        name: `n${i}`,
        inputs: [],
        outputs: [],
        tensors: [],
        layers: [{ name: `loop${i}`, kind: 'loop', inputs: [], outputs: [], params: { body: { $network: network }, numCarried: 0 } }],
      };
    }
    const nested = kilnError(() => deserializePlan(resign(base, { layers: json({ ...layers, network }) })));
    expect(nested.code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect(nested.message).toMatch(/maxNestingDepth/);

    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    const lrn = sectionJson(base, 'layers') as { network: { layers: { kind: string; params: Record<string, unknown> }[] } };
    lrn.network.layers.find((l) => l.kind === 'lrn')!.params.alpha = deep;
    const e = kilnError(() => deserializePlan(resign(base, { layers: json(lrn) })));
    expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect(e.layer?.kind).toBe('lrn');
  });

  it('the nesting bound follows the limits in force', async () => {
    const bytes = await fixturePlan();
    // The fixture nests a conditional inside a loop body: depth 2.
    expect(() => withResourceLimits(resourceLimits({ maxNestingDepth: 2 }), () => deserializePlan(bytes))).not.toThrow();
    const e = kilnError(() => withResourceLimits(resourceLimits({ maxNestingDepth: 1 }), () => deserializePlan(bytes)));
    expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
  });

  it('a memory section asking for a 25 GB arena is a RESOURCE_LIMIT', async () => {
    const net = new Network('static');
    net.addInput({ name: 'x', dtype: 'float32', shape: [2, 8] });
    net.addLayer('activation', {
      name: 'relu',
      inputs: ['x'],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2, 8] }],
      params: { type: 'relu' },
    });
    net.markOutput('y');
    const bytes = serializePlan(await buildPlan(net, { rules: [] }));
    const memory = sectionJson(bytes, 'memory');
    expect(memory.arenaBytes).toBeGreaterThan(0);
    memory.arenaBytes = 25e9;
    const e = kilnError(() => deserializePlan(resign(bytes, { memory: json(memory) })));
    expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect(e.message).toMatch(/maxModelBytes/);
  });
});

const corpus = resolve(process.env.KILN_CORPUS ?? '../shared/corpus');
const modelPath = join(corpus, 'onnx-models/paddleocr-mobile-v2-cls/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const haveCorpus = existsSync(modelPath);
const INPUT_SHAPE = [1, 3, 48, 192];

describe.skipIf(!haveCorpus)(
  `hostile plans from a real model${haveCorpus ? '' : ` (skipped: ${modelPath} not found; set KILN_CORPUS)`}`,
  () => {
    let base: Plan | undefined;
    async function realPlan(): Promise<Plan> {
      if (!base) {
        const graph = importOnnx(new Uint8Array(readFileSync(modelPath)), { baseDir: dirname(modelPath) });
        base = await buildPlan(convertGraph(graph, createOnnxRegistry()), { tune: false });
      }
      return deserializePlan(serializePlan(base));
    }

    async function runOnce(bytes: Uint8Array): Promise<void> {
      const engine = await Engine.create(bytes, { execution: 'inline' });
      const feeds: Record<string, Tensor> = {};
      for (const input of engine.inputs) {
        feeds[input.name] = new Tensor('float32', INPUT_SHAPE);
      }
      const context = engine.createExecutionContext();
      try {
        await context.run(feeds);
      } finally {
        await context.dispose();
      }
    }

    it('runs unmodified (the baseline the edits below break)', async () => {
      await runOnce(serializePlan(await realPlan()));
    });

    for (const pad of [2 ** 31, 123456789]) {
      it(`a convolution pads value of ${pad} is a RESOURCE_LIMIT, not an abort or a 25 GB arena`, async () => {
        const plan = await realPlan();
        const conv = plan.network.layers.find((l) => l.kind === 'convolution')!;
        const p = conv.params as { padsBegin: number[]; padsEnd: number[]; paddingMode: string };
        p.padsBegin = p.padsBegin.map(() => pad);
        p.padsEnd = p.padsEnd.map(() => pad);
        p.paddingMode = 'explicit';
        const e = await kilnErrorAsync(runOnce(serializePlan(plan)));
        // Shape inference may see the absurd dim before any allocation does.
        expect([ErrorCode.RESOURCE_LIMIT, ErrorCode.DIMENSION_TOO_LARGE]).toContain(e.code);
      });
    }

    it('an axis far out of range is a KilnError at lowering, not a 2^31-entry shape', async () => {
      const plan = await realPlan();
      const layer = plan.network.layers.find((l) => l.kind === 'softmax' || l.kind === 'concatenation')!;
      (layer.params as { axis: number }).axis = 2 ** 31;
      const e = await kilnErrorAsync(runOnce(serializePlan(plan)));
      expect([ErrorCode.INVALID_ATTRIBUTE, ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_SHAPE]).toContain(e.code);
    });
  },
);
