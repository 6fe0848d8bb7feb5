import { describe, expect, it } from 'vitest';
import {
  type AnyLayer,
  checkLayerInputs,
  checkLayerParams,
  ErrorCode,
  inferLayer,
  LAYER_DEFS,
  LAYER_KINDS,
  type LayerKind,
  layerDef,
  layerParamsProblem,
  Network,
  type ParamFields,
} from '../../src/index.js';
import { thrown } from './infer-helpers.js';

const layer = (kind: LayerKind, params: unknown, inputs: string[] = ['x'], outputs: string[] = ['y']) =>
  ({ name: 'L', kind, inputs, outputs, params }) as AnyLayer;

describe('the LayerDef registry', () => {
  it('has a def for every layer kind, under its own kind', () => {
    expect(Object.keys(LAYER_DEFS).sort()).toEqual([...LAYER_KINDS].sort());
    for (const kind of LAYER_KINDS) {
      const def = layerDef(kind);
      expect(def.kind).toBe(kind);
      expect(def.summary.length).toBeGreaterThan(10);
      expect(typeof def.infer).toBe('function');
      // Only the last input or output spec may repeat.
      for (const specs of [def.inputs, def.outputs] as const) {
        for (const s of specs.slice(0, -1)) expect(s.variadic ?? false).toBe(false);
      }
      // Defaults belong to optional fields only.
      for (const [name, field] of Object.entries(def.params as ParamFields)) {
        if (field.default !== undefined) expect({ name, optional: field.optional }).toEqual({ name, optional: true });
      }
    }
  });

  it('rejects a kind it does not know', () => {
    expect(thrown(() => layerDef('bogus' as LayerKind)).code).toBe(ErrorCode.UNSUPPORTED_LAYER);
  });

  it('inferLayer names the layer and its index in errors', () => {
    const e = thrown(() =>
      inferLayer(
        layer('elementwise', { op: 'add' }, ['a', 'b']),
        [
          { dtype: 'float32', shape: [2] },
          { dtype: 'float32', shape: [3] },
        ],
        7,
      ),
    );
    expect(e.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(e.layer).toEqual({ name: 'L', kind: 'elementwise', index: 7 });
  });

  it('inferLayer turns a crash on malformed params into an INTERNAL KilnError naming the layer', () => {
    const e = thrown(() =>
      inferLayer(layer('convolution', {}, ['x', 'w']), [
        { dtype: 'float32', shape: [1, 3, 8, 8] },
        { dtype: 'float32', shape: [4, 3, 3, 3] },
      ]),
    );
    expect(e.code).toBe(ErrorCode.INTERNAL);
    expect(e.layer?.name).toBe('L');
  });

  it('checkLayerParams names the param and the type it needs', () => {
    expect(layerParamsProblem(layer('softmax', { axis: 1, mode: 'softmax' }))).toBeUndefined();
    expect(layerParamsProblem(layer('softmax', { axis: 1.5, mode: 'softmax' }))).toBe("has param 'axis' = 1.5; it must be an integer");
    expect(layerParamsProblem(layer('split', { axis: 0, numOutputs: 2, evil: true }))).toMatch(/param 'evil' = true; it must be absent/);
    expect(layerParamsProblem(layer('concatenation', {}))).toMatch(/param 'axis' = nothing/);
    expect(layerParamsProblem(layer('identity', [1]))).toMatch(/must be an object/);
    const conv = { kernelShape: [3, 3], strides: [1], padsBegin: [], padsEnd: [], dilations: [], groups: 1, paddingMode: 'explicit' };
    expect(layerParamsProblem(layer('convolution', conv))).toMatch(
      /kernelShape, strides, padsBegin, padsEnd, dilations of lengths 2, 1, 0, 0, 0/,
    );
    expect(layerParamsProblem(layer('convolution', { ...conv, strides: [1, 1], epilogue: { activation: { type: 'explode' } } }))).toMatch(
      /'epilogue\.activation\.type' = "explode"/,
    );
    const body = new Network('b');
    const scan = {
      body,
      numStates: 0,
      numScanInputs: 1,
      scanInputAxes: [0],
      scanInputDirections: [0, 1],
      scanOutputAxes: [],
      scanOutputDirections: [],
    };
    expect(layerParamsProblem(layer('scan', scan))).toMatch(/one scan input axis and direction per scan input/);
    const e = thrown(() => checkLayerParams(layer('lrn', { size: 0, alpha: 1, beta: 1, bias: 1 }), { name: 'L', kind: 'lrn', index: 3 }));
    expect(e.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(e.layer).toEqual({ name: 'L', kind: 'lrn', index: 3 });
    expect(e.message).toMatch(/^layer 'L' \(lrn\): this layer has param 'size' = 0; it must be an integer >= 1/);
    const corrupt = thrown(() =>
      checkLayerParams(
        layer('lrn', { size: 'x', alpha: 1, beta: 1, bias: 1 }),
        { name: 'L', kind: 'lrn' },
        {
          code: ErrorCode.PLAN_CORRUPTED,
          prefix: 'plan is corrupted: ',
        },
      ),
    );
    expect(corrupt.code).toBe(ErrorCode.PLAN_CORRUPTED);
    expect(corrupt.message).toMatch(/plan is corrupted: this layer has param 'size' = "x"/);
  });

  it('checkLayerInputs names a required input left unconnected and an input too many', () => {
    const mm = (inputs: string[]) => layer('matrix_multiply', { transposeA: false, transposeB: false }, inputs);
    const where = { name: 'L', kind: 'matrix_multiply' as const, index: 2 };
    expect(() => checkLayerInputs(mm(['a', 'b']), where)).not.toThrow();
    expect(() => checkLayerInputs(mm(['a', 'b', '']), where)).not.toThrow();
    expect(() => checkLayerInputs(mm(['a', 'b', 'r']), where)).not.toThrow();
    // Fuzz finding: a stripped input reached the lowering as INTERNAL "lowering reached '' before its shape was known".
    const unconnected = thrown(() => checkLayerInputs(mm(['', 'b']), where));
    expect(unconnected.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(unconnected.layer).toEqual(where);
    expect(unconnected.message).toMatch(/this layer leaves its required input 0 \(a\) unconnected/);
    expect(thrown(() => checkLayerInputs(mm(['a']), where)).message).toMatch(/required input 1 \(b\) unconnected/);
    expect(thrown(() => checkLayerInputs(mm(['a', 'b', 'r', 's']), where)).message).toMatch(
      /has 4 inputs; 'matrix_multiply' takes at most 3/,
    );
    // A variadic kind takes any count; its def checks what it needs.
    expect(() => checkLayerInputs(layer('concatenation', { axis: 0 }, ['a', 'b', 'c', 'd']), where)).not.toThrow();
    const corrupt = thrown(() => checkLayerInputs(mm(['', 'b']), where, { code: ErrorCode.PLAN_CORRUPTED, prefix: 'plan is corrupted: ' }));
    expect(corrupt.code).toBe(ErrorCode.PLAN_CORRUPTED);
  });
});
