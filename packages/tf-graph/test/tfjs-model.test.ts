import { float32ToFloat16, isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importTfjsModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';

/** A model.json with one Placeholder, Consts for each weight, and an AddN-free chain reading them. */
function model(weights: { name: string; shape: number[]; dtype: string; quantization?: object }[], format = 'graph-model'): object {
  const consts = weights.map((w) => ({
    name: w.name,
    op: 'Const',
    attr: { dtype: { type: w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } },
  }));
  const outputs = weights.map((w) => ({ name: `out_${w.name}`, op: 'Identity', input: [w.name], attr: { T: { type: 'DT_FLOAT' } } }));
  return {
    format,
    modelTopology: { node: [...consts, ...outputs], versions: { producer: 1000 } },
    weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights }],
  };
}

function shards(bytes: Uint8Array, split: number): (path: string) => Uint8Array {
  return (path) => (path === 'a.bin' ? bytes.subarray(0, split) : bytes.subarray(split));
}

function concatBytes(...parts: ArrayBufferView[]): Uint8Array {
  const arrays = parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

describe('TensorFlow.js weights', () => {
  it('reads float32/int32 weights spread across shards, then float16 and affine uint8/uint16 quantized weights', async () => {
    const f32 = new Float32Array([1.5, -2]);
    const i32 = new Int32Array([7, -9, 11]);
    const f16 = new Uint16Array([float32ToFloat16(0.5), float32ToFloat16(-3)]);
    const u8 = new Uint8Array([0, 2, 255]);
    const u16 = new Uint16Array([0, 1000]);
    const bytes = concatBytes(f32, i32, f16, u8, u16);
    const spec = [
      { name: 'f', shape: [2], dtype: 'float32' },
      { name: 'i', shape: [3], dtype: 'int32' },
      { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } },
      { name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: 'w', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.01, min: 2 } },
    ];
    // The shard boundary falls inside the int32 weight: readers must concatenate first.
    const g = await importTfjsModel(model(spec), shards(bytes, 10));
    const close = { rtol: 1e-6, atol: 1e-6 };
    expectTensorClose(g.weights.get('f')!, Tensor.fromValues('float32', [2], [1.5, -2]), close);
    expect(g.weights.get('i')!.toArray()).toEqual([7, -9, 11]);
    expectTensorClose(g.weights.get('h')!, Tensor.fromValues('float32', [2], [0.5, -3]), close);
    expectTensorClose(g.weights.get('q')!, Tensor.fromValues('float32', [3], [-1, 0, 126.5]), close);
    expectTensorClose(g.weights.get('w')!, Tensor.fromValues('float32', [2], [2, 12]), close);
  });

  it('reads string weights (uint32 length + bytes per element)', async () => {
    const text = new TextEncoder();
    const bytes = concatBytes(new Uint32Array([2]), text.encode('hi'), new Uint32Array([0]));
    const g = await importTfjsModel(model([{ name: 's', shape: [2], dtype: 'string' }]), shards(bytes, 3));
    expect(g.weights.get('s')!.toArray()).toEqual(['hi', '']);
  });

  it('names the weight when shards are short or too long', async () => {
    const spec = [{ name: 'f', shape: [4], dtype: 'float32' }];
    await expect(importTfjsModel(model(spec), shards(new Uint8Array(12), 6))).rejects.toThrow(
      /weight 'f' needs bytes 0\.\.16 but the shards hold 12/,
    );
    await expect(importTfjsModel(model(spec), shards(new Uint8Array(20), 6))).rejects.toThrow(
      /hold 20 bytes but the manifest describes 16/,
    );
  });

  it('rejects unknown quantization and dtypes', async () => {
    const q = [{ name: 'f', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }];
    await expect(importTfjsModel(model(q), shards(new Uint8Array(1), 1))).rejects.toThrow(/unknown quantization 'int4'/);
    const c = [{ name: 'f', shape: [1], dtype: 'complex64' }];
    await expect(importTfjsModel(model(c), shards(new Uint8Array(8), 1))).rejects.toThrow(/unsupported dtype 'complex64'/);
  });
});

describe('model.json', () => {
  const noShards = (): Uint8Array => new Uint8Array();

  it('rejects invalid JSON, layers models and a missing topology with KilnErrors', async () => {
    for (const [source, pattern] of [
      ['{ nope', /not valid JSON/],
      [JSON.stringify({ format: 'layers-model', modelTopology: {} }), /is not a graph model/],
      [JSON.stringify({ format: 'graph-model' }), /'modelTopology' is missing/],
      [JSON.stringify({ modelTopology: { node: [{ op: 'Relu' }] } }), /node\[0\].*'name' and 'op'/],
      [JSON.stringify({ modelTopology: { node: [] }, weightsManifest: {} }), /'weightsManifest' is not a list/],
    ] as const) {
      const err = await importTfjsModel(source, noShards).catch((e: unknown) => e);
      expect(isKilnError(err)).toBe(true);
      expect((err as Error).message).toMatch(pattern);
    }
  });

  it('rejects a Const that neither the topology nor the manifest gives a value', async () => {
    const json = model([{ name: 'f', shape: [1], dtype: 'float32' }]) as { weightsManifest: unknown[] };
    json.weightsManifest = [];
    await expect(importTfjsModel(json, noShards)).rejects.toThrow(
      /Const 'f' has no value in the topology and no entry in the weightsManifest/,
    );
  });

  it('reports an unreadable shard as an IO error naming it', async () => {
    const spec = [{ name: 'f', shape: [1], dtype: 'float32' }];
    const err = await importTfjsModel(model(spec), () => {
      throw new Error('ENOENT');
    }).catch((e: unknown) => e);
    expect(isKilnError(err, 'IO_ERROR')).toBe(true);
    expect((err as Error).message).toMatch(/cannot read weight shard 'a.bin'/);
  });

  it('decodes JSON attributes: base64 strings, int64 strings, lists and shapes', async () => {
    const json = {
      modelTopology: {
        node: [
          {
            name: 'x',
            op: 'Placeholder',
            attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } },
          },
          {
            name: 'y',
            op: 'MaxPool',
            input: ['x'],
            attr: { padding: { s: 'U0FNRQ==' }, ksize: { list: { i: ['1', '2', '2', '1'] } }, T: { type: 'DT_FLOAT' } },
          },
        ],
      },
    };
    const g = await importTfjsModel(json, noShards);
    expect(g.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [null, 4] });
    expect(g.nodes[0]!.attributes.padding).toEqual({ kind: 'string', value: 'SAME' });
    expect(g.nodes[0]!.attributes.ksize).toEqual({ kind: 'ints', value: [1, 2, 2, 1] });
  });
});
