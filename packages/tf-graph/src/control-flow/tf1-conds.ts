/**
 * TF1 `tf.cond` → functional `If` nodes. A TF1 cond is a set of Switch nodes (each routes one
 * outside value to the false/true side, all keyed by one predicate) and Merge nodes (each takes
 * the value of whichever side ran). Runs after the loop rewrite (a cond inside a loop body is
 * rewritten when that body is built), taking Merges in topological order so an inner cond
 * becomes an If before its outer cond's branches are collected. Merges that share a predicate
 * become one If with several outputs; each branch is a function of the values it reads from
 * outside, added to the library.
 */
import type { TfFunctionDef, TfLibrary } from '../functions/function-def.js';
import type { TfNodeDef } from '../proto/tf-messages.js';
import { MERGE_OPS, SWITCH_OPS } from './frames.js';
import {
  canonical,
  controlFlowError,
  dataInputs,
  freshName,
  funcAttr,
  outputTypeCode,
  refNode,
  refPort,
  typeAttr,
  typeListAttr,
} from './node-utils.js';

function topologicalOrder(nodes: TfNodeDef[]): TfNodeDef[] {
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const done = new Set<string>();
  const order: TfNodeDef[] = [];
  for (const start of nodes) {
    const stack: [TfNodeDef, number][] = [[start, 0]];
    const onStack = new Set([start.name]);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (done.has(node.name)) {
        stack.pop();
        continue;
      }
      if (i < node.inputs.length) {
        top[1]++;
        const dep = byName.get(refNode(node.inputs[i]!));
        if (dep && !done.has(dep.name) && !onStack.has(dep.name)) {
          onStack.add(dep.name);
          stack.push([dep, 0]);
        }
        continue;
      }
      done.add(node.name);
      order.push(node);
      onStack.delete(node.name);
      stack.pop();
    }
  }
  return order;
}

/** TF1 conds switch on Identity(pred) for data and on pred itself for the pivots: one key for both. */
function predicateKey(ref: string, byName: Map<string, TfNodeDef>): string {
  let key = canonical(ref);
  for (let hops = 0; hops < 64; hops++) {
    const node = byName.get(refNode(key));
    if (node?.op !== 'Identity' || refPort(key) !== 0) break;
    key = canonical(dataInputs(node)[0] ?? key);
  }
  return key;
}

interface CondShape {
  pred: string;
  /** merge input index of the true side */
  thenInput: number;
}

/** Finds the predicate guarding a Merge and which of its inputs is the true side. */
function analyzeMerge(merge: TfNodeDef, byName: Map<string, TfNodeDef>): CondShape | 'nested' {
  const what = `cond merged by '${merge.name}'`;
  const inputs = dataInputs(merge);
  if (inputs.length !== 2) throw controlFlowError(what, merge, `the Merge has ${inputs.length} inputs; kiln rewrites two-way conds`);
  const sides = inputs.map((start) => {
    const ports = new Map<string, Set<number>>();
    const seen = new Set<string>();
    const stack = [start];
    let nested = false;
    while (stack.length) {
      const ref = stack.pop()!;
      const node = byName.get(refNode(ref));
      if (!node) continue;
      if (SWITCH_OPS.has(node.op)) {
        const pred = predicateKey(dataInputs(node)[1] ?? '', byName);
        if (!ports.has(pred)) ports.set(pred, new Set());
        if (!ref.startsWith('^')) ports.get(pred)!.add(refPort(ref));
        continue;
      }
      if (seen.has(node.name)) continue;
      seen.add(node.name);
      if (MERGE_OPS.has(node.op) && node !== merge) nested = true;
      stack.push(...node.inputs);
    }
    return { ports, nested };
  });
  if (sides.some((s) => s.nested)) return 'nested';
  const preds = new Set([...sides[0]!.ports.keys(), ...sides[1]!.ports.keys()]);
  if (preds.size !== 1) {
    throw controlFlowError(
      what,
      merge,
      preds.size === 0 ? 'no Switch guards this Merge' : `its sides are guarded by ${preds.size} different predicates`,
    );
  }
  const pred = [...preds][0]!;
  const side0 = sides[0]!.ports.get(pred);
  const side1 = sides[1]!.ports.get(pred);
  // tf.cond merges [false side, true side]; trust the Switch ports when they say otherwise.
  const thenInput = side0?.has(1) && !side0.has(0) && !(side1?.has(1) ?? false) ? 0 : 1;
  return { pred, thenInput };
}

function rewriteGroup(group: TfNodeDef[], shapes: CondShape[], nodes: TfNodeDef[], library: TfLibrary): TfNodeDef[] {
  const what = `cond merged by '${group[0]!.name}'`;
  const pred = shapes[0]!.pred;
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const isGuard = (n: TfNodeDef): boolean => SWITCH_OPS.has(n.op) && predicateKey(dataInputs(n)[1] ?? '', byName) === pred;
  // A node belongs to a branch when it depends (data or control) on one of the cond's Switches.
  const guarded = new Map<string, boolean>();
  const groupNames = new Set(group.map((m) => m.name));
  const dependsOnGuard = (start: TfNodeDef): boolean => {
    const stack: TfNodeDef[] = [start];
    while (stack.length) {
      const n = stack[stack.length - 1]!;
      if (guarded.has(n.name)) {
        stack.pop();
        continue;
      }
      if (isGuard(n) || groupNames.has(n.name)) {
        // The cond's Merges end it: what reads them is outside.
        guarded.set(n.name, !groupNames.has(n.name));
        stack.pop();
        continue;
      }
      const deps = n.inputs.map((i) => byName.get(refNode(i))).filter((d): d is TfNodeDef => d !== undefined);
      const pending = deps.filter((d) => !guarded.has(d.name));
      if (pending.length) {
        stack.push(...pending);
        continue;
      }
      guarded.set(
        n.name,
        deps.some((d) => guarded.get(d.name)),
      );
      stack.pop();
    }
    return guarded.get(start.name)!;
  };

  const args: string[] = [];
  const argTypes: number[] = [];
  const argOf = (outer: string, reader: TfNodeDef): string => {
    let k = args.indexOf(outer);
    if (k < 0) {
      const producer = byName.get(refNode(outer));
      const type = producer ? outputTypeCode(producer) : undefined;
      if (type === undefined) throw controlFlowError(what, reader, `reads '${outer}', whose dtype is unknown`);
      k = args.push(outer) - 1;
      argTypes.push(type);
    }
    return `arg${k}`;
  };

  const branch = (port: 0 | 1, results: string[]): { nodes: TfNodeDef[]; rets: string[] } => {
    const keep = new Set<string>();
    const stack = [...results];
    while (stack.length) {
      const ref = stack.pop()!;
      const node = byName.get(refNode(ref));
      if (!node || keep.has(node.name) || isGuard(node) || !dependsOnGuard(node)) continue;
      keep.add(node.name);
      stack.push(...dataInputs(node));
    }
    const mapRef = (ref: string, reader: TfNodeDef): string => {
      const node = byName.get(refNode(ref))!;
      if (node && isGuard(node)) {
        if (refPort(ref) !== port)
          throw controlFlowError(what, reader, `the ${port ? 'true' : 'false'} side reads the other side's Switch output '${ref}'`);
        return argOf(canonical(dataInputs(node)[0]!), reader);
      }
      return keep.has(refNode(ref)) ? ref : argOf(canonical(ref), reader);
    };
    const out: TfNodeDef[] = [];
    for (const n of nodes) {
      if (!keep.has(n.name)) continue;
      const inputs = n.inputs
        .map((i) => (i.startsWith('^') ? (keep.has(refNode(i)) ? i : undefined) : mapRef(i, n)))
        .filter((i): i is string => i !== undefined);
      out.push({ ...n, inputs });
    }
    return { nodes: out, rets: results.map((r, i) => mapRef(r, group[i]!)) };
  };

  const thenSide = branch(
    1,
    group.map((m, i) => dataInputs(m)[shapes[i]!.thenInput]!),
  );
  const elseSide = branch(
    0,
    group.map((m, i) => dataInputs(m)[1 - shapes[i]!.thenInput]!),
  );
  const outTypes = group.map((m) => {
    const t = outputTypeCode(m);
    if (t === undefined) throw controlFlowError(what, m, 'the Merge has no dtype attribute T');
    return t;
  });
  const taken = new Set(nodes.map((n) => n.name));
  const ifName = freshName(`${group[0]!.name}/kiln_if`, taken);
  const fnNames = new Set(library.keys());
  const makeFn = (part: string, side: { nodes: TfNodeDef[]; rets: string[] }): string => {
    const name = freshName(`${ifName}_${part}`, fnNames);
    const fn: TfFunctionDef = {
      name,
      inputs: args.map((_, k) => ({ name: `arg${k}`, type: argTypes[k]!, typeAttr: '' })),
      outputs: side.rets.map((_, k) => ({ name: `output_${k}`, type: outTypes[k]!, typeAttr: '' })),
      nodes: side.nodes,
      rets: side.rets,
    };
    // Branch nodes keep their graph-wide names; argument names must not shadow one.
    for (const n of side.nodes)
      if (/^arg\d+$/.test(n.name)) throw controlFlowError(what, n, 'a branch node is named like a function argument');
    library.set(name, fn);
    return name;
  };
  // Read the predicate as the data Switches do (TF1 wraps it in an Identity, pred_id).
  const dataGuard = nodes.find((n) => isGuard(n) && predicateKey(dataInputs(n)[0]!, byName) !== pred);
  const predInput = dataGuard ? canonical(dataInputs(dataGuard)[1]!) : pred;
  const ifNode: TfNodeDef = {
    name: ifName,
    op: 'If',
    inputs: [predInput, ...args],
    device: '',
    attr: new Map([
      ['Tin', typeListAttr(argTypes)],
      ['Tout', typeListAttr(outTypes)],
      ['then_branch', funcAttr(makeFn('then', thenSide))],
      ['else_branch', funcAttr(makeFn('else', elseSide))],
      ['_frame_name', { kind: 's', value: new TextEncoder().encode(`cond '${group[0]!.name}'`) }],
    ]),
  };
  const index = new Map(group.map((m, k) => [m.name, k] as const));
  const guardedNodes = new Set(nodes.filter((n) => dependsOnGuard(n)).map((n) => n.name));
  const dead = branchLeftovers(nodes, guardedNodes, index);
  const out: TfNodeDef[] = [];
  for (const n of nodes) {
    if (dead.has(n.name)) continue;
    for (const i of dataInputs(n)) {
      if (index.has(refNode(i)) && refPort(i) !== 0) {
        throw controlFlowError(what, byName.get(refNode(i))!, `'${n.name}' reads the Merge's value_index, which kiln does not compute`);
      }
    }
    const k = index.get(n.name);
    if (k === undefined) out.push(n);
    else
      out.push({
        name: n.name,
        op: 'Identity',
        inputs: [k === 0 ? ifName : `${ifName}:${k}`],
        device: n.device,
        // Its own attributes (_output_shapes) still describe the value it now passes on.
        attr: new Map(n.attr).set('T', typeAttr(outTypes[k]!)),
      });
  }
  out.push(ifNode);
  return out;
}

/**
 * The nodes the If replaces (every node downstream of the cond's Switches up to its Merges,
 * pivots included), less any that a node outside the cond still reads (left for pruning to
 * decide), so no dead branch end is mistaken for a graph output.
 */
function branchLeftovers(nodes: TfNodeDef[], guarded: Set<string>, merges: Map<string, number>): Set<string> {
  const dead = new Set([...guarded].filter((n) => !merges.has(n)));
  const byName = new Map(nodes.map((n) => [n.name, n] as const));
  const stack = nodes.filter((n) => !dead.has(n.name) && !merges.has(n.name));
  while (stack.length) {
    for (const i of dataInputs(stack.pop()!)) {
      const src = refNode(i);
      if (dead.delete(src)) stack.push(byName.get(src)!);
    }
  }
  return dead;
}

/** Rewrites every two-way TF1 cond (Switch/Merge) of an acyclic node list into If nodes. */
export function rewriteTf1Conds(nodes: TfNodeDef[], library: TfLibrary): TfNodeDef[] {
  let current = nodes;
  for (;;) {
    const byName = new Map(current.map((n) => [n.name, n] as const));
    const merges = topologicalOrder(current).filter((n) => MERGE_OPS.has(n.op));
    if (merges.length === 0) return current;
    const first = analyzeMerge(merges[0]!, byName);
    if (first === 'nested')
      throw controlFlowError(`cond merged by '${merges[0]!.name}'`, merges[0]!, 'the cond nests in a way kiln cannot order');
    const group = [merges[0]!];
    const shapes = [first];
    for (const m of merges.slice(1)) {
      const shape = analyzeMerge(m, byName);
      if (shape !== 'nested' && shape.pred === first.pred) {
        group.push(m);
        shapes.push(shape);
      }
    }
    current = rewriteGroup(group, shapes, current, library);
  }
}
