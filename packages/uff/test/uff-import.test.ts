import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createUffRegistry } from '@kiln-inference/converters';
import { isKilnError, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose, fuzz, ProtoWriter } from '@kiln-inference/testkit';
import { importUff } from '@kiln-inference/uff';
import { describe, expect, it } from 'vitest';

const FLOAT32 = 131104;

type Field = [string, (w: ProtoWriter) => void];

function uffNode(w: ProtoWriter, id: string, op: string, inputs: string[], fields: Field[]): void {
  w.message(2, (n) => {
    n.string(1, id);
    for (const i of inputs) n.string(2, i);
    n.string(3, op);
    for (const [k, v] of fields) n.message(4, (e) => e.string(1, k).message(2, v));
  });
}

/** in [1,2] → FullyConnected with w (ref'd blob, [in,out] order) → Activation/func → MarkOutput. */
function smallUff(activationOp = 'Activation', func = 'relu'): Uint8Array {
  const weights = new Float32Array([1, -1, 2, 0.5]);
  const w = new ProtoWriter().int(1, 1);
  w.message(4, (g) => {
    g.string(1, 'main');
    uffNode(
      g,
      'in',
      'Input',
      [],
      [
        ['dtype', (d) => d.int(101, FLOAT32)],
        ['shape', (d) => d.message(8, (l) => l.packed(1, [1, 2]))],
      ],
    );
    uffNode(
      g,
      'w',
      'Const',
      [],
      [
        ['dtype', (d) => d.int(101, FLOAT32)],
        ['shape', (d) => d.message(8, (l) => l.packed(1, [2, 2]))],
        ['values', (d) => d.string(100, 'weights_w')],
      ],
    );
    uffNode(g, 'fc', 'FullyConnected', ['in', 'w'], [['inputs_orders', (d) => d.string(100, 'orders_NC_CK')]]);
    uffNode(g, 'act', activationOp, ['fc'], [['func', (d) => d.string(1, func)]]);
    uffNode(g, 'mark', 'MarkOutput', ['act'], []);
  });
  w.message(5, (e) => e.string(1, 'weights_w').message(2, (d) => d.bytes(9, new Uint8Array(weights.buffer))));
  // orders_NC_CK: input 0 in [0, 1] (N, C); input 1 in [1, 0] (C, K).
  w.message(5, (e) =>
    e.string(1, 'orders_NC_CK').message(2, (d) =>
      d.message(104, (list) => {
        list.message(1, (o) => o.message(1, (entry) => entry.int(1, -1).message(2, (l) => l.packed(1, [0, 1]))));
        list.message(1, (o) => o.message(1, (entry) => entry.int(1, -1).message(2, (l) => l.packed(1, [1, 0]))));
      }),
    ),
  );
  return w.finish();
}

describe('UFF import', () => {
  it('resolves referenced weights and honours the [in, out] weight order', () => {
    const graph = importUff(smallUff());
    expect(graph.inputs).toEqual([{ name: 'in', type: { kind: 'tensor', dtype: 'float32', shape: [1, 2] } }]);
    expect(graph.nodes.map((n) => `${n.domain}:${n.op}`)).toEqual(['uff:FullyConnected', 'uff:Activation']);
    const network = convertGraph(graph, createUffRegistry());
    const y = new ReferenceExecutor().run(network, { in: Tensor.fromValues('float32', [1, 2], [3, 4]) }).get('act')!;
    // x·W with W = [[1, -1], [2, 0.5]]: [3 + 8, -3 + 2] = [11, -1] → relu → [11, 0].
    expectTensorClose(y, Tensor.fromValues('float32', [1, 2], [11, 0]), { rtol: 0, atol: 1e-6 });
  });

  it('reports an unknown (plugin) operation by node name', () => {
    const graph = importUff(smallUff('_ClipPlugin'));
    expect(() => convertGraph(graph, createUffRegistry())).toThrow(/node 'act' \(_ClipPlugin\): no converter for uff::_ClipPlugin/);
  });

  it('reports an unsupported activation func', () => {
    const graph = importUff(smallUff('Activation', 'swoosh'));
    expect(() => convertGraph(graph, createUffRegistry())).toThrow(/func 'swoosh' is not supported/);
  });

  it('rejects empty, truncated and dangling files with KilnErrors', () => {
    const good = smallUff();
    for (const bad of [new Uint8Array(), good.subarray(0, good.length - 5), good.subarray(0, 40)]) {
      let err: unknown;
      try {
        importUff(bad);
      } catch (e) {
        err = e;
      }
      expect(isKilnError(err)).toBe(true);
    }
  });
});

const corpus = corpusDir();

describe.skipIf(!corpus)('bounded fuzz: mutated UFF files', () => {
  it('raise KilnErrors, never crash or hang', async () => {
    const bytes = new Uint8Array(readFileSync(join(corpus!, 'uff/tensorrt-sample-lenet5.uff')));
    const parse = (b: Uint8Array): unknown => importUff(b, { inputShapes: { in: [1, 28, 28, 1] } });
    // The node table sits at the start of the file; the weight blobs follow it.
    const rejected = (await fuzz(bytes, 7, 150, parse, 4096)) + (await fuzz(smallUff(), 8, 300, parse));
    expect(rejected).toBeGreaterThan(50);
  }, 20_000);
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
