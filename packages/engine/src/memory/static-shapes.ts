/**
 * Static shapes of every tensor the planner sizes. A shape comes from the caller, else the
 * network's TensorDesc when fully known, else a small inference over layers whose output shape
 * follows from their inputs' (converters leave some intermediate tensors undeclared, such as the
 * matmul inside a lowered Gemm). Whatever stays unknown is reported by the planner.
 */
import { type AnyLayer, broadcastShapes, isStaticShape, type Network, normalizeAxis } from '@kiln/core';

type Shape = readonly number[];

/** Layers whose first output has the shape of their first input. */
const SAME_AS_FIRST_INPUT = new Set<string>([
  'identity',
  'cast',
  'activation',
  'unary',
  'parametric_relu',
  'scale',
  'softmax',
  'lrn',
  'lp_normalization',
  'quantize',
  'dequantize',
  'normalization',
  'trilu',
  'cumulative',
  'reverse_sequence',
]);

export function resolveStaticShapes(network: Network, given?: ReadonlyMap<string, readonly number[]>): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const declared = (name: string): Shape | undefined => {
    const g = given?.get(name);
    if (g) return g;
    const desc = network.tensors.get(name);
    return desc?.shape && isStaticShape(desc.shape) ? desc.shape : undefined;
  };
  for (const input of network.inputs) {
    const s = declared(input.name);
    if (s) shapes.set(input.name, s);
  }
  for (const layer of network.layers) {
    layer.outputs.forEach((name, i) => {
      if (!name) return;
      let s = declared(name);
      if (!s && layer.kind === 'constant') s = layer.params.value.shape;
      if (!s && i === 0) s = validDims(inferFirstOutput(layer, (t) => shapes.get(t)));
      if (s) shapes.set(name, s);
    });
  }
  return shapes;
}

function validDims(shape: Shape | undefined): Shape | undefined {
  return shape?.every((d) => Number.isInteger(d) && d >= 0) ? shape : undefined;
}

/** The first output's shape when every input it depends on is known; undefined otherwise (never throws). */
function inferFirstOutput(layer: AnyLayer, shapeOf: (name: string) => Shape | undefined): Shape | undefined {
  const inputs = layer.inputs.map((n) => (n ? shapeOf(n) : undefined));
  const x = inputs[0];
  try {
    if (SAME_AS_FIRST_INPUT.has(layer.kind)) return x;
    switch (layer.kind) {
      case 'elementwise':
      case 'select':
        return inputs.every((s) => s) ? broadcastShapes(inputs as Shape[]) : undefined;
      case 'matrix_multiply':
        return x && inputs[1] ? matmulShape(x, inputs[1], layer.params.transposeA, layer.params.transposeB) : undefined;
      case 'concatenation': {
        if (!x || !inputs.every((s) => s && s.length === x.length)) return undefined;
        const axis = normalizeAxis(layer.params.axis, x.length);
        const out = [...x];
        out[axis] = (inputs as Shape[]).reduce((sum, s) => sum + s[axis]!, 0);
        return out;
      }
      case 'shuffle':
        return x && !layer.inputs[1] ? shuffleShape(x, layer.params) : undefined;
      case 'squeeze': {
        if (!x || layer.inputs[1]) return undefined;
        const axes = layer.params.axes?.map((a) => normalizeAxis(a, x.length));
        return x.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
      }
      case 'unsqueeze': {
        if (!x || layer.inputs[1] || !layer.params.axes) return undefined;
        const rank = x.length + layer.params.axes.length;
        const axes = layer.params.axes.map((a) => normalizeAxis(a, rank));
        const rest = [...x];
        return Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!));
      }
      default:
        return undefined;
    }
  } catch {
    // Inconsistent shapes are the validators' and kernels' business; here they only mean "unknown".
    return undefined;
  }
}

function matmulShape(a: Shape, b: Shape, transA: boolean, transB: boolean): Shape | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const a2 = a.length === 1 ? [1, a[0]!] : transA ? [...a.slice(0, -2), a.at(-1)!, a.at(-2)!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : transB ? [...b.slice(0, -2), b.at(-1)!, b.at(-2)!] : b;
  if (a2.at(-1) !== b2.at(-2)) return undefined;
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch];
  if (a.length > 1) out.push(a2.at(-2)!);
  if (b.length > 1) out.push(b2.at(-1)!);
  return out;
}

function shuffleShape(
  x: Shape,
  p: { firstTranspose?: number[]; reshape?: number[]; secondTranspose?: number[]; allowZero?: boolean },
): Shape | undefined {
  let s: Shape = p.firstTranspose ? p.firstTranspose.map((i) => x[i]!) : x;
  if (p.reshape) {
    const total = s.reduce((a, d) => a * d, 1);
    const dims = p.reshape.map((d, i) => (d === 0 && !p.allowZero ? s[i]! : d));
    const known = dims.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const inferred = dims.filter((d) => d === -1).length;
    if (inferred > 1 || (inferred === 1 && known === 0)) return undefined;
    s = dims.map((d) => (d === -1 ? total / known : d));
    if (s.reduce((a, d) => a * d, 1) !== total || s.some((d) => !Number.isInteger(d) || d < 0)) return undefined;
  }
  return p.secondTranspose ? p.secondTranspose.map((i) => s[i]!) : s;
}
