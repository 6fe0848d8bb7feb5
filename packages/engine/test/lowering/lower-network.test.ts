/**
 * lowerNetwork learns every shape from the LayerDefs, past reference stages too, and keeps layers
 * whose shapes depend on data (unknown until run time) on the reference path.
 */
import { convertGraph } from '@kiln-inference/converters';
import { ErrorCode, KilnError, Network, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, lowerNetwork } from '../../src/index.js';
import { corpusCases } from '../hybrid/support/corpus-cases.js';
import { NetBuilder } from './lowering-support.js';

const conv = {
  kernelShape: [3, 3],
  strides: [2, 2],
  padsBegin: [1, 1],
  padsEnd: [1, 1],
  dilations: [1, 1],
  groups: 1,
  paddingMode: 'explicit' as const,
};

describe('lowerNetwork', () => {
  it('knows the shapes past a reference stage without running it', () => {
    const b = new NetBuilder();
    const x = b.input('x', ['batch', 3, 9, 9] as unknown as number[]);
    const r = b.layer('activation', [x], { type: 'relu' });
    const n = b.layer('lp_normalization', [r], { axis: 1, p: 2 });
    const c = b.layer('convolution', [n, b.random([8, 3, 3, 3])], conv);
    const net = b.output(c);
    const lowered = lowerNetwork(net, new Map([['x', [2, 3, 9, 9]]]));
    expect(lowered.stages.map((s) => s.kind)).toEqual(['program', 'layer', 'program']);
    expect(lowered.shapes.get(n)).toEqual([2, 3, 9, 9]);
    expect(lowered.shapes.get(c)).toEqual([2, 8, 5, 5]);
  });

  it('keeps the consumers of a data-dependent size on the reference path', () => {
    const b = new NetBuilder();
    const x = b.input('x', [6]);
    const indices = b.layer('non_zero', [x], {});
    const asFloat = b.layer('cast', [indices], { to: 'float32' });
    const dependent = b.layer('activation', [asFloat], { type: 'relu' });
    const independent = b.layer('activation', [x], { type: 'sigmoid' });
    const net = b.output(dependent, independent);
    const lowered = lowerNetwork(net, new Map([['x', [6]]]));
    const where = (name: string) => lowered.stages.find((s) => s.outputNames.includes(name))?.kind;
    expect(where(dependent)).toBe('layer');
    expect(where(independent)).toBe('program');
    expect(lowered.shapes.has(dependent)).toBe(false);
    expect(lowered.shapes.get(independent)).toEqual([6]);
  });

  it('names the layer when the input shapes cannot be valid for it', () => {
    const b = new NetBuilder();
    const x = b.input('x', ['n', 3, 'h', 'w'] as unknown as number[]);
    const net = b.output(b.layer('convolution', [x, b.random([8, 3, 3, 3])], { ...conv, padsBegin: [0, 0], padsEnd: [0, 0] }));
    try {
      lowerNetwork(net, new Map([['x', [1, 3, 2, 2]]]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KilnError);
      expect((e as KilnError).code).toBe(ErrorCode.INVALID_SHAPE);
      expect((e as KilnError).layer?.kind).toBe('convolution');
      expect((e as KilnError).message).toMatch(/span 3 does not fit a dim of size 2/);
    }
  });
});

const corpus = corpusDir();
const cudaCases = corpus ? corpusCases(corpus).filter((c) => ['facemesh', 'paddleocr-ppocrv4-det'].includes(c.name)) : [];

describe.skipIf(cudaCases.length === 0)('lowerNetwork for the CUDA target on corpus models', () => {
  for (const c of cudaCases) {
    it(`${c.name}: every shape it knows is the shape a reference run produces`, async () => {
      const { graph, registry, feeds } = await c.load();
      // What the CUDA runner lowers: the built plan's network.
      const network = (await buildPlan(convertGraph(graph, registry), { tune: false, memory: false })).network;
      const inputShapes = new Map(Object.entries(feeds).map(([n, v]) => [n, (v as Tensor).shape]));
      const lowered = lowerNetwork(network, inputShapes, { target: 'cuda' });
      expect(lowered.stages.some((s) => s.kind === 'program')).toBe(true);
      const observed = new Network(network.name);
      observed.inputs = network.inputs;
      observed.layers = network.layers;
      observed.tensors = network.tensors;
      observed.outputs = [...new Set(network.layers.flatMap((l) => l.outputs.filter(Boolean)))];
      const ran = new ReferenceExecutor().runValues(observed, feeds);
      const wrong = [...lowered.shapes].filter(([name, shape]) => {
        const value = ran.get(name) ?? feeds[name];
        return value instanceof Tensor && value.shape.join('x') !== shape.join('x');
      });
      expect(wrong).toEqual([]);
      // Every program reads tensors whose shapes were known when it was compiled.
      for (const stage of lowered.stages)
        if (stage.kind === 'program') for (const n of stage.inputNames) expect(lowered.shapes.has(n)).toBe(true);
    });
  }
});
