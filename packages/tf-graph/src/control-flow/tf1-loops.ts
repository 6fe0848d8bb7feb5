/**
 * TF1 `tf.while_loop` frames → functional `While` nodes. A frame is a cycle in the GraphDef
 * (Enter → Merge → Switch → body → NextIteration → Merge, LoopCond deciding, Exit leaving), and
 * a kiln Graph must be acyclic, so the rewrite runs on the NodeDefs before any Graph exists:
 * each frame, innermost first, becomes one `While` node whose `cond` and `body` are functions
 * added to the library — exactly the form TF2 writes, so one path (function-backed While →
 * Loop layer) serves both. Loop-invariant values (constant Enters, and values a frame reads
 * from outside without an Enter) become extra loop-carried values the body passes through.
 */

import type { TfFunctionDef, TfLibrary } from '../functions/function-def.js';
import type { TfNodeDef } from '../proto/tf-messages.js';
import { assignFrames, ENTER_OPS, EXIT_OPS, MERGE_OPS, NEXT_ITERATION_OPS, SWITCH_OPS } from './frames.js';
import {
  attrBool,
  attrString,
  canonical,
  controlFlowError,
  dataInputs,
  freshName,
  funcAttr,
  outputTypeCode,
  refNode,
  refPort,
  requiredInput,
  typeAttr,
  typeListAttr,
} from './node-utils.js';

interface Carried {
  enter: TfNodeDef;
  type: number;
  merge: TfNodeDef;
  next: TfNodeDef;
  switchNode: TfNodeDef;
  exit?: TfNodeDef;
}

/** The frame that no other frame is nested in, or undefined when the graph has none. */
function innermostFrame(parentOf: Map<string, string>): string | undefined {
  const parents = new Set(parentOf.values());
  return [...parentOf.keys()].find((f) => !parents.has(f));
}

/** Copies the nodes a set of results needs, stopping at bound values (frame inputs). */
function extractFunction(
  what: string,
  name: string,
  results: string[],
  bindings: Map<string, string>,
  members: Map<string, TfNodeDef>,
  argTypes: number[],
  argNames: string[],
  loopNodes: Set<string>,
): TfFunctionDef {
  const keep = new Set<string>();
  const stack = results.filter((r) => !bindings.has(canonical(r))).map(refNode);
  while (stack.length) {
    const n = stack.pop()!;
    if (keep.has(n)) continue;
    const node = members.get(n);
    // A name outside the frame and unbound names no node at all: the graph builder reports it.
    if (!node) continue;
    // A cond's Switch/Merge inside the body is fine (rewritten when the body is built).
    if (ENTER_OPS.has(node.op) || loopNodes.has(n) || NEXT_ITERATION_OPS.has(node.op) || node.op === 'LoopCond') {
      throw controlFlowError(what, node, `the loop reads ${node.op} output '${n}' in a way tf.while_loop never writes`);
    }
    if (loopNodes.has(n) && SWITCH_OPS.has(node.op))
      throw controlFlowError(what, node, `reads the loop Switch '${n}' where only its body output may be read`);
    keep.add(n);
    for (const i of dataInputs(node)) if (!bindings.has(canonical(i))) stack.push(refNode(i));
  }
  const nodes: TfNodeDef[] = [];
  for (const node of members.values()) {
    if (!keep.has(node.name)) continue;
    const inputs = node.inputs
      .map((i) => (i.startsWith('^') ? (keep.has(refNode(i)) ? i : undefined) : (bindings.get(canonical(i)) ?? i)))
      .filter((i): i is string => i !== undefined);
    nodes.push({ ...node, inputs });
  }
  return {
    name,
    inputs: argNames.map((n, i) => ({ name: n, type: argTypes[i]!, typeAttr: '' })),
    outputs: results.map((_, i) => ({ name: `output_${i}`, type: 0, typeAttr: '' })),
    nodes,
    rets: results.map((r) => bindings.get(canonical(r)) ?? canonical(r)),
  };
}

function rewriteFrame(frame: string, nodes: TfNodeDef[], frameOf: Map<string, string>, library: TfLibrary): TfNodeDef[] {
  const what = `while-loop frame '${frame}'`;
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const members = new Map(nodes.filter((n) => frameOf.get(n.name) === frame && !ENTER_OPS.has(n.op)).map((n) => [n.name, n] as const));
  const enters = nodes.filter((n) => ENTER_OPS.has(n.op) && attrString(n, 'frame_name') === frame);
  const exits = nodes.filter((n) => EXIT_OPS.has(n.op) && members.has(refNode(n.inputs[0] ?? '')));
  const loopConds = [...members.values()].filter((n) => n.op === 'LoopCond');
  if (loopConds.length !== 1) throw controlFlowError(what, enters[0]!, `the frame has ${loopConds.length} LoopCond nodes, expected 1`);
  const loopCond = loopConds[0]!;
  const consumers = (name: string, port: number): TfNodeDef[] =>
    [...members.values()].filter((n) => dataInputs(n).some((i) => refNode(i) === name && refPort(i) === port));

  const carried: Carried[] = [];
  const invariants: { outer: string; type: number; refs: string[] }[] = [];
  for (const enter of enters) {
    // Enter's T, or (graphs written without it) the dtype of the value entering.
    const entering = byName.get(refNode(requiredInput(what, enter)));
    const type = outputTypeCode(enter) ?? (entering ? outputTypeCode(entering) : undefined);
    if (type === undefined) throw controlFlowError(what, enter, 'the dtype of the value entering the frame is unknown (no attribute T)');
    if (attrBool(enter, 'is_constant')) {
      invariants.push({ outer: canonical(requiredInput(what, enter)), type, refs: [enter.name] });
      continue;
    }
    const merge = consumers(enter.name, 0).find((n) => MERGE_OPS.has(n.op));
    if (!merge) throw controlFlowError(what, enter, 'a loop variable enters the frame without a Merge');
    const nextName = dataInputs(merge)
      .map(refNode)
      .find((i) => NEXT_ITERATION_OPS.has(byName.get(i)?.op ?? ''));
    const switchNode = consumers(merge.name, 0).find((n) => SWITCH_OPS.has(n.op) && refNode(dataInputs(n)[1] ?? '') === loopCond.name);
    if (!nextName || !switchNode)
      throw controlFlowError(what, merge, 'the Merge is not fed by a NextIteration or not read by the loop Switch');
    const exit = exits.find((x) => refNode(x.inputs[0]!) === switchNode.name);
    carried.push({ enter, type, merge, next: byName.get(nextName)!, switchNode, ...(exit ? { exit } : {}) });
  }
  // Values read from outside the frame without an Enter (grappler may strip constant Enters).
  const seenOuter = new Map(invariants.map((v) => [v.outer, v] as const));
  for (const node of members.values()) {
    for (const input of dataInputs(node)) {
      const src = refNode(input);
      if (members.has(src) || ENTER_OPS.has(byName.get(src)?.op ?? '')) continue;
      const producer = byName.get(src);
      const type = producer ? outputTypeCode(producer) : undefined;
      if (type === undefined) throw controlFlowError(what, node, `reads '${input}' from outside the frame, and its dtype is unknown`);
      const outer = canonical(input);
      const known = seenOuter.get(outer);
      if (known) continue;
      const v = { outer, type, refs: [outer] };
      invariants.push(v);
      seenOuter.set(outer, v);
    }
  }

  const taken = new Set(nodes.map((n) => n.name));
  const whileName = freshName(`${frame.replace(/\/+$/, '') || 'while'}/kiln_while`, taken);
  const types = [...carried.map((c) => c.type), ...invariants.map((v) => v.type)];
  const argNames = (part: string) => types.map((_, i) => freshName(`${whileName}/${part}/arg${i}`, taken));
  const condArgs = argNames('cond');
  const bodyArgs = argNames('body');
  const condBindings = new Map<string, string>();
  const bodyBindings = new Map<string, string>();
  carried.forEach((c, i) => {
    condBindings.set(c.merge.name, condArgs[i]!);
    bodyBindings.set(`${c.switchNode.name}:1`, bodyArgs[i]!);
    bodyBindings.set(c.merge.name, bodyArgs[i]!);
  });
  invariants.forEach((v, j) => {
    for (const ref of v.refs) {
      condBindings.set(ref, condArgs[carried.length + j]!);
      bodyBindings.set(ref, bodyArgs[carried.length + j]!);
    }
  });
  const condName = freshName(`${whileName}_cond`, new Set(library.keys()));
  const bodyName = freshName(`${whileName}_body`, new Set(library.keys()));
  const condResult = requiredInput(what, loopCond);
  const bodyResults = [...carried.map((c) => requiredInput(what, c.next)), ...invariants.map((v) => v.refs[0]!)];
  const loopSwitches = new Set(carried.flatMap((c) => [c.switchNode.name, c.merge.name]));
  library.set(condName, extractFunction(what, condName, [condResult], condBindings, members, types, condArgs, loopSwitches));
  library.set(bodyName, extractFunction(what, bodyName, bodyResults, bodyBindings, members, types, bodyArgs, loopSwitches));

  const whileNode: TfNodeDef = {
    name: whileName,
    op: 'While',
    inputs: [...carried.map((c) => canonical(requiredInput(what, c.enter))), ...invariants.map((v) => v.outer)],
    device: '',
    attr: new Map([
      ['T', typeListAttr(types)],
      ['cond', funcAttr(condName)],
      ['body', funcAttr(bodyName)],
      ['_frame_name', { kind: 's', value: new TextEncoder().encode(frame) }],
    ]),
  };
  const exitIndex = new Map(carried.flatMap((c, i) => (c.exit ? [[c.exit.name, i] as const] : [])));
  const removed = new Set([...members.keys(), ...enters.map((e) => e.name)]);
  const out: TfNodeDef[] = [];
  for (const n of nodes) {
    if (removed.has(n.name)) continue;
    const k = exitIndex.get(n.name);
    if (k !== undefined) {
      out.push({
        name: n.name,
        op: 'Identity',
        inputs: [k === 0 ? whileName : `${whileName}:${k}`],
        device: n.device,
        // Its own attributes (_output_shapes) still describe the value it now passes on.
        attr: new Map(n.attr).set('T', typeAttr(types[k]!)),
      });
    } else if (EXIT_OPS.has(n.op) && members.has(refNode(n.inputs[0] ?? ''))) {
      throw controlFlowError(what, n, 'the Exit does not leave through a loop Switch');
    } else out.push(n);
  }
  return [...out, whileNode];
}

/** Rewrites every while-loop frame; `library` receives the cond/body functions. */
export function rewriteTf1Loops(nodes: TfNodeDef[], library: TfLibrary): TfNodeDef[] {
  let current = nodes;
  if (!current.some((n) => ENTER_OPS.has(n.op))) return current;
  for (;;) {
    const { frameOf, parentOf } = assignFrames(current);
    const frame = innermostFrame(parentOf);
    if (frame === undefined) return current;
    current = rewriteFrame(frame, current, frameOf, library);
  }
}
