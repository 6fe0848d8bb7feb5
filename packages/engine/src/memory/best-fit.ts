/**
 * Offsets for buffers with known lifetimes (inclusive step ranges): each buffer, in turn, takes
 * the smallest gap between the buffers already placed that are live at the same time (best fit;
 * lowest offset among equal gaps), or the space above them. Three visiting orders are tried, by
 * size (largest first, the classic greedy-by-size), by first step and by lifetime (longest
 * first), larger buffers first within ties, and the smallest arena wins (on DenseNet-121 only the
 * lifetime order reaches the lower bound). Every sort is a total order, so the result is
 * deterministic.
 */

export interface BufferRequest {
  id: string;
  /** First and last step (inclusive) the buffer's bytes are live. */
  start: number;
  end: number;
  /** Placed at a multiple of the alignment; the next buffer above starts at the next multiple. */
  bytes: number;
}

export interface BufferLayout {
  offsets: Map<string, number>;
  arenaBytes: number;
}

export function bestFit(buffers: readonly BufferRequest[], alignment: number): BufferLayout {
  const bySize = [...buffers].sort((a, b) => b.bytes - a.bytes || a.start - b.start || compareIds(a.id, b.id));
  const byStart = [...buffers].sort((a, b) => a.start - b.start || b.bytes - a.bytes || compareIds(a.id, b.id));
  const byLifetime = [...buffers].sort((a, b) => b.end - b.start - (a.end - a.start) || b.bytes - a.bytes || compareIds(a.id, b.id));
  let best: BufferLayout | undefined;
  for (const order of [bySize, byStart, byLifetime]) {
    const layout = placeInOrder(order, alignment);
    if (!best || layout.arenaBytes < best.arenaBytes) best = layout;
  }
  return best!;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function placeInOrder(order: readonly BufferRequest[], alignment: number): BufferLayout {
  const placed: { start: number; end: number; offset: number; bytes: number }[] = [];
  const offsets = new Map<string, number>();
  let arenaBytes = 0;
  for (const b of order) {
    if (b.bytes === 0) {
      offsets.set(b.id, 0);
      continue;
    }
    const busy = placed
      .filter((p) => p.start <= b.end && b.start <= p.end)
      .map((p) => [p.offset, p.offset + p.bytes] as const)
      .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let best = -1;
    let bestGap = Number.POSITIVE_INFINITY;
    let cursor = 0;
    for (const [lo, hi] of busy) {
      const at = alignUp(cursor, alignment);
      const gap = lo - at;
      if (gap >= b.bytes && gap < bestGap) {
        best = at;
        bestGap = gap;
      }
      cursor = Math.max(cursor, hi);
    }
    const offset = best >= 0 ? best : alignUp(cursor, alignment);
    placed.push({ start: b.start, end: b.end, offset, bytes: b.bytes });
    offsets.set(b.id, offset);
    arenaBytes = Math.max(arenaBytes, offset + b.bytes);
  }
  return { offsets, arenaBytes };
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}
