/**
 * The fuzzer's own logic: determinism (a finding must replay from its seed), mutators that
 * keep outputs decodable where they should, and how outcomes are classified, including a real
 * worker process that crashes, hangs or throws.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { metaReplacer, metaReviver } from '../src/findings.js';
import { acceptedResult, classifyExit, classifyThrow, dedupeKey, firstProjectFrame } from '../src/fuzz-case.js';
import { getAt, type Json, mutateJson, setAt } from '../src/mutate/json.js';
import { joinPlan, splitPlan } from '../src/mutate/plan-container.js';
import { encodeWire, message, mutateWire, parseWire, pb } from '../src/mutate/protobuf-wire.js';
import { Rng } from '../src/prng.js';
import { generateCase } from '../src/run-case.js';
import { runJobs } from '../src/supervisor.js';
import { escapesFolder } from '../src/target.js';
import { randomProgram } from '../src/targets/program.js';

describe('Rng', () => {
  it('repeats a sequence from its seed and differs between cases', () => {
    const a = Rng.forCase(7, 'onnx', 3);
    const b = Rng.forCase(7, 'onnx', 3);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Rng.forCase(7, 'onnx', 4).next()).not.toBe(xs[0]);
    expect(Rng.forCase(8, 'onnx', 3).next()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('spreads int() over its whole range', () => {
    const r = new Rng(1);
    const seen = new Set(Array.from({ length: 2000 }, () => r.int(-2, 2)));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2]);
  });
});

describe('protobuf wire trees', () => {
  const tree = message(
    pb.varint(1, 7),
    pb.msg(7, pb.str(2, 'graph'), pb.msg(5, pb.packed(1, [2, 3]), pb.varint(2, 1), pb.bytes(9, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])))),
    pb.f32(3, 1.5),
  );

  it('round-trips bytes exactly', () => {
    const bytes = encodeWire(tree);
    const back = parseWire(bytes)!;
    expect(encodeWire(back)).toEqual(bytes);
    expect(back.fields.map((f) => f.no)).toEqual([1, 7, 3]);
    const nested = back.fields[1]!;
    expect(nested.wire === 2 && nested.message?.fields.map((f) => f.no)).toEqual([2, 5]);
  });

  it('refuses to parse bytes that are not a message', () => {
    expect(parseWire(new Uint8Array([0x0a, 0x09, 1]))).toBeUndefined(); // length past the end
    expect(parseWire(new Uint8Array([0x0f]))).toBeUndefined(); // wire type 7
  });

  it('mutations are deterministic, change the bytes and stay parseable protobuf', () => {
    const original = encodeWire(tree);
    let changed = 0;
    for (let i = 0; i < 300; i++) {
      const out = encodeWire(mutateWire(Rng.forCase(1, 'wire', i), tree));
      expect(out).toEqual(encodeWire(mutateWire(Rng.forCase(1, 'wire', i), tree)));
      expect(parseWire(out)).toBeDefined();
      if (out.length !== original.length || out.some((b, k) => b !== original[k])) changed++;
    }
    expect(changed).toBeGreaterThan(250);
    expect(encodeWire(tree)).toEqual(original);
  });
});

describe('JSON mutations', () => {
  const doc: Json = { a: [1, 2, { b: 'x' }], c: { d: 4 } };

  it('never edit the input and report where they changed it', () => {
    const before = JSON.stringify(doc);
    for (let i = 0; i < 200; i++) {
      const m = mutateJson(Rng.forCase(2, 'json', i), doc);
      expect(JSON.stringify(doc)).toBe(before);
      if (m.kind !== 'remove' && m.kind !== 'duplicate') expect(getAt(m.value, m.path)).toEqual(m.replacement);
    }
  });

  it('setAt replaces and removes', () => {
    expect(setAt(doc, ['c', 'd'], 5)).toEqual({ a: [1, 2, { b: 'x' }], c: { d: 5 } });
    expect(setAt(doc, ['a', 1], undefined)).toEqual({ a: [1, { b: 'x' }], c: { d: 4 } });
  });

  it('meta encoding keeps NaN, infinities, -0 and Float32Arrays', () => {
    const meta = { n: Number.NaN, i: Number.NEGATIVE_INFINITY, z: -0, w: [Float32Array.from([1, Number.NaN])] };
    const back = JSON.parse(JSON.stringify(meta, metaReplacer), metaReviver);
    expect(back.n).toBeNaN();
    expect(back.i).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(back.z, -0)).toBe(true);
    expect(back.w[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(back.w[0])).toEqual([1, Number.NaN]);
  });

  it('meta encoding keeps bigints and every Program weight class (typed Programs save as findings)', () => {
    const weights = [Int32Array.of(-7, 2), BigInt64Array.of(-(2n ** 63n), 5n), Int8Array.of(-128), Uint8Array.of(255, 0)];
    const back = JSON.parse(JSON.stringify({ weights, b: 12345678901234567890n }, metaReplacer), metaReviver);
    expect(back.b).toBe(12345678901234567890n);
    weights.forEach((w, i) => {
      expect(back.weights[i]).toBeInstanceOf(w.constructor);
      expect(Array.from(back.weights[i] as ArrayLike<number | bigint>)).toEqual(Array.from(w as ArrayLike<number | bigint>));
    });
  });
});

describe('generators', () => {
  it('make the same case from the same seed', async () => {
    for (const target of ['onnx', 'graphdef', 'tfjs', 'program', 'feeds']) {
      const a = await generateCase(target, 11, 5);
      const b = await generateCase(target, 11, 5);
      expect(JSON.stringify(a, metaReplacer)).toBe(JSON.stringify(b, metaReplacer));
      expect(Object.keys(a.files)).toEqual(Object.keys(b.files));
      for (const name of Object.keys(a.files)) expect(a.files[name]).toEqual(b.files[name]);
    }
  });

  it('never edit their seeds: a case is the same after many others were generated', async () => {
    for (const target of ['onnx', 'plan', 'uff']) {
      const first = await generateCase(target, 12, 0);
      for (let i = 1; i < 60; i++) await generateCase(target, 12, i);
      const again = await generateCase(target, 12, 0);
      for (const name of Object.keys(first.files)) expect(again.files[name], `${target} ${name}`).toEqual(first.files[name]);
    }
  });

  it('random Programs are self-consistent: operands exist and arena values fit', () => {
    for (let i = 0; i < 100; i++) {
      const p = randomProgram(Rng.forCase(3, 'program', i));
      for (const op of p.ops) {
        for (const [k, v] of Object.entries(op)) {
          if (['x', 'y', 'a', 'b', 'w', 'bias'].includes(k)) expect(v as number).toBeLessThan(p.values.length);
        }
      }
      for (const v of p.values) {
        const elements = v.shape.reduce((a, b) => a * b, 1);
        if (v.storage.kind === 'arena') expect(v.storage.offset + elements * 4).toBeLessThanOrEqual(p.arenaBytes);
        if (v.storage.kind === 'weight') expect(p.weights[v.storage.index]!.length).toBe(elements);
      }
    }
  });

  it('re-signed plans keep their sections and checksums', () => {
    const parts = {
      version: 1,
      manifest: { backend: 'cpu', sections: [] as { name: string; offset: number; length: number; sha256: string }[] },
      sections: new Map([
        ['layers', new TextEncoder().encode('{"network":{}}')],
        ['weights', new Uint8Array(100).fill(3)],
      ]),
    };
    const bytes = joinPlan(parts);
    const back = splitPlan(bytes);
    expect(back.manifest.sections.map((s) => [s.name, s.length, s.offset % 64])).toEqual([
      ['layers', 14, 0],
      ['weights', 100, 0],
    ]);
    expect(back.sections.get('weights')).toEqual(parts.sections.get('weights'));
  });

  it('tells paths that leave the folder', () => {
    expect(escapesFolder('../secret.bin')).toBe(true);
    expect(escapesFolder('sub/../../x')).toBe(true);
    expect(escapesFolder('/etc/hostname')).toBe(true);
    expect(escapesFolder('sub/../x.bin')).toBe(false);
    expect(escapesFolder('weights.bin')).toBe(false);
  });
});

describe('outcome classification', () => {
  it('a KilnError is a rejection by code; one wrapping a TypeError says so', () => {
    expect(classifyThrow(new KilnError(ErrorCode.INVALID_MODEL, 'bad'), undefined)).toEqual({ outcome: 'rejected', code: 'INVALID_MODEL' });
    const wrapped = classifyThrow(new KilnError(ErrorCode.INVALID_MODEL, 'bad', { cause: new TypeError('x') }), undefined);
    expect(wrapped).toMatchObject({ outcome: 'rejected', code: 'INVALID_MODEL', wrapped: 'TypeError' });
  });

  it('any other throw is a non-Kiln error with its constructor and first project frame', () => {
    const e = new RangeError('Invalid typed array length: -4');
    e.stack = `RangeError: Invalid typed array length: -4\n    at new Float32Array (<anonymous>)\n    at decode (/repo/packages/onnx/src/tensor-proto.ts:120:11)`;
    const r = classifyThrow(e, undefined);
    expect(r).toMatchObject({ outcome: 'non-kiln-error', kind: 'RangeError', frame: 'packages/onnx/src/tensor-proto.ts:120' });
    expect(classifyThrow('a string', undefined)).toMatchObject({ outcome: 'non-kiln-error', kind: 'string' });
    expect(firstProjectFrame('Error\n    at x (node:internal/foo:1:1)')).toBeUndefined();
  });

  it('acceptance of an invalid case is a silent accept', () => {
    expect(acceptedResult(undefined)).toEqual({ outcome: 'accepted' });
    expect(acceptedResult('path-escape: ../x')).toMatchObject({ outcome: 'silent-accept', kind: 'path-escape' });
  });

  it('deaths are crashes, V8 heap exhaustion and the RSS cap are memory, the time cap a hang', () => {
    expect(classifyExit('SIGSEGV', null, '', undefined)).toMatchObject({ outcome: 'crash', kind: 'SIGSEGV' });
    expect(
      classifyExit('SIGABRT', null, 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', undefined),
    ).toMatchObject({
      outcome: 'memory',
      kind: 'V8 heap',
    });
    expect(classifyExit('SIGKILL', null, '', 'memory')).toMatchObject({ outcome: 'memory' });
    expect(classifyExit('SIGKILL', null, '', 'hang')).toMatchObject({ outcome: 'hang' });
    expect(dedupeKey('onnx', { index: 1, outcome: 'crash', kind: 'SIGFPE', frame: '' })).toBe('onnx|crash|SIGFPE|');
  });
});

describe('the supervisor with real worker processes', () => {
  it('records a crash, a hang and a rejection from synthetic cases, and keeps going', async () => {
    const synthetic = (kind: string, index: number) => ({
      target: 'synthetic',
      index,
      message: { type: 'replay' as const, case: { target: 'synthetic', seed: 0, index, files: {}, meta: { kind }, note: kind } },
    });
    const results = new Map<number, unknown>();
    await runJobs(
      [synthetic('segv', 0), synthetic('hang', 1), synthetic('kiln', 2), synthetic('type', 3), synthetic('ok', 4)],
      { jobs: 1, timeCapMs: 4000, rssCapMb: 4096, heapMb: 512, recycleAfter: 100 },
      (job, r) => {
        results.set(job.index, r);
      },
    );
    expect(results.get(0)).toMatchObject({ outcome: 'crash', kind: 'SIGSEGV' });
    expect(results.get(1)).toMatchObject({ outcome: 'hang' });
    expect(results.get(2)).toMatchObject({ outcome: 'rejected', code: 'INVALID_MODEL' });
    expect(results.get(3)).toMatchObject({ outcome: 'non-kiln-error', kind: 'TypeError' });
    expect(results.get(4)).toMatchObject({ outcome: 'accepted' });
  });

  it('recycles workers without blaming a retired worker’s death on the next case', async () => {
    const ok = (index: number) => ({
      target: 'synthetic',
      index,
      message: { type: 'replay' as const, case: { target: 'synthetic', seed: 0, index, files: {}, meta: { kind: 'ok' }, note: 'ok' } },
    });
    const outcomes: string[] = [];
    await runJobs(
      Array.from({ length: 4 }, (_, i) => ok(i)),
      { jobs: 1, timeCapMs: 20_000, rssCapMb: 4096, heapMb: 512, recycleAfter: 1 },
      (_, r) => {
        outcomes.push(r.outcome);
      },
    );
    expect(outcomes).toEqual(Array(4).fill('accepted'));
  });

  it('kills a worker that grows past the RSS cap and records a memory blowup', async () => {
    const results: unknown[] = [];
    const grow = {
      target: 'synthetic',
      index: 0,
      message: {
        type: 'replay' as const,
        case: { target: 'synthetic', seed: 0, index: 0, files: {}, meta: { kind: 'grow' }, note: 'grow' },
      },
    };
    await runJobs([grow], { jobs: 1, timeCapMs: 60_000, rssCapMb: 400, heapMb: 512, recycleAfter: 100 }, (_, r) => {
      results.push(r);
    });
    expect(results).toEqual([expect.objectContaining({ outcome: 'memory', kind: 'RSS cap' })]);
  });
});
