/**
 * The reference interpreter of a Program (@kiln/core program.ts): each op runs through the
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
  type Program,
  type ProgramOp,
  type ProgramOperandValues,
  type ProgramOpKind,
  type ProgramValue,
  programOpOperands,
  readProgramOperands,
  Tensor,
} from '@kiln/core';
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
) => Tensor;

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
    const y =
      op.type === 'prelu' ? run(layer('parametric_relu', {}, 2), [t.a, t.b]) : run(layer('elementwise', { op: op.type }, 2), [t.a, t.b]);
    return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
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
  pad: (op, t) => run(layer('padding', { mode: 'constant' }, 3), [t.x, ints(op.pads), Tensor.scalar('float32', op.value)]),
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
export function evaluateProgramOp(op: ProgramOp, read: (id: number) => Tensor, yShape: readonly number[]): Tensor {
  const evaluate = EVALUATORS[op.op] as Evaluator<ProgramOpKind> | undefined;
  if (!evaluate) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown program op kind '${String((op as { op?: unknown }).op)}'`);
  return evaluate(op as never, readProgramOperands(op, read) as never, yShape);
}

/** "op 3 (conv2d) of layer 'conv1'": how interpreter errors name an op. */
function opName(op: ProgramOp, index: number): string {
  return `op ${index} (${op.op})${op.label ? ` of layer '${op.label}'` : ''}`;
}

/** Runs a program once on the given inputs; returns fresh output buffers in program.outputs order. */
export function interpretProgram(program: Program, inputs: readonly Float32Array[]): Float32Array[] {
  const arena = new Float32Array(Math.ceil(program.arenaBytes / 4));
  const size = (v: ProgramValue) => v.shape.reduce((a, b) => a * b, 1);
  const view = (id: number): Float32Array => {
    const v = program.values[id];
    if (!v) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `program value ${id} does not exist`);
    const n = size(v);
    const s = v.storage;
    if (s.kind === 'input') return inputs[s.index]!.subarray(0, n);
    if (s.kind === 'weight') return program.weights[s.index]!.subarray(0, n);
    if (s.offset % 4 !== 0 || s.offset / 4 + n > arena.length) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `value '${v.name}' lies outside the arena`);
    }
    return arena.subarray(s.offset / 4, s.offset / 4 + n);
  };
  // Operands are copied out before the output is written, so in-place placements are safe here.
  const get = (id: number) => new Tensor('float32', program.values[id]!.shape, Float32Array.from(view(id)));
  program.ops.forEach((op, index) => {
    const y = programOpOperands(op).output;
    const yValue = program.values[y];
    const where = { layer: { name: op.label ?? yValue?.name ?? `op ${index}`, kind: op.op, index } };
    if (yValue?.storage.kind !== 'arena') {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${opName(op, index)} writes a value that is not in the arena`, where);
    }
    const result = evaluateProgramOp(op, get, yValue.shape);
    const target = view(y);
    if (result.size !== target.length) {
      throw new KilnError(
        ErrorCode.INTERNAL,
        `${opName(op, index)} computed ${result.size} elements for '${yValue.name}' of shape [${yValue.shape.join(',')}]`,
        where,
      );
    }
    target.set(result.data as Float32Array);
  });
  return program.outputs.map((id) => Float32Array.from(view(id)));
}
