import { describe, expect, it } from 'vitest';
import {
  type AnyLayer,
  type DType,
  ErrorCode,
  inferLayer,
  type LayerDef,
  type LayerParamsMap,
  Network,
  type Shape,
  Tensor,
  type TensorDesc,
  type ValueFacts,
} from '../../src/index.js';
import { CONTROL_FLOW_DEFS as D } from '../../src/layer-defs/control-flow.js';
import { inferWith } from '../../src/layer-defs/infer-with.js';
import { infer, t, thrown } from './infer-helpers.js';

const codeOf = (f: () => unknown) => thrown(f).code;
const desc = (name: string, dtype: DType, shape: Shape | null): TensorDesc => ({ name, dtype, shape });

/** A body network: the given inputs, and outputs produced by identity layers from `sources` (input names) with the given descs. */
function body(name: string, inputs: TensorDesc[], outputs: { from: string; out: TensorDesc }[]): Network {
  const net = new Network(name);
  for (const i of inputs) net.addInput(i);
  for (const o of outputs) {
    net.addLayer('identity', { inputs: [o.from], outputs: [o.out], params: {} });
    net.markOutput(o.out.name);
  }
  return net;
}

/** Infers a layer whose inputs are named exactly as given ('' = omitted). */
function inferNamed<K extends 'loop' | 'scan' | 'conditional'>(
  def: LayerDef<K>,
  params: LayerParamsMap[K],
  inputs: readonly [string, ValueFacts | undefined][],
  outputs: number,
): ValueFacts[] {
  const layer = {
    name: 'L',
    kind: def.kind,
    inputs: inputs.map(([n]) => n),
    outputs: Array.from({ length: outputs }, (_, i) => `out${i}`),
    params,
  } as AnyLayer;
  return inferWith(
    def as unknown as LayerDef,
    layer,
    inputs.map(([, f]) => f),
  );
}

describe('recurrent', () => {
  type Rec = LayerParamsMap['recurrent'];
  const act = (...types: ('sigmoid' | 'tanh' | 'relu')[]) => types.map((type) => ({ type }));
  const lstm: Rec = {
    cell: 'lstm',
    direction: 'forward',
    hiddenSize: 16,
    activations: act('sigmoid', 'tanh', 'tanh'),
    inputForget: false,
    linearBeforeReset: false,
    layout: 0,
  };

  it('gives Y, Y_h and Y_c for layout 0', () => {
    const out = infer(D.recurrent, lstm, [t('float32', [5, 'b', 8]), t('float32', [1, 64, 8]), t('float32', [1, 64, 16])], 3);
    expect(out).toEqual([
      { dtype: 'float32', shape: [5, 1, 'b', 16] },
      { dtype: 'float32', shape: [1, 'b', 16] },
      { dtype: 'float32', shape: [1, 'b', 16] },
    ]);
  });

  it('gives batch-first outputs for layout 1 and two directions', () => {
    const gru: Rec = { ...lstm, cell: 'gru', direction: 'bidirectional', activations: act('sigmoid', 'tanh'), layout: 1 };
    const out = infer(D.recurrent, gru, [t('float16', ['b', 't', 8]), t('float16', [2, 48, 8]), t('float16', [2, 48, 16])], 2);
    expect(out.map((f) => f.shape)).toEqual([
      ['b', 't', 2, 16],
      ['b', 2, 16],
    ]);
    expect(out[0]!.dtype).toBe('float16');
  });

  it('checks weights, bias, peepholes, initial states, activations and outputs', () => {
    const x = t('float32', [5, 2, 8]);
    const w = t('float32', [1, 64, 8]);
    const r = t('float32', [1, 64, 16]);
    expect(codeOf(() => infer(D.recurrent, lstm, [x, t('float32', [1, 48, 8]), r]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => infer(D.recurrent, lstm, [x, w, t('float32', [1, 64, 8])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => infer(D.recurrent, lstm, [x, w, r, t('float32', [1, 64])]))).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(codeOf(() => infer(D.recurrent, lstm, [x, w, r, undefined, undefined, undefined, undefined, t('float32', [1, 16])]))).toBe(
      ErrorCode.SHAPE_MISMATCH,
    );
    expect(codeOf(() => infer(D.recurrent, lstm, [x, w, r, undefined, undefined, t('float32', [1, 3, 16])]))).toBe(
      ErrorCode.SHAPE_MISMATCH,
    );
    expect(codeOf(() => infer(D.recurrent, lstm, [t('float32', [5, 8]), w, r]))).toBe(ErrorCode.INVALID_SHAPE);
    expect(codeOf(() => infer(D.recurrent, { ...lstm, activations: act('sigmoid') }, [x, w, r]))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    const rnn: Rec = { ...lstm, cell: 'rnn', activations: act('tanh') };
    expect(codeOf(() => infer(D.recurrent, rnn, [x, t('float32', [1, 16, 8]), t('float32', [1, 16, 16])], 3))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(infer(D.recurrent, rnn, [x, t('float32', [1, 16, 8]), t('float32', [1, 16, 16])], 2)[1]!.shape).toEqual([1, 2, 16]);
  });

  it('matches the reference kernel', async () => {
    type KernelFn = (layer: AnyLayer, inputs: (Tensor | undefined)[], ctx: unknown) => Tensor[];
    // cpu-runtime is not a dependency of core: loaded by name at run time (vitest's workspace aliases resolve it).
    const CPU_RUNTIME = '@kiln-inference/cpu-runtime';
    const { referenceKernels } = (await import(/* @vite-ignore */ CPU_RUNTIME)) as { referenceKernels: Record<string, KernelFn> };
    const params: Rec = { ...lstm, direction: 'bidirectional', hiddenSize: 3, activations: act('sigmoid', 'tanh', 'tanh'), layout: 1 };
    const filled = (shape: number[]) =>
      Tensor.fromValues(
        'float32',
        shape,
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i % 7) - 3) / 10),
      );
    const inputs = [filled([2, 4, 5]), filled([2, 12, 5]), filled([2, 12, 3]), filled([2, 24])];
    const layer = { name: 'L', kind: 'recurrent', inputs: ['x', 'w', 'r', 'b'], outputs: ['y', 'h', 'c'], params } as AnyLayer;
    const actual = referenceKernels.recurrent!(layer, inputs, {});
    const predicted = infer(
      D.recurrent,
      params,
      inputs.map((x) => t(x.dtype, x.shape)),
      3,
    );
    expect(predicted).toEqual(actual.map((a) => ({ dtype: a.dtype, shape: [...a.shape] })));
  });
});

describe('conditional', () => {
  const cond = t('bool', []);
  const branches = () => ({
    thenBranch: body(
      'then',
      [desc('a', 'float32', [2, 3])],
      [
        { from: 'a', out: desc('t0', 'float32', [2, 3]) },
        { from: 'a', out: desc('t1', 'int64', ['n']) },
      ],
    ),
    elseBranch: body(
      'else',
      [desc('a', 'float32', [2, 3])],
      [
        { from: 'a', out: desc('e0', 'float32', [2, 'k']) },
        { from: 'a', out: desc('e1', 'int64', ['n']) },
      ],
    ),
  });

  it('keeps what both branches agree on', () => {
    const out = inferNamed(
      D.conditional,
      branches(),
      [
        ['c', cond],
        ['a', t('float32', [2, 3])],
      ],
      2,
    );
    expect(out).toEqual([
      { dtype: 'float32', shape: [2, null] },
      { dtype: 'int64', shape: ['n'] },
    ]);
  });

  it('takes the chosen branch when the condition is known', () => {
    const known = (v: boolean) => t('bool', [], Tensor.fromValues('bool', [], [v]));
    const run = (v: boolean) =>
      inferNamed(
        D.conditional,
        branches(),
        [
          ['c', known(v)],
          ['a', t('float32', [2, 3])],
        ],
        2,
      )[0]!.shape;
    expect(run(true)).toEqual([2, 3]);
    expect(run(false)).toEqual([2, 'k']);
  });

  it('rejects branches that disagree on dtypes or output counts, and a non-scalar condition', () => {
    const p = branches();
    const odd = body('else', [desc('a', 'float32', [2, 3])], [{ from: 'a', out: desc('x', 'float32', [2, 3]) }]);
    odd.addLayer('cast', { inputs: ['a'], outputs: [desc('y', 'float16', [2, 3])], params: { to: 'float16' } });
    odd.markOutput('y');
    const inputs: [string, ValueFacts][] = [
      ['c', cond],
      ['a', t('float32', [2, 3])],
    ];
    expect(codeOf(() => inferNamed(D.conditional, { ...p, elseBranch: odd }, inputs, 2))).toBe(ErrorCode.INVALID_DTYPE);
    expect(codeOf(() => inferNamed(D.conditional, p, inputs, 3))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => inferNamed(D.conditional, p, [['c', t('bool', [2])], inputs[1]!], 2))).toBe(ErrorCode.INVALID_SHAPE);
  });
});

describe('loop', () => {
  const loopBody = () =>
    body(
      'body',
      [desc('i', 'int64', []), desc('c', 'bool', []), desc('x', 'float32', [3])],
      [
        { from: 'c', out: desc('c_out', 'bool', []) },
        { from: 'x', out: desc('x_out', 'float32', [3]) },
        { from: 'x', out: desc('y_out', 'float32', [3]) },
      ],
    );
  const trips = (n: number) => t('int64', [], Tensor.scalar('int64', BigInt(n)));

  it('gives carried values and scan outputs stacked over an unknown trip count', () => {
    const out = inferNamed(
      D.loop,
      { body: loopBody(), numCarried: 1 },
      [
        ['m', trips(4)],
        ['', undefined],
        ['x0', t('float32', [3])],
      ],
      2,
    );
    expect(out).toEqual([
      { dtype: 'float32', shape: [3] },
      { dtype: 'float32', shape: [null, 3] },
    ]);
  });

  it('stacks zero iterations for a trip count of 0 and passes the initial values through', () => {
    const out = inferNamed(
      D.loop,
      { body: loopBody(), numCarried: 1 },
      [
        ['m', trips(0)],
        ['c', t('bool', [])],
        ['x0', t('float32', [3])],
      ],
      2,
    );
    expect(out.map((f) => f.shape)).toEqual([[3], [0, 3]]);
  });

  it('keeps only the carried dims the initial value and the body agree on', () => {
    const out = inferNamed(
      D.loop,
      { body: loopBody(), numCarried: 1 },
      [
        ['m', t('int64', [])],
        ['', undefined],
        ['x0', t('float32', ['n'])],
      ],
      2,
    );
    expect(out[0]!.shape).toEqual([null]);
  });

  it('rejects an endless loop, wrong output counts and a mistyped carried value', () => {
    const p = { body: loopBody(), numCarried: 1 };
    expect(
      codeOf(() =>
        inferNamed(
          D.loop,
          p,
          [
            ['', undefined],
            ['', undefined],
            ['x0', t('float32', [3])],
          ],
          2,
        ),
      ),
    ).toBe(ErrorCode.INVALID_ARGUMENT);
    const inputs: [string, ValueFacts][] = [
      ['m', trips(2)],
      ['x0', t('float32', [3])],
    ];
    expect(codeOf(() => inferNamed(D.loop, p, [inputs[0]!, ['', undefined], inputs[1]!], 3))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => inferNamed(D.loop, { ...p, numCarried: 3 }, [inputs[0]!, ['', undefined], inputs[1]!], 2))).toBe(
      ErrorCode.INVALID_ATTRIBUTE,
    );
    expect(codeOf(() => inferNamed(D.loop, p, [inputs[0]!, ['', undefined], ['x0', t('int32', [3])]], 2))).toBe(ErrorCode.INVALID_DTYPE);
  });
});

describe('scan', () => {
  const scanBody = () =>
    body(
      'body',
      [desc('s', 'float32', [4]), desc('x', 'float32', [4])],
      [
        { from: 's', out: desc('s_out', 'float32', [4]) },
        { from: 'x', out: desc('y_out', 'float32', [4]) },
      ],
    );
  const params = (over: Partial<LayerParamsMap['scan']> = {}): LayerParamsMap['scan'] => ({
    body: scanBody(),
    numStates: 1,
    numScanInputs: 1,
    scanInputAxes: [0],
    scanInputDirections: [0],
    scanOutputAxes: [0],
    scanOutputDirections: [0],
    ...over,
  });

  it('stacks scan outputs along their axis with the scan inputs step count', () => {
    const inputs: [string, ValueFacts][] = [
      ['s0', t('float32', [4])],
      ['x', t('float32', ['t', 4])],
    ];
    expect(inferNamed(D.scan, params(), inputs, 2).map((f) => f.shape)).toEqual([[4], ['t', 4]]);
    expect(inferNamed(D.scan, params({ scanOutputAxes: [-1] }), inputs, 2)[1]!.shape).toEqual([4, 't']);
    const transposed: [string, ValueFacts][] = [inputs[0]!, ['x', t('float32', [4, 9])]];
    expect(inferNamed(D.scan, params({ scanInputAxes: [1] }), transposed, 2)[1]!.shape).toEqual([9, 4]);
  });

  it('puts the batch axis back for Scan-8', () => {
    const out = inferNamed(
      D.scan,
      params({ batched: true }),
      [
        ['', undefined],
        ['s0', t('float32', ['b', 4])],
        ['x', t('float32', ['b', 7, 4])],
      ],
      2,
    );
    expect(out.map((f) => f.shape)).toEqual([
      ['b', 4],
      ['b', 7, 4],
    ]);
  });

  it('rejects differing step counts, no scan inputs and wrong output counts', () => {
    const two = body(
      'body',
      [desc('s', 'float32', [4]), desc('x', 'float32', [4]), desc('z', 'float32', [4])],
      [
        { from: 's', out: desc('s_out', 'float32', [4]) },
        { from: 'x', out: desc('y_out', 'float32', [4]) },
      ],
    );
    const mismatch = () =>
      inferNamed(
        D.scan,
        params({ body: two, numScanInputs: 2, scanInputAxes: [0, 0] }),
        [
          ['s0', t('float32', [4])],
          ['x', t('float32', [5, 4])],
          ['z', t('float32', [6, 4])],
        ],
        2,
      );
    expect(codeOf(mismatch)).toBe(ErrorCode.SHAPE_MISMATCH);
    const inputs: [string, ValueFacts][] = [
      ['s0', t('float32', [4])],
      ['x', t('float32', [5, 4])],
    ];
    expect(codeOf(() => inferNamed(D.scan, params({ numScanInputs: 0 }), inputs, 2))).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(codeOf(() => inferNamed(D.scan, params(), inputs, 1))).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });
});

describe('plugin', () => {
  const params = { namespace: 'kiln', name: 'Unique', version: '1', fields: {} };

  it('knows no output shape and uses the first input dtype as a placeholder', () => {
    expect(infer(D.plugin, params, [t('float32', [3, 4]), t('int64', [2])], 2)).toEqual([
      { dtype: 'float32', shape: null },
      { dtype: 'float32', shape: null },
    ]);
    expect(codeOf(() => infer(D.plugin, params, []))).toBe(ErrorCode.UNSUPPORTED_LAYER);
  });

  it('is never folded or assumed repeatable, nor is control flow', () => {
    for (const kind of ['plugin', 'conditional', 'loop', 'scan'] as const) {
      expect(D[kind].traits).toEqual({ foldable: false, deterministic: false });
    }
  });
});

describe('bodies inferred from the facts the layer feeds them (registry inferLayer)', () => {
  /** A layer 'L' of `kind` run through the registry, which supplies ctx.inferBody. */
  const viaRegistry = (
    kind: 'conditional' | 'loop' | 'scan',
    params: unknown,
    inputs: [string, ValueFacts | undefined][],
    outputs: number,
  ) =>
    inferLayer(
      {
        name: 'L',
        kind,
        inputs: inputs.map(([n]) => n),
        outputs: Array.from({ length: outputs }, (_, i) => `out${i}`),
        params,
      } as AnyLayer,
      inputs.map(([, f]) => f),
    );
  /** A body whose outputs are undeclared (shape null): only inference can size them. */
  const undeclared = (name: string, inputs: TensorDesc[], build: (net: Network) => string[]): Network => {
    const net = new Network(name);
    for (const i of inputs) net.addInput(i);
    for (const o of build(net)) net.markOutput(o);
    return net;
  };

  it('conditional sizes its outputs from the captured tensors', () => {
    const branch = (name: string, from: string) =>
      undeclared(name, [desc(from, 'float32', null)], (net) => {
        net.addLayer('identity', { inputs: [from], outputs: [desc(`${name}_y`, 'float32', null)], params: {} });
        return [`${name}_y`];
      });
    const params = { thenBranch: branch('then', 'a'), elseBranch: branch('else', 'b') };
    const inputs: [string, ValueFacts | undefined][] = [
      ['c', t('bool', [])],
      ['a', t('float32', [2, 3])],
      ['b', t('float32', [2, 'k'])],
    ];
    expect(viaRegistry('conditional', params, inputs, 1)[0]!.shape).toEqual([2, null]);
    const known: [string, ValueFacts] = ['c', t('bool', [], Tensor.fromValues('bool', [], [false]))];
    expect(viaRegistry('conditional', params, [known, inputs[1]!, inputs[2]!], 1)[0]!.shape).toEqual([2, 'k']);
  });

  it('conditional falls back to the declarations of a branch that cannot run, unless it is the one taken', () => {
    const impossible = undeclared('then', [desc('a', 'float32', null)], (net) => {
      net.addLayer('shuffle', { inputs: ['a'], outputs: [desc('then_y', 'float32', null)], params: { reshape: [7] } });
      return ['then_y'];
    });
    const fine = undeclared('else', [desc('a', 'float32', null)], (net) => {
      net.addLayer('identity', { inputs: ['a'], outputs: [desc('else_y', 'float32', null)], params: {} });
      return ['else_y'];
    });
    const params = { thenBranch: impossible, elseBranch: fine };
    const a: [string, ValueFacts] = ['a', t('float32', [2, 3])];
    expect(viaRegistry('conditional', params, [['c', t('bool', [])], a], 1)[0]).toEqual({ dtype: 'float32', shape: null });
    const taken: [string, ValueFacts] = ['c', t('bool', [], Tensor.fromValues('bool', [], [true]))];
    const e = thrown(() => viaRegistry('conditional', params, [taken, a], 1));
    expect(e.code).toBe(ErrorCode.INVALID_SHAPE);
  });

  it('loop widens a carried value that grows and counts trips when the condition stays true', () => {
    const body = undeclared(
      'body',
      [desc('i', 'int64', []), desc('cond', 'bool', []), desc('x', 'float32', null), desc('cap', 'float32', null)],
      (net) => {
        net.addLayer('identity', { inputs: ['cond'], outputs: [desc('cond_out', 'bool', null)], params: {} });
        net.addLayer('concatenation', { inputs: ['x', 'cap'], outputs: ['x_out'], params: { axis: 0 } });
        net.addLayer('identity', { inputs: ['cap'], outputs: ['scan'], params: {} });
        return ['cond_out', 'x_out', 'scan'];
      },
    );
    const trips = t('int64', [], Tensor.scalar('int64', 3n));
    const out = viaRegistry(
      'loop',
      { body, numCarried: 1 },
      [
        ['m', trips],
        ['', undefined],
        ['x0', t('float32', [2])],
        ['cap', t('float32', [5])],
      ],
      2,
    );
    expect(out).toEqual([
      { dtype: 'float32', shape: [null] },
      { dtype: 'float32', shape: [3, 5] },
    ]);
  });

  it('scan feeds the body one slice per step and stacks what it returns', () => {
    const body = undeclared('body', [desc('s', 'float32', null), desc('x', 'float32', null)], (net) => {
      net.addLayer('elementwise', { inputs: ['s', 'x'], outputs: ['s_out'], params: { op: 'add' } });
      net.addLayer('identity', { inputs: ['x'], outputs: ['y'], params: {} });
      return ['s_out', 'y'];
    });
    const params = {
      body,
      numStates: 1,
      numScanInputs: 1,
      scanInputAxes: [1],
      scanInputDirections: [0],
      scanOutputAxes: [0],
      scanOutputDirections: [0],
    };
    const out = viaRegistry(
      'scan',
      params,
      [
        ['s0', t('float32', [4])],
        ['x', t('float32', [4, 't'])],
      ],
      2,
    );
    expect(out.map((f) => f.shape)).toEqual([[4], ['t', 4]]);
  });
});
