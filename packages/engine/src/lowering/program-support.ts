/**
 * Which layers lower to native Program ops (packages/core/src/program.ts): the native
 * backends' layer support table. The partitioner's `cpu` and `cuda` targets ask it, and the
 * lowering splits a plan into native stages and reference-kernel layers with the same answer,
 * so a "supported" verdict here always means "runs natively".
 *
 * Tensors lower with the dtypes their Program ops take (program-ops descriptors): data
 * movement, casts, gathers and selects of any Program dtype; integer arithmetic, comparisons
 * and arg max/min for index math; float32 for everything else. Both executors hold every
 * Program dtype, so the targets agree today; `target` is where they would part. Shape-dependent parameters (reshape dims, pads, slice bounds, resize
 * sizes) must be constants, since a Program is compiled for static shapes.
 */
import {
  type AnyLayer,
  type DType,
  INDEX_DTYPES,
  inferNetwork,
  isProgramDType,
  type Layer,
  type Network,
  PROGRAM_BINARY_OPS,
  PROGRAM_COMPARE_OPS,
  PROGRAM_UNARY_OPS,
  type ValueFacts,
} from '@kiln-inference/core';

export type ProgramSupport = { supported: true } | { supported: false; reason: string };

/** The native backends. Both run every Program op on every dtype its descriptor allows. */
export type NativeTarget = 'cpu' | 'cuda';

/** Layer kinds that move or pick elements without arithmetic: any Program dtype lowers. */
const ANY_DTYPE_KINDS = new Set([
  'identity',
  'squeeze',
  'unsqueeze',
  'shuffle',
  'concatenation',
  'slice',
  'split',
  'padding',
  'cast',
  'gather',
  'select',
]);
/** Elementwise ops with an integer Program op (pow and prelu are float-only). */
const INTEGER_ARITHMETIC = new Set(['add', 'sub', 'mul', 'div', 'max', 'min', 'mod']);
const COMPARE_OPS = new Set<string>(PROGRAM_COMPARE_OPS);

/** Layer unary ops with a native float kernel (the others are integer/bool ops). */
const NATIVE_UNARY = new Set<string>(PROGRAM_UNARY_OPS);

const SUPPORTED: ProgramSupport = { supported: true };
const no = (reason: string): ProgramSupport => ({ supported: false, reason });

/** Layer kinds that never need a kernel: they become views, weights or nothing. */
const FREE_KINDS = new Set(['constant', 'identity', 'squeeze', 'unsqueeze']);

/** Elementwise layer ops with a native binary op ('prelu' comes from parametric_relu layers instead). */
const BINARY_OPS = new Set<string>([...PROGRAM_BINARY_OPS.filter((op) => op !== 'prelu' && op !== 'fmod'), ...PROGRAM_COMPARE_OPS]);
const RESIZE_TRANSFORMS = new Set(['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric']);

/**
 * Whether `layer` of `network` lowers to native ops. `isConstant` says whether a tensor's value
 * is known at build time (produced by a constant layer); parameters read from tensors need it.
 * `target` names the executor asked about; both answer alike today (every Program op and dtype
 * runs on both), and callers keep asking per target so a backend may differ again.
 */
export function programSupport(
  layer: AnyLayer,
  network: Network,
  isConstant: (tensor: string) => boolean,
  _target: NativeTarget = 'cpu',
): ProgramSupport {
  // Constants of any dtype are weights or shape operands read at lowering time, never executed.
  if (layer.kind === 'constant') return SUPPORTED;
  for (const t of [...layer.inputs, ...layer.outputs]) {
    if (!t) continue;
    // A graph weight may have no declared tensor: its inferred facts still give its dtype.
    const desc = network.tensors.get(t) ?? inferredFacts(network).get(t);
    if (!desc?.dtype) continue;
    if (desc.valueKind === 'sequence') return no(`'${t}' is a tensor sequence (reference kernels only)`);
    if (isShapeOperand(layer, t)) continue;
    const problem = dtypeProblem(layer, t, desc.dtype);
    if (problem) return no(problem);
  }
  if (FREE_KINDS.has(layer.kind)) {
    if ((layer.kind === 'squeeze' || layer.kind === 'unsqueeze') && layer.inputs[1] && !isConstant(layer.inputs[1])) {
      return no('its axes are computed at run time');
    }
    return SUPPORTED;
  }
  switch (layer.kind) {
    case 'cast':
    case 'select':
      return SUPPORTED;
    case 'gather': {
      const p = layer.params;
      if (p.mode === 'elements') return no('GatherElements');
      return p.batchDims === 0 ? SUPPORTED : no(`gather with batch_dims ${p.batchDims}`);
    }
    case 'arg_reduce':
      return SUPPORTED;
    case 'convolution': {
      const p = layer.params;
      if (p.layout === 'channels_last') return no('channels-last convolution');
      // ONNX may leave kernel_shape out: the weights' rank tells it then.
      const weightRank = network.tensors.get(layer.inputs[1] ?? '')?.shape?.length;
      const spatial = p.kernelShape.length || (weightRank !== undefined ? weightRank - 2 : 0);
      if (spatial < 1 || spatial > 2) return no(`${spatial}-D convolution (1-D and 2-D lower)`);
      return SUPPORTED;
    }
    case 'matrix_multiply':
      return SUPPORTED;
    case 'pooling': {
      const p = layer.params;
      if (p.type === 'lp') return no('Lp pooling');
      if (layer.outputs.length > 1 && layer.outputs[1]) return no('max pooling with an indices output');
      if (!p.global && p.window.length !== 2) return no(`${p.window.length}-D pooling (2-D and global lower)`);
      return SUPPORTED;
    }
    case 'elementwise':
      return BINARY_OPS.has(layer.params.op) ? SUPPORTED : no(`elementwise '${layer.params.op}'`);
    case 'activation':
      return SUPPORTED;
    case 'scale': {
      if (layer.inputs[3]) return no('scale with a power input');
      return SUPPORTED;
    }
    case 'softmax':
      return layer.params.mode === 'hardmax' ? no('hardmax') : SUPPORTED;
    case 'concatenation':
      return SUPPORTED;
    case 'shuffle':
      return layer.inputs[1] && !isConstant(layer.inputs[1]) ? no('its reshape dims are computed at run time') : SUPPORTED;
    case 'lrn':
      return SUPPORTED;
    case 'unary':
      return NATIVE_UNARY.has(layer.params.op) ? SUPPORTED : no(`unary '${layer.params.op}'`);
    case 'parametric_relu':
      return SUPPORTED;
    case 'deconvolution': {
      const p = layer.params;
      if (p.layout === 'channels_last') return no('channels-last transposed convolution');
      const weightRank = network.tensors.get(layer.inputs[1] ?? '')?.shape?.length;
      const spatial = p.kernelShape.length || (weightRank !== undefined ? weightRank - 2 : 0);
      return spatial === 2 ? SUPPORTED : no(`${spatial}-D transposed convolution (2-D lowers)`);
    }
    case 'padding': {
      if (layer.params.mode !== 'constant') return no(`'${layer.params.mode}' padding`);
      const operands = layer.inputs.slice(1).filter(Boolean);
      return operands.every(isConstant) ? SUPPORTED : no('its pads are computed at run time');
    }
    case 'slice': {
      const operands = layer.inputs.slice(1).filter(Boolean);
      return operands.every(isConstant) ? SUPPORTED : no('its bounds are computed at run time');
    }
    case 'split': {
      return !layer.inputs[1] || isConstant(layer.inputs[1]) ? SUPPORTED : no('its sizes are computed at run time');
    }
    case 'resize': {
      const p = layer.params;
      if (p.mode === 'cubic') return no('cubic resize');
      if (p.antialias) return no('antialiased resize');
      if (!RESIZE_TRANSFORMS.has(p.coordinateTransform)) return no(`coordinate transform '${p.coordinateTransform}'`);
      if (p.keepAspectRatioPolicy !== 'stretch') return no(`keep-aspect-ratio policy '${p.keepAspectRatioPolicy}'`);
      const operands = layer.inputs.slice(1).filter(Boolean);
      if (!operands.every(isConstant)) return no('its scales or sizes are computed at run time');
      return resizesLastTwoDims(layer, network) ? SUPPORTED : no('it resizes dims other than the last two (channels-last images)');
    }
    case 'reduce': {
      const p = layer.params;
      if (p.op !== 'mean' && p.op !== 'max') return no(`reduce '${p.op}'`);
      if (layer.inputs[1] || p.axes === null) return no('reduce axes given as an input or left to run time');
      const rank = network.tensors.get(layer.inputs[0]!)?.shape?.length;
      if (rank === undefined) return no('reduce over an input of unknown rank');
      // Trailing axes reduce like a global pool over a reshaped view.
      const axes = p.axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
      const trailing = axes.length > 0 && axes.every((a, i) => a === rank - axes.length + i);
      return trailing ? SUPPORTED : no(`reduce over axes [${p.axes.join(', ')}] (only trailing axes lower)`);
    }
    default:
      return no(`no native kernel for '${layer.kind}' layers`);
  }
}

const isIndexDType = (dtype: DType): boolean => (INDEX_DTYPES as readonly string[]).includes(dtype);

/**
 * Why tensor `t` of `layer` cannot be a value of its Program op, or undefined when it can: the
 * dtype rules of the op descriptors (packages/core/src/program-ops), seen from the layer.
 */
function dtypeProblem(layer: AnyLayer, t: string, dtype: DType): string | undefined {
  if (dtype === 'float32') return undefined;
  if (!isProgramDType(dtype)) return `'${t}' is ${dtype}, which native programs do not hold`;
  const isOutput = layer.outputs.includes(t);
  if (ANY_DTYPE_KINDS.has(layer.kind)) {
    // select's condition is bool, gather's indices int32/int64: both are Program dtypes.
    if (layer.kind === 'gather' && t === layer.inputs[1] && !isIndexDType(dtype)) return `gather indices '${t}' are ${dtype}`;
    return undefined;
  }
  if (layer.kind === 'elementwise') {
    const op = layer.params.op;
    if (COMPARE_OPS.has(op)) return isOutput || dtype !== 'bool' ? undefined : `comparing bool values ('${t}')`;
    return INTEGER_ARITHMETIC.has(op) && isIndexDType(dtype)
      ? undefined
      : `'${t}' is ${dtype}; '${op}' computes float32 or int32/int64 only`;
  }
  if (layer.kind === 'arg_reduce') {
    if (isOutput) return isIndexDType(dtype) ? undefined : `arg_reduce output '${t}' is ${dtype}`;
    return dtype === 'bool' ? `arg_reduce over bool '${t}'` : undefined;
  }
  return `'${t}' is ${dtype}; native ${layer.kind} kernels compute float32 only`;
}

/** Inputs that only carry shapes/indices (int64 constants) rather than data. */
function isShapeOperand(layer: AnyLayer, tensor: string): boolean {
  const index = layer.inputs.indexOf(tensor);
  if (index <= 0) return false;
  return ['shuffle', 'squeeze', 'unsqueeze', 'padding', 'slice', 'split', 'resize', 'reduce'].includes(layer.kind);
}

/**
 * The native resize op scales the last two dims only (H and W of NCHW). Channels-last resizes
 * (TF's NHWC images) show it in their axes or their shapes, declared or inferred; where neither
 * is known the lowering still refuses them, naming the layer.
 */
function resizesLastTwoDims(layer: Layer<'resize'>, network: Network): boolean {
  const shapeOf = (name: string | undefined) =>
    name ? (network.tensors.get(name)?.shape ?? inferredFacts(network).get(name)?.shape) : null;
  const x = shapeOf(layer.inputs[0]);
  const y = shapeOf(layer.outputs[0]);
  const rank = x?.length ?? y?.length;
  if (rank === undefined) return true;
  if (layer.params.axes?.some((a) => (a < 0 ? a + rank : a) < rank - 2)) return false;
  if (!x || !y || x.length !== y.length) return true;
  return x.slice(0, -2).every((d, i) => typeof d !== 'number' || typeof y[i] !== 'number' || d === y[i]);
}

/** LayerDef facts of a network's tensors, once per network (support is asked layer by layer). */
const factsByNetwork = new WeakMap<Network, ReadonlyMap<string, ValueFacts>>();
function inferredFacts(network: Network): ReadonlyMap<string, ValueFacts> {
  let facts = factsByNetwork.get(network);
  if (!facts) {
    facts = inferNetwork(network, { onError: 'declared' });
    factsByNetwork.set(network, facts);
  }
  return facts;
}
