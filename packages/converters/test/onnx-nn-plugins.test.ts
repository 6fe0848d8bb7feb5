import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape: number[]) => Tensor.fromValues('float32', shape, values);

describe('ONNX ops lowered to kiln plugins', () => {
  it('HannWindow becomes the kiln::HannWindow plugin with the requested dtype', () => {
    const spec = {
      op: 'HannWindow',
      feeds: { n: Tensor.fromValues('int32', [], [4]) },
      attributes: { output_datatype: int(11) },
      opset: 17,
    };
    const layer = convertNode(spec).layers.find((l) => l.kind === 'plugin');
    expect(layer?.kind === 'plugin' && layer.params).toMatchObject({
      namespace: 'kiln',
      name: 'HannWindow',
      version: '1',
      fields: { periodic: true, outputType: 'float64' },
    });
    const [y] = runNode(spec);
    expect(y!.dtype).toBe('float64');
    expectTensorClose(y!, Tensor.fromValues('float64', [4], [0, 0.5, 1, 0.5]), { rtol: 0, atol: 1e-12 });
  });

  it('DFT reads its axis from an attribute before opset 20 and from an input after', () => {
    const x = f32([1, 0, 0, 0], [1, 4, 1]);
    const old = runNode({ op: 'DFT', feeds: { x }, attributes: { axis: int(1) }, opset: 17 })[0]!;
    const newer = runNode({
      op: 'DFT',
      feeds: { x, axis: Tensor.fromValues('int64', [], [1]) },
      nodeInputs: ['x', '', 'axis'],
      opset: 20,
    })[0]!;
    expectTensorClose(old, f32([1, 0, 1, 0, 1, 0, 1, 0], [1, 4, 2]), { rtol: 0, atol: 1e-12 });
    expectTensorClose(newer, old, { rtol: 0, atol: 0 });
  });

  it('validators reject unknown modes and output types', () => {
    expect(
      supportOf({ op: 'RoiAlign', feeds: { x: f32([1], [1, 1, 1, 1]) }, attributes: { mode: str('median') }, opset: 16 }),
    ).toMatchObject({ supported: false, reason: expect.stringMatching(/median/) });
    expect(
      supportOf({
        op: 'BlackmanWindow',
        feeds: { n: Tensor.fromValues('int32', [], [4]) },
        attributes: { output_datatype: int(8) },
        opset: 17,
      }),
    ).toMatchObject({ supported: false, reason: expect.stringMatching(/output_datatype 8/) });
    expect(supportOf({ op: 'MaxRoiPool', feeds: { x: f32([1], [1, 1, 1, 1]) } })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/pooled_shape/),
    });
  });
});
