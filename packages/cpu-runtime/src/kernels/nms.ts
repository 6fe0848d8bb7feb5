/**
 * nms: ONNX NonMaxSuppression. inputs [boxes [B,N,4], scores [B,C,N], maxOutputBoxesPerClass?,
 * iouThreshold?, scoreThreshold?]; output int64 [K, 3] rows of (batch, class, box). Per batch
 * and class, candidates above the score threshold are taken greedily by descending score (ties
 * by lower box index) and a box is dropped when its IoU with a kept box exceeds the threshold.
 */
import { Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { layerError, requireInput } from './util/data-movement.js';

interface Box {
  y1: number;
  x1: number;
  y2: number;
  x2: number;
  area: number;
}

function toBox(c: Float64Array, o: number, centerPoint: boolean): Box {
  let y1: number, x1: number, y2: number, x2: number;
  if (centerPoint) {
    const [xc, yc, w, h] = [c[o]!, c[o + 1]!, c[o + 2]!, c[o + 3]!];
    x1 = xc - w / 2;
    x2 = xc + w / 2;
    y1 = yc - h / 2;
    y2 = yc + h / 2;
  } else {
    // Corners may come in either order (flipped boxes).
    y1 = Math.min(c[o]!, c[o + 2]!);
    y2 = Math.max(c[o]!, c[o + 2]!);
    x1 = Math.min(c[o + 1]!, c[o + 3]!);
    x2 = Math.max(c[o + 1]!, c[o + 3]!);
  }
  return { y1, x1, y2, x2, area: (y2 - y1) * (x2 - x1) };
}

function iou(a: Box, b: Box): number {
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  if (ih <= 0 || iw <= 0 || a.area <= 0 || b.area <= 0) return 0;
  const inter = ih * iw;
  return inter / (a.area + b.area - inter);
}

function scalarOr(t: Tensor | undefined, fallback: number): number {
  return t && t.size > 0 ? t.getNumber(0) : fallback;
}

export const nmsKernel: Kernel<'nms'> = (layer, inputs) => {
  const boxesT = requireInput(layer, inputs, 0, 'boxes');
  const scoresT = requireInput(layer, inputs, 1, 'scores');
  if (boxesT.rank !== 3 || boxesT.shape[2] !== 4)
    throw layerError(layer, `boxes must be [batch, boxes, 4], got [${boxesT.shape.join(',')}]`);
  const [B, N] = boxesT.shape as [number, number];
  if (scoresT.rank !== 3 || scoresT.shape[0] !== B || scoresT.shape[2] !== N) {
    throw layerError(layer, `scores must be [${B}, classes, ${N}], got [${scoresT.shape.join(',')}]`);
  }
  const C = scoresT.shape[1]!;
  const maxPerClass = Math.max(0, scalarOr(inputs[2], 0));
  const iouThreshold = scalarOr(inputs[3], 0);
  const scoreThreshold = inputs[4] && inputs[4].size > 0 ? inputs[4].getNumber(0) : undefined;
  if (iouThreshold < 0 || iouThreshold > 1) throw layerError(layer, `iou threshold ${iouThreshold} must lie in [0, 1]`);
  const coords = boxesT.toFloat64();
  const scores = scoresT.toFloat64();
  const rows: number[] = [];
  for (let b = 0; b < B; b++) {
    const boxes = Array.from({ length: N }, (_, i) => toBox(coords, (b * N + i) * 4, layer.params.centerPointBox));
    for (let c = 0; c < C; c++) {
      const base = (b * C + c) * N;
      const order = Array.from({ length: N }, (_, i) => i)
        .filter((i) => scoreThreshold === undefined || scores[base + i]! > scoreThreshold)
        .sort((i, j) => scores[base + j]! - scores[base + i]! || i - j);
      const kept: number[] = [];
      for (const i of order) {
        if (kept.length >= maxPerClass) break;
        if (kept.every((k) => iou(boxes[k]!, boxes[i]!) <= iouThreshold)) kept.push(i);
      }
      for (const k of kept) rows.push(b, c, k);
    }
  }
  return [
    new Tensor(
      'int64',
      [rows.length / 3, 3],
      BigInt64Array.from(rows, (v) => BigInt(v)),
    ),
  ];
};
