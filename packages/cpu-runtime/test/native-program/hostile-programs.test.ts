/**
 * Programs built from hostile plans: sizes that would exhaust memory (a pads value of 2^31 gives
 * a conv output of billions of elements, a huge arena) and window arithmetic that does not add
 * up. The TypeScript validator (@kiln-inference/core, tested in core/test/program-ops) refuses them first
 * with a KilnError naming the op; the addon refuses them again when called directly (the
 * backstop), before it allocates anything. The call that used to abort V8 runs in a child
 * process, so a regression cannot take the test runner down with it.
 */
import { spawnSync } from 'node:child_process';
import { ErrorCode, KilnError, type Program } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { NativeProgram, nativeErrorToKilnError } from '../../src/index.js';
import { native, ProgramBuilder, randomArray, runFloat32, skipReason } from './program-harness.js';

/** A 3x3 conv over a 1x1x4x4 input whose pads make the declared (consistent) output enormous. */
function paddedConv(pad: number): Program {
  const b = new ProgramBuilder();
  const x = b.input('x', [1, 1, 4, 4]);
  const w = b.weight('w', [1, 1, 3, 3], randomArray(9, 1));
  const out = 4 + 2 * pad - 2;
  const y = b.arena('conv_out', [1, 1, out, out]);
  b.op({ op: 'conv2d', x, w, y, strides: [1, 1], pads: [pad, pad, pad, pad], dilations: [1, 1], groups: 1 }).output(y);
  return b.build();
}

/** A 2x2/2 max pool over 1x1x4x4 whose declared output is `outDims`. */
function pool(outDims: [number, number]): Program {
  const b = new ProgramBuilder();
  const x = b.input('x', [1, 1, 4, 4]);
  const y = b.arena('pool_out', [1, 1, ...outDims]);
  b.op({ op: 'pool2d', type: 'max', x, y, window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], countIncludePad: false });
  return b.output(y).build();
}

function copyWithArena(arenaBytes: number): Program {
  const b = new ProgramBuilder();
  const x = b.input('x', [4]);
  const y = b.arena('y', [4]);
  b.op({ op: 'copy', x, y }).output(y);
  return { ...b.build(), arenaBytes };
}

describe.skipIf(!native.ok)(`the addon refuses hostile Programs itself${skipReason}`, () => {
  const addon = native.ok ? native.addon : undefined;
  const nativeError = (fn: () => unknown): KilnError => {
    try {
      fn();
    } catch (e) {
      return nativeErrorToKilnError(e);
    }
    throw new Error('expected the addon to refuse the program');
  };

  it('checks every value against the limits before allocating (pads 2^31, pads 123456789)', () => {
    for (const pad of [2 ** 31, 123456789]) {
      const e = nativeError(() => addon!.createProgram(paddedConv(pad)));
      expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
      expect(e.message).toMatch(/conv_out.*maxTensor(Elements|Bytes)/);
    }
  });

  it('checks the arena and weights against maxModelBytes', () => {
    const e = nativeError(() => addon!.createProgram(copyWithArena(25e9)));
    expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect(e.message).toMatch(/arena.*maxModelBytes/);
  });

  it('applies the limits passed from TypeScript', () => {
    const limits = { maxTensorElements: 100, maxTensorBytes: 2 ** 30, maxModelBytes: 2 ** 30 };
    const e = nativeError(() => addon!.createProgram(paddedConv(10), limits));
    expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect(e.message).toMatch(/maxTensorElements = 100/);
  });

  it('checks pool window arithmetic', () => {
    const e = nativeError(() => addon!.createProgram(pool([3, 2])));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toMatch(/op 0 \(pool2d\).*OH = 3/);
  });

  it('NativeProgram.create rejects oversized programs with a KilnError and still runs sane ones', async () => {
    expect(() => NativeProgram.create(paddedConv(2 ** 31))).toThrow(KilnError);
    const ok = NativeProgram.create(pool([2, 2]));
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    const [y] = await runFloat32(ok, [x]);
    expect(Array.from(y!)).toEqual([5, 7, 13, 15]);
    ok.dispose();
  });

  it('does not crash the process when a hostile Program reaches the addon directly (child process)', () => {
    const program = paddedConv(2 ** 31);
    const script = `
      const addon = require(${JSON.stringify(native.ok ? native.path : '')});
      const program = JSON.parse(process.argv[1]);
      program.weights = program.weights.map((w) => Float32Array.from(Object.values(w)));
      let outcome;
      try {
        const handle = addon.createProgram(program);
        outcome = { created: true };
        handle.run([new Float32Array(16)]).then(() => console.log(JSON.stringify({ ran: true })), (e) => console.log(JSON.stringify({ code: e.code })));
      } catch (e) {
        outcome = { code: e.code };
      }
      if (outcome) console.log(JSON.stringify(outcome));
    `;
    const child = spawnSync(process.execPath, ['-e', script, JSON.stringify(program)], { encoding: 'utf8' });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim().split('\n')[0]!)).toEqual({ code: ErrorCode.RESOURCE_LIMIT });
  });
});
