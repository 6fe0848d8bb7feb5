/**
 * The reference interpreter of a Program (@kiln-inference/core program.ts): each op runs through the
 * TypeScript reference kernel of the equivalent layer, reading and writing the values' real
 * storage (caller inputs, weights, one arena), so views and in-place placements behave as they
 * will natively. It is the oracle native Program executors (CPU and CUDA) are tested against,
 * and what tests of the lowering use where no native addon is built. Slow by design.
 */
import {
  type AnyLayer,
  ErrorCode,
  KilnError,
  type Layer,
  type LayerKind,
  type LayerParamsMap,
  PROGRAM_DTYPE_ARRAYS,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramOperandValues,
  type ProgramOpKind,
  type ProgramValue,
  programDTypeBytes,
  programOpOperands,
  readProgramOperands,
  Tensor,
} from '@kiln-inference/core';
import type { Kernel, KernelContext } from '../kernel.js';
import { referenceKernels } from '../kernels/index.js';

const NO_CONTEXT: KernelContext = {
  runSubnetwork: () => [],
  runSubnetworkValues: () => [],
  plugin: () => undefined,
};

function layer<K extends LayerKind>(kind: K, params: LayerParamsMap[K], inputs: number): AnyLayer {
  return {
    name: `program_${kind}`,
    kind,
    inputs: Array.from({ length: inputs }, (_, i) => `in${i}`),
    outputs: ['out'],
    params,
  } as unknown as AnyLayer;
}

function run(l: AnyLayer, inputs: (Tensor | undefined)[]): Tensor {
  const kernel = referenceKernels[l.kind] as Kernel | undefined;
  if (!kernel) throw new KilnError(ErrorCode.INTERNAL, `no reference kernel for '${l.kind}'`);
  return kernel(l as Layer, inputs, NO_CONTEXT)[0]!;
}

const ints = (values: readonly number[]) => Tensor.fromValues('int64', [values.length], values.map(BigInt));
const conv = (strides: number[], pads: number[], dilations: number[], groups: number, kernelShape: number[]) => ({
  kernelShape,
  strides,
  padsBegin: [pads[0]!, pads[1]!],
  padsEnd: [pads[2]!, pads[3]!],
  dilations,
  groups,
  paddingMode: 'explicit' as const,
});

type Evaluator<K extends ProgramOpKind> = (
  op: Extract<ProgramOp, { op: K }>,
  t: ProgramOperandValues<K, Tensor>,
  /** y's shape: it carries what attributes do not (ceil mode, output padding, slice counts, resize sizes). */
  yShape: readonly number[],
  /** y's dtype (a cast's target, an arg_reduce's index type). */
  yDtype: ProgramDType,
) => Tensor;

const INTEGER_RANGES: Partial<Record<ProgramDType, [number, number]>> = {
  int32: [-2147483648, 2147483647],
  int8: [-128, 127],
  uint8: [0, 255],
};

/** program.ts cast semantics, element by element: float → integer truncates and saturates, NaN → 0; integers wrap. */
function castTo(x: Tensor, to: ProgramDType): Tensor {
  const from = x.data as ProgramData;
  const out = new PROGRAM_DTYPE_ARRAYS[to](x.size);
  const floatSource = x.dtype === 'float32';
  for (let i = 0; i < x.size; i++) {
    const v = from[i]!;
    if (to === 'bool') {
      (out as Uint8Array)[i] = v !== 0 && v !== 0n ? 1 : 0;
    } else if (to === 'float32') {
      (out as Float32Array)[i] = Number(v);
    } else if (floatSource) {
      const t = Number.isNaN(v as number) ? 0 : Math.trunc(v as number);
      if (to === 'int64') {
        (out as BigInt64Array)[i] = t >= 2 ** 63 ? 2n ** 63n - 1n : t < -(2 ** 63) ? -(2n ** 63n) : BigInt(t);
      } else {
        const [lo, hi] = INTEGER_RANGES[to]!;
        (out as Int32Array)[i] = Math.min(hi, Math.max(lo, t));
      }
    } else if (to === 'int64') {
      (out as BigInt64Array)[i] = BigInt(v);
    } else {
      // Integer → narrower integer wraps: the typed array's own conversion (ToInt32/ToUint8 …).
      (out as Int32Array)[i] = typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v;
    }
  }
  return new Tensor(to, x.shape, out);
}

const zeroOf = (dtype: ProgramDType) => Tensor.scalar(dtype, dtype === 'int64' ? 0n : 0);
const oneOf = (dtype: ProgramDType) => Tensor.scalar(dtype, dtype === 'int64' ? 1n : 1);

/**
 * Zeros where `valid` is false: `valid` has the index dims, placed at `at` in y's dims (the
 * other dims broadcast).
 */
function zeroInvalid(y: Tensor, valid: Tensor, at: number): Tensor {
  const shape = y.shape.map(() => 1);
  valid.shape.forEach((d, i) => {
    shape[at + i] = d;
  });
  return run(layer('select', {}, 3), [valid.reshape(shape), y, zeroOf(y.dtype as ProgramDType)]);
}

/**
 * Whether each index lies in [−dim, dim): per element (gather), or per row of the last dim
 * (gather_nd: `row` is that dim's length, possibly 0 or 1), where position k of a row indexes
 * dim `dimOf(k)`. The result has the index dims (gather) or all but the last (gather_nd).
 */
function validIndices(indices: Tensor, dimOf: (position: number) => number, row?: number): Tensor {
  const values = indices.toFloat64();
  const shape = row === undefined ? indices.shape : indices.shape.slice(0, -1);
  const rowLength = row ?? 1;
  const rows = shape.reduce((a, b) => a * b, 1);
  const valid = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let ok = 1;
    for (let k = 0; k < rowLength; k++) {
      const v = values[r * rowLength + k]!;
      const d = dimOf(k);
      if (v < -d || v >= d) ok = 0;
    }
    valid[r] = ok;
  }
  return new Tensor('bool', shape, valid);
}

/** Indices with the invalid ones (or rows, for gather_nd) replaced by 0, so the reference kernel (which refuses them) runs. */
function safeIndices(indices: Tensor, valid: Tensor, perRow: boolean): Tensor {
  const mask = perRow ? valid.reshape([...valid.shape, 1]) : valid;
  return run(layer('select', {}, 3), [mask, indices, zeroOf(indices.dtype as ProgramDType)]);
}

/** One evaluator per op kind (a missing kind is a compile error); operands arrive by descriptor field. */
const EVALUATORS: { [K in ProgramOpKind]: Evaluator<K> } = {
  conv2d(op, t) {
    const epilogue = {
      ...(t.residual ? { residualInput: 3 } : {}),
      ...(op.activation ? { activation: op.activation } : {}),
    };
    const params = { ...conv(op.strides, op.pads, op.dilations, op.groups, t.w.shape.slice(2) as number[]), epilogue };
    return run(layer('convolution', params, 4), [t.x, t.w, t.b, t.residual]);
  },
  gemm(op, t) {
    const product = run(layer('matrix_multiply', { transposeA: op.transA, transposeB: op.transB }, 2), [t.a, t.b]);
    let y = op.alpha === 1 ? product : run(layer('elementwise', { op: 'mul' }, 2), [product, Tensor.scalar('float32', op.alpha)]);
    if (t.bias) {
      const bias = op.beta === 1 ? t.bias : run(layer('elementwise', { op: 'mul' }, 2), [t.bias, Tensor.scalar('float32', op.beta)]);
      y = run(layer('elementwise', { op: 'add' }, 2), [y, bias]);
    }
    return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
  },
  batched_matmul: (_op, t) => run(layer('matrix_multiply', { transposeA: false, transposeB: false }, 2), [t.a, t.b]),
  pool2d(op, t, yShape) {
    // The output shape is given; ceil mode only decides whether a last partial window exists.
    const pool = (ceilMode: boolean) =>
      run(
        layer(
          'pooling',
          {
            type: op.type,
            global: false,
            window: op.window,
            strides: op.strides,
            padsBegin: [op.pads[0], op.pads[1]],
            padsEnd: [op.pads[2], op.pads[3]],
            dilations: op.dilations,
            paddingMode: 'explicit',
            ceilMode,
            countIncludePad: op.countIncludePad,
          },
          1,
        ),
        [t.x],
      );
    const floor = pool(false);
    return floor.shape.join() === yShape.join() ? floor : pool(true);
  },
  global_pool: (op, t) =>
    run(
      layer(
        'pooling',
        {
          type: op.type,
          global: true,
          window: [],
          strides: [],
          padsBegin: [],
          padsEnd: [],
          dilations: [],
          paddingMode: 'explicit',
          ceilMode: false,
          countIncludePad: false,
        },
        1,
      ),
      [t.x],
    ),
  binary(op, t) {
    const type = op.type;
    const activate = (y: Tensor) => (op.activation ? run(layer('activation', op.activation, 1), [y]) : y);
    if (type === 'prelu') return activate(run(layer('parametric_relu', {}, 2), [t.a, t.b]));
    const elementwise = (b: Tensor) => run(layer('elementwise', type === 'fmod' ? { op: 'mod', fmod: true } : { op: type }, 2), [t.a, b]);
    const dtype = t.a.dtype as ProgramDType;
    if (dtype !== 'float32' && (type === 'div' || type === 'mod' || type === 'fmod')) {
      // Integer division or remainder by zero gives 0 (program.ts): divide by 1 there, then zero it.
      const zero = run(layer('elementwise', { op: 'equal' }, 2), [t.b, zeroOf(dtype)]);
      const quotient = elementwise(run(layer('select', {}, 3), [zero, oneOf(dtype), t.b]));
      return run(layer('select', {}, 3), [zero, zeroOf(dtype), quotient]);
    }
    return activate(elementwise(t.b));
  },
  compare: (op, t) => run(layer('elementwise', { op: op.type }, 2), [t.a, t.b]),
  where: (_op, t) => run(layer('select', {}, 3), [t.condition, t.a, t.b]),
  cast: (_op, t, _yShape, yDtype) => castTo(t.x, yDtype),
  gather(op, t) {
    const axis = op.axis < 0 ? op.axis + t.x.rank : op.axis;
    const valid = validIndices(t.indices, () => t.x.shape[axis]!);
    const y = run(layer('gather', { mode: 'default', axis, batchDims: 0 }, 2), [t.x, safeIndices(t.indices, valid, false)]);
    return zeroInvalid(y, valid, axis);
  },
  gather_nd(_op, t) {
    const k = t.indices.shape[t.indices.rank - 1]!;
    const valid = validIndices(t.indices, (position) => t.x.shape[position]!, k);
    const y = run(layer('gather', { mode: 'nd', axis: 0, batchDims: 0 }, 2), [t.x, safeIndices(t.indices, valid, true)]);
    return zeroInvalid(y, valid, 0);
  },
  arg_reduce(op, t, _yShape, yDtype) {
    const params = { op: op.type, axis: op.axis, keepDims: true, selectLastIndex: op.selectLastIndex };
    return castTo(run(layer('arg_reduce', params, 1), [t.x]), yDtype);
  },
  activation: (op, t) => run(layer('activation', op.activation, 1), [t.x]),
  unary: (op, t) => run(layer('unary', { op: op.type }, 1), [t.x]),
  deconv2d(op, t, yShape) {
    const kernel = t.w.shape.slice(2) as number[];
    // Output padding is whatever y's shape adds beyond the stride/pad/dilation arithmetic.
    const natural = [0, 1].map(
      (d) => (t.x.shape[2 + d]! - 1) * op.strides[d]! - op.pads[d]! - op.pads[d + 2]! + op.dilations[d]! * (kernel[d]! - 1) + 1,
    );
    const params = {
      ...conv(op.strides, op.pads, op.dilations, op.groups, kernel),
      outputPadding: [yShape[2]! - natural[0]!, yShape[3]! - natural[1]!],
      ...(op.activation ? { epilogue: { activation: op.activation } } : {}),
    };
    return run(layer('deconvolution', params, 3), [t.x, t.w, t.b]);
  },
  channel_affine(op, t) {
    const y = run(layer('scale', { mode: 'channel', channelAxis: op.channelAxis }, 3), [t.x, t.shift, t.scale]);
    return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
  },
  softmax: (op, t) => run(layer('softmax', { axis: op.axis, mode: op.log ? 'log_softmax' : 'softmax' }, 1), [t.x]),
  concat: (op, t) => run(layer('concatenation', { axis: op.axis }, t.inputs.length), t.inputs),
  copy: (_op, t, yShape) => t.x.reshape([...yShape]),
  transpose: (op, t) => run(layer('shuffle', { firstTranspose: op.perm }, 1), [t.x]),
  lrn: (op, t) => run(layer('lrn', { size: op.size, alpha: op.alpha, beta: op.beta, bias: op.bias }, 1), [t.x]),
  pad: (op, t) =>
    run(layer('padding', { mode: 'constant' }, 3), [
      t.x,
      ints(op.pads),
      castTo(Tensor.scalar('float32', op.value), t.x.dtype as ProgramDType),
    ]),
  slice(op, t, yShape) {
    // Ends one step past the last element taken; -(dim+1) stands for "before the start".
    const ends = op.starts.map((s, a) => {
      const e = s + op.steps[a]! * yShape[a]!;
      return e < 0 ? -(t.x.shape[a]! + 1) : e;
    });
    return run(layer('slice', {}, 5), [t.x, ints(op.starts), ints(ends), ints(op.starts.map((_, a) => a)), ints(op.steps)]);
  },
  resize2d: (op, t, yShape) =>
    run(
      layer(
        'resize',
        {
          mode: op.mode,
          coordinateTransform: op.coordinateTransform,
          nearestMode: op.nearestMode,
          cubicCoeffA: -0.75,
          excludeOutside: false,
          extrapolationValue: 0,
          antialias: false,
          keepAspectRatioPolicy: 'stretch',
        },
        4,
      ),
      [t.x, undefined, undefined, ints(yShape)],
    ),
};

/**
 * One op's output computed from its operand tensors (`read` gives the tensor of a value id),
 * by the reference kernel of the equivalent layer. Its shape is what the kernels computed,
 * which the caller compares with y's.
 */
export function evaluateProgramOp(op: ProgramOp, read: (id: number) => Tensor, y: Pick<ProgramValue, 'shape' | 'dtype'>): Tensor {
  const evaluate = EVALUATORS[op.op] as Evaluator<ProgramOpKind> | undefined;
  if (!evaluate) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown program op kind '${String((op as { op?: unknown }).op)}'`);
  return evaluate(op as never, readProgramOperands(op, read) as never, y.shape, y.dtype);
}

/** "op 3 (conv2d) of layer 'conv1'": how interpreter errors name an op. */
function opName(op: ProgramOp, index: number): string {
  return `op ${index} (${op.op})${op.label ? ` of layer '${op.label}'` : ''}`;
}

/**
 * Runs a program once on the given inputs (a typed array of each input value's dtype); returns
 * fresh output buffers in program.outputs order.
 */
export function interpretProgram(program: Program, inputs: readonly ProgramData[]): ProgramData[] {
  const arena = new ArrayBuffer(Math.ceil(program.arenaBytes / 8) * 8);
  const size = (v: ProgramValue) => v.shape.reduce((a, b) => a * b, 1);
  const view = (id: number): ProgramData => {
    const v = program.values[id];
    if (!v) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `program value ${id} does not exist`);
    const n = size(v);
    const s = v.storage;
    if (s.kind === 'input') return inputs[s.index]!.subarray(0, n);
    if (s.kind === 'weight') return program.weights[s.index]!.subarray(0, n);
    const bytes = programDTypeBytes(v.dtype);
    if (s.offset % bytes !== 0 || s.offset + bytes * n > arena.byteLength) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `value '${v.name}' lies outside the arena`);
    }
    return new PROGRAM_DTYPE_ARRAYS[v.dtype](arena, s.offset, n);
  };
  // Operands are copied out before the output is written, so in-place placements are safe here.
  const get = (id: number) => new Tensor(program.values[id]!.dtype, program.values[id]!.shape, view(id).slice());
  program.ops.forEach((op, index) => {
    const y = programOpOperands(op).output;
    const yValue = program.values[y];
    const where = { layer: { name: op.label ?? yValue?.name ?? `op ${index}`, kind: op.op, index } };
    if (yValue?.storage.kind !== 'arena') {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${opName(op, index)} writes a value that is not in the arena`, where);
    }
    const result = evaluateProgramOp(op, get, yValue);
    const target = view(y);
    if (result.size !== target.length || result.dtype !== yValue.dtype) {
      throw new KilnError(
        ErrorCode.INTERNAL,
        `${opName(op, index)} computed ${result.size} ${result.dtype} elements for '${yValue.name}' ${yValue.dtype} [${yValue.shape.join(',')}]`,
        where,
      );
    }
    (target as Float32Array).set(result.data as Float32Array);
  });
  return program.outputs.map((id) => view(id).slice());
}
