/**
 * The memory planner: every activation of a network gets bytes in one arena.
 *
 *   1. size the arena tensors (activations.ts) and find the ones that share bytes (arena-views.ts);
 *   2. group tensors into buffers (a root tensor and everything aliasing it); a buffer is live
 *      from the first step one of its tensors is written to the last step one is read (network
 *      outputs: past the last layer); sub-network layers read what their bodies capture;
 *   3. let elementwise layers write over an input whose buffer dies at that layer (in-place.ts);
 *   4. place the buffers (best-fit.ts).
 * The scratch workspace is one separate buffer, as large as the largest need of any layer.
 */
import { ErrorCode, KilnError, type Network } from '@kiln-inference/core';
import { forEachNetwork } from '../plan/walk-network.js';
import { collectActivations } from './activations.js';
import { type Alias, findArenaViews } from './arena-views.js';
import { bestFit } from './best-fit.js';
import { fitsInPlace, inPlaceCandidates } from './in-place.js';
import { layerReads } from './layer-reads.js';
import { DEFAULT_ALIGNMENT, type MemoryPlan, type PlanMemoryOptions, type TensorPlacement } from './memory-plan.js';

interface Buffer {
  root: string;
  start: number;
  end: number;
}

export function planMemory(network: Network, options: PlanMemoryOptions = {}): MemoryPlan {
  const alignment = options.alignment ?? DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `memory alignment ${alignment} is not a power of two`, {
      hint: 'use a power of two such as 64 (the default)',
    });
  }
  const workspaceBytes = workspaceSize(network, options);
  const { activations, externalViews } = collectActivations(network, options.shapes);
  const { aliases, inPlaceConcats } = findArenaViews(network, activations);

  // Every tensor resolves to (root, offset inside the root's buffer) by following its aliases.
  const resolve = (name: string): { root: string; offset: number } => {
    let offset = 0;
    let at = name;
    for (let a = aliases.get(at); a; a = aliases.get(at)) {
      offset += a.offset;
      at = a.of;
    }
    return { root: at, offset };
  };

  const steps = network.layers.length;
  const lastUse = new Map<string, number>();
  network.layers.forEach((layer, step) => {
    for (const v of layerReads(layer)) if (activations.has(v)) lastUse.set(v, step);
  });
  for (const o of network.outputs) if (activations.has(o)) lastUse.set(o, steps);

  const buffers = new Map<string, Buffer>();
  for (const a of activations.values()) {
    const { root } = resolve(a.name);
    const end = Math.max(a.step, lastUse.get(a.name) ?? a.step);
    const b = buffers.get(root);
    if (b) {
      b.start = Math.min(b.start, a.step);
      b.end = Math.max(b.end, end);
    } else buffers.set(root, { root, start: a.step, end });
  }

  if (options.inPlace ?? true) {
    network.layers.forEach((layer, step) => {
      const y = layer.outputs[0] ? activations.get(layer.outputs[0]) : undefined;
      if (!y || aliases.has(y.name)) return;
      const { slots, elementwise } = inPlaceCandidates(layer);
      for (const slot of slots) {
        const x = layer.inputs[slot] ? activations.get(layer.inputs[slot]) : undefined;
        if (!x || !fitsInPlace(layer, x, y)) continue;
        const target = buffers.get(resolve(x.name).root)!;
        // The bytes die here: nothing after this layer reads x or any tensor sharing its buffer
        // (network outputs live past the last layer, so they never qualify).
        if (target.end !== step || target.root === y.name) continue;
        const sharedElsewhere = layer.inputs.some(
          (v, i) => i !== slot && v && activations.has(v) && resolve(v).root === target.root && !(elementwise && v === x.name),
        );
        if (sharedElsewhere) continue;
        const own = buffers.get(y.name)!;
        target.end = Math.max(target.end, own.end);
        buffers.delete(y.name);
        aliases.set(y.name, { of: x.name, offset: 0, kind: 'inPlace' });
        break;
      }
    });
  }

  const rootBytes = (root: string): number => activations.get(root)!.bytes;
  const layout = bestFit(
    [...buffers.values()].map((b) => ({ id: b.root, start: b.start, end: b.end, bytes: rootBytes(b.root) })),
    alignment,
  );

  const placements: Record<string, TensorPlacement> = {};
  let sumBytes = 0;
  for (const a of activations.values()) {
    const { root, offset } = resolve(a.name);
    placements[a.name] = { offset: layout.offsets.get(root)! + offset, bytes: a.bytes, ...aliasFields(aliases.get(a.name)) };
    sumBytes += a.bytes;
  }

  return {
    alignment,
    arenaBytes: layout.arenaBytes,
    sumBytes,
    lowerBoundBytes: peakLiveBytes([...buffers.values()], rootBytes, steps),
    workspaceBytes,
    placements,
    externalViews: Object.fromEntries(externalViews),
    inPlaceConcats,
  };
}

function aliasFields(alias: Alias | undefined): Pick<TensorPlacement, 'viewOf' | 'inPlaceOf'> {
  if (!alias) return {};
  return alias.kind === 'view' ? { viewOf: alias.of } : { inPlaceOf: alias.of };
}

/** Max over steps of the bytes of the buffers live at that step. */
function peakLiveBytes(buffers: readonly Buffer[], bytesOf: (root: string) => number, steps: number): number {
  const delta = new Array<number>(steps + 2).fill(0);
  for (const b of buffers) {
    delta[b.start]! += bytesOf(b.root);
    delta[b.end + 1]! -= bytesOf(b.root);
  }
  let live = 0;
  let peak = 0;
  for (const d of delta) {
    live += d;
    peak = Math.max(peak, live);
  }
  return peak;
}

/** The largest scratch need of any layer, checked against maxWorkspaceSize. */
function workspaceSize(network: Network, options: PlanMemoryOptions): number {
  const max = options.maxWorkspaceSize;
  if (max !== undefined && !(Number.isInteger(max) && max >= 0)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `maxWorkspaceSize ${max} is not a byte count`, {
      hint: 'give a non-negative integer number of bytes',
    });
  }
  // Layers of sub-networks (loop bodies, branches) run inside their parent's step and use the same scratch.
  const layers = new Map<string, { name: string; kind: string; index?: number }>();
  forEachNetwork(network, (n) => {
    n.layers.forEach((l, i) => {
      if (!layers.has(l.name))
        layers.set(l.name, n === network ? { name: l.name, kind: l.kind, index: i } : { name: l.name, kind: l.kind });
    });
  });
  let size = 0;
  for (const [name, bytes] of options.workspace ?? []) {
    const layer = layers.get(name);
    if (!layer) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `a workspace size is given for layer '${name}', which the network does not have`, {
        hint: 'key workspace sizes by the names of the built network’s layers',
      });
    }
    const context = { layer };
    if (!(Number.isInteger(bytes) && bytes >= 0)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `workspace size ${bytes} is not a byte count`, context);
    }
    if (max !== undefined && bytes > max) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `needs ${bytes} bytes of workspace, more than maxWorkspaceSize (${max} bytes)`, {
        ...context,
        hint: `raise maxWorkspaceSize to at least ${bytes} bytes, or choose a tactic for this layer that needs less scratch memory`,
      });
    }
    size = Math.max(size, bytes);
  }
  return size;
}
