/**
 * Native Programs: random valid Programs (chains of the ops the lowering emits, with weights
 * and a packed arena, and detours through integer and bool values: cast, integer binary,
 * compare, where, gather, gather_nd, arg_reduce, data movement on any dtype) and mutated ones
 * (indices, storage, arena offsets, shapes, dtypes, weight lengths and array classes, op
 * parameters, unknown ops) handed straight to NativeProgram — the entry point a hostile plan
 * reaches — and to CudaProgram where a CUDA device is present.
 */
import {
  PROGRAM_DTYPE_ARRAYS,
  PROGRAM_DTYPES,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramValue,
} from '@kiln-inference/core';
import { loadCpuNative, NativeProgram } from '@kiln-inference/cpu-runtime';
import { CudaProgram, cudaStatus } from '@kiln-inference/cuda-runtime';
import type { FuzzCase } from '../fuzz-case.js';
import { type Json, mutateJson, setAt } from '../mutate/json.js';
import { INTERESTING_INTS, type Rng } from '../prng.js';
import type { GeneratedCase, Target } from '../target.js';

const UNARY = ['abs', 'neg', 'exp', 'sqrt', 'sin', 'floor', 'round', 'sign'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'prelu', 'mod', 'fmod'] as const;
const INTEGER_BINARY = ['add', 'sub', 'mul', 'div', 'max', 'min', 'mod', 'fmod'] as const;
const COMPARE = ['equal', 'less', 'less_equal', 'greater', 'greater_equal'] as const;
const bytesOf = (dtype: ProgramDType) => PROGRAM_DTYPE_ARRAYS[dtype].BYTES_PER_ELEMENT;

class ProgramBuilder {
  values: ProgramValue[] = [];
  weights: ProgramData[] = [];
  ops: ProgramOp[] = [];
  inputs: number[] = [];
  arena = 0;

  constructor(private readonly rng: Rng) {}

  private add(shape: number[], storage: ProgramValue['storage'], dtype: ProgramDType): number {
    this.values.push({ name: `v${this.values.length}`, dtype, shape, storage });
    return this.values.length - 1;
  }

  input(shape: number[]): number {
    const id = this.add(shape, { kind: 'input', index: this.inputs.length }, 'float32');
    this.inputs.push(id);
    return id;
  }

  /** A weight of `dtype`: floats in [-1, 1), integers around 0 past int32's edges, any byte for int8/uint8/bool. */
  weight(shape: number[], dtype: ProgramDType = 'float32', values?: () => number): number {
    const n = shape.reduce((a, b) => a * b, 1);
    const next =
      values ?? (() => (dtype === 'float32' ? this.rng.next() * 2 - 1 : this.rng.pick([0, -1, 1, 2, -7, 100, 2 ** 31 - 1, -(2 ** 31)])));
    const raw = Array.from({ length: n }, next);
    this.weights.push(dtype === 'int64' ? BigInt64Array.from(raw, (v) => BigInt(Math.trunc(v))) : PROGRAM_DTYPE_ARRAYS[dtype].from(raw));
    return this.add(shape, { kind: 'weight', index: this.weights.length - 1 }, dtype);
  }

  arenaValue(shape: number[], dtype: ProgramDType = 'float32'): number {
    const n = shape.reduce((a, b) => a * b, 1);
    const id = this.add(shape, { kind: 'arena', offset: this.arena }, dtype);
    this.arena += Math.ceil((n * bytesOf(dtype)) / 64) * 64;
    return id;
  }

  shape(id: number): number[] {
    return this.values[id]!.shape;
  }

  dtype(id: number): ProgramDType {
    return this.values[id]!.dtype;
  }
}

/** x → a value of `dtype` with x's shape. */
function castTo(b: ProgramBuilder, x: number, dtype: ProgramDType): number {
  const y = b.arenaValue(b.shape(x), dtype);
  b.ops.push({ op: 'cast', x, y });
  return y;
}

/**
 * A detour through index math from float32 `x`: cast to another dtype (or compare, or
 * arg_reduce), one op on that value, and a cast back to float32 so the chain goes on.
 */
function indexDetour(rng: Rng, b: ProgramBuilder, x: number): number {
  const s = b.shape(x);
  const rank = s.length;
  const dtype = rng.pick(['int32', 'int64', 'int8', 'uint8', 'bool'] as const);
  const choices: (() => number)[] = [
    () => {
      const v = castTo(b, x, dtype);
      const perm = s.map((_, i) => rank - 1 - i);
      const y = b.arenaValue(
        perm.map((p) => s[p]!),
        dtype,
      );
      b.ops.push({ op: 'transpose', x: v, y, perm });
      return y;
    },
    () => {
      const v = castTo(b, x, dtype);
      const pads = [...s.map(() => rng.int(0, 1)), ...s.map(() => rng.int(0, 1))];
      const y = b.arenaValue(
        s.map((d, i) => d + pads[i]! + pads[i + rank]!),
        dtype,
      );
      b.ops.push({ op: 'pad', x: v, y, pads, value: rng.pick([0, 1, -3.5, 300]) });
      return y;
    },
    () => {
      const v = castTo(b, x, dtype);
      const y = b.arenaValue([s[0]! * 2, ...s.slice(1)], dtype);
      b.ops.push({ op: 'concat', inputs: [v, v], y, axis: 0 });
      return y;
    },
    () => {
      const t = rng.pick(['int32', 'int64'] as const);
      const v = castTo(b, x, t);
      const w = b.weight(rng.chance(0.5) ? s : [s[rank - 1]!], t);
      const y = b.arenaValue(s, t);
      b.ops.push({ op: 'binary', type: rng.pick(INTEGER_BINARY), a: v, b: w, y });
      return y;
    },
    () => {
      const w = b.weight([s[rank - 1]!]);
      const c = b.arenaValue(s, 'bool');
      b.ops.push({ op: 'compare', type: rng.pick(COMPARE), a: x, b: w, y: c });
      const y = b.arenaValue(s);
      b.ops.push({ op: 'where', condition: c, a: x, b: w, y });
      return y;
    },
    () => {
      const axis = rng.int(-rank, rank - 1);
      const n = s[axis < 0 ? axis + rank : axis]!;
      const count = rng.int(0, 4);
      const indices = b.weight([count], rng.pick(['int32', 'int64'] as const), () => rng.int(-n - 2, n + 1));
      const a = axis < 0 ? axis + rank : axis;
      const y = b.arenaValue([...s.slice(0, a), count, ...s.slice(a + 1)]);
      b.ops.push({ op: 'gather', x, indices, y, axis });
      return y;
    },
    () => {
      const k = rng.int(0, rank);
      const rows = rng.int(1, 3);
      const indices = b.weight([rows, k], rng.pick(['int32', 'int64'] as const), () => rng.int(-4, 4));
      const y = b.arenaValue([rows, ...s.slice(k)]);
      b.ops.push({ op: 'gather_nd', x, indices, y });
      return y;
    },
    () => {
      const axis = rng.int(0, rank - 1);
      const y = b.arenaValue(
        s.map((d, i) => (i === axis ? 1 : d)),
        rng.pick(['int32', 'int64'] as const),
      );
      b.ops.push({ op: 'arg_reduce', type: rng.pick(['max', 'min'] as const), x, y, axis, selectLastIndex: rng.chance(0.5) });
      return y;
    },
  ];
  const v = rng.pick(choices)();
  return b.dtype(v) === 'float32' ? v : castTo(b, v, 'float32');
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
    () => indexDetour(rng, b, x),
    () => indexDetour(rng, b, x),
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
    [8, 'dtype'],
    [6, 'weight-class'],
    [20, 'generic'],
  ] as const);
  const opIndex = rng.int(0, p.ops.length - 1);
  const op = p.ops[opIndex] as unknown as Record<string, Json>;
  switch (kind) {
    case 'operand': {
      const keys = Object.keys(op).filter((k) =>
        ['x', 'y', 'a', 'b', 'w', 'bias', 'residual', 'scale', 'shift', 'condition', 'indices'].includes(k),
      );
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
      const off = rng.pick([p.arenaBytes, p.arenaBytes - 4, p.arenaBytes + 64, -64, 2 ** 31, 2 ** 53, 3, 4, 1]);
      const size = bytesOf(v.dtype);
      const bytes = size * v.shape.reduce((a, b) => a * b, 1);
      // Any offset where the value still fits, at a multiple of its dtype's size, is legal.
      const fits = Number.isInteger(off) && off >= 0 && off + bytes <= p.arenaBytes;
      const aligned = off % size === 0;
      return {
        program: setAt(json, ['values', i, 'storage', 'offset'], off),
        note: `values[${i}].storage.offset = ${off} (arena ${p.arenaBytes}, value ${bytes} bytes of ${v.dtype})`,
        ...(fits && aligned
          ? {}
          : {
              invalid: fits
                ? `arena-align: value ${i} (${v.dtype}) at offset ${off}`
                : `arena-range: value ${i} (${bytes} bytes) at offset ${off} does not fit the ${p.arenaBytes}-byte arena`,
            }),
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
      // All zeros repeats an axis only from rank 2 (rank 1's [0] is the identity): the others are always wrong.
      const repeats = perm.length > 1 ? [perm.map(() => 0)] : [];
      const bad = rng.pick([...repeats, [...perm, perm.length], perm.slice(1), perm.map((x) => x + 1)]);
      return {
        program: setAt(json, ['ops', t, 'perm'], bad),
        note: `ops[${t}].perm = [${bad}]`,
        invalid: `bad-perm: [${bad}] is not a permutation of ${perm.length} axes`,
      };
    }
    case 'arena-bytes': {
      const v = rng.pick([0, p.arenaBytes - 64, 1, -1, Number.NaN, 2 ** 53, 1.5]);
      const needed = p.values.reduce(
        (m, x) => (x.storage.kind === 'arena' ? Math.max(m, x.storage.offset + bytesOf(x.dtype) * x.shape.reduce((a, b) => a * b, 1)) : m),
        0,
      );
      return {
        program: setAt(json, ['arenaBytes'], v),
        note: `arenaBytes = ${v} (was ${p.arenaBytes}, values need ${needed})`,
        ...(!(v >= needed) || !Number.isInteger(v) ? { invalid: `arena-small: arenaBytes ${v}, its values need ${needed}` } : {}),
      };
    }
    case 'dtype': {
      const i = rng.int(0, nValues - 1);
      const d = rng.pick([...PROGRAM_DTYPES, 'float64', 'int16', '', 7]);
      return {
        program: setAt(json, ['values', i, 'dtype'], d as Json),
        note: `values[${i}].dtype = ${String(d)} (was ${p.values[i]!.dtype})`,
        ...((PROGRAM_DTYPES as readonly unknown[]).includes(d) ? {} : { invalid: `bad-dtype: '${String(d)}' is no Program dtype` }),
      };
    }
    case 'weight-class':
      return { program: json, note: 'weight-class' };
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
    const bytes = elements * bytesOf(p.values[i]!.dtype);
    if (storage.offset + bytes > p.arenaBytes) return { invalid: `arena-range: value ${i} grows to ${bytes} bytes past the arena` };
  }
  if (storage.kind === 'weight' && elements !== p.weights[storage.index]!.length) {
    return { invalid: `weight-shape: value ${i} declares ${elements} elements, its weight holds ${p.weights[storage.index]!.length}` };
  }
  const user = p.ops.find((o) => SAME_SHAPE_OPS.has(o.op) && ((o as { x?: number }).x === i || (o as { y?: number }).y === i));
  if (user) return { invalid: `shape-contradiction: ${user.op} needs value ${i} to keep its shape [${old}], dim ${d} set to ${v}` };
  return {};
}

function programFromMeta(meta: Json): Program {
  return meta as unknown as Program;
}

/** Another typed-array class than `w`'s, of the same length. */
function otherClass(rng: Rng, w: ProgramData): ProgramData {
  const classes = [Float32Array, Int32Array, BigInt64Array, Int8Array, Uint8Array].filter((c) => !(w instanceof c));
  const C = rng.pick(classes);
  return C === BigInt64Array ? new BigInt64Array(w.length) : new (C as Float32ArrayConstructor)(w.length);
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
    if (m.note === 'weight-class' && weights.length) {
      const w = rng.int(0, weights.length - 1);
      weights = weights.slice();
      weights[w] = otherClass(rng, weights[w]!);
      return {
        files: {},
        meta: { ...(m.program as Record<string, Json>), weights: weights as unknown as Json },
        note: `weights[${w}] becomes a ${weights[w]!.constructor.name}`,
        invalid: `weight-class: weight ${w} is a ${weights[w]!.constructor.name}, its value is ${p.values.find((v) => v.storage.kind === 'weight' && v.storage.index === w)?.dtype}`,
      };
    }
    if (m.note === 'weight-length') {
      // Only a weight with elements can be cut short (an empty one stays valid).
      const cuttable = weights.flatMap((data, i) => (data.length > 0 ? [i] : []));
      const w = cuttable[rng.int(0, cuttable.length - 1)] ?? 0;
      if (cuttable.length) {
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
    const feeds = (Array.isArray(program.inputs) ? program.inputs : []).map((id): ProgramData => {
      const value = (program.values as ProgramValue[] | undefined)?.[id as number];
      let n = 1;
      for (const d of Array.isArray(value?.shape) ? value.shape : []) n *= Number.isInteger(d) && d >= 0 ? d : 1;
      n = Math.min(n, 1 << 20);
      // The class the value's dtype needs (a mutated dtype gets its own), else Float32Array.
      const dtype = (PROGRAM_DTYPES as readonly unknown[]).includes(value?.dtype) ? value!.dtype : 'float32';
      if (dtype === 'int64') return new BigInt64Array(n).fill(3n);
      return new PROGRAM_DTYPE_ARRAYS[dtype](n).fill(dtype === 'float32' ? 0.5 : 1);
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
        // Each feed is the typed array of its value's dtype, as CudaProgram.run takes it.
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
