/**
 * A brute-force check of a memory plan, independent of the planner's own bookkeeping: every
 * activation is placed (or is a view of a network input/constant), placements stay inside the
 * arena, views lie inside what they view, and no two tensors whose lifetimes overlap share bytes
 * unless they hold the same data (connected by views) or one was written in place over the
 * other at the one step where the old value dies and the new one is born.
 */
import type { AnyLayer, Network } from '@kiln-inference/core';
import type { MemoryPlan } from '../../src/memory/memory-plan.js';

/** Every name a layer reads, sub-network captures included (over-approximated: all names inside). */
function reads(layer: AnyLayer): string[] {
  const names = [...layer.inputs];
  const walk = (n: Network): void => {
    for (const i of n.inputs) names.push(i.name);
    names.push(...n.outputs);
    for (const l of n.layers) names.push(...reads(l));
  };
  for (const v of Object.values(layer.params as Record<string, unknown>)) if (isNetwork(v)) walk(v);
  return names.filter((v) => v);
}

function isNetwork(v: unknown): v is Network {
  return typeof v === 'object' && v !== null && 'layers' in v && 'tensors' in v && 'inputs' in v;
}

export function memoryPlanProblems(network: Network, plan: MemoryPlan): string[] {
  const problems: string[] = [];
  const steps = network.layers.length;
  const producer = new Map<string, number>();
  network.layers.forEach((l, i) => {
    if (l.kind !== 'constant') for (const o of l.outputs) if (o) producer.set(o, i);
  });
  for (const name of producer.keys()) {
    if (!plan.placements[name] && !plan.externalViews[name]) problems.push(`${name} is neither placed nor an external view`);
  }
  const names = Object.keys(plan.placements);
  let sum = 0;
  for (const name of names) {
    const p = plan.placements[name]!;
    sum += p.bytes;
    if (!producer.has(name)) problems.push(`${name} is placed but no layer of the network produces it`);
    if (p.offset < 0 || p.offset + p.bytes > plan.arenaBytes) problems.push(`${name} runs outside the arena`);
    if (!p.viewOf && !p.inPlaceOf && p.offset % plan.alignment !== 0)
      problems.push(`${name} owns a buffer at unaligned offset ${p.offset}`);
    const of = p.viewOf ?? p.inPlaceOf;
    if (of) {
      const q = plan.placements[of];
      if (!q) problems.push(`${name} aliases ${of}, which is not placed`);
      else if (p.offset < q.offset || p.offset + p.bytes > q.offset + q.bytes) problems.push(`${name} does not lie inside ${of}`);
    }
    if (p.inPlaceOf) {
      const layer = network.layers[producer.get(name)!]!;
      if (!layer.inputs.includes(p.inPlaceOf)) problems.push(`${name} is in place of ${p.inPlaceOf}, which its layer does not read`);
      if (plan.placements[p.inPlaceOf]?.offset !== p.offset) problems.push(`${name} is in place of ${p.inPlaceOf} at another offset`);
    }
  }
  if (sum !== plan.sumBytes) problems.push(`sumBytes ${plan.sumBytes} is not the sum of the placements (${sum})`);
  if (plan.arenaBytes < plan.lowerBoundBytes) problems.push(`arena ${plan.arenaBytes} is below the lower bound ${plan.lowerBoundBytes}`);

  // Same data = connected by views. Group lifetimes: first write to last read of any member.
  const group = new Map<string, string>();
  const find = (n: string): string => {
    let r = n;
    while (group.get(r) !== r) r = group.get(r)!;
    return r;
  };
  for (const n of names) group.set(n, n);
  for (const n of names) {
    const of = plan.placements[n]!.viewOf;
    if (of && group.has(of)) group.set(find(n), find(of));
  }
  const life = new Map<string, [number, number]>();
  const touch = (n: string, step: number): void => {
    if (!group.has(n)) return;
    const g = find(n);
    const l = life.get(g);
    if (l) life.set(g, [Math.min(l[0], step), Math.max(l[1], step)]);
    else life.set(g, [step, step]);
  };
  for (const n of names) touch(n, producer.get(n) ?? 0);
  network.layers.forEach((l, i) => {
    for (const v of reads(l)) touch(v, i);
  });
  for (const o of network.outputs) touch(o, steps);
  // In-place edges between groups, with the step where they hand over.
  const handover = new Map<string, number>();
  for (const n of names) {
    const x = plan.placements[n]!.inPlaceOf;
    if (x && group.has(x)) handover.set(`${find(x)}→${find(n)}`, producer.get(n)!);
  }
  for (let i = 0; i < names.length; i++) {
    const a = names[i]!;
    const pa = plan.placements[a]!;
    if (pa.bytes === 0) continue;
    for (let j = i + 1; j < names.length; j++) {
      const b = names[j]!;
      const pb = plan.placements[b]!;
      if (pb.bytes === 0 || pa.offset >= pb.offset + pb.bytes || pb.offset >= pa.offset + pa.bytes) continue;
      const ga = find(a);
      const gb = find(b);
      if (ga === gb) continue;
      const [sa, ea] = life.get(ga)!;
      const [sb, eb] = life.get(gb)!;
      if (sa > eb || sb > ea) continue;
      const at = handover.get(`${ga}→${gb}`) ?? handover.get(`${gb}→${ga}`);
      const ok = at !== undefined && ((ea === at && sb === at) || (eb === at && sa === at));
      if (!ok) problems.push(`${a} [${sa},${ea}] and ${b} [${sb},${eb}] share bytes while both live`);
    }
  }
  return problems;
}
