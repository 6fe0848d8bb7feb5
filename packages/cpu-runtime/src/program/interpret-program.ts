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
  type ProgramValue,
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

/** Computes one op's output from its operand tensors. */
function evaluate(op: ProgramOp, get: (id: number) => Tensor, shapeOf: (id: number) => number[]): Tensor {
  switch (op.op) {
    case 'conv2d': {
      const w = get(op.w);
      const inputs = [get(op.x), w, op.b !== undefined ? get(op.b) : undefined, op.residual !== undefined ? get(op.residual) : undefined];
      const epilogue = {
        ...(op.residual !== undefined ? { residualInput: 3 } : {}),
        ...(op.activation ? { activation: op.activation } : {}),
      };
      const params = { ...conv(op.strides, op.pads, op.dilations, op.groups, w.shape.slice(2) as number[]), epilogue };
      return run(layer('convolution', params, 4), inputs);
    }
    case 'gemm': {
      const product = run(layer('matrix_multiply', { transposeA: op.transA, transposeB: op.transB }, 2), [get(op.a), get(op.b)]);
      let y = op.alpha === 1 ? product : run(layer('elementwise', { op: 'mul' }, 2), [product, Tensor.scalar('float32', op.alpha)]);
      if (op.bias !== undefined) {
        const bias =
          op.beta === 1 ? get(op.bias) : run(layer('elementwise', { op: 'mul' }, 2), [get(op.bias), Tensor.scalar('float32', op.beta)]);
        y = run(layer('elementwise', { op: 'add' }, 2), [y, bias]);
      }
      return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
    }
    case 'batched_matmul':
      return run(layer('matrix_multiply', { transposeA: false, transposeB: false }, 2), [get(op.a), get(op.b)]);
    case 'pool2d': {
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
          [get(op.x)],
        );
      const floor = pool(false);
      return floor.shape.join() === shapeOf(op.y).join() ? floor : pool(true);
    }
    case 'global_pool':
      return run(
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
        [get(op.x)],
      );
    case 'binary': {
      const y =
        op.type === 'prelu'
          ? run(layer('parametric_relu', {}, 2), [get(op.a), get(op.b)])
          : run(layer('elementwise', { op: op.type }, 2), [get(op.a), get(op.b)]);
      return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
    }
    case 'activation':
      return run(layer('activation', op.activation, 1), [get(op.x)]);
    case 'unary':
      return run(layer('unary', { op: op.type }, 1), [get(op.x)]);
    case 'deconv2d': {
      const w = get(op.w);
      const x = get(op.x);
      const outShape = shapeOf(op.y);
      const kernel = w.shape.slice(2) as number[];
      // Output padding is whatever y's shape adds beyond the stride/pad/dilation arithmetic.
      const natural = [0, 1].map(
        (d) => (x.shape[2 + d]! - 1) * op.strides[d]! - op.pads[d]! - op.pads[d + 2]! + op.dilations[d]! * (kernel[d]! - 1) + 1,
      );
      const params = {
        ...conv(op.strides, op.pads, op.dilations, op.groups, kernel),
        outputPadding: [outShape[2]! - natural[0]!, outShape[3]! - natural[1]!],
        ...(op.activation ? { epilogue: { activation: op.activation } } : {}),
      };
      return run(layer('deconvolution', params, 3), [x, w, op.b !== undefined ? get(op.b) : undefined]);
    }
    case 'channel_affine': {
      const x = get(op.x);
      const inputs = [x, op.shift !== undefined ? get(op.shift) : undefined, op.scale !== undefined ? get(op.scale) : undefined];
      const y = run(layer('scale', { mode: 'channel', channelAxis: op.channelAxis }, 3), inputs);
      return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
    }
    case 'softmax':
      return run(layer('softmax', { axis: op.axis, mode: op.log ? 'log_softmax' : 'softmax' }, 1), [get(op.x)]);
    case 'concat':
      return run(layer('concatenation', { axis: op.axis }, op.inputs.length), op.inputs.map(get));
    case 'copy':
      return get(op.x).reshape(shapeOf(op.y));
    case 'transpose':
      return run(layer('shuffle', { firstTranspose: op.perm }, 1), [get(op.x)]);
    case 'lrn':
      return run(layer('lrn', { size: op.size, alpha: op.alpha, beta: op.beta, bias: op.bias }, 1), [get(op.x)]);
    case 'pad':
      return run(layer('padding', { mode: 'constant' }, 3), [get(op.x), ints(op.pads), Tensor.scalar('float32', op.value)]);
    case 'slice': {
      const shape = shapeOf(op.y);
      // Ends one step past the last element taken; -(dim+1) stands for "before the start".
      const ends = op.starts.map((s, a) => {
        const e = s + op.steps[a]! * shape[a]!;
        return e < 0 ? -(shapeOf(op.x)[a]! + 1) : e;
      });
      return run(layer('slice', {}, 5), [get(op.x), ints(op.starts), ints(ends), ints(op.starts.map((_, a) => a)), ints(op.steps)]);
    }
    case 'resize2d': {
      const x = get(op.x);
      const sizes = shapeOf(op.y);
      return run(
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
        [x, undefined, undefined, ints(sizes)],
      );
    }
  }
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
  const shapeOf = (id: number) => program.values[id]!.shape;
  program.ops.forEach((op, index) => {
    const y = evaluate(op, get, shapeOf);
    const target = view(op.y);
    if (y.size !== target.length) {
      throw new KilnError(
        ErrorCode.INTERNAL,
        `op ${index} (${op.op}) computed ${y.size} elements for '${program.values[op.y]!.name}' of shape [${shapeOf(op.y).join(',')}]`,
      );
    }
    if (program.values[op.y]!.storage.kind !== 'arena') {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `op ${index} (${op.op}) writes a value that is not in the arena`);
    }
    target.set(y.data as Float32Array);
  });
  return program.outputs.map((id) => Float32Array.from(view(id)));
}
