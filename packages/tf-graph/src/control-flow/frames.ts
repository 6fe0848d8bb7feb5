/**
 * TF1 execution frames. A `tf.while_loop` lives in a frame: `Enter` nodes (attribute
 * `frame_name`) carry values into it, `Exit` nodes out of it, and every node between runs in it.
 * Frames nest (a loop inside a loop body enters a child frame). This assigns every node its
 * frame the way TensorFlow's executor does — by propagation from its inputs, a Merge from its
 * Enter side (its NextIteration side closes the loop's cycle) — so the loop rewrite can lift
 * the innermost frames first.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { TfNodeDef } from '../proto/tf-messages.js';
import { attrString, refNode } from './node-utils.js';

export const ROOT_FRAME = '';

export interface FrameInfo {
  /** node name → frame name ('' for the root) */
  frameOf: Map<string, string>;
  /** frame name → the frame its Enters read from */
  parentOf: Map<string, string>;
}

export const ENTER_OPS = new Set(['Enter', 'RefEnter']);
export const EXIT_OPS = new Set(['Exit', 'RefExit']);
export const NEXT_ITERATION_OPS = new Set(['NextIteration', 'RefNextIteration']);
export const MERGE_OPS = new Set(['Merge', 'RefMerge']);
export const SWITCH_OPS = new Set(['Switch', 'RefSwitch']);

/** The inputs a node's frame follows from. */
function frameDeps(node: TfNodeDef, byName: Map<string, TfNodeDef>): string[] {
  const deps = node.inputs.map(refNode).filter((d) => byName.has(d));
  if (MERGE_OPS.has(node.op)) return deps.filter((d) => !NEXT_ITERATION_OPS.has(byName.get(d)!.op));
  return deps;
}

export function assignFrames(nodes: TfNodeDef[]): FrameInfo {
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const frameOf = new Map<string, string>();
  const parentOf = new Map<string, string>();
  const active = new Set<string>();
  const resolve = (node: TfNodeDef, deps: string[]): string => {
    if (ENTER_OPS.has(node.op)) {
      const frame = attrString(node, 'frame_name');
      if (!frame) {
        throw new KilnError(ErrorCode.INVALID_MODEL, 'an Enter node has no frame_name', {
          node: { name: node.name, op: node.op },
          hint: 'the graph is corrupted; re-export it',
        });
      }
      if (!parentOf.has(frame)) parentOf.set(frame, deps.length ? frameOf.get(deps[0]!)! : ROOT_FRAME);
      return frame;
    }
    if (deps.length === 0) return ROOT_FRAME;
    const inner = frameOf.get(deps[0]!)!;
    return EXIT_OPS.has(node.op) ? (parentOf.get(inner) ?? ROOT_FRAME) : inner;
  };
  for (const start of nodes) {
    if (frameOf.has(start.name)) continue;
    const stack: TfNodeDef[] = [start];
    while (stack.length) {
      const node = stack[stack.length - 1]!;
      if (frameOf.has(node.name)) {
        stack.pop();
        continue;
      }
      active.add(node.name);
      const deps = frameDeps(node, byName);
      const pending = deps.filter((d) => !frameOf.has(d));
      if (pending.length === 0) {
        frameOf.set(node.name, resolve(node, deps));
        active.delete(node.name);
        stack.pop();
        continue;
      }
      for (const d of pending) {
        if (active.has(d)) {
          throw new KilnError(ErrorCode.GRAPH_CYCLE, `node '${d}' depends on itself outside any while-loop frame`, {
            node: { name: node.name, op: node.op },
            hint: 'only tf.while_loop frames (Merge ← NextIteration) may form cycles; the graph is corrupted',
          });
        }
        stack.push(byName.get(d)!);
      }
    }
  }
  return { frameOf, parentOf };
}
