/** Decoding the backend tests' input_N.pb / output_N.pb files (TensorProto, SequenceProto, OptionalProto). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isKilnError, Tensor, type ValueType } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { decodeOptionalProto, decodeSequenceProto, decodeTestValue, importOnnx, type TestValueKind } from '../src/index.js';
import { ProtoTypes } from '../src/proto/schema.js';

const corpus = corpusDir();

function kindOf(type: ValueType | null): TestValueKind {
  if (type?.kind === 'sequence') return 'sequence';
  if (type?.kind === 'optional') return 'optional';
  return 'tensor';
}

describe('SequenceProto / OptionalProto', () => {
  const a = { name: 'a', dims: [2], dataType: 1, floatData: [1, 2] };
  const b = { name: 'b', dims: [], dataType: 7, int64Data: [9] };

  it('decodes a sequence of tensors', () => {
    const bytes = ProtoTypes.SequenceProto.encode({ name: 's', elemType: 1, tensorValues: [a, b] }).finish();
    const s = decodeSequenceProto(bytes);
    expect(s.name).toBe('s');
    expect(s.elements).toHaveLength(2);
    expectTensorClose(s.elements[0]!, Tensor.fromValues('float32', [2], [1, 2]), { rtol: 0, atol: 0 });
    expect(s.elements[1]!.toArray()).toEqual([9n]);
  });

  it('decodes optionals holding a tensor, a sequence, or nothing', () => {
    const withTensor = ProtoTypes.OptionalProto.encode({ name: 'o', elemType: 1, tensorValue: a }).finish();
    expect(decodeOptionalProto(withTensor).value).toBeInstanceOf(Tensor);
    const withSeq = ProtoTypes.OptionalProto.encode({ name: 'o', elemType: 3, sequenceValue: { elemType: 1, tensorValues: [a] } }).finish();
    expect(decodeTestValue(withSeq, 'optional')).toHaveLength(1);
    const empty = ProtoTypes.OptionalProto.encode({ name: 'o', elemType: 0 }).finish();
    expect(decodeOptionalProto(empty)).toEqual({ name: 'o', value: null });
  });

  it('rejects sequences of maps with UNSUPPORTED_DTYPE', () => {
    const bytes = ProtoTypes.SequenceProto.encode({ name: 's', elemType: 4, mapValues: [{ name: 'm', keyType: 7 }] }).finish();
    expect(() => decodeSequenceProto(bytes)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_DTYPE' }));
  });
});

describe.skipIf(!corpus)('backend node-test data files', () => {
  if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

  it('decodes every input_N.pb / output_N.pb with the kind the model declares', () => {
    const root = join(corpus ?? '', 'onnx-backend/node');
    let decoded = 0;
    const failures: string[] = [];
    for (const test of readdirSync(root)) {
      const dataDir = join(root, test, 'test_data_set_0');
      if (!existsSync(dataDir)) continue;
      const graph = importOnnx(new Uint8Array(readFileSync(join(root, test, 'model.onnx'))), { inferShapes: false, onWarning: () => {} });
      for (const file of readdirSync(dataDir)) {
        const m = /^(input|output)_(\d+)\.pb$/.exec(file);
        if (!m) continue;
        const list = m[1] === 'input' ? graph.feedInputs : graph.outputs;
        const kind = kindOf(list[Number(m[2])]?.type ?? null);
        try {
          decodeTestValue(new Uint8Array(readFileSync(join(dataDir, file))), kind);
          decoded++;
        } catch (e) {
          // FLOAT8E8M0 has no kiln dtype: those files must fail clearly, and nothing else may fail.
          const expected = test.includes('E8M0') && isKilnError(e, 'UNSUPPORTED_DTYPE');
          if (!expected) failures.push(`${test}/${file} (${kind}): ${(e as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(decoded).toBeGreaterThan(6000);
  });
});
