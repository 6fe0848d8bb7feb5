/**
 * Integer index math lowers to native Program ops (cast, compare, where, gather, gather_nd,
 * arg_reduce, integer binary): a keypoint decoder like MoveNet's stays one native stage and
 * matches the reference kernels. Programs run in the TypeScript interpreter here.
 */
import { Tensor, validateProgram } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { lowerNetwork, splitStages } from '../../src/index.js';
import { networkConstants } from '../../src/lowering/stages.js';
import { expectStagedMatchesReference, NetBuilder } from './lowering-support.js';

const i32 = (shape: number[], values: number[]) => Tensor.fromValues('int32', shape, values);

describe('index math lowering', () => {
  it('decodes heatmap peaks like MoveNet in one native stage: arg max, floor div and mod, stacked indices, gather_nd', async () => {
    const b = new NetBuilder();
    const heat = b.input('heat', [1, 4, 6, 3]);
    const flat = b.layer('shuffle', [heat, b.constant(Tensor.fromValues('int64', [2], [24n, 3n]))], {});
    const flatT = b.layer('shuffle', [flat], { firstTranspose: [1, 0] });
    const arg = b.layer('arg_reduce', [flatT], { op: 'max', axis: 1, keepDims: false, selectLastIndex: false });
    b.net.tensors.get(arg)!.dtype = 'int64';
    const idx = b.layer('cast', [arg], { to: 'int32' });
    b.net.tensors.get(idx)!.dtype = 'int32';
    const six = b.constant(i32([], [6]));
    const rows = b.layer('elementwise', [idx, six], { op: 'div' });
    const cols = b.layer('elementwise', [idx, six], { op: 'mod' });
    for (const t of [rows, cols]) b.net.tensors.get(t)!.dtype = 'int32';
    const r1 = b.layer('unsqueeze', [rows, b.constant(Tensor.fromValues('int64', [1], [1n]))], {});
    const c1 = b.layer('unsqueeze', [cols, b.constant(Tensor.fromValues('int64', [1], [1n]))], {});
    const ch = b.constant(i32([3, 1], [0, 1, 2]));
    for (const t of [r1, c1]) b.net.tensors.get(t)!.dtype = 'int32';
    const stacked = b.layer('concatenation', [r1, c1, ch], { axis: 1 });
    b.net.tensors.get(stacked)!.dtype = 'int32';
    const planes = b.layer('shuffle', [heat, b.constant(Tensor.fromValues('int64', [3], [4n, 6n, 3n]))], {});
    const picked = b.layer('gather', [planes, stacked], { mode: 'nd', axis: 0, batchDims: 0 });
    const asFloat = b.layer('cast', [rows], { to: 'float32' });
    const net = b.output(picked, asFloat, cols);
    const stages = splitStages(net, networkConstants(net));
    expect(stages.map((s) => s.kind)).toEqual(['native']);
    expect(splitStages(net, networkConstants(net), new Set(), 'cuda').map((s) => s.kind)).toEqual(['native']);
    const lowered = lowerNetwork(net, new Map([['heat', [1, 4, 6, 3]]]));
    const program = lowered.stages[0]!.kind === 'program' ? lowered.stages[0]!.program : undefined;
    expect(program?.ops.map((o) => o.op)).toEqual(expect.arrayContaining(['arg_reduce', 'cast', 'binary', 'concat', 'gather_nd']));
    expect(program?.values.find((v) => v.name === cols)?.dtype).toBe('int32');
    await expectStagedMatchesReference(net, { heat: randomTensor('float32', [1, 4, 6, 3], 3) }, { nativeStages: 1 });
  });

  it('lowers gather with negative indices, comparisons, select and integer arithmetic on int64', async () => {
    const b = new NetBuilder();
    const x = b.input('x', [5, 4]);
    const k = b.input('k', [3], 'int64');
    const gathered = b.layer('gather', [x, b.constant(Tensor.fromValues('int64', [2, 2], [0n, -1n, 3n, -5n]))], {
      mode: 'default',
      axis: 0,
      batchDims: 0,
    });
    const positive = b.layer('elementwise', [gathered, b.constant(Tensor.scalar('float32', 0))], { op: 'greater' });
    b.net.tensors.get(positive)!.dtype = 'bool';
    const chosen = b.layer('select', [positive, gathered, b.constant(Tensor.scalar('float32', -1))], {});
    const scaled = b.layer('elementwise', [k, b.constant(Tensor.fromValues('int64', [3], [3n, -2n, 7n]))], { op: 'mul' });
    const wrapped = b.layer('elementwise', [scaled, b.constant(Tensor.scalar('int64', 4n))], { op: 'mod' });
    for (const t of [scaled, wrapped]) b.net.tensors.get(t)!.dtype = 'int64';
    const net = b.output(chosen, wrapped);
    await expectStagedMatchesReference(
      net,
      { x: randomTensor('float32', [5, 4], 4), k: Tensor.fromValues('int64', [3], [5n, -3n, 2n]) },
      { nativeStages: 1 },
    );
  });

  it('never places a converting cast over its input, even where the sizes match and the input dies', () => {
    const b = new NetBuilder();
    const k = b.input('k', [6], 'int32');
    const sum = b.layer('elementwise', [k, b.constant(Tensor.fromValues('int32', [6], [1, 2, 3, 4, 5, 6]))], { op: 'add' });
    b.net.tensors.get(sum)!.dtype = 'int32';
    const asFloat = b.layer('cast', [sum], { to: 'float32' });
    const net = b.output(asFloat);
    const lowered = lowerNetwork(net, new Map([['k', [6]]]));
    const stage = lowered.stages[0]!;
    expect(stage.kind).toBe('program');
    if (stage.kind !== 'program') return;
    expect(() => validateProgram(stage.program)).not.toThrow();
    const cast = stage.program.ops.find((o) => o.op === 'cast')!;
    const [x, y] = [stage.program.values[(cast as { x: number }).x]!, stage.program.values[(cast as { y: number }).y]!];
    expect(x.storage).not.toEqual(y.storage);
  });
});
