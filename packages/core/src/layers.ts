/**
 * The kiln layer vocabulary: what converters produce, what the builder rewrites and what
 * every backend executes. Modelled on TensorRT's layer set, with ONNX-precise semantics where
 * TensorRT is vague.
 *
 * Conventions shared by every layer:
 *   - inputs/outputs are tensor names in the Network; '' marks an omitted optional input;
 *   - weights are not parameters: they arrive as inputs produced by `constant` layers, so Q/DQ
 *     insertion, constant folding and weight refitting treat them like any other tensor;
 *   - shapes are computed at run time from actual inputs (the reference backend) or at build
 *     time for the profile's shapes (optimizing backends);
 *   - axes are already normalised to be non-negative where the input rank is known at
 *     conversion time; kernels still accept negative axes (counted from the end).
 */
import type { DType } from './dtype.js';
import type { Network } from './network.js';
import type { Tensor } from './tensor.js';

/** Fused activation kinds, one list that the plan decoder and the Program validator read too. */
export const ACTIVATION_TYPES = [
  'relu',
  'sigmoid',
  'tanh',
  'leaky_relu', // alpha
  'elu', // alpha
  'selu', // alpha, beta (gamma)
  'softsign',
  'softplus',
  'clip', // alpha = min, beta = max
  'hard_sigmoid', // alpha, beta: max(0, min(1, alpha*x + beta))
  'scaled_tanh', // alpha * tanh(beta * x)
  'thresholded_relu', // alpha
  'gelu_erf',
  'gelu_tanh',
  'celu', // alpha
  'mish',
  'swish', // x * sigmoid(alpha * x), alpha defaults to 1
  'hard_swish',
  'shrink', // alpha = lambd, beta = bias (ONNX Shrink)
] as const;

export type ActivationType = (typeof ACTIVATION_TYPES)[number];

export interface ActivationSpec {
  type: ActivationType;
  alpha?: number;
  beta?: number;
}

export type UnaryOp =
  | 'abs'
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'asin'
  | 'acos'
  | 'atan'
  | 'sinh'
  | 'cosh'
  | 'asinh'
  | 'acosh'
  | 'atanh'
  | 'ceil'
  | 'floor'
  | 'round' // half to even
  | 'erf'
  | 'not'
  | 'sign'
  | 'is_nan'
  | 'is_inf' // params.detectPositive / detectNegative
  | 'bitwise_not';

export type ElementwiseOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div' // integer division truncates toward zero
  | 'pow'
  | 'max'
  | 'min'
  | 'mod' // sign of divisor (Python); params.fmod = true for C fmod
  | 'and'
  | 'or'
  | 'xor'
  | 'equal'
  | 'greater'
  | 'greater_equal'
  | 'less'
  | 'less_equal'
  | 'bit_shift_left'
  | 'bit_shift_right'
  | 'bitwise_and'
  | 'bitwise_or'
  | 'bitwise_xor';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'mean' | 'l1' | 'l2' | 'log_sum' | 'log_sum_exp' | 'sum_square';

export type PaddingMode = 'explicit' | 'same_upper' | 'same_lower' | 'valid';

/** One parameter record per layer kind. */
export interface LayerParamsMap {
  /** Outputs a weight or any constant tensor. */
  constant: { value: Tensor };
  identity: Record<string, never>;
  cast: { to: DType; saturate?: boolean };
  activation: ActivationSpec;
  /** inputs [x, slope]; slope broadcasts to x (ONNX PRelu). */
  parametric_relu: Record<string, never>;
  unary: { op: UnaryOp; detectPositive?: boolean; detectNegative?: boolean };
  /** inputs [a, b] with numpy broadcasting; outputs bool for comparisons and logical ops. */
  elementwise: { op: ElementwiseOp; fmod?: boolean };
  /**
   * inputs [x, shift?, scale?, power?]: y = (x * scale + shift) ^ power, per tensor ('uniform'),
   * per channel along `channelAxis`, or elementwise. Batch-norm folds into this.
   */
  scale: { mode: 'uniform' | 'channel' | 'elementwise'; channelAxis: number };
  /**
   * inputs [x, w, b?]: N-d convolution, x is N C spatial… (or N spatial… C when layout is
   * 'channels_last'), w is [K, C/groups, kernel…]. `epilogue` is filled by fusion passes.
   */
  convolution: ConvolutionParams;
  /** inputs [x, w, b?]: transposed convolution, w is [C, K/groups, kernel…] (ONNX ConvTranspose). */
  deconvolution: ConvolutionParams & { outputPadding: number[]; outputShape?: number[] };
  pooling: {
    type: 'max' | 'average' | 'lp';
    /** Global pooling takes the window from the input's spatial dims. */
    global: boolean;
    window: number[];
    strides: number[];
    padsBegin: number[];
    padsEnd: number[];
    dilations: number[];
    paddingMode: PaddingMode;
    ceilMode: boolean;
    countIncludePad: boolean;
    p?: number;
    /** Max pooling may emit a second output with flat indices (ONNX MaxPool). */
    storageOrder?: 0 | 1;
  };
  /** inputs [a, b]: numpy matmul with broadcasting batch dims; transposes apply to the last two dims. */
  matrix_multiply: { transposeA: boolean; transposeB: boolean; epilogue?: Epilogue };
  softmax: { axis: number; mode: 'softmax' | 'log_softmax' | 'hardmax' /** opset < 13: coerce to 2-D at axis */; coerce2d?: boolean };
  /**
   * Concatenates inputs along axis. `inPlace` is set by the builder's concat elimination: each
   * input is a contiguous slice of the output, so its producer writes there and the copy vanishes.
   */
  concatenation: { axis: number; inPlace?: boolean };
  /**
   * Transpose → reshape → transpose, TensorRT's IShuffleLayer. inputs [x, shape?]: a second
   * input supplies the reshape dims at run time. In reshape dims, 0 copies the input dim unless
   * allowZero, and one -1 is inferred.
   */
  shuffle: { firstTranspose?: number[]; reshape?: number[]; secondTranspose?: number[]; allowZero?: boolean };
  /** inputs [x, axes?]: axes come from params or a second input. */
  squeeze: { axes?: number[] };
  unsqueeze: { axes?: number[] };
  /** inputs [x, shape]: numpy broadcast of x to the shape tensor (ONNX Expand). */
  expand: Record<string, never>;
  /** inputs [x, repeats] (ONNX Tile). */
  tile: Record<string, never>;
  /** Moves x into blocks/space (DepthToSpace, SpaceToDepth). */
  depth_space: { direction: 'depth_to_space' | 'space_to_depth'; blockSize: number; mode: 'DCR' | 'CRD' };
  /** inputs [x, axes?]; axes null = all axes (subject to noopWithEmptyAxes). */
  reduce: { op: ReduceOp; axes: number[] | null; keepDims: boolean; noopWithEmptyAxes?: boolean };
  arg_reduce: { op: 'max' | 'min'; axis: number; keepDims: boolean; selectLastIndex: boolean };
  /** inputs [x, k]; outputs [values, indices(int64)]. */
  top_k: { axis: number; largest: boolean; sorted: boolean };
  /** inputs [x, starts, ends, axes?, steps?] with ONNX Slice clamping semantics. */
  slice: Record<string, never>;
  /** inputs [x, split?] (ONNX Split); numOutputs when split sizes are not given. */
  split: { axis: number; numOutputs: number };
  gather: { mode: 'default' | 'elements' | 'nd'; axis: number; batchDims: number };
  /** inputs [data, indices, updates]. */
  scatter: { mode: 'elements' | 'nd'; axis: number; reduction: 'none' | 'add' | 'mul' | 'max' | 'min' };
  /** inputs [x, pads, value?, axes?] (ONNX Pad). */
  padding: { mode: 'constant' | 'reflect' | 'edge' | 'wrap' };
  /** inputs [x, roi?, scales?, sizes?] (ONNX Resize; Upsample maps here). */
  resize: {
    mode: 'nearest' | 'linear' | 'cubic';
    coordinateTransform:
      | 'half_pixel'
      | 'half_pixel_symmetric'
      | 'pytorch_half_pixel'
      | 'align_corners'
      | 'asymmetric'
      | 'tf_crop_and_resize'
      | 'tf_half_pixel_for_nn';
    nearestMode: 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
    cubicCoeffA: number;
    excludeOutside: boolean;
    extrapolationValue: number;
    antialias: boolean;
    axes?: number[];
    keepAspectRatioPolicy: 'stretch' | 'not_larger' | 'not_smaller';
  };
  /**
   * inputs [x, scale, bias]: y = (x - mean) / sqrt(var + epsilon) * scale + bias, statistics
   * over `axes`. Instance/layer/group norm all map here; `numGroups` splits the channel axis.
   * `stashType` is the precision of the statistics. Extra outputs (mean, inv std) are optional.
   * 'rms' skips the mean: y = x / sqrt(mean(x²) + epsilon) * scale + bias (ONNX RMSNormalization).
   */
  normalization: {
    axes: number[];
    epsilon: number;
    numGroups: number;
    channelAxis: number;
    kind: 'instance' | 'layer' | 'group' | 'batch' | 'rms';
    stashType?: DType;
  };
  /** Local response normalization across channels (ONNX LRN). */
  lrn: { size: number; alpha: number; beta: number; bias: number };
  /** inputs [x] → y = x / ||x||_p along axis (ONNX LpNormalization). */
  lp_normalization: { axis: number; p: 1 | 2 };
  /** inputs [x, scale, zeroPoint?]: q = saturate(round(x / scale) + zeroPoint). */
  quantize: QuantizationParams;
  /** inputs [q, scale, zeroPoint?]: x = (q - zeroPoint) * scale. */
  dequantize: QuantizationParams;
  /** inputs [condition, a, b]. */
  select: Record<string, never>;
  /** outputs the input's shape as int64[rank], sliced to [start, end). */
  shape: { start?: number; end?: number };
  /** outputs the element count as an int64 scalar. */
  size: Record<string, never>;
  /**
   * Creates a tensor: 'constant_of_shape' (inputs [shape]), 'range' (inputs [start, limit,
   * delta]), 'random_uniform' / 'random_normal' (shape from params or inputs [like]),
   * 'eye_like' (inputs [x]).
   */
  fill: {
    mode: 'constant_of_shape' | 'range' | 'random_uniform' | 'random_normal' | 'eye_like';
    dtype: DType;
    value?: number;
    shape?: number[];
    low?: number;
    high?: number;
    mean?: number;
    scale?: number;
    seed?: number;
    k?: number;
  };
  einsum: { equation: string };
  /** inputs [x, axis] (ONNX CumSum). */
  cumulative: { op: 'sum' | 'prod'; exclusive: boolean; reverse: boolean };
  /** inputs [indices, depth, values]. */
  one_hot: { axis: number };
  non_zero: Record<string, never>;
  /** inputs [boxes, scores, maxOutputBoxesPerClass?, iouThreshold?, scoreThreshold?] (ONNX NMS). */
  nms: { centerPointBox: boolean };
  grid_sample: { mode: 'linear' | 'nearest' | 'cubic'; paddingMode: 'zeros' | 'border' | 'reflection'; alignCorners: boolean };
  /** inputs [x, sequenceLens]. */
  reverse_sequence: { batchAxis: number; timeAxis: number };
  /** inputs [x, k?]: keeps the upper or lower triangle. */
  trilu: { upper: boolean };
  /**
   * ONNX RNN/GRU/LSTM: inputs [X, W, R, B?, sequenceLens?, initialH?, initialC?, P?],
   * outputs [Y?, Y_h?, Y_c?].
   */
  recurrent: {
    cell: 'rnn' | 'gru' | 'lstm';
    direction: 'forward' | 'reverse' | 'bidirectional';
    hiddenSize: number;
    activations: ActivationSpec[];
    clip?: number;
    inputForget: boolean;
    linearBeforeReset: boolean;
    layout: 0 | 1;
  };
  /**
   * inputs [condition, ...captured]: runs one branch. Branch networks read captured outer tensors
   * under their outer names (their `inputs` list them) and produce the layer's outputs in order.
   */
  conditional: { thenBranch: Network; elseBranch: Network };
  /**
   * ONNX Loop: inputs [maxTripCount|'', condition|'', ...carriedInitial, ...captured].
   * body inputs [iteration, condition, ...carried, ...captured]; body outputs
   * [condition, ...carried, ...scanOutputs]; layer outputs [...carriedFinal, ...scanOutputs].
   */
  loop: { body: Network; numCarried: number };
  /**
   * ONNX Scan (opset ≥ 9): inputs [...initialStates, ...scanInputs, ...captured].
   */
  scan: {
    body: Network;
    numStates: number;
    numScanInputs: number;
    scanInputAxes: number[];
    scanInputDirections: number[];
    scanOutputAxes: number[];
    scanOutputDirections: number[];
    /**
     * Scan-8 semantics: inputs [sequenceLens|'', ...initialStates, ...scanInputs, ...captured];
     * states and scan inputs carry a leading batch axis (scan inputs are [batch, seq, …]), the
     * body runs per batch entry, and outputs keep the batch axis (scan outputs zero-padded).
     */
    batched?: boolean;
  };
  /**
   * A custom layer implemented by a registered plugin, looked up by (namespace, name, version).
   * Kiln's own plugins (namespace 'kiln') cover ops that fit no layer above.
   */
  plugin: {
    namespace: string;
    name: string;
    version: string;
    fields: Record<string, PluginFieldValue>;
    /** The npm package (name@version) that provides the plugin, so a plan can say what to install; absent for kiln's own. */
    package?: string;
  };
  /*
   * Tensor sequences (ONNX sequence ops). Sequence tensors are marked valueKind 'sequence' in the
   * Network; only the CPU reference backend runs these layers. Positions are int32/int64 scalars;
   * a negative position p counts from the end (p + length); out-of-range positions are errors.
   */
  /** inputs [...tensors] (at least one, all of one dtype) → a sequence holding them in order. */
  sequence_construct: Record<string, never>;
  /** no inputs → an empty sequence whose elements will be `dtype`. */
  sequence_empty: { dtype: DType };
  /** inputs [sequence, position] → the element at position (valid range [-n, n-1]). */
  sequence_at: Record<string, never>;
  /**
   * inputs [sequence, tensor, position?] → a new sequence with tensor inserted before position
   * (valid range [-n, n]); without position the tensor is appended.
   */
  sequence_insert: Record<string, never>;
  /** inputs [sequence, position?] → a new sequence without that element (default: the last; range [-n, n-1]). */
  sequence_erase: Record<string, never>;
  /** inputs [sequence] → its length as an int64 scalar. */
  sequence_length: Record<string, never>;
  /**
   * inputs [x, split?] → a sequence of pieces of x along `axis`. split absent: pieces of size 1,
   * squeezed along axis unless keepDims. split scalar: pieces of that size (the last may be
   * shorter). split 1-D: those sizes (must sum to the axis length); keepDims does not apply.
   */
  split_to_sequence: { axis: number; keepDims: boolean };
  /**
   * inputs [sequence] → its elements joined along `axis`; with newAxis they are stacked along a
   * new axis inserted at `axis` (valid range [-r-1, r] then, [-r, r-1] otherwise).
   */
  concat_from_sequence: { axis: number; newAxis: boolean };
}

export interface ConvolutionParams {
  kernelShape: number[];
  strides: number[];
  padsBegin: number[];
  padsEnd: number[];
  dilations: number[];
  groups: number;
  paddingMode: PaddingMode;
  layout?: 'channels_first' | 'channels_last';
  epilogue?: Epilogue;
}

/** What fusion passes attach to a convolution or matmul: bias is an input, these follow it. */
export interface Epilogue {
  /** An extra input added after bias (residual connection), index into layer.inputs. */
  residualInput?: number;
  activation?: ActivationSpec;
}

export interface QuantizationParams {
  /** null = per tensor; otherwise the channel axis of per-axis scales. */
  axis: number | null;
  /** Block quantization along `axis` (opset 21). */
  blockSize?: number;
  /** Quantized type (quantize's output, dequantize's input). */
  quantizedType: DType;
  /** Float type (quantize's input, dequantize's output). */
  floatType: DType;
  saturate?: boolean;
}

export type PluginFieldValue = number | number[] | string | string[] | boolean | Tensor | null;

export type LayerKind = keyof LayerParamsMap;

export const LAYER_KINDS = [
  'constant',
  'identity',
  'cast',
  'activation',
  'parametric_relu',
  'unary',
  'elementwise',
  'scale',
  'convolution',
  'deconvolution',
  'pooling',
  'matrix_multiply',
  'softmax',
  'concatenation',
  'shuffle',
  'squeeze',
  'unsqueeze',
  'expand',
  'tile',
  'depth_space',
  'reduce',
  'arg_reduce',
  'top_k',
  'slice',
  'split',
  'gather',
  'scatter',
  'padding',
  'resize',
  'normalization',
  'lrn',
  'lp_normalization',
  'quantize',
  'dequantize',
  'select',
  'shape',
  'size',
  'fill',
  'einsum',
  'cumulative',
  'one_hot',
  'non_zero',
  'nms',
  'grid_sample',
  'reverse_sequence',
  'trilu',
  'recurrent',
  'conditional',
  'loop',
  'scan',
  'plugin',
  'sequence_construct',
  'sequence_empty',
  'sequence_at',
  'sequence_insert',
  'sequence_erase',
  'sequence_length',
  'split_to_sequence',
  'concat_from_sequence',
] as const satisfies readonly LayerKind[];

/** Layer kinds that produce or consume tensor sequences (CPU-only; never constant-folded). */
export const SEQUENCE_LAYER_KINDS = [
  'sequence_construct',
  'sequence_empty',
  'sequence_at',
  'sequence_insert',
  'sequence_erase',
  'sequence_length',
  'split_to_sequence',
  'concat_from_sequence',
] as const satisfies readonly LayerKind[];

/** Where a layer came from in the framework graph (for error messages and reports). */
export interface LayerOrigin {
  node: string;
  op: string;
  domain?: string;
}

export interface Layer<K extends LayerKind = LayerKind> {
  name: string;
  kind: K;
  inputs: string[];
  outputs: string[];
  params: LayerParamsMap[K];
  /** Requested compute precision (strong typing); absent = the input dtype. */
  precision?: DType;
  origin?: LayerOrigin;
}

export type AnyLayer = { [K in LayerKind]: Layer<K> }[LayerKind];
