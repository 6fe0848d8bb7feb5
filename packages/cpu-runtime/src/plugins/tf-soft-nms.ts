/**
 * kiln::SoftNms v1 — TF NonMaxSuppressionV5 with soft_nms_sigma > 0 (Bodla et al.'s
 * Soft-NMS, Gaussian penalty, as TF computes it). inputs [boxes [N, 4] (y1, x1, y2, x2),
 * scores [N], maxOutputSize, iouThreshold, scoreThreshold, sigma]. The best candidate's
 * score is decayed by exp(−iou² / (2σ)) against every box selected since it was last
 * checked; it is kept when unchanged, requeued when still above the threshold, dropped
 * otherwise. Unlike TF.js, TF applies no iou_threshold cut in soft mode, and neither does this. Outputs [indices int32, scores float32, validCount int32]; field padToMax pads
 * both lists with zeros to maxOutputSize.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { boolField, pluginError, pluginInput } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

interface Candidate {
  box: number;
  score: number;
  checkedUpTo: number;
}

function iou(b: Float64Array, i: number, j: number): number {
  const [ay1, ay2] = [Math.min(b[i * 4]!, b[i * 4 + 2]!), Math.max(b[i * 4]!, b[i * 4 + 2]!)];
  const [ax1, ax2] = [Math.min(b[i * 4 + 1]!, b[i * 4 + 3]!), Math.max(b[i * 4 + 1]!, b[i * 4 + 3]!)];
  const [by1, by2] = [Math.min(b[j * 4]!, b[j * 4 + 2]!), Math.max(b[j * 4]!, b[j * 4 + 2]!)];
  const [bx1, bx2] = [Math.min(b[j * 4 + 1]!, b[j * 4 + 3]!), Math.max(b[j * 4 + 1]!, b[j * 4 + 3]!)];
  const areaA = (ay2 - ay1) * (ax2 - ax1);
  const areaB = (by2 - by1) * (bx2 - bx1);
  if (areaA <= 0 || areaB <= 0) return 0;
  const inter = Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0) * Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0);
  return inter / (areaA + areaB - inter);
}

/** Queue order: higher score first, the lower box index on ties. */
const before = (a: Candidate, b: Candidate): boolean => a.score > b.score || (a.score === b.score && a.box < b.box);

export const softNmsPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const boxes = pluginInput(layer, inputs, 0, 'boxes');
  const scores = pluginInput(layer, inputs, 1, 'scores');
  const scalar = (i: number, what: string): number => pluginInput(layer, inputs, i, what).getNumber(0);
  const maxOut = scalar(2, 'max_output_size');
  const iouThreshold = scalar(3, 'iou_threshold');
  const scoreThreshold = scalar(4, 'score_threshold');
  const sigma = scalar(5, 'soft_nms_sigma');
  const n = scores.size;
  if (boxes.rank !== 2 || boxes.shape[1] !== 4 || boxes.shape[0] !== n) {
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `boxes [${boxes.shape.join(',')}] must be [N, 4] for ${n} scores`);
  }
  if (iouThreshold < 0 || iouThreshold > 1) {
    throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `iou_threshold must be in [0, 1], got ${iouThreshold}`);
  }
  if (!Number.isInteger(maxOut) || maxOut < 0) {
    throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `max_output_size must be a non-negative integer, got ${maxOut}`);
  }
  const b = numbers(boxes);
  const s = numbers(scores);
  const scale = sigma > 0 ? -0.5 / sigma : 0;
  const queue: Candidate[] = [];
  for (let i = 0; i < n; i++) if (s[i]! > scoreThreshold) queue.push({ box: i, score: Math.fround(s[i]!), checkedUpTo: 0 });
  const selected: number[] = [];
  const selectedScores: number[] = [];
  while (selected.length < maxOut && queue.length > 0) {
    let best = 0;
    for (let q = 1; q < queue.length; q++) if (before(queue[q]!, queue[best]!)) best = q;
    const next = queue.splice(best, 1)[0]!;
    const original = next.score;
    let hardSuppressed = false;
    for (let j = selected.length - 1; j >= next.checkedUpTo; j--) {
      const overlap = iou(b, next.box, selected[j]!);
      if (sigma <= 0 && overlap > iouThreshold) {
        hardSuppressed = true;
        break;
      }
      // Scores stay float32, as in TF, so 'unchanged' compares the same way.
      next.score = Math.fround(next.score * (sigma > 0 ? Math.exp(scale * overlap * overlap) : 1));
      if (next.score <= scoreThreshold) break;
    }
    next.checkedUpTo = selected.length;
    if (hardSuppressed) continue;
    if (next.score === original) {
      selected.push(next.box);
      selectedScores.push(next.score);
    } else if (next.score > scoreThreshold) {
      queue.push(next);
    }
  }
  const valid = selected.length;
  const size = boolField(layer, 'padToMax', false) ? Math.max(maxOut, valid) : valid;
  checkPluginOutput(layer, 'int32', [size], 'selected indices');
  const pad = (v: number[]): number[] => [...v, ...new Array<number>(size - v.length).fill(0)];
  return [
    fromNumbers('int32', [size], pad(selected)),
    fromNumbers('float32', [size], pad(selectedScores)),
    fromNumbers('int32', [], [valid]),
  ];
};
