/**
 * kiln::Col2Im v1 — ONNX Col2Im. inputs [columns [N, C·∏block, L], imageShape, blockShape];
 * fields dilations, padsBegin, padsEnd, strides. Sums every column entry back into the padded image
 * position it was taken from (the adjoint of im2col); positions in the padding are dropped.
 */
import { ErrorCode, stridesOf } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { numbersField, pluginError, pluginInput } from './plugin-fields.js';

export const col2imPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const cols = pluginInput(layer, inputs, 0, 'input');
  const image = ints(pluginInput(layer, inputs, 1, 'image_shape'));
  const block = ints(pluginInput(layer, inputs, 2, 'block_shape'));
  const rank = image.length;
  const ones = new Array<number>(rank).fill(1);
  const zeros = new Array<number>(rank).fill(0);
  const dil = numbersField(layer, 'dilations', ones);
  const strides = numbersField(layer, 'strides', ones);
  const pb = numbersField(layer, 'padsBegin', zeros);
  const pe = numbersField(layer, 'padsEnd', zeros);
  const blockSize = block.reduce((a, b) => a * b, 1);
  if (cols.rank !== 3 || block.length !== rank || blockSize < 1 || cols.shape[1]! % blockSize !== 0) {
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `input [${cols.shape.join(',')}] does not fit block [${block.join(',')}]`);
  }
  const blocksPerDim = image.map((d, i) => Math.floor((d + pb[i]! + pe[i]! - (dil[i]! * (block[i]! - 1) + 1)) / strides[i]!) + 1);
  const positions = blocksPerDim.reduce((a, b) => a * b, 1);
  if (cols.shape[2] !== positions)
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `input has ${cols.shape[2]} blocks, the geometry gives ${positions}`);
  const [batch, rows] = [cols.shape[0]!, cols.shape[1]!];
  const channels = rows / blockSize;
  const plane = image.reduce((a, b) => a * b, 1);
  const imageStrides = stridesOf(image);
  const out = new Float64Array(batch * channels * plane);
  const xs = numbers(cols);
  const kPos = new Array<number>(rank);
  const bPos = new Array<number>(rank);
  for (let n = 0; n < batch; n++) {
    for (let row = 0; row < rows; row++) {
      const c = Math.floor(row / blockSize);
      let r = row % blockSize;
      for (let d = rank - 1; d >= 0; d--) {
        kPos[d] = r % block[d]!;
        r = Math.floor(r / block[d]!);
      }
      for (let l = 0; l < positions; l++) {
        let rem = l;
        for (let d = rank - 1; d >= 0; d--) {
          bPos[d] = rem % blocksPerDim[d]!;
          rem = Math.floor(rem / blocksPerDim[d]!);
        }
        let offset = 0;
        let inside = true;
        for (let d = 0; d < rank && inside; d++) {
          const p = bPos[d]! * strides[d]! - pb[d]! + kPos[d]! * dil[d]!;
          if (p < 0 || p >= image[d]!) inside = false;
          offset += p * imageStrides[d]!;
        }
        if (inside) out[(n * channels + c) * plane + offset]! += xs[(n * rows + row) * positions + l]!;
      }
    }
  }
  return [fromNumbers(cols.dtype, [batch, channels, ...image], out)];
};
