/**
 * fast-check arbitraries for random DAG-shaped graphs with a random support mark per node.
 * Node i reads graph inputs or outputs of nodes j < i; the file order is then shuffled so the
 * partitioner cannot rely on it being topological.
 */
import type { Graph } from '@kiln-inference/core';
import fc from 'fast-check';
import { makeGraph, node } from './graphs.js';

export const BINARY_OPS = ['Add', 'Sub', 'Mul', 'Max'] as const;
export const UNARY_OPS = ['Relu', 'Sigmoid', 'Tanh', 'Neg'] as const;

export interface RandomDag {
  graph: Graph;
  /** by node name */
  supported: Set<string>;
}

interface NodeSpec {
  binary: boolean;
  op: number;
  a: number;
  b: number;
  supported: boolean;
  /** also exposed as a graph output even when it has readers */
  output: boolean;
  /** reads one more earlier value as a control input (TF style), when enabled */
  control: number | null;
}

const nodeSpec = fc.record({
  binary: fc.boolean(),
  op: fc.nat(3),
  a: fc.nat(1000),
  b: fc.nat(1000),
  supported: fc.boolean(),
  output: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  control: fc.option(fc.nat(1000), { freq: 4 }),
});

function buildDag(specs: NodeSpec[], permutation: number[], withControl: boolean): RandomDag {
  const inputs = ['x0', 'x1'];
  const supported = new Set<string>();
  const nodes = specs.map((s, i) => {
    const visible = [...inputs, ...specs.slice(0, i).map((_, j) => `v${j}`)];
    const pick = (k: number): string => visible[k % visible.length]!;
    // Prefer recent values so chains form, but keep long edges possible.
    const recent = (k: number): string => (k % 3 === 0 ? pick(k) : visible[Math.max(0, visible.length - 1 - (k % 4))]!);
    const name = `v${i}`;
    if (s.supported) supported.add(name);
    const control = withControl && s.control !== null ? [pick(s.control)] : undefined;
    return s.binary
      ? node(name, BINARY_OPS[s.op]!, [recent(s.a), pick(s.b)], [name], control)
      : node(name, UNARY_OPS[s.op]!, [recent(s.a)], [name], control);
  });
  const read = new Set(nodes.flatMap((n) => n.inputs));
  const outputs = nodes.filter((n, i) => !read.has(n.name) || specs[i]!.output).map((n) => n.name);
  const shuffled = permutation.map((p) => nodes[p]!);
  return { graph: makeGraph(shuffled, inputs, outputs), supported };
}

/** Random DAGs of 1..maxNodes nodes with random support marks, optionally with control inputs. */
export function randomDag(maxNodes: number, withControl = false): fc.Arbitrary<RandomDag> {
  return fc.array(nodeSpec, { minLength: 1, maxLength: maxNodes }).chain((specs) =>
    fc
      .shuffledSubarray(
        specs.map((_, i) => i),
        { minLength: specs.length, maxLength: specs.length },
      )
      .map((perm) => buildDag(specs, perm, withControl)),
  );
}
