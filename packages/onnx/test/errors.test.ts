/** Bad input gives a KilnError with a code, the tensor or node named, and a hint; never a raw decoder error. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError, Tensor } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir, mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { decodeTensorProto, encodeTensorProto, exportOnnx, importOnnx } from '../src/index.js';
import { floatInput, modelBytes } from './helpers/model-builder.js';

const corpus = corpusDir();

function kilnErrorOf(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    return e as KilnError;
  }
  throw new Error('expected a KilnError, but nothing was thrown');
}

function withInitializer(t: Record<string, unknown>): Uint8Array {
  return modelBytes({ name: 'g', initializer: [{ name: 'w', ...t }], output: [floatInput('w', [])] });
}

/** A model with one 64 KiB initializer, so cuts land inside its data. */
function bigModel(): Uint8Array {
  return withInitializer({ dims: [128, 128], dataType: 1, rawData: new Uint8Array(128 * 128 * 4).fill(7) });
}

describe('malformed files', () => {
  it('empty bytes → TRUNCATED_FILE', () => {
    expect(kilnErrorOf(() => importOnnx(new Uint8Array(0))).code).toBe('TRUNCATED_FILE');
  });

  it('a file cut inside a tensor → TRUNCATED_FILE with a hint', () => {
    const bytes = bigModel();
    for (const keep of [0.3, 0.5, 0.9, 0.999]) {
      const e = kilnErrorOf(() => importOnnx(bytes.subarray(0, Math.floor(bytes.length * keep))));
      expect(e.code).toBe('TRUNCATED_FILE');
      expect(e.hint).toMatch(/truncated/);
      expect(e.message).toMatch(/ends in the middle of a ModelProto/);
    }
  });

  it('a wrong wire type → INVALID_MODEL or TRUNCATED_FILE, never a raw error', () => {
    // Field 7 (graph) written as a varint, then field 1 (ir_version) as a length-delimited blob.
    for (const bytes of [Uint8Array.of(0x38, 0x01), Uint8Array.of(0x0a, 0x02, 0x01, 0x02), Uint8Array.of(0x3a, 0x03, 0x0d, 0x01)]) {
      expect(['INVALID_MODEL', 'TRUNCATED_FILE']).toContain(kilnErrorOf(() => importOnnx(bytes)).code);
    }
  });

  it('random bytes → KilnError', () => {
    const rand = mulberry32(5);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      expect(() => importOnnx(bytes)).toThrowError(KilnError);
    }
  });

  it('a TensorProto file given as a model → KilnError', () => {
    const tensorFile = encodeTensorProto(Tensor.fromValues('float32', [2], [1, 2]), 'input_0');
    expect(kilnErrorOf(() => importOnnx(tensorFile)).hint).toMatch(/not this kind of ONNX file|not an ONNX/);
    expect(kilnErrorOf(() => importOnnx(Uint8Array.of(0x08, 0x07))).message).toMatch(/has no graph/);
  });

  it('not a Uint8Array → INVALID_ARGUMENT', () => {
    expect(kilnErrorOf(() => importOnnx('model.onnx' as unknown as Uint8Array)).code).toBe('INVALID_ARGUMENT');
  });

  it('nesting deeper than the decoder allows → INVALID_MODEL', () => {
    // 200 nested sub-graphs written by hand (protobufjs refuses to encode them):
    // GraphProto.node → NodeProto.attribute → AttributeProto.g → GraphProto …
    const field = (tag: number[], body: Uint8Array) => Uint8Array.of(...tag, ...varint(body.length), ...body);
    let graph: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 200; i++) {
      const attribute = Uint8Array.of(0x0a, 0x01, 0x67, 0xa0, 0x01, 0x05, ...field([0x32], graph));
      const node = Uint8Array.of(0x22, 0x02, 0x49, 0x66, ...field([0x2a], attribute));
      graph = field([0x0a], node);
    }
    const e = kilnErrorOf(() => importOnnx(field([0x3a], graph)));
    expect(e.code).toBe('INVALID_MODEL');
    expect(e.message).toMatch(/max depth/);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

describe('bad tensors and nodes', () => {
  it('absurd dims → DIMENSION_TOO_LARGE naming the tensor', () => {
    const e = kilnErrorOf(() => importOnnx(withInitializer({ dims: [1 << 20, 1 << 20, 4], dataType: 1, rawData: new Uint8Array(4) })));
    expect(e.code).toBe('DIMENSION_TOO_LARGE');
    expect(e.message).toMatch(/tensor 'w'/);
    expect(kilnErrorOf(() => importOnnx(withInitializer({ dims: ['9223372036854775807'], dataType: 1 }))).code).toBe('DIMENSION_TOO_LARGE');
  });

  it('negative dims → INVALID_SHAPE', () => {
    const e = kilnErrorOf(() => importOnnx(withInitializer({ dims: [3, -2], dataType: 1 })));
    expect(e.code).toBe('INVALID_SHAPE');
    expect(e.message).toMatch(/tensor 'w': negative dimension -2/);
  });

  it('raw_data shorter than the shape needs → INVALID_MODEL naming the tensor', () => {
    const e = kilnErrorOf(() => importOnnx(withInitializer({ dims: [10], dataType: 1, rawData: new Uint8Array(39) })));
    expect(e.code).toBe('INVALID_MODEL');
    expect(e.message).toMatch(/tensor 'w': raw data of 39 bytes is shorter than its shape needs \(40 bytes of float32\)/);
    expect(e.hint).toBeTruthy();
  });

  it('a bad tensor attribute names its node', () => {
    const bytes = modelBytes({
      node: [
        {
          name: 'pad1',
          opType: 'Pad',
          input: ['x'],
          output: ['y'],
          attribute: [{ name: 'value', type: 4, t: { dims: [2], dataType: 1, floatData: [1] } }],
        },
      ],
    });
    const e = kilnErrorOf(() => importOnnx(bytes));
    expect(e.node).toEqual({ name: 'pad1', op: 'Pad', index: 0 });
    expect(e.message).toMatch(/^node 'pad1' \(Pad\): attribute 'value': floatData holds 1 values but the shape needs 2/);
  });

  it('an unknown element type → INVALID_DTYPE; an unnamed initializer → INVALID_MODEL', () => {
    expect(kilnErrorOf(() => importOnnx(withInitializer({ dims: [1], dataType: 77 }))).code).toBe('INVALID_DTYPE');
    const unnamed = modelBytes({ initializer: [{ dims: [1], dataType: 1, floatData: [1] }] });
    expect(kilnErrorOf(() => importOnnx(unnamed)).message).toMatch(/initializer #0 has no name/);
  });

  it('a sparse initializer too large to densify → RESOURCE_LIMIT', () => {
    const bytes = modelBytes({
      sparseInitializer: [
        {
          values: { name: 's', dims: [1], dataType: 1, floatData: [1] },
          indices: { dims: [1], dataType: 7, int64Data: [0] },
          dims: [1 << 20, 1 << 19],
        },
      ],
    });
    expect(kilnErrorOf(() => importOnnx(bytes)).code).toBe('RESOURCE_LIMIT');
  });

  it('decodeTensorProto on garbage → KilnError', () => {
    expect(() => decodeTensorProto(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f))).toThrowError(KilnError);
  });

  it('an attribute kind ONNX cannot hold names the node on export', () => {
    const g = importOnnx(modelBytes({ node: [{ name: 'n', opType: 'Relu', input: ['x'], output: ['y'] }], input: [floatInput('x', [1])] }));
    g.nodes[0]!.attributes.s = { kind: 'shapes', value: [[1]] };
    expect(() => exportOnnx(g)).toThrowError(/node 'n' \(Relu\): attribute 's' of kind shapes has no ONNX encoding/);
  });
});

describe.skipIf(!corpus)('fuzz: mutated corpus models', () => {
  if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

  it('import either succeeds or throws KilnError (bounded, seeded)', () => {
    const models = [
      'onnx-models/openwakeword-js-hello_deepa/hello_deepa.onnx',
      'onnx-models/silero-vad-v5/silero_vad_v5.onnx',
      'onnx-backend/node/test_lstm_defaults/model.onnx',
      'onnx-backend/node/test_if_seq/model.onnx',
      'onnx-backend/node/test_cast_FLOAT_to_INT4/model.onnx',
      'onnx-backend/node/test_range_float_type_positive_delta_expanded/model.onnx',
    ].map((p) => new Uint8Array(readFileSync(join(corpus ?? '', p))));
    const rand = mulberry32(2024);
    let succeeded = 0;
    let failed = 0;
    for (let iter = 0; iter < 400; iter++) {
      const source = models[iter % models.length]!;
      const bytes = source.slice();
      const edits = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * bytes.length);
        const mode = rand();
        if (mode < 0.6) bytes[at] = Math.floor(rand() * 256);
        else if (mode < 0.8) bytes[at] = bytes[at]! ^ (1 << Math.floor(rand() * 8));
        else bytes[at] = 0xff;
      }
      const cut = rand() < 0.15 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
      try {
        importOnnx(cut, { onWarning: () => {} });
        succeeded++;
      } catch (e) {
        if (!(e instanceof KilnError)) throw new Error(`iteration ${iter}: ${String(e)}`, { cause: e });
        failed++;
      }
    }
    expect(succeeded + failed).toBe(400);
    expect(failed).toBeGreaterThan(0);
  });
});
