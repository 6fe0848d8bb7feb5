/**
 * TF1 control flow (tf.while_loop and tf.cond frames, written as TF1 writes them: Enter / Merge /
 * Switch / LoopCond / NextIteration / Exit, pivots with control edges) imports as While / If,
 * converts to loop / conditional layers and matches references computed here in plain TypeScript.
 */
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importGraphDef } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';
import { DT } from './proto-writer.js';
import { graphDefWithLibrary, type Node } from './support/tf-writers.js';

const tol = { rtol: 1e-3, atol: 1e-4 };
const F = { type: DT.FLOAT };
const I = { type: DT.INT32 };
const frame = (name: string) => ({ s: name });
const scalar = (dtype: number, v: number) => ({
  tensor: { dtype, shape: [], ...(dtype === DT.FLOAT ? { floatVal: [v] } : { intVal: [v] }) },
});
const cnst = (name: string, dtype: number, v: number, control: string[] = []): Node => ({
  name,
  op: 'Const',
  inputs: control.map((c) => `^${c}`),
  attrs: { dtype: { type: dtype }, value: scalar(dtype, v) },
});
const placeholder = (name: string, dtype: number, shape: number[] | null): Node => ({
  name,
  op: 'Placeholder',
  attrs: { dtype: { type: dtype }, shape: { shape } },
});

/** Enter/Merge/Switch/Identity/NextIteration/Exit for loop variable k of a frame. */
function loopVar(p: string, k: string, init: string, next: string, T: { type: number }, fname: string): Node[] {
  return [
    { name: `${p}/Enter${k}`, op: 'Enter', inputs: [init], attrs: { T, frame_name: frame(fname), is_constant: { b: false } } },
    { name: `${p}/Merge${k}`, op: 'Merge', inputs: [`${p}/Enter${k}`, `${p}/NextIteration${k}`], attrs: { T, N: { i: 2 } } },
    { name: `${p}/Switch${k}`, op: 'Switch', inputs: [`${p}/Merge${k}`, `${p}/LoopCond`], attrs: { T } },
    { name: `${p}/Identity${k}`, op: 'Identity', inputs: [`${p}/Switch${k}:1`], attrs: { T } },
    { name: `${p}/NextIteration${k}`, op: 'NextIteration', inputs: [next], attrs: { T } },
    { name: `${p}/Exit${k}`, op: 'Exit', inputs: [`${p}/Switch${k}`], attrs: { T } },
  ];
}

function run(bytes: Uint8Array, feeds: Record<string, Tensor>, outputs: string[]): Map<string, Tensor> {
  const graph = importGraphDef(bytes, { outputs });
  const network = convertGraph(graph, createTfRegistry());
  return new ReferenceExecutor().run(network, feeds);
}

describe('TF1 tf.while_loop', () => {
  // i = 0; acc = x; while i < n: acc = acc * scale + float(i); i += 1   (scale enters as a constant)
  const counterLoop: Node[] = [
    placeholder('x', DT.FLOAT, [3]),
    placeholder('n', DT.INT32, []),
    cnst('i0', DT.INT32, 0),
    cnst('scale', DT.FLOAT, 0.5),
    ...loopVar('while', '', 'i0', 'while/add', I, 'while/while_context'),
    ...loopVar('while', '_1', 'x', 'while/add_1', F, 'while/while_context'),
    {
      name: 'while/Enter_2',
      op: 'Enter',
      inputs: ['n'],
      attrs: { T: I, frame_name: frame('while/while_context'), is_constant: { b: true } },
    },
    {
      name: 'while/Enter_3',
      op: 'Enter',
      inputs: ['scale'],
      attrs: { T: F, frame_name: frame('while/while_context'), is_constant: { b: true } },
    },
    { name: 'while/Less', op: 'Less', inputs: ['while/Merge', 'while/Enter_2'], attrs: { T: I } },
    { name: 'while/LoopCond', op: 'LoopCond', inputs: ['while/Less'] },
    cnst('while/add/y', DT.INT32, 1, ['while/Identity']),
    { name: 'while/add', op: 'AddV2', inputs: ['while/Identity', 'while/add/y'], attrs: { T: I } },
    { name: 'while/Cast', op: 'Cast', inputs: ['while/Identity'], attrs: { SrcT: I, DstT: F } },
    { name: 'while/mul', op: 'Mul', inputs: ['while/Identity_1', 'while/Enter_3'], attrs: { T: F } },
    { name: 'while/add_1', op: 'AddV2', inputs: ['while/mul', 'while/Cast'], attrs: { T: F } },
    { name: 'out', op: 'Identity', inputs: ['while/Exit_1'], attrs: { T: F } },
    { name: 'count', op: 'Identity', inputs: ['while/Exit'], attrs: { T: I } },
  ];

  function reference(x: number[], n: number): number[] {
    let acc = [...x];
    for (let i = 0; i < n; i++) acc = acc.map((v) => v * 0.5 + i);
    return acc;
  }

  it('a counter loop with an accumulating tensor matches the reference, including zero iterations', () => {
    const bytes = graphDefWithLibrary(counterLoop);
    const x = [1, -2, 8];
    for (const n of [0, 1, 5]) {
      const out = run(bytes, { x: Tensor.fromValues('float32', [3], x), n: Tensor.fromValues('int32', [], [n]) }, ['out', 'count']);
      expectTensorClose(out.get('out')!, Tensor.fromValues('float32', [3], reference(x, n)), tol);
      expect(out.get('count')!.toArray()).toEqual([n]);
    }
  });

  it('imports the frame as one While node with cond/body sub-graphs, no cycle', () => {
    const g = importGraphDef(graphDefWithLibrary(counterLoop), { outputs: ['out'] });
    const loops = g.nodes.filter((n) => n.op === 'While');
    expect(loops).toHaveLength(1);
    expect(g.nodes.some((n) => ['Enter', 'Merge', 'Switch', 'NextIteration', 'Exit', 'LoopCond'].includes(n.op))).toBe(false);
    expect(loops[0]!.attributes.body?.kind).toBe('graph');
    expect(loops[0]!.attributes.cond?.kind).toBe('graph');
    expect(() => g.validate()).not.toThrow();
  });

  // tf.map_fn-style: rows of x mapped one at a time (y = x_i * x_i + 1), stacked by concatenation.
  const mapLoop: Node[] = [
    placeholder('x', DT.FLOAT, [4, 3]),
    cnst('i0', DT.INT32, 0),
    { name: 'acc0', op: 'Const', attrs: { dtype: F, value: { tensor: { dtype: DT.FLOAT, shape: [0, 3] } } } },
    { name: 'shape', op: 'Shape', inputs: ['x'], attrs: { T: F, out_type: I } },
    cnst('zero', DT.INT32, 0),
    { name: 'rows', op: 'GatherV2', inputs: ['shape', 'zero', 'zero'], attrs: { Tparams: I, Tindices: I, Taxis: I } },
    ...loopVar('map', '', 'i0', 'map/next_i', I, 'map/while_context'),
    ...loopVar('map', '_1', 'acc0', 'map/concat', F, 'map/while_context'),
    { name: 'map/Enter_x', op: 'Enter', inputs: ['x'], attrs: { T: F, frame_name: frame('map/while_context'), is_constant: { b: true } } },
    {
      name: 'map/Enter_n',
      op: 'Enter',
      inputs: ['rows'],
      attrs: { T: I, frame_name: frame('map/while_context'), is_constant: { b: true } },
    },
    { name: 'map/Less', op: 'Less', inputs: ['map/Merge', 'map/Enter_n'], attrs: { T: I } },
    { name: 'map/LoopCond', op: 'LoopCond', inputs: ['map/Less'] },
    cnst('map/axis', DT.INT32, 0, ['map/Identity']),
    { name: 'map/row', op: 'GatherV2', inputs: ['map/Enter_x', 'map/Identity', 'map/axis'], attrs: { Tparams: F, Tindices: I, Taxis: I } },
    { name: 'map/sq', op: 'Mul', inputs: ['map/row', 'map/row'], attrs: { T: F } },
    cnst('map/one', DT.FLOAT, 1, ['map/Identity']),
    { name: 'map/y', op: 'AddV2', inputs: ['map/sq', 'map/one'], attrs: { T: F } },
    { name: 'map/expand', op: 'ExpandDims', inputs: ['map/y', 'map/axis'], attrs: { T: F, Tdim: I } },
    { name: 'map/concat', op: 'ConcatV2', inputs: ['map/Identity_1', 'map/expand', 'map/axis'], attrs: { T: F, N: { i: 2 }, Tidx: I } },
    cnst('map/step', DT.INT32, 1, ['map/Identity']),
    { name: 'map/next_i', op: 'AddV2', inputs: ['map/Identity', 'map/step'], attrs: { T: I } },
    { name: 'mapped', op: 'Identity', inputs: ['map/Exit_1'], attrs: { T: F } },
  ];

  it('a map_fn-style loop over the batch stacks one result per row', () => {
    const x = [0.5, -1, 2, 3, 0, -0.25, 1.5, 4, -3, 0.1, 0.2, 0.3];
    const out = run(graphDefWithLibrary(mapLoop), { x: Tensor.fromValues('float32', [4, 3], x) }, ['mapped']);
    expectTensorClose(
      out.get('mapped')!,
      Tensor.fromValues(
        'float32',
        [4, 3],
        x.map((v) => v * v + 1),
      ),
      tol,
    );
  });

  it('tf.map_fn as TF1 writes it (TensorArray unstack / read / write / stack) maps every row', () => {
    const R = { type: DT.RESOURCE };
    const fname = 'map/while/while_context';
    const enterConst = (name: string, input: string, T: { type: number }): Node => ({
      name,
      op: 'Enter',
      inputs: [input],
      attrs: { T, frame_name: frame(fname), is_constant: { b: true } },
    });
    const nodes: Node[] = [
      placeholder('x', DT.FLOAT, [-1, 3]),
      { name: 'shape', op: 'Shape', inputs: ['x'], attrs: { T: F, out_type: I } },
      cnst('zero', DT.INT32, 0),
      cnst('one', DT.INT32, 1),
      { name: 'n', op: 'GatherV2', inputs: ['shape', 'zero', 'zero'], attrs: { Tparams: I, Tindices: I, Taxis: I } },
      { name: 'ta_in', op: 'TensorArrayV3', inputs: ['n'], attrs: { dtype: F, element_shape: { shape: null } } },
      { name: 'ta_out', op: 'TensorArrayV3', inputs: ['n'], attrs: { dtype: F, element_shape: { shape: null } } },
      { name: 'unstack/range', op: 'Range', inputs: ['zero', 'n', 'one'], attrs: { Tidx: I } },
      { name: 'unstack', op: 'TensorArrayScatterV3', inputs: ['ta_in', 'unstack/range', 'x', 'ta_in:1'], attrs: { T: F } },
      ...loopVar('map/while', '', 'zero', 'map/while/next_i', I, fname),
      ...loopVar('map/while', '_1', 'ta_out:1', 'map/while/write', F, fname),
      enterConst('map/while/Enter_n', 'n', I),
      enterConst('map/while/Enter_in', 'ta_in', R),
      enterConst('map/while/Enter_in_flow', 'unstack', F),
      enterConst('map/while/Enter_out', 'ta_out', R),
      { name: 'map/while/Less', op: 'Less', inputs: ['map/while/Merge', 'map/while/Enter_n'], attrs: { T: I } },
      { name: 'map/while/LoopCond', op: 'LoopCond', inputs: ['map/while/Less'] },
      {
        name: 'map/while/read',
        op: 'TensorArrayReadV3',
        inputs: ['map/while/Enter_in', 'map/while/Identity', 'map/while/Enter_in_flow'],
        attrs: { dtype: F },
      },
      { name: 'map/while/sig', op: 'Sigmoid', inputs: ['map/while/read'], attrs: { T: F } },
      cnst('map/while/two', DT.FLOAT, 2, ['map/while/Identity']),
      { name: 'map/while/y', op: 'Mul', inputs: ['map/while/sig', 'map/while/two'], attrs: { T: F } },
      {
        name: 'map/while/write',
        op: 'TensorArrayWriteV3',
        inputs: ['map/while/Enter_out', 'map/while/Identity', 'map/while/y', 'map/while/Identity_1'],
        attrs: { T: F },
      },
      cnst('map/while/step', DT.INT32, 1, ['map/while/Identity']),
      { name: 'map/while/next_i', op: 'AddV2', inputs: ['map/while/Identity', 'map/while/step'], attrs: { T: I } },
      { name: 'stack/size', op: 'TensorArraySizeV3', inputs: ['ta_out', 'map/while/Exit_1'] },
      { name: 'stack/range', op: 'Range', inputs: ['zero', 'stack/size', 'one'], attrs: { Tidx: I } },
      { name: 'stacked', op: 'TensorArrayGatherV3', inputs: ['ta_out', 'stack/range', 'map/while/Exit_1'], attrs: { dtype: F } },
    ];
    const bytes = graphDefWithLibrary(nodes);
    for (const batch of [1, 3]) {
      const x = Array.from({ length: batch * 3 }, (_, k) => (k - 4) / 2);
      const out = run(bytes, { x: Tensor.fromValues('float32', [batch, 3], x) }, ['stacked']);
      expectTensorClose(
        out.get('stacked')!,
        Tensor.fromValues(
          'float32',
          [batch, 3],
          x.map((v) => 2 / (1 + Math.exp(-v))),
        ),
        tol,
      );
    }
  });

  it('nested frames: an inner loop in the outer body is lifted first', () => {
    // total = 0; for i < 3: (for j < 4: total += 1.5) ; total *= 2
    const nodes: Node[] = [
      placeholder('start', DT.FLOAT, []),
      cnst('i0', DT.INT32, 0),
      cnst('three', DT.INT32, 3),
      ...loopVar('o', '', 'i0', 'o/next_i', I, 'o/ctx'),
      ...loopVar('o', '_1', 'start', 'o/doubled', F, 'o/ctx'),
      { name: 'o/Enter_n', op: 'Enter', inputs: ['three'], attrs: { T: I, frame_name: frame('o/ctx'), is_constant: { b: true } } },
      { name: 'o/Less', op: 'Less', inputs: ['o/Merge', 'o/Enter_n'], attrs: { T: I } },
      { name: 'o/LoopCond', op: 'LoopCond', inputs: ['o/Less'] },
      cnst('o/j0', DT.INT32, 0, ['o/Identity']),
      cnst('o/four', DT.INT32, 4, ['o/Identity']),
      ...loopVar('o/in', '', 'o/j0', 'o/in/next_j', I, 'o/in/ctx'),
      ...loopVar('o/in', '_1', 'o/Identity_1', 'o/in/sum', F, 'o/in/ctx'),
      { name: 'o/in/Enter_n', op: 'Enter', inputs: ['o/four'], attrs: { T: I, frame_name: frame('o/in/ctx'), is_constant: { b: true } } },
      { name: 'o/in/Less', op: 'Less', inputs: ['o/in/Merge', 'o/in/Enter_n'], attrs: { T: I } },
      { name: 'o/in/LoopCond', op: 'LoopCond', inputs: ['o/in/Less'] },
      cnst('o/in/inc', DT.FLOAT, 1.5, ['o/in/Identity']),
      { name: 'o/in/sum', op: 'AddV2', inputs: ['o/in/Identity_1', 'o/in/inc'], attrs: { T: F } },
      cnst('o/in/one', DT.INT32, 1, ['o/in/Identity']),
      { name: 'o/in/next_j', op: 'AddV2', inputs: ['o/in/Identity', 'o/in/one'], attrs: { T: I } },
      cnst('o/two', DT.FLOAT, 2, ['o/Identity']),
      { name: 'o/doubled', op: 'Mul', inputs: ['o/in/Exit_1', 'o/two'], attrs: { T: F } },
      cnst('o/one', DT.INT32, 1, ['o/Identity']),
      { name: 'o/next_i', op: 'AddV2', inputs: ['o/Identity', 'o/one'], attrs: { T: I } },
      { name: 'total', op: 'Identity', inputs: ['o/Exit_1'], attrs: { T: F } },
    ];
    let expected = 0.25;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 4; j++) expected += 1.5;
      expected *= 2;
    }
    const out = run(graphDefWithLibrary(nodes), { start: Tensor.fromValues('float32', [], [0.25]) }, ['total']);
    expectTensorClose(out.get('total')!, Tensor.fromValues('float32', [], [expected]), tol);
  });

  it('an unconvertible op in a frame is reported with the frame name and the blocking node', () => {
    const nodes = counterLoop.map((n) => (n.name === 'while/mul' ? { ...n, op: 'FancyUnknownOp' } : n));
    const graph = importGraphDef(graphDefWithLibrary(nodes), { outputs: ['out'] });
    try {
      convertGraph(graph, createTfRegistry());
      expect.unreachable();
    } catch (e) {
      expect(isKilnError(e)).toBe(true);
      expect((e as Error).message).toMatch(/while-loop frame 'while\/while_context'/);
      expect((e as Error).message).toMatch(/while\/mul' \(FancyUnknownOp\) blocks it/);
    }
  });

  it('any single node removed from a frame gives a result or a KilnError, never a crash or a hang', () => {
    for (const dropped of counterLoop) {
      const bytes = graphDefWithLibrary(counterLoop.filter((n) => n !== dropped));
      try {
        const graph = importGraphDef(bytes, { outputs: ['out'] });
        convertGraph(graph, createTfRegistry());
      } catch (e) {
        expect(isKilnError(e), `dropping ${dropped.name}: ${(e as Error).message}`).toBe(true);
      }
    }
  });

  it('a malformed frame (a loop variable without its Merge) is a KilnError naming the frame', () => {
    const nodes = counterLoop.filter((n) => n.name !== 'while/Merge_1');
    try {
      importGraphDef(graphDefWithLibrary(nodes), { outputs: ['count'] });
      expect.unreachable();
    } catch (e) {
      expect(isKilnError(e)).toBe(true);
      expect((e as { code: string }).code).toBe(ErrorCode.UNSUPPORTED_OP);
      expect((e as Error).message).toMatch(/while-loop frame 'while\/while_context'/);
    }
  });
});

describe('TF1 tf.cond', () => {
  // y = pred ? x * 2 : x + 10, with TF1's pivots (Identity of Switch(pred, pred)) and pred_id.
  const condGraph: Node[] = [
    placeholder('p', DT.BOOL, []),
    placeholder('x', DT.FLOAT, [2]),
    { name: 'cond/Switch', op: 'Switch', inputs: ['p', 'p'], attrs: { T: { type: DT.BOOL } } },
    { name: 'cond/switch_t', op: 'Identity', inputs: ['cond/Switch:1'], attrs: { T: { type: DT.BOOL } } },
    { name: 'cond/switch_f', op: 'Identity', inputs: ['cond/Switch'], attrs: { T: { type: DT.BOOL } } },
    { name: 'cond/pred_id', op: 'Identity', inputs: ['p'], attrs: { T: { type: DT.BOOL } } },
    { name: 'cond/mul/Switch', op: 'Switch', inputs: ['x', 'cond/pred_id'], attrs: { T: F } },
    cnst('cond/mul/y', DT.FLOAT, 2, ['cond/switch_t']),
    { name: 'cond/mul', op: 'Mul', inputs: ['cond/mul/Switch:1', 'cond/mul/y'], attrs: { T: F } },
    { name: 'cond/add/Switch', op: 'Switch', inputs: ['x', 'cond/pred_id'], attrs: { T: F } },
    cnst('cond/add/y', DT.FLOAT, 10, ['cond/switch_f']),
    { name: 'cond/add', op: 'AddV2', inputs: ['cond/add/Switch', 'cond/add/y'], attrs: { T: F } },
    { name: 'cond/Merge', op: 'Merge', inputs: ['cond/add', 'cond/mul'], attrs: { T: F, N: { i: 2 } } },
    { name: 'y', op: 'Identity', inputs: ['cond/Merge'], attrs: { T: F } },
  ];

  it('runs the true branch when pred holds and the false branch otherwise', () => {
    const bytes = graphDefWithLibrary(condGraph);
    const x = [1.5, -4];
    for (const p of [true, false]) {
      const out = run(bytes, { p: Tensor.fromValues('bool', [], [p]), x: Tensor.fromValues('float32', [2], x) }, ['y']);
      expectTensorClose(
        out.get('y')!,
        Tensor.fromValues(
          'float32',
          [2],
          x.map((v) => (p ? v * 2 : v + 10)),
        ),
        tol,
      );
    }
  });

  it('imports as one If, and default outputs are not polluted by the pivots', () => {
    const g = importGraphDef(graphDefWithLibrary(condGraph));
    expect(g.outputs.map((o) => o.name)).toEqual(['y']);
    expect(g.nodes.filter((n) => n.op === 'If')).toHaveLength(1);
    expect(g.nodes.some((n) => n.op === 'Switch' || n.op === 'Merge')).toBe(false);
  });

  it('nested conds: the inner cond becomes an If inside the outer true branch', () => {
    // y = p ? (q ? x * 2 : x + 1) : x - 5, as TF1 nests them (inner Switches read outer Switch outputs).
    const B = { type: DT.BOOL };
    const pivots = (c: string, pred: string): Node[] => [
      { name: `${c}/Switch`, op: 'Switch', inputs: [pred, pred], attrs: { T: B } },
      { name: `${c}/switch_t`, op: 'Identity', inputs: [`${c}/Switch:1`], attrs: { T: B } },
      { name: `${c}/switch_f`, op: 'Identity', inputs: [`${c}/Switch`], attrs: { T: B } },
      { name: `${c}/pred_id`, op: 'Identity', inputs: [pred], attrs: { T: B } },
    ];
    const nodes: Node[] = [
      placeholder('p', DT.BOOL, []),
      placeholder('q', DT.BOOL, []),
      placeholder('x', DT.FLOAT, [3]),
      ...pivots('outer', 'p'),
      { name: 'outer/x_t', op: 'Switch', inputs: ['x', 'outer/pred_id'], attrs: { T: F } },
      { name: 'outer/q_t', op: 'Switch', inputs: ['q', 'outer/pred_id'], attrs: { T: B } },
      ...pivots('outer/inner', 'outer/q_t:1'),
      { name: 'outer/inner/mul/Switch', op: 'Switch', inputs: ['outer/x_t:1', 'outer/inner/pred_id'], attrs: { T: F } },
      cnst('outer/inner/two', DT.FLOAT, 2, ['outer/inner/switch_t']),
      { name: 'outer/inner/mul', op: 'Mul', inputs: ['outer/inner/mul/Switch:1', 'outer/inner/two'], attrs: { T: F } },
      { name: 'outer/inner/add/Switch', op: 'Switch', inputs: ['outer/x_t:1', 'outer/inner/pred_id'], attrs: { T: F } },
      cnst('outer/inner/one', DT.FLOAT, 1, ['outer/inner/switch_f']),
      { name: 'outer/inner/add', op: 'AddV2', inputs: ['outer/inner/add/Switch', 'outer/inner/one'], attrs: { T: F } },
      { name: 'outer/inner/Merge', op: 'Merge', inputs: ['outer/inner/add', 'outer/inner/mul'], attrs: { T: F, N: { i: 2 } } },
      { name: 'outer/x_f', op: 'Switch', inputs: ['x', 'outer/pred_id'], attrs: { T: F } },
      cnst('outer/five', DT.FLOAT, 5, ['outer/switch_f']),
      { name: 'outer/sub', op: 'Sub', inputs: ['outer/x_f', 'outer/five'], attrs: { T: F } },
      { name: 'outer/Merge', op: 'Merge', inputs: ['outer/sub', 'outer/inner/Merge'], attrs: { T: F, N: { i: 2 } } },
      { name: 'y', op: 'Identity', inputs: ['outer/Merge'], attrs: { T: F } },
    ];
    const bytes = graphDefWithLibrary(nodes);
    const x = [1, -2, 0.5];
    for (const p of [true, false]) {
      for (const q of [true, false]) {
        const feeds = {
          p: Tensor.fromValues('bool', [], [p]),
          q: Tensor.fromValues('bool', [], [q]),
          x: Tensor.fromValues('float32', [3], x),
        };
        const want = x.map((v) => (p ? (q ? v * 2 : v + 1) : v - 5));
        expectTensorClose(run(bytes, feeds, ['y']).get('y')!, Tensor.fromValues('float32', [3], want), tol);
      }
    }
    const g = importGraphDef(bytes, { outputs: ['y'] });
    const outer = g.nodes.filter((n) => n.op === 'If');
    expect(outer).toHaveLength(1);
    const thenBranch = outer[0]!.attributes.then_branch!.value as { nodes: { op: string }[] };
    expect(thenBranch.nodes.filter((n) => n.op === 'If')).toHaveLength(1);
  });

  it('any single node removed from a cond gives a result or a KilnError', () => {
    for (const dropped of condGraph) {
      try {
        convertGraph(importGraphDef(graphDefWithLibrary(condGraph.filter((n) => n !== dropped)), { outputs: ['y'] }), createTfRegistry());
      } catch (e) {
        expect(isKilnError(e), `dropping ${dropped.name}: ${(e as Error).message}`).toBe(true);
      }
    }
  });

  it('a cond inside a loop body is rewritten with the body', () => {
    // i = 0; acc = x; while i < 4: acc = (i is even) ? acc + 1 : acc * 3; i += 1
    const nodes: Node[] = [
      placeholder('x', DT.FLOAT, []),
      cnst('i0', DT.INT32, 0),
      cnst('four', DT.INT32, 4),
      ...loopVar('w', '', 'i0', 'w/next_i', I, 'w/ctx'),
      ...loopVar('w', '_1', 'x', 'w/c/Merge', F, 'w/ctx'),
      { name: 'w/Enter_n', op: 'Enter', inputs: ['four'], attrs: { T: I, frame_name: frame('w/ctx'), is_constant: { b: true } } },
      { name: 'w/Less', op: 'Less', inputs: ['w/Merge', 'w/Enter_n'], attrs: { T: I } },
      { name: 'w/LoopCond', op: 'LoopCond', inputs: ['w/Less'] },
      cnst('w/two', DT.INT32, 2, ['w/Identity']),
      { name: 'w/mod', op: 'FloorMod', inputs: ['w/Identity', 'w/two'], attrs: { T: I } },
      cnst('w/zero', DT.INT32, 0, ['w/Identity']),
      { name: 'w/even', op: 'Equal', inputs: ['w/mod', 'w/zero'], attrs: { T: I } },
      { name: 'w/c/Switch', op: 'Switch', inputs: ['w/even', 'w/even'], attrs: { T: { type: DT.BOOL } } },
      { name: 'w/c/switch_t', op: 'Identity', inputs: ['w/c/Switch:1'], attrs: { T: { type: DT.BOOL } } },
      { name: 'w/c/switch_f', op: 'Identity', inputs: ['w/c/Switch'], attrs: { T: { type: DT.BOOL } } },
      { name: 'w/c/pred_id', op: 'Identity', inputs: ['w/even'], attrs: { T: { type: DT.BOOL } } },
      { name: 'w/c/add/Switch', op: 'Switch', inputs: ['w/Identity_1', 'w/c/pred_id'], attrs: { T: F } },
      cnst('w/c/one', DT.FLOAT, 1, ['w/c/switch_t']),
      { name: 'w/c/add', op: 'AddV2', inputs: ['w/c/add/Switch:1', 'w/c/one'], attrs: { T: F } },
      { name: 'w/c/mul/Switch', op: 'Switch', inputs: ['w/Identity_1', 'w/c/pred_id'], attrs: { T: F } },
      cnst('w/c/three', DT.FLOAT, 3, ['w/c/switch_f']),
      { name: 'w/c/mul', op: 'Mul', inputs: ['w/c/mul/Switch', 'w/c/three'], attrs: { T: F } },
      { name: 'w/c/Merge', op: 'Merge', inputs: ['w/c/mul', 'w/c/add'], attrs: { T: F, N: { i: 2 } } },
      cnst('w/one', DT.INT32, 1, ['w/Identity']),
      { name: 'w/next_i', op: 'AddV2', inputs: ['w/Identity', 'w/one'], attrs: { T: I } },
      { name: 'result', op: 'Identity', inputs: ['w/Exit_1'], attrs: { T: F } },
    ];
    let acc = 0.5;
    for (let i = 0; i < 4; i++) acc = i % 2 === 0 ? acc + 1 : acc * 3;
    const out = run(graphDefWithLibrary(nodes), { x: Tensor.fromValues('float32', [], [0.5]) }, ['result']);
    expectTensorClose(out.get('result')!, Tensor.fromValues('float32', [], [acc]), tol);
  });
});
