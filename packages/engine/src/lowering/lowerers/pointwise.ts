/**
 * Elementwise and per-channel layers: elementwise → binary, activation, scale → channel_affine
 * (or binary ops for elementwise scales), softmax, lrn, quantize and dequantize (between float32
 * and int8/uint8).
 */
import {
  broadcastShapes,
  type DType,
  type Layer,
  PROGRAM_BINARY_OPS,
  PROGRAM_COMPARE_OPS,
  PROGRAM_UNARY_OPS,
  type ProgramBinaryOp,
  type ProgramCompareOp,
  type ProgramUnaryOp,
} from '@kiln-inference/core';
import { type LowererTable, layerAxis, loweringError, product, type SupportRule } from '../lowerer.js';
import type { ProgramAssembler } from '../program-assembler.js';
import type { ProgramSupport } from '../program-support.js';

/** Elementwise layer ops and Program binary ops share their names ('mod' with fmod is 'fmod'). */
function binaryOp(params: Layer<'elementwise'>['params']): ProgramBinaryOp | undefined {
  if (params.op === 'mod' && params.fmod) return 'fmod';
  return (PROGRAM_BINARY_OPS as readonly string[]).includes(params.op) ? (params.op as ProgramBinaryOp) : undefined;
}

const isCompareOp = (op: string): op is ProgramCompareOp => (PROGRAM_COMPARE_OPS as readonly string[]).includes(op);

export function lowerElementwise(layer: Layer<'elementwise'>, asm: ProgramAssembler): void {
  const [aName, bName] = layer.inputs as [string, string];
  const out = broadcastShapes([asm.shape(aName), asm.shape(bName)]);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  const operands = { a: asm.ref(aName), b: asm.ref(bName), y: asm.ref(yName) };
  const { op } = layer.params;
  if (isCompareOp(op)) {
    asm.emit({ op: 'compare', type: op, ...operands });
    return;
  }
  const type = binaryOp(layer.params);
  if (!type) throw loweringError(layer, `elementwise '${op}'`);
  asm.emit({ op: 'binary', type, ...operands });
}

export function lowerActivation(layer: Layer<'activation'>, asm: ProgramAssembler): void {
  const xName = layer.inputs[0]!;
  const yName = layer.outputs[0]!;
  asm.setShape(yName, asm.shape(xName));
  asm.emit({ op: 'activation', x: asm.ref(xName), y: asm.ref(yName), activation: { ...layer.params } });
}

/** y = (x·scale + shift) per channel, per tensor or elementwise (no power: programSupport refuses it). */
export function lowerScale(layer: Layer<'scale'>, asm: ProgramAssembler): void {
  const [xName, shiftName, scaleName, powerName] = layer.inputs as [string, string?, string?, string?];
  if (powerName) throw loweringError(layer, 'scale with a power input');
  const x = asm.shape(xName);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, x);
  const { mode } = layer.params;
  const y = asm.ref(yName);
  if (mode === 'elementwise') {
    // Two broadcast ops; the second runs in place on y.
    let from = asm.ref(xName);
    if (scaleName) {
      asm.emit({ op: 'binary', type: 'mul', a: from, b: asm.ref(scaleName), y });
      from = y;
    }
    if (shiftName) asm.emit({ op: 'binary', type: 'add', a: from, b: asm.ref(shiftName), y });
    else if (!scaleName) asm.emit({ op: 'copy', x: from, y });
    return;
  }
  const axis = layer.params.channelAxis < 0 ? layer.params.channelAxis + x.length : layer.params.channelAxis;
  const channels = mode === 'channel' ? x[axis] : 1;
  if (channels === undefined) throw loweringError(layer, `channel axis ${layer.params.channelAxis} of [${x.join(',')}]`);
  const operand = (name: string | undefined, what: string) => {
    if (!name) return undefined;
    const size = product(asm.shape(name));
    if (mode === 'channel') {
      if (size !== channels) throw loweringError(layer, `${what} has ${size} values for ${channels} channels`);
      return asm.ref(name, [channels]);
    }
    // Per tensor: spread the one value over a single channel axis of length 1 (axis 0 of a flat view).
    if (size !== 1) throw loweringError(layer, `uniform ${what} has ${size} values`);
    return asm.ref(name, [1]);
  };
  const scale = operand(scaleName, 'scale');
  const shift = operand(shiftName, 'shift');
  const flat = mode === 'uniform';
  asm.emit({
    op: 'channel_affine',
    x: flat ? asm.ref(xName, [1, product(x)]) : asm.ref(xName),
    ...(scale !== undefined ? { scale } : {}),
    ...(shift !== undefined ? { shift } : {}),
    y: flat ? asm.ref(yName, [1, product(x)]) : y,
    channelAxis: flat ? 0 : axis,
  });
}

export function lowerSoftmax(layer: Layer<'softmax'>, asm: ProgramAssembler): void {
  const { mode, coerce2d } = layer.params;
  if (mode === 'hardmax') throw loweringError(layer, 'hardmax');
  const xName = layer.inputs[0]!;
  const x = asm.shape(xName);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, x);
  const axis = x.length === 0 ? 0 : layerAxis(layer, layer.params.axis, x.length);
  const log = mode === 'log_softmax';
  if (coerce2d) {
    // opset < 13: softmax over everything from axis on, i.e. axis 1 of a 2-D view.
    const view = [product(x.slice(0, axis)), product(x.slice(axis))];
    asm.emit({ op: 'softmax', x: asm.ref(xName, view), y: asm.ref(yName, view), axis: 1, log });
    return;
  }
  asm.emit({ op: 'softmax', x: asm.ref(xName), y: asm.ref(yName), axis, log });
}

export function lowerLrn(layer: Layer<'lrn'>, asm: ProgramAssembler): void {
  const xName = layer.inputs[0]!;
  const yName = layer.outputs[0]!;
  asm.setShape(yName, asm.shape(xName));
  asm.emit({ op: 'lrn', x: asm.ref(xName), y: asm.ref(yName), ...layer.params });
}

/** Unary layer ops and Program unary ops share their names (the layer has integer/bool ones too). */
function unaryOp(op: Layer<'unary'>['params']['op']): ProgramUnaryOp | undefined {
  return (PROGRAM_UNARY_OPS as readonly string[]).includes(op) ? (op as ProgramUnaryOp) : undefined;
}

export function lowerUnary(layer: Layer<'unary'>, asm: ProgramAssembler): void {
  const type = unaryOp(layer.params.op);
  if (!type) throw loweringError(layer, `unary '${layer.params.op}'`);
  const xName = layer.inputs[0]!;
  const yName = layer.outputs[0]!;
  asm.setShape(yName, asm.shape(xName));
  asm.emit({ op: 'unary', type, x: asm.ref(xName), y: asm.ref(yName) });
}

/** PRelu: x ≥ 0 ? x : x·slope, the slope broadcasting to x (ONNX). */
export function lowerParametricRelu(layer: Layer<'parametric_relu'>, asm: ProgramAssembler): void {
  const [xName, slopeName] = layer.inputs as [string, string];
  const out = broadcastShapes([asm.shape(xName), asm.shape(slopeName)]);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  asm.emit({ op: 'binary', type: 'prelu', a: asm.ref(xName), b: asm.ref(slopeName), y: asm.ref(yName) });
}

const QUANTIZED_DTYPES: readonly DType[] = ['int8', 'uint8'];

/**
 * Quantization layers lower where their values fit the Program ops: float32 float values, int8 or
 * uint8 quantized ones (the zero point's too), per tensor or per axis, on the CPU (CUDA has no
 * integer values yet). Blocked scales and other types stay on the reference kernels.
 */
const quantizationSupport: SupportRule<Layer<'quantize' | 'dequantize'>> = (layer, dtypeOf, target) => {
  const no = (reason: string): ProgramSupport => ({ supported: false, reason });
  const { blockSize, quantizedType, floatType } = layer.params;
  if (blockSize) return no(`blocked quantization (block size ${blockSize})`);
  if (!QUANTIZED_DTYPES.includes(quantizedType)) return no(`${layer.kind} to ${quantizedType} (int8 and uint8 lower)`);
  if (floatType !== 'float32') return no(`${layer.kind} from ${floatType} (float32 lowers)`);
  const [x, scale, zeroPoint] = layer.inputs;
  const quantized = layer.kind === 'quantize' ? layer.outputs[0] : x;
  if (target === 'cuda') return no(`'${quantized}' is ${quantizedType}; the CUDA executor computes float32 only so far`);
  const want: [string | undefined, DType][] = [
    [x, layer.kind === 'quantize' ? floatType : quantizedType],
    [scale, 'float32'],
    [zeroPoint, quantizedType],
    [layer.outputs[0], layer.kind === 'quantize' ? quantizedType : floatType],
  ];
  for (const [tensor, dtype] of want) {
    const got = tensor ? dtypeOf(tensor) : undefined;
    if (tensor && got !== undefined && got !== dtype) return no(`'${tensor}' is ${got}; ${layer.kind} lowers with ${dtype} there`);
  }
  return { supported: true };
};

/** The op's axis: 0 per tensor (one scale, the axis unused), else the layer's axis, which the scale must span. */
function quantizationAxis(layer: Layer<'quantize' | 'dequantize'>, data: readonly number[], scale: readonly number[]): number {
  if (product(scale) === 1) return 0;
  if (layer.params.axis === null) throw loweringError(layer, `a per-tensor ${layer.kind} with ${product(scale)} scales`);
  const axis = layerAxis(layer, layer.params.axis, data.length);
  if (scale.length !== 1 || scale[0] !== data[axis]) {
    throw loweringError(layer, `scale [${scale.join(', ')}] does not give one value per index of axis ${axis} of [${data.join(', ')}]`);
  }
  return axis;
}

/** quantize → quantize, dequantize → dequantize: the same operands and axis. */
export function lowerQuantization(layer: Layer<'quantize' | 'dequantize'>, asm: ProgramAssembler): void {
  const [xName, scaleName, zeroPointName] = layer.inputs as [string, string, string?];
  const x = asm.shape(xName);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, x);
  asm.emit({
    op: layer.kind,
    x: asm.ref(xName),
    scale: asm.ref(scaleName),
    ...(zeroPointName ? { zeroPoint: asm.ref(zeroPointName) } : {}),
    y: asm.ref(yName),
    axis: quantizationAxis(layer, x, asm.shape(scaleName)),
  });
}

/** This family's lowerers by layer kind (lowerers/index.ts merges the families). */
export const pointwiseLowerers: LowererTable = {
  unary: lowerUnary,
  parametric_relu: lowerParametricRelu,
  elementwise: lowerElementwise,
  activation: lowerActivation,
  scale: lowerScale,
  softmax: lowerSoftmax,
  lrn: lowerLrn,
  quantize: { lower: lowerQuantization, support: quantizationSupport },
  dequantize: { lower: lowerQuantization, support: quantizationSupport },
};
