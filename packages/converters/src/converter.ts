/**
 * What a converter is: one framework op (domain + name, for a range of opset versions) lowered
 * to kiln layers. Its validator answers the partitioner's "can you?" without building anything.
 */
import type {
  DType,
  Graph,
  GraphNode,
  KilnError,
  LayerKind,
  LayerParamsMap,
  Network,
  Shape,
  Tensor,
  TensorDesc,
} from '@kiln-inference/core';
import type { AttributeReader } from './attributes.js';

/** Why a node cannot be converted; the conformance report groups failures by these. */
export type UnsupportedCategory = 'unsupported-op' | 'unsupported-dtype' | 'unsupported-attribute' | 'dynamic-shape' | 'other';

export type Support = { supported: true } | { supported: false; category: UnsupportedCategory; reason: string };

export const SUPPORTED: Support = { supported: true };

export function unsupported(category: UnsupportedCategory, reason: string): Support {
  return { supported: false, category, reason };
}

/** What validators may look at: the node, its attributes, and what is known about its inputs. */
export interface ValidationContext {
  readonly graph: Graph;
  readonly node: GraphNode;
  /** Opset version of the node's domain (1 when the model declares none). */
  readonly opset: number;
  readonly attrs: AttributeReader;
  /** dtype of input i when known (from weights, graph inputs or inference). */
  inputDType(i: number): DType | undefined;
  inputShape(i: number): Shape | null | undefined;
  /** Value of input i when it is a weight or a constant. */
  constantInput(i: number): Tensor | undefined;
  hasInput(i: number): boolean;
}

export interface LayerOutputSpec {
  /** Defaults to a fresh name; pass ctx.output(i) to bind a node output. */
  name?: string;
  dtype: DType;
  shape?: Shape | null;
  /** 'sequence' for tensor-sequence outputs (dtype/shape then describe the elements); default tensor. */
  valueKind?: TensorDesc['valueKind'];
}

export interface ConversionContext extends ValidationContext {
  readonly network: Network;
  /** Network tensor for node input i ('' when the optional input is omitted). */
  input(i: number): string;
  inputDesc(i: number): TensorDesc | undefined;
  /** Network tensor name for any value visible here (creates constant layers for weights). */
  resolve(valueName: string): string;
  /** Node output name i ('' when the node leaves it out). */
  output(i: number): string;
  /**
   * Adds a layer and returns its output tensor names. The origin (this node) is recorded on
   * the layer for reports and error messages.
   */
  addLayer<K extends LayerKind>(kind: K, params: LayerParamsMap[K], inputs: string[], outputs: LayerOutputSpec[]): string[];
  /** Adds a constant layer holding `value` and returns its tensor name. */
  constant(value: Tensor, nameHint?: string): string;
  /** Makes node output i an alias of an existing tensor (an identity layer). */
  alias(outputIndex: number, tensor: string): void;
  /**
   * Converts a sub-graph (If/Loop/Scan body) into a Network. `formalInputs` are the body's own
   * inputs; values it reads from enclosing scopes are returned as `captures` (outer tensor
   * names, in the order they appear in the sub-network's inputs after the formal ones).
   */
  convertSubgraph(body: Graph, formalInputs: TensorDesc[]): { network: Network; captures: string[] };
  /** A KilnError naming this node. */
  error(message: string, hint?: string): KilnError;
}

export interface Converter {
  /** 'ai.onnx' for standard ONNX ops (the '' domain), 'tf', 'uff', or a custom domain. */
  domain: string;
  op: string;
  /** First opset version this converter handles (inclusive); defaults to 1. */
  sinceVersion?: number;
  /** Last opset version this converter handles (inclusive); defaults to unlimited. */
  untilVersion?: number;
  /** Higher wins when several converters claim one op; built-ins use 0, plugins override above. */
  priority?: number;
  /** Input dtypes handled, for the generated operator matrix. */
  dtypes?: readonly DType[];
  /** Human-readable limits, for the generated operator matrix. */
  restrictions?: string;
  validate?(ctx: ValidationContext): Support;
  convert(ctx: ConversionContext): void;
}
