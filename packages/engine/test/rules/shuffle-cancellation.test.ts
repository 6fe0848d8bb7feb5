import { type Layer, Network, Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { deadLayerElimination } from '../../src/builder/rules/dead-layer-elimination.js';
import { identityRemoval } from '../../src/builder/rules/identity-removal.js';
import { shuffleCancellation } from '../../src/builder/rules/shuffle-cancellation.js';
import { addConstant, expectSameOutputs, float32, kinds, optimize } from './golden.js';

type Shape = (number | string | null)[] | null;
type Params = Layer<'shuffle'>['params'];

/** x → shuffle(s) → relu → y, each shuffle output declared with the given shape. */
function chain(input: Shape, steps: [Params, Shape][], options: { shapeInput?: 'constant' | 'computed' } = {}): Network {
  const net = new Network('shuffles');
  net.addInput(float32('x', input));
  let previous = 'x';
  steps.forEach(([params, shape], i) => {
    const inputs = [previous];
    if (options.shapeInput && i === steps.length - 1 && params.reshape) {
      const dims = Tensor.fromValues('int64', [params.reshape.length], params.reshape.map(BigInt));
      if (options.shapeInput === 'constant') inputs.push(addConstant(net, 'dims', dims));
      else {
        net.addLayer('shape', {
          name: 'shape_of',
          inputs: [previous],
          outputs: [{ name: 'dims', dtype: 'int64', shape: [null] }],
          params: {},
        });
        inputs.push('dims');
      }
      const { reshape: _, ...rest } = params;
      params = rest;
    }
    net.addLayer('shuffle', { name: `s${i}`, inputs, outputs: [float32(`t${i}`, shape)], params });
    previous = `t${i}`;
  });
  net.addLayer('activation', { name: 'relu', inputs: [previous], outputs: [float32('y', steps.at(-1)![1])], params: { type: 'relu' } });
  net.markOutput('y');
  return net;
}

const cleanUp = [shuffleCancellation, identityRemoval, deadLayerElimination];
const shuffles = (net: Network) => net.layers.filter((l) => l.kind === 'shuffle') as Layer<'shuffle'>[];

describe('shuffle-cancellation', () => {
  it('removes a transpose followed by its inverse', async () => {
    const before = chain(
      [1, 2, 3, 4],
      [
        [{ firstTranspose: [0, 2, 3, 1] }, [1, 3, 4, 2]],
        [{ firstTranspose: [0, 3, 1, 2] }, [1, 2, 3, 4]],
      ],
    );
    const after = await optimize(before, cleanUp);
    expect(kinds(after)).toEqual(['activation']);
    expect(after.layers[0]!.inputs).toEqual(['x']);
    expectSameOutputs(before, after, { x: randomTensor('float32', [1, 2, 3, 4], 1) });
  });

  it('removes inverse transposes without knowing the shape', async () => {
    const before = chain(null, [
      [{ secondTranspose: [1, 2, 0] }, null],
      [{ firstTranspose: [2, 0, 1] }, null],
    ]);
    expect(kinds(await optimize(before, cleanUp))).toEqual(['activation']);
  });

  it('multiplies transposes that do not cancel', async () => {
    const before = chain(
      [2, 3, 4],
      [
        [{ firstTranspose: [1, 0, 2] }, [3, 2, 4]],
        [{ firstTranspose: [0, 2, 1] }, [3, 4, 2]],
      ],
    );
    const after = await optimize(before, cleanUp);
    expect(shuffles(after).map((s) => s.params)).toEqual([{ firstTranspose: [1, 2, 0] }]);
    expectSameOutputs(before, after, { x: randomTensor('float32', [2, 3, 4], 2) });
  });

  it('collapses a reshape chain, including copied (0) dims and a constant shape input', async () => {
    const before = chain(
      [2, 3, 4],
      [
        [{ reshape: [0, 12] }, [2, 12]],
        [{ reshape: [0, 3, 4] }, [2, 3, 4]],
        [{ reshape: [-1] }, [24]],
      ],
      { shapeInput: 'constant' },
    );
    const after = await optimize(before, cleanUp);
    expect(shuffles(after).map((s) => [s.inputs, s.params])).toEqual([[['x'], { reshape: [-1] }]]);
    expectSameOutputs(before, after, { x: randomTensor('float32', [2, 3, 4], 3) });
  });

  it('folds a transpose into the reshape that follows it', async () => {
    const before = chain(
      [2, 3, 4],
      [
        [{ firstTranspose: [0, 2, 1] }, [2, 4, 3]],
        [{ reshape: [8, 3] }, [8, 3]],
      ],
    );
    const after = await optimize(before, cleanUp);
    expect(shuffles(after).map((s) => s.params)).toEqual([{ firstTranspose: [0, 2, 1], reshape: [8, 3] }]);
    expectSameOutputs(before, after, { x: randomTensor('float32', [2, 3, 4], 4) });
  });

  it('turns a reshape back to the input shape, and a transpose that moves only unit axes, into nothing', async () => {
    const sameShape = chain([2, 12], [[{ reshape: [2, -1] }, [2, 12]]]);
    const unitMove = chain([1, 4, 1], [[{ firstTranspose: [2, 1, 0] }, [1, 4, 1]]]);
    for (const before of [sameShape, unitMove]) {
      const after = await optimize(before, cleanUp);
      expect(kinds(after)).toEqual(['activation']);
      expectSameOutputs(before, after, { x: randomTensor('float32', before.inputs[0]!.shape as number[], 5) });
    }
  });

  it('keeps shuffles that change the data or whose effect is not known at build time', async () => {
    // A square transpose keeps the shape but moves elements.
    const square = chain([3, 3], [[{ firstTranspose: [1, 0] }, [3, 3]]]);
    expect(kinds(await optimize(square, cleanUp))).toContain('shuffle');
    // Reshape dims computed at run time.
    const dynamic = chain(
      [2, 6],
      [
        [{ reshape: [12] }, [12]],
        [{ reshape: [12] }, [12]],
      ],
      { shapeInput: 'computed' },
    );
    expect(shuffles(await optimize(dynamic, cleanUp))).toHaveLength(2);
    // Copy (0) dims of an intermediate shape nobody knows.
    const unknown = chain(
      [null, 6],
      [
        [{ reshape: [-1, 3] }, null],
        [{ reshape: [0, 3] }, null],
      ],
    );
    expect(shuffles(await optimize(unknown, cleanUp))).toHaveLength(2);
    // The transpose joins the shuffle before it; the reshape after that cannot (a transpose sits between the reshapes).
    const sandwiched = chain(
      [2, 3, 4],
      [
        [{ firstTranspose: [1, 0, 2], reshape: [3, 8] }, [3, 8]],
        [{ firstTranspose: [1, 0] }, [8, 3]],
        [{ reshape: [4, 6] }, [4, 6]],
      ],
    );
    const after = await optimize(sandwiched, cleanUp);
    expect(shuffles(after).map((s) => s.params)).toEqual([
      { firstTranspose: [1, 0, 2], reshape: [3, 8], secondTranspose: [1, 0] },
      { reshape: [4, 6] },
    ]);
    expectSameOutputs(sandwiched, after, { x: randomTensor('float32', [2, 3, 4], 7) });
  });
});
