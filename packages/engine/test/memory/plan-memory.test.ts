import { ErrorCode, KilnError, Network } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { planMemory } from '../../src/memory/plan-memory.js';
import { conv1x1, TestNet } from './network-builder.js';
import { memoryPlanProblems } from './overlap-checker.js';

const V = [1, 16]; // 64 bytes of float32: exactly one default alignment unit

function expectKilnError(fn: () => unknown, code: string, message: RegExp): KilnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    expect((e as KilnError).code).toBe(code);
    expect((e as KilnError).message).toMatch(message);
    return e as KilnError;
  }
  throw new Error(`expected a KilnError ${code}`);
}

function planChecked(t: TestNet, options?: Parameters<typeof planMemory>[1]) {
  const plan = planMemory(t.net, options);
  expect(memoryPlanProblems(t.net, plan)).toEqual([]);
  return plan;
}

/** x → relu a → relu b → relu c (output). */
function chain(): TestNet {
  const t = new TestNet();
  t.input('x', V);
  const a = t.relu('a', 'x', V);
  const b = t.relu('b', a, V);
  t.output(t.relu('c', b, V));
  return t;
}

describe('liveness and reuse', () => {
  it('reuses a dead buffer two steps later and reports peak, sum and lower bound', () => {
    const plan = planChecked(chain(), { inPlace: false });
    expect(plan.sumBytes).toBe(3 * 64);
    expect(plan.arenaBytes).toBe(2 * 64);
    expect(plan.lowerBoundBytes).toBe(2 * 64);
    expect(plan.placements.c!.offset).toBe(plan.placements.a!.offset);
    expect(plan.placements.b!.offset).not.toBe(plan.placements.a!.offset);
    expect(plan.alignment).toBe(64);
  });

  it('keeps network inputs and constants out of the arena', () => {
    const t = new TestNet();
    t.input('x', V);
    const w = t.constant('w', V);
    t.output(t.add('y', 'x', w, V));
    const plan = planChecked(t);
    expect(Object.keys(plan.placements)).toEqual(['y']);
    expect(plan.sumBytes).toBe(64);
  });

  it('keeps a tensor alive until a sub-network that captures it has run', () => {
    const t = new TestNet();
    t.input('x', V);
    t.input('cond', [], 'bool');
    t.relu('a', 'x', V);
    const p = t.relu('p', 'x', V);
    const branch = (name: string) => {
      const n = new Network(name);
      n.addInput({ name: 'a', dtype: 'float32', shape: V });
      n.addLayer('identity', {
        name: `${name}_id`,
        inputs: ['a'],
        outputs: [{ name: `${name}_y`, dtype: 'float32', shape: V }],
        params: {},
      });
      n.markOutput(`${name}_y`);
      return n;
    };
    // The layer lists only the condition; 'a' is read through the branches alone.
    const [r] = t.layer('conditional', 'if', ['cond'], { thenBranch: branch('then'), elseBranch: branch('else') }, [{ shape: V }]);
    t.output(t.add('y', r!, p, V));
    const plan = planChecked(t, { inPlace: false });
    expect(plan.placements.p!.offset).not.toBe(plan.placements.a!.offset);
  });

  it('gives zero-size tensors no bytes', () => {
    const t = new TestNet();
    t.input('x', [0, 4]);
    t.output(t.relu('a', 'x', [0, 4]));
    const plan = planChecked(t);
    expect(plan.placements.a).toEqual({ offset: 0, bytes: 0 });
    expect(plan.arenaBytes).toBe(0);
  });

  it('sizes every dtype by its storage (bool and int4 one byte per element, int64 eight)', () => {
    const t = new TestNet();
    t.input('x', [10]);
    t.layer('elementwise', 'gt', ['x', 'x'], { op: 'greater' }, [{ shape: [10], dtype: 'bool' }]);
    t.layer('cast', 'to_i64', ['x'], { to: 'int64' }, [{ shape: [10], dtype: 'int64' }]);
    t.layer('cast', 'to_i4', ['x'], { to: 'int4' }, [{ shape: [10], dtype: 'int4' }]);
    t.output('gt', 'to_i64', 'to_i4');
    const plan = planChecked(t);
    expect([plan.placements.gt!.bytes, plan.placements.to_i64!.bytes, plan.placements.to_i4!.bytes]).toEqual([10, 80, 10]);
  });

  it('aligns every buffer to the requested alignment and rejects one that is not a power of two', () => {
    const t = new TestNet();
    t.input('x', [1, 3]);
    const a = t.relu('a', 'x', [1, 3]);
    const b = t.relu('b', 'x', [1, 3]);
    t.output(t.add('y', a, b, [1, 3]));
    const plan = planChecked(t, { alignment: 256, inPlace: false });
    for (const p of Object.values(plan.placements)) expect(p.offset % 256).toBe(0);
    expect(plan.arenaBytes).toBe(2 * 256 + 12);
    expectKilnError(() => planMemory(t.net, { alignment: 48 }), ErrorCode.INVALID_ARGUMENT, /alignment 48/);
  });
});

describe('views', () => {
  it('makes identity, reshape, squeeze and unsqueeze outputs views that keep their root alive', () => {
    const t = new TestNet();
    t.input('x', V);
    const a = t.relu('a', 'x', V);
    const [i] = t.layer('identity', 'i', [a], {}, [{ shape: V }]);
    const r = t.reshape('r', i!, [4, 4]);
    const [u] = t.layer('unsqueeze', 'u', [r], { axes: [0] }, [{ shape: [1, 4, 4] }]);
    const [s] = t.layer('squeeze', 's', [u!], { axes: [0] }, [{ shape: [4, 4] }]);
    const p = t.relu('p', 'x', V);
    const q = t.relu('q', p, V);
    const back = t.reshape('back', s!, V);
    t.output(t.add('y', back, q, V));
    const plan = planChecked(t, { inPlace: false });
    expect(plan.placements.i).toMatchObject({ viewOf: 'a', offset: plan.placements.a!.offset });
    expect(plan.placements.r).toMatchObject({ viewOf: 'i', offset: plan.placements.a!.offset });
    expect(plan.placements.u!.viewOf).toBe('r');
    expect(plan.placements.s!.viewOf).toBe('u');
    expect(plan.placements.back!.viewOf).toBe('s');
    // a is still live through its views while p and q are written.
    expect(plan.placements.p!.offset).not.toBe(plan.placements.a!.offset);
    expect(plan.placements.q!.offset).not.toBe(plan.placements.a!.offset);
    expect(plan.sumBytes).toBe(9 * 64);
  });

  it('copies a shuffle that transposes', () => {
    const t = new TestNet();
    t.input('x', [2, 8]);
    const a = t.relu('a', 'x', [2, 8]);
    t.output(t.layer('shuffle', 'tr', [a], { firstTranspose: [1, 0] }, [{ shape: [8, 2] }])[0]!);
    const plan = planChecked(t);
    expect(plan.placements.tr!.viewOf).toBeUndefined();
  });

  it('records views of network inputs and constants as external, following chains to the root', () => {
    const t = new TestNet();
    t.input('x', V);
    const w = t.constant('w', V);
    const r = t.reshape('r', 'x', [4, 4]);
    const [i] = t.layer('identity', 'i', [r], {}, [{ shape: [4, 4] }]);
    const [u] = t.layer('unsqueeze', 'u', [w], { axes: [0] }, [{ shape: [1, 1, 16] }]);
    const [s] = t.layer('split', 'sp', ['x'], { axis: 1, numOutputs: 2 }, [{ shape: [1, 8] }, { shape: [1, 8] }]);
    t.output(i!, u!, s!);
    const plan = planChecked(t);
    expect(plan.externalViews).toEqual({ r: 'x', i: 'x', u: 'w' });
    expect(plan.placements.r).toBeUndefined();
    // A piece of an external tensor would need an offset outside the arena: it stays a copy.
    expect(plan.placements.sp_0!.viewOf).toBeUndefined();
  });

  it('makes split pieces contiguous slices when every dim before the axis is 1', () => {
    const t = new TestNet();
    t.input('x', [1, 6, 4]);
    const a = t.relu('a', 'x', [1, 6, 4]);
    const [s0, s1] = t.layer('split', 'sp', [a], { axis: 1, numOutputs: 2 }, [{ shape: [1, 2, 4] }, { shape: [1, 4, 4] }]);
    const [z0, z1] = t.layer('split', 'sz', [a], { axis: 2, numOutputs: 2 }, [{ shape: [1, 6, 2] }, { shape: [1, 6, 2] }]);
    t.output(s0!, s1!, z0!, z1!);
    const plan = planChecked(t);
    const base = plan.placements.a!.offset;
    expect(plan.placements.sp_0).toEqual({ offset: base, bytes: 32, viewOf: 'a' });
    expect(plan.placements.sp_1).toEqual({ offset: base + 32, bytes: 64, viewOf: 'a' });
    expect(plan.placements.sz_0!.viewOf).toBeUndefined();
    expect(plan.placements.sz_1!.viewOf).toBeUndefined();
  });
});

describe('in-place concatenation', () => {
  /** ra [1,2,4] and rb [1,3,4], pieces of x copied out by a split, to be concatenated along channels. */
  function pair() {
    const t = new TestNet();
    t.input('x', [1, 5, 4]);
    const [ra, rb] = t.layer('split', 'sp', ['x'], { axis: 1, numOutputs: 2 }, [
      { name: 'ra', shape: [1, 2, 4] },
      { name: 'rb', shape: [1, 3, 4] },
    ]);
    return { t, ra: ra!, rb: rb! };
  }

  it('turns the inputs into slices of the output and drops the copy', () => {
    const { t, ra, rb } = pair();
    t.output(t.concat('c', [ra, rb], 1, [1, 5, 4]));
    const plan = planChecked(t);
    expect(plan.inPlaceConcats).toEqual(['c']);
    const c = plan.placements.c!.offset;
    expect(plan.placements.ra).toEqual({ offset: c, bytes: 32, viewOf: 'c' });
    expect(plan.placements.rb).toEqual({ offset: c + 32, bytes: 48, viewOf: 'c' });
    const copy = pair();
    copy.t.output(copy.t.concat('c', [copy.ra, copy.rb], 1, [1, 5, 4], false));
    expect(plan.arenaBytes).toBeLessThan(planChecked(copy.t).arenaBytes);
  });

  it('nests: a sliced concatenation may itself be a slice of another', () => {
    const { t, ra, rb } = pair();
    const c = t.concat('c', [ra, rb], 1, [1, 5, 4]);
    const d = t.relu('d', 'x', [1, 5, 4]);
    t.output(t.concat('e', [c, d], 1, [1, 10, 4]));
    const plan = planChecked(t);
    expect(plan.inPlaceConcats).toEqual(['c', 'e']);
    expect(plan.placements.rb!.offset).toBe(plan.placements.e!.offset + 32);
    expect(plan.placements.d!.offset).toBe(plan.placements.e!.offset + 80);
  });

  it('leaves the copy when the builder did not mark it in place', () => {
    const { t, ra, rb } = pair();
    t.output(t.concat('c', [ra, rb], 1, [1, 5, 4], false));
    const plan = planChecked(t);
    expect(plan.inPlaceConcats).toEqual([]);
    expect(plan.placements.ra!.viewOf).toBeUndefined();
  });

  it('refuses inputs that are network inputs, views, repeated or slices of another concatenation', () => {
    const { t, ra, rb } = pair();
    t.concat('from_input', ['x', ra], 1, [1, 7, 4]);
    const view = t.reshape('view', rb, [1, 3, 4]);
    t.concat('from_view', [ra, view], 1, [1, 5, 4]);
    t.concat('twice', [ra, ra], 1, [1, 4, 4]);
    t.concat('first', [ra, rb], 1, [1, 5, 4]);
    t.concat('second', [rb, ra], 1, [1, 5, 4]);
    t.output('from_input', 'from_view', 'twice', 'first', 'second');
    const plan = planChecked(t);
    expect(plan.inPlaceConcats).toEqual(['first']);
  });

  it('refuses when the pieces are not contiguous runs of the output or do not fill it', () => {
    const t = new TestNet();
    t.input('x', [1, 2, 4]);
    const a = t.relu('a', 'x', [1, 2, 4]);
    const b = t.relu('b', 'x', [1, 2, 4]);
    t.concat('last_axis', [a, b], 2, [1, 2, 8]);
    const a2 = t.relu('a2', 'x', [1, 2, 4]);
    const b2 = t.relu('b2', 'x', [1, 2, 4]);
    t.concat('wrong_size', [a2, b2], 1, [1, 5, 4]);
    t.output('last_axis', 'wrong_size');
    const plan = planChecked(t);
    expect(plan.inPlaceConcats).toEqual([]);
  });
});

describe('in-place layers', () => {
  it('writes each activation of a chain over its dying input', () => {
    const plan = planChecked(chain());
    expect(plan.placements.b!.inPlaceOf).toBe('a');
    expect(plan.placements.c!.inPlaceOf).toBe('b');
    expect(plan.arenaBytes).toBe(64);
    expect(plan.lowerBoundBytes).toBe(64);
  });

  it('does not overwrite an input that is read later, or a network output', () => {
    const t = new TestNet();
    t.input('x', V);
    const a = t.relu('a', 'x', V);
    const b = t.relu('b', a, V);
    const c = t.add('c', a, b, V);
    const d = t.relu('d', c, V);
    t.output(c, d);
    const plan = planChecked(t);
    expect(plan.placements.b!.inPlaceOf).toBeUndefined();
    expect(plan.placements.c!.inPlaceOf).toBe('a');
    expect(plan.placements.d!.inPlaceOf).toBeUndefined();
  });

  it('does not overwrite the root of a view that is still read', () => {
    const t = new TestNet();
    t.input('x', V);
    const a = t.relu('a', 'x', V);
    const v = t.reshape('v', a, [4, 4]);
    const b = t.relu('b', a, V);
    t.output(t.add('y', t.reshape('b2', b, [4, 4]), v, [4, 4]));
    const plan = planChecked(t);
    expect(plan.placements.b!.inPlaceOf).toBeUndefined();
  });

  it('uses the elementwise operand with the output shape and dtype, never a broadcast one or a comparison', () => {
    const t = new TestNet();
    t.input('x', V);
    const small = t.relu('small', t.reshape('xs', 'x', [16, 1]), [16, 1]);
    const big = t.relu('big', 'x', V);
    const y = t.layer('elementwise', 'y', [small, big], { op: 'mul' }, [{ shape: [16, 16] }])[0]!;
    const s1 = t.relu('s1', 'x', V);
    const s2 = t.relu('s2', 'x', V);
    const y2 = t.add('y2', s1, s2, V);
    const g = t.relu('g', 'x', V);
    const cmp = t.layer('elementwise', 'cmp', [g, g], { op: 'greater' }, [{ shape: V, dtype: 'bool' }])[0]!;
    t.output(y, y2, cmp);
    const plan = planChecked(t);
    expect(plan.placements.y!.inPlaceOf).toBeUndefined();
    expect(plan.placements.y2!.inPlaceOf).toBe('s1');
    expect(plan.placements.cmp!.inPlaceOf).toBeUndefined();
  });

  it('takes the second operand when only it fits', () => {
    const t = new TestNet();
    t.input('x', V);
    const one = t.relu('one', t.reshape('x1', t.layer('slice', 'sl', ['x'], {}, [{ shape: [1, 1] }])[0]!, [1, 1]), [1, 1]);
    const big = t.relu('big', 'x', V);
    t.output(t.add('y', one, big, V));
    const plan = planChecked(t);
    expect(plan.placements.y!.inPlaceOf).toBe('big');
  });

  it('casts in place only when they convert nothing (the Program cast reads and writes different types)', () => {
    const t = new TestNet();
    t.input('x', V);
    const a = t.relu('a', 'x', V);
    const same = t.layer('cast', 'same', [a], { to: 'float32' }, [{ shape: V, dtype: 'float32' }])[0]!;
    const i32 = t.layer('cast', 'i32', [same], { to: 'int32' }, [{ shape: V, dtype: 'int32' }])[0]!;
    const f16 = t.layer('cast', 'f16', [i32], { to: 'float16' }, [{ shape: V, dtype: 'float16' }])[0]!;
    t.output(f16);
    const plan = planChecked(t);
    expect(plan.placements.same!.inPlaceOf).toBe('a');
    expect(plan.placements.i32!.inPlaceOf).toBeUndefined();
    expect(plan.placements.f16!.inPlaceOf).toBeUndefined();
  });

  it('writes a convolution over its residual, unless the residual is also its data input', () => {
    const t = new TestNet();
    t.input('x', [1, 4, 8]);
    const w = t.constant('w', [4, 4, 1]);
    const r = t.relu('r', 'x', [1, 4, 8]);
    const d = t.relu('d', 'x', [1, 4, 8]);
    const epilogue = { residualInput: 3, activation: { type: 'relu' as const } };
    const y = t.layer('convolution', 'conv', [d, w, '', r], { ...conv1x1, epilogue }, [{ shape: [1, 4, 8] }])[0]!;
    const r2 = t.relu('r2', y, [1, 4, 8]);
    const y2 = t.layer('convolution', 'conv_self', [r2, w, '', r2], { ...conv1x1, epilogue }, [{ shape: [1, 4, 8] }])[0]!;
    t.output(y2);
    const plan = planChecked(t);
    expect(plan.placements.conv!.inPlaceOf).toBe('r');
    expect(plan.placements.conv_self!.inPlaceOf).toBeUndefined();
  });

  it('can be switched off', () => {
    const plan = planChecked(chain(), { inPlace: false });
    for (const p of Object.values(plan.placements)) expect(p.inPlaceOf).toBeUndefined();
  });
});

describe('workspace', () => {
  it('is one buffer as large as the largest need', () => {
    const plan = planChecked(chain(), {
      workspace: new Map([
        ['a', 1000],
        ['b', 3000],
      ]),
    });
    expect(plan.workspaceBytes).toBe(3000);
    expect(planChecked(chain()).workspaceBytes).toBe(0);
  });

  it('names the layer whose need exceeds maxWorkspaceSize', () => {
    const e = expectKilnError(
      () =>
        planMemory(chain().net, {
          workspace: new Map([
            ['a', 1000],
            ['b', 3000],
          ]),
          maxWorkspaceSize: 2000,
        }),
      ErrorCode.INVALID_ARGUMENT,
      /layer 'b' \(activation\).*3000 bytes.*maxWorkspaceSize \(2000/,
    );
    expect(e.layer?.name).toBe('b');
    expect(e.hint).toMatch(/raise maxWorkspaceSize to at least 3000/);
  });

  it('counts layers of sub-networks, which run inside their parent layer', () => {
    const t = new TestNet();
    t.input('x', V);
    t.input('cond', [], 'bool');
    const branch = new Network('then');
    branch.addInput({ name: 'x', dtype: 'float32', shape: V });
    branch.addLayer('activation', {
      name: 'inner',
      inputs: ['x'],
      outputs: [{ name: 'inner_y', dtype: 'float32', shape: V }],
      params: { type: 'relu' },
    });
    branch.markOutput('inner_y');
    t.output(t.layer('conditional', 'if', ['cond', 'x'], { thenBranch: branch, elseBranch: branch }, [{ shape: V }])[0]!);
    expect(planChecked(t, { workspace: new Map([['inner', 500]]) }).workspaceBytes).toBe(500);
    expectKilnError(
      () => planMemory(t.net, { workspace: new Map([['inner', 500]]), maxWorkspaceSize: 100 }),
      ErrorCode.INVALID_ARGUMENT,
      /layer 'inner' \(activation\)/,
    );
  });

  it('rejects a workspace for a layer the network does not have', () => {
    expectKilnError(() => planMemory(chain().net, { workspace: new Map([['nope', 1]]) }), ErrorCode.INVALID_ARGUMENT, /'nope'/);
  });
});

describe('shapes and errors', () => {
  it('names the tensor whose shape is unknown and says to give input shapes', () => {
    const t = new TestNet();
    t.input('x', ['batch', 16] as unknown as number[]);
    t.output(t.relu('a', 'x', null as unknown as number[]));
    const e = expectKilnError(() => planMemory(t.net), ErrorCode.INVALID_SHAPE, /tensor 'a'/);
    expect(e.hint).toMatch(/input shapes/);
    const plan = planChecked(t, { shapes: new Map([['x', [2, 16]]]) });
    expect(plan.placements.a!.bytes).toBe(2 * 16 * 4);
  });

  it('infers undeclared shapes of matmul, broadcast and reshape outputs from their inputs', () => {
    const t = new TestNet();
    t.input('x', [2, 3]);
    const w = t.constant('w', [5, 3]);
    const [m] = t.layer('matrix_multiply', 'mm', ['x', w], { transposeA: false, transposeB: true }, [{ shape: null }]);
    const [e] = t.layer('elementwise', 'bias', [m!, t.constant('b', [5])], { op: 'add' }, [{ shape: null }]);
    const [r] = t.layer('shuffle', 'flat', [e!], { reshape: [0, -1, 1] }, [{ shape: null }]);
    t.output(r!);
    const plan = planChecked(t);
    expect([plan.placements.mm!.bytes, plan.placements.bias!.bytes, plan.placements.flat!.bytes]).toEqual([40, 40, 40]);
  });

  it('refuses string and sequence tensors, which have no static size', () => {
    const t = new TestNet();
    t.input('x', [2]);
    t.output(t.layer('cast', 'str', ['x'], { to: 'string' }, [{ shape: [2], dtype: 'string' }])[0]!);
    expectKilnError(() => planMemory(t.net), ErrorCode.UNSUPPORTED_DTYPE, /'str' is a string tensor/);
    const s = new TestNet();
    s.input('x', [2]);
    s.net.addLayer('sequence_construct', {
      name: 'seq',
      inputs: ['x'],
      outputs: [{ name: 'seq', dtype: 'float32', shape: [2], valueKind: 'sequence' }],
      params: {},
    });
    s.output('seq');
    expectKilnError(() => planMemory(s.net), ErrorCode.UNSUPPORTED_DTYPE, /tensor sequence/);
  });

  it('is deterministic', () => {
    const build = () => {
      const t = new TestNet();
      t.input('x', [1, 8, 4]);
      let prev = 'x';
      for (let i = 0; i < 12; i++) prev = t.add(`s${i}`, t.relu(`r${i}`, prev, [1, 8, 4]), i % 3 ? prev : 'x', [1, 8, 4]);
      t.output(prev);
      return t;
    };
    expect(JSON.stringify(planMemory(build().net))).toBe(JSON.stringify(planMemory(build().net)));
  });
});
