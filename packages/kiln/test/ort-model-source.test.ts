// modelSource(): plans by their magic, ONNX and GraphDef bytes by their top-level protobuf fields.
import { ProtoWriter } from '@kiln-inference/testkit';
import { KilnError } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { modelSource } from '../src/ort-compat/model-source.js';

function kindOf(bytes: Uint8Array): string {
  const s = modelSource(bytes);
  return s.kind === 'model-bytes' ? s.format : s.kind;
}

describe('modelSource on bytes', () => {
  it('an ONNX ModelProto: ir_version, opset_import, graph', () => {
    const onnx = new ProtoWriter()
      .int(1, 8)
      .string(2, 'pytorch')
      .message(7, (g) => g.string(2, 'main'))
      .message(8, (o) => o.int(2, 17))
      .finish();
    expect(kindOf(onnx)).toBe('onnx');
  });

  it('a GraphDef: nodes in field 1, versions in field 4', () => {
    const graphDef = new ProtoWriter()
      .message(1, (n) => n.string(1, 'x').string(2, 'Placeholder'))
      .message(4, (v) => v.int(1, 27))
      .finish();
    expect(kindOf(graphDef)).toBe('tf-graphdef');
  });

  it('a plan by its magic, even when the rest is damaged', () => {
    expect(kindOf(new TextEncoder().encode('KILNPLAN and then nothing valid'))).toBe('plan');
  });

  it('UFF (field 2 is a varint), ONNX without a graph, truncated and empty bytes are refused', () => {
    const uff = new ProtoWriter().int(1, 1).int(2, 1).finish();
    const noGraph = new ProtoWriter().int(1, 8).string(2, 'x').finish();
    const truncated = new ProtoWriter()
      .int(1, 8)
      .message(7, (g) => g.string(2, 'main'))
      .finish()
      .subarray(0, 4);
    for (const bytes of [uff, noGraph, truncated, new Uint8Array(0)]) {
      expect(() => modelSource(bytes)).toThrow(KilnError);
    }
  });
});
