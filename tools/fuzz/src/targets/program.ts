/**
 * Native Programs: random valid Programs (chains of the ops the lowering emits, with weights
 * and a packed arena) and mutated ones (indices, storage, arena offsets, shapes, weight
 * lengths, op parameters, unknown ops) handed straight to NativeProgram — the entry point a
 * hostile plan reaches — and to CudaProgram where a CUDA device is present.
 */
import type { Program, ProgramOp, ProgramValue } from '@kiln/core';
import { loadCpuNative, NativeProgram } from '@kiln/cpu-runtime';
import { CudaProgram, cudaStatus } from '@kiln/cuda-runtime';
import type { FuzzCase } from '../fuzz-case.js';
import { type Json, mutateJson, setAt } from '../mutate/json.js';
import { INTERESTING_INTS, type Rng } from '../prng.js';
import type { GeneratedCase, Target } from '../target.js';

const UNARY = ['abs', 'neg', 'exp', 'sqrt', 'sin', 'floor', 'round', 'sign'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'prelu'] as const;

class ProgramBuilder {
  values: ProgramValue[] = [];
  weights: Float32Array[] = [];
  ops: ProgramOp[] = [];
  inputs: number[] = [];
  arena = 0;

  constructor(private readonly rng: Rng) {}

  private add(shape: number[], storage: ProgramValue['storage']): number {
    this.values.push({ name: `v${this.values.length}`, shape, storage });
    return this.values.length - 1;
  }

  input(shape: number[]): number {
    const id = this.add(shape, { kind: 'input', index: this.inputs.length });
    this.inputs.push(id);
    return id;
  }

  weight(shape: number[]): number {
    const n = shape.reduce((a, b) => a * b, 1);
    this.weights.push(Float32Array.from({ length: n }, () => this.rng.next() * 2 - 1));
    return this.add(shape, { kind: 'weight', index: this.weights.length - 1 });
  }

  arenaValue(shape: number[]): number {
    const n = shape.reduce((a, b) => a * b, 1);
    const id = this.add(shape, { kind: 'arena', offset: this.arena });
    this.arena += Math.ceil((n * 4) / 64) * 64;
    return id;
  }

  shape(id: number): number[] {
    return this.values[id]!.shape;
  }
}

/** Appends one op reading `x`; returns the value it writes. */
function step(rng: Rng, b: ProgramBuilder, x: number): number {
  const s = b.shape(x);
  const rank = s.length;
  const choices: (() => number)[] = [
    () => {
      const y = b.arenaValue(s);
      b.ops.push({ op: 'unary', type: rng.pick(UNARY), x, y });
      return y;
    },
    () => {
      const y = b.arenaValue(s);
      b.ops.push({ op: 'activation', x, y, activation: { type: rng.pick(['relu', 'sigmoid', 'tanh'] as const) } });
      return y;
    },
    () => {
      const w = b.weight(rng.chance(0.5) ? s : [s[rank - 1]!]);
      const y = b.arenaValue(s);
      b.ops.push({ op: 'binary', type: rng.pick(BINARY), a: x, b: w, y });
      return y;
    },
    () => {
      const y = b.arenaValue(s);
      b.ops.push({ op: 'softmax', x, y, axis: rank - 1, log: rng.chance(0.3) });
      return y;
    },
    () => {
      const perm = s.map((_, i) => rank - 1 - i);
      const y = b.arenaValue(perm.map((p) => s[p]!));
      b.ops.push({ op: 'transpose', x, y, perm });
      return y;
    },
    () => {
      const pads = [...s.map(() => rng.int(0, 1)), ...s.map(() => rng.int(0, 1))];
      const y = b.arenaValue(s.map((d, i) => d + pads[i]! + pads[i + rank]!));
      b.ops.push({ op: 'pad', x, y, pads, value: 0 });
      return y;
    },
    () => {
      const y = b.arenaValue([s[0]! * 2, ...s.slice(1)]);
      b.ops.push({ op: 'concat', inputs: [x, x], y, axis: 0 });
      return y;
    },
  ];
  if (rank === 2) {
    choices.push(() => {
      const n = rng.int(1, 5);
      const w = b.weight([s[1]!, n]);
      const bias = b.weight([n]);
      const y = b.arenaValue([s[0]!, n]);
      b.ops.push({ op: 'gemm', a: x, b: w, bias, y, transA: false, transB: false, alpha: 1, beta: 1 });
      return y;
    });
  }
  if (rank === 4) {
    choices.push(
      () => {
        const m = rng.int(1, 4);
        const w = b.weight([m, s[1]!, 3, 3]);
        const y = b.arenaValue([s[0]!, m, s[2]!, s[3]!]);
        b.ops.push({ op: 'conv2d', x, w, y, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 });
        return y;
      },
      () => {
        if (s[2]! < 2 || s[3]! < 2) return x;
        const y = b.arenaValue([s[0]!, s[1]!, Math.floor(s[2]! / 2), Math.floor(s[3]! / 2)]);
        b.ops.push({
          op: 'pool2d',
          type: rng.pick(['max', 'average'] as const),
          x,
          y,
          window: [2, 2],
          strides: [2, 2],
          pads: [0, 0, 0, 0],
          dilations: [1, 1],
          countIncludePad: false,
        });
        return y;
      },
      () => {
        const y = b.arenaValue([s[0]!, s[1]!, 1, 1]);
        b.ops.push({ op: 'global_pool', type: 'average', x, y });
        return y;
      },
    );
  }
  return rng.pick(choices)();
}

export function randomProgram(rng: Rng): Program {
  const b = new ProgramBuilder(rng);
  const shape = rng.chance(0.5) ? [rng.int(1, 3), rng.int(1, 6)] : [1, rng.int(1, 3), rng.int(2, 6), rng.int(2, 6)];
  let cur = b.input(shape);
  for (let k = rng.int(1, 5); k > 0; k--) cur = step(rng, b, cur);
  return { values: b.values, weights: b.weights, ops: b.ops, inputs: b.inputs, outputs: [cur], arenaBytes: Math.max(64, b.arena) };
}

interface Mutation {
  program: Json;
  note: string;
  invalid?: string;
}

/** One structural mutation of a Program's JSON (everything but the weight arrays). */
function mutateProgram(rng: Rng, p: Program): Mutation {
  const json = { values: p.values, ops: p.ops, inputs: p.inputs, outputs: p.outputs, arenaBytes: p.arenaBytes } as unknown as Json;
  const nValues = p.values.length;
  const kind = rng.weighted([
    [12, 'operand'],
    [8, 'storage-index'],
    [10, 'arena-offset'],
    [12, 'shape'],
    [8, 'weight-length'],
    [14, 'param'],
    [6, 'perm'],
    [6, 'arena-bytes'],
    [4, 'op-kind'],
    [20, 'generic'],
  ] as const);
  const opIndex = rng.int(0, p.ops.length - 1);
  const op = p.ops[opIndex] as unknown as Record<string, Json>;
  switch (kind) {
    case 'operand': {
      const keys = Object.keys(op).filter((k) => ['x', 'y', 'a', 'b', 'w', 'bias', 'residual', 'scale', 'shift'].includes(k));
      const key = rng.pick(keys);
      const v = rng.pick([nValues, nValues + 1000, -1, 0.5, 2 ** 31, rng.int(0, nValues - 1)]);
      const inRange = Number.isInteger(v) && v >= 0 && v < nValues;
      return {
        program: setAt(json, ['ops', opIndex, key], v),
        note: `ops[${opIndex}].${key} = ${v}`,
        ...(inRange ? {} : { invalid: `operand-range: ops[${opIndex}].${key} = ${v} is not a value id (0..${nValues - 1})` }),
      };
    }
    case 'storage-index': {
      const candidates = p.values.map((v, i) => [v, i] as const).filter(([v]) => v.storage.kind !== 'arena');
      const [v, i] = rng.pick(candidates);
      const count = v.storage.kind === 'input' ? p.inputs.length : p.weights.length;
      const idx = rng.pick([count, count + 7, -1, 2 ** 20, 1.5]);
      return {
        program: setAt(json, ['values', i, 'storage', 'index'], idx),
        note: `values[${i}].storage.index = ${idx}`,
        invalid: `storage-range: ${v.storage.kind} index ${idx} of ${count}`,
      };
    }
    case 'arena-offset': {
      const arena = p.values.map((v, i) => [v, i] as const).filter(([v]) => v.storage.kind === 'arena');
      const [v, i] = rng.pick(arena);
      const off = rng.pick([p.arenaBytes, p.arenaBytes - 4, p.arenaBytes + 64, -64, 2 ** 31, 2 ** 53, 3]);
      const bytes = 4 * v.shape.reduce((a, b) => a * b, 1);
      // An unaligned offset may be legal, and so is any offset where the value still fits.
      const fits = Number.isInteger(off) && off >= 0 && off + bytes <= p.arenaBytes;
      return {
        program: setAt(json, ['values', i, 'storage', 'offset'], off),
        note: `values[${i}].storage.offset = ${off} (arena ${p.arenaBytes}, value ${bytes} bytes)`,
        ...(fits
          ? {}
          : { invalid: `arena-range: value ${i} (${bytes} bytes) at offset ${off} does not fit the ${p.arenaBytes}-byte arena` }),
      };
    }
    case 'shape': {
      const i = rng.int(0, nValues - 1);
      const value = p.values[i]!;
      const shape = value.shape;
      const d = rng.int(0, shape.length - 1);
      const v = rng.pick([0, 2, 3, 7, -1, 1.5, 2 ** 31, 65536, shape[d]! + 1]);
      const next = setAt(json, ['values', i, 'shape', d], v);
      return { program: next, note: `values[${i}].shape[${d}] = ${v} (was ${shape[d]})`, ...shapeBreak(p, i, d, v) };
    }
    case 'weight-length':
      return { program: json, note: 'weight-length' };
    case 'param': {
      const numeric = Object.keys(op).filter((k) => !['x', 'y', 'a', 'b', 'w', 'bias', 'op', 'type', 'inputs'].includes(k));
      if (!numeric.length) return { program: json, note: 'no params' };
      const key = rng.pick(numeric);
      const val = op[key];
      const path: (string | number)[] = ['ops', opIndex, key];
      if (Array.isArray(val)) path.push(rng.int(0, val.length - 1));
      const v = rng.pick([...INTERESTING_INTS, 0.5, Number.NaN, Number.POSITIVE_INFINITY]);
      return { program: setAt(json, path, v), note: `ops[${opIndex}].${path.slice(2).join('.')} = ${v}` };
    }
    case 'perm': {
      const t = p.ops.findIndex((o) => o.op === 'transpose');
      if (t < 0) return { program: json, note: 'no transpose' };
      const perm = (p.ops[t] as { perm: number[] }).perm;
      const bad = rng.pick([perm.map(() => 0), [...perm, perm.length], perm.slice(1), perm.map((x) => x + 1)]);
      return {
        program: setAt(json, ['ops', t, 'perm'], bad),
        note: `ops[${t}].perm = [${bad}]`,
        invalid: `bad-perm: [${bad}] is not a permutation of ${perm.length} axes`,
      };
    }
    case 'arena-bytes': {
      const v = rng.pick([0, p.arenaBytes - 64, 1, -1, Number.NaN, 2 ** 53, 1.5]);
      const needed = p.values.reduce(
        (m, x) => (x.storage.kind === 'arena' ? Math.max(m, x.storage.offset + 4 * x.shape.reduce((a, b) => a * b, 1)) : m),
        0,
      );
      return {
        program: setAt(json, ['arenaBytes'], v),
        note: `arenaBytes = ${v} (was ${p.arenaBytes}, values need ${needed})`,
        ...(!(v >= needed) || !Number.isInteger(v) ? { invalid: `arena-small: arenaBytes ${v}, its values need ${needed}` } : {}),
      };
    }
    case 'op-kind': {
      const k = rng.pick(['nosuch', '', 'conv3d', 'gemm', 'copy']);
      const unknown = !['gemm', 'copy'].includes(k);
      return {
        program: setAt(json, ['ops', opIndex, 'op'], k),
        note: `ops[${opIndex}].op = '${k}'`,
        ...(unknown ? { invalid: `unknown-op: '${k}'` } : {}),
      };
    }
    case 'generic': {
      const m = mutateJson(rng, json);
      return { program: m.value, note: `${m.kind} at ${m.path.join('.')}` };
    }
  }
}

/** Ops whose operands must have exactly the shape of their output (or its permutation). */
const SAME_SHAPE_OPS = new Set(['unary', 'activation', 'softmax', 'transpose']);

/**
 * Whether setting dim `d` of value `i` to `v` surely breaks the program: a dim that is no size,
 * a value that no longer fits its arena slot, or a shape an op needs equal to another's.
 * (Pooling and padding outputs may legally take other sizes, so they are not judged here.)
 */
function shapeBreak(p: Program, i: number, d: number, v: number): { invalid?: string } {
  const old = p.values[i]!.shape;
  if (v === old[d]) return {};
  if (!Number.isInteger(v) || v < 0) return { invalid: `shape-dim: value ${i} dim ${d} = ${v} is not a size` };
  const storage = p.values[i]!.storage;
  const elements = old.reduce((a, b, k) => a * (k === d ? v : b), 1);
  if (storage.kind === 'arena') {
    if (storage.offset + elements * 4 > p.arenaBytes)
      return { invalid: `arena-range: value ${i} grows to ${elements * 4} bytes past the arena` };
  }
  if (storage.kind === 'weight' && elements !== p.weights[storage.index]!.length) {
    return { invalid: `weight-shape: value ${i} declares ${elements} elements, its weight holds ${p.weights[storage.index]!.length}` };
  }
  const user = p.ops.find((o) => SAME_SHAPE_OPS.has(o.op) && ((o as { x?: number }).x === i || (o as { y?: number }).y === i));
  if (user) return { invalid: `shape-contradiction: ${user.op} needs value ${i} to keep its shape [${old}], dim ${d} set to ${v}` };
  return {};
}

function programFromMeta(meta: Json): Program {
  const m = meta as unknown as Program & { weights: Float32Array[] };
  return m;
}

export const programTarget: Target = {
  name: 'program',
  unavailable: () => {
    const native = loadCpuNative();
    return native.ok ? undefined : `kiln_cpu.node is not built (${native.reason})`;
  },
  async generate(rng: Rng): Promise<GeneratedCase> {
    const p = randomProgram(rng);
    if (rng.chance(0.1))
      return {
        files: {},
        meta: { ...(p as unknown as Record<string, Json>), weights: p.weights as unknown as Json },
        note: 'valid random program',
      };
    const m = mutateProgram(rng, p);
    let weights = p.weights;
    let invalid = m.invalid;
    if (m.note === 'weight-length') {
      const w = rng.int(0, weights.length - 1);
      if (weights.length) {
        const cut = rng.int(0, weights[w]!.length - 1);
        weights = weights.slice();
        weights[w] = weights[w]!.subarray(0, cut);
        invalid = `weight-length: weight ${w} has ${cut} of its ${p.weights[w]!.length} elements`;
        return {
          files: {},
          meta: { ...(m.program as Record<string, Json>), weights: weights as unknown as Json },
          note: `weights[${w}] cut to ${cut}`,
          invalid,
        };
      }
    }
    return {
      files: {},
      meta: { ...(m.program as Record<string, Json>), weights: weights as unknown as Json },
      note: m.note,
      ...(invalid ? { invalid } : {}),
    };
  },
  async execute(c: FuzzCase): Promise<void> {
    const program = programFromMeta(c.meta!);
    const feeds = (Array.isArray(program.inputs) ? program.inputs : []).map((id) => {
      const shape = (program.values as ProgramValue[] | undefined)?.[id as number]?.shape;
      let n = 1;
      for (const d of Array.isArray(shape) ? shape : []) n *= Number.isInteger(d) && d >= 0 ? d : 1;
      return new Float32Array(Math.min(n, 1 << 20)).fill(0.5);
    });
    const native = NativeProgram.create(program);
    try {
      await native.run(feeds);
    } finally {
      native.dispose();
    }
    if (cudaStatus().devices.length > 0) {
      const cuda = await CudaProgram.create(program);
      try {
        await cuda.run(feeds);
      } finally {
        await cuda.dispose();
      }
    }
  },
};

/** Said in the report: whether Programs also reached CudaProgram in this run. */
export function programCudaNote(): string | undefined {
  return cudaStatus().devices.length > 0 ? undefined : 'CudaProgram skipped: no CUDA device on this machine';
}
