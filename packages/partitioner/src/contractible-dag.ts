/**
 * A DAG that supports edge contraction without ever creating a cycle, in near-linear time.
 *
 * It keeps a topological rank for every node and repairs it incrementally when an edge goes
 * "backwards" (Pearce & Kelly's dynamic topological order): only nodes whose rank lies between
 * the edge's ends are visited. Reachability questions use the ranks to prune: a node ranked
 * after the target can never reach it. Contracting u→v is allowed only when v is not reachable
 * from u by any other path — the condition that keeps the contracted graph acyclic.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';

export class ContractibleDag {
  private readonly rank: Int32Array;
  private readonly out: Set<number>[];
  private readonly in: Set<number>[];
  /** Visit marks stamped with a generation number, so searches need no clearing. */
  private readonly mark: Int32Array;
  private generation = 0;

  /** `initialOrder` must be a topological order of the edges that will be added first. */
  constructor(initialOrder: readonly number[]) {
    const n = initialOrder.length;
    this.rank = new Int32Array(n);
    initialOrder.forEach((node, r) => {
      this.rank[node] = r;
    });
    this.out = Array.from({ length: n }, () => new Set<number>());
    this.in = Array.from({ length: n }, () => new Set<number>());
    this.mark = new Int32Array(n);
  }

  successors(node: number): readonly number[] {
    return [...this.out[node]!];
  }

  hasEdge(from: number, to: number): boolean {
    return this.out[from]!.has(to);
  }

  /** Adds from→to, repairing ranks; returns false (adding nothing) when it would close a cycle. */
  insertEdge(from: number, to: number): boolean {
    if (from === to) return false;
    if (this.out[from]!.has(to)) return true;
    this.link(from, to);
    if (this.rank[from]! < this.rank[to]!) return true;
    const forward = this.collectForward(to, this.rank[from]!);
    if (forward === null) {
      this.unlink(from, to);
      return false;
    }
    const backward = this.collectBackward(from, this.rank[to]!);
    this.reorder(backward, forward);
    return true;
  }

  /** Whether `to` can be reached from `from` along one or more edges. */
  reachable(from: number, to: number): boolean {
    if (from === to) return true;
    const bound = this.rank[to]!;
    if (this.rank[from]! > bound) return false;
    const stamp = ++this.generation;
    const stack = [from];
    this.mark[from] = stamp;
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const s of this.out[n]!) {
        if (s === to) return true;
        if (this.mark[s] !== stamp && this.rank[s]! < bound) {
          this.mark[s] = stamp;
          stack.push(s);
        }
      }
    }
    return false;
  }

  /**
   * Contracts the edge from→to when no other path joins its ends. Returns the node that now
   * stands for both (the one with more edges, so fewer edges move), or -1 when the contraction
   * would create a cycle (the graph is left unchanged).
   */
  contractEdge(from: number, to: number): number {
    if (!this.out[from]!.has(to)) {
      throw new KilnError(ErrorCode.INTERNAL, `contractEdge: no edge ${from}→${to}`);
    }
    this.unlink(from, to);
    if (this.reachable(from, to)) {
      this.link(from, to);
      return -1;
    }
    const degree = (n: number): number => this.out[n]!.size + this.in[n]!.size;
    const [keep, gone] = degree(from) >= degree(to) ? [from, to] : [to, from];
    for (const p of [...this.in[gone]!]) {
      this.unlink(p, gone);
      this.mustInsert(p, keep);
    }
    for (const s of [...this.out[gone]!]) {
      this.unlink(gone, s);
      this.mustInsert(keep, s);
    }
    return keep;
  }

  private mustInsert(from: number, to: number): void {
    // Cannot fail: a cycle here would mean another path joined the contracted edge's ends.
    if (from !== to && !this.insertEdge(from, to)) {
      throw new KilnError(ErrorCode.INTERNAL, `edge contraction closed a cycle through ${from}→${to}`);
    }
  }

  private link(from: number, to: number): void {
    this.out[from]!.add(to);
    this.in[to]!.add(from);
  }

  private unlink(from: number, to: number): void {
    this.out[from]!.delete(to);
    this.in[to]!.delete(from);
  }

  /** Nodes reachable from `start` ranked below `upper`; null when the node ranked `upper` is reached. */
  private collectForward(start: number, upper: number): number[] | null {
    const stamp = ++this.generation;
    const found: number[] = [];
    const stack = [start];
    this.mark[start] = stamp;
    while (stack.length > 0) {
      const n = stack.pop()!;
      found.push(n);
      for (const s of this.out[n]!) {
        if (this.rank[s] === upper) return null;
        if (this.mark[s] !== stamp && this.rank[s]! < upper) {
          this.mark[s] = stamp;
          stack.push(s);
        }
      }
    }
    return found;
  }

  /** Nodes that reach `start` ranked above `lower`. */
  private collectBackward(start: number, lower: number): number[] {
    const stamp = ++this.generation;
    const found: number[] = [];
    const stack = [start];
    this.mark[start] = stamp;
    while (stack.length > 0) {
      const n = stack.pop()!;
      found.push(n);
      for (const p of this.in[n]!) {
        if (this.mark[p] !== stamp && this.rank[p]! > lower) {
          this.mark[p] = stamp;
          stack.push(p);
        }
      }
    }
    return found;
  }

  /** Gives the affected nodes their old ranks again, ancestors of the new edge first. */
  private reorder(backward: number[], forward: number[]): void {
    const byRank = (a: number, b: number): number => this.rank[a]! - this.rank[b]!;
    backward.sort(byRank);
    forward.sort(byRank);
    const nodes = [...backward, ...forward];
    const ranks = nodes.map((n) => this.rank[n]!).sort((a, b) => a - b);
    nodes.forEach((n, i) => {
      this.rank[n] = ranks[i]!;
    });
  }
}
