/**
 * KilnError: every failure a user can cause carries a stable code, the node or layer it
 * concerns, and a hint saying what to do. Codes are part of the public API: never rename one.
 */

export const ErrorCode = {
  // Input files
  INVALID_MODEL: 'INVALID_MODEL',
  TRUNCATED_FILE: 'TRUNCATED_FILE',
  UNSUPPORTED_FORMAT: 'UNSUPPORTED_FORMAT',
  UNSUPPORTED_OPSET: 'UNSUPPORTED_OPSET',
  EXTERNAL_DATA: 'EXTERNAL_DATA',
  // Graph structure
  GRAPH_CYCLE: 'GRAPH_CYCLE',
  GRAPH_DANGLING_INPUT: 'GRAPH_DANGLING_INPUT',
  GRAPH_DUPLICATE_OUTPUT: 'GRAPH_DUPLICATE_OUTPUT',
  GRAPH_MISSING_OUTPUT: 'GRAPH_MISSING_OUTPUT',
  // Nodes, attributes, shapes, dtypes
  INVALID_ATTRIBUTE: 'INVALID_ATTRIBUTE',
  INVALID_SHAPE: 'INVALID_SHAPE',
  INVALID_DTYPE: 'INVALID_DTYPE',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  SHAPE_MISMATCH: 'SHAPE_MISMATCH',
  DIMENSION_TOO_LARGE: 'DIMENSION_TOO_LARGE',
  UNSUPPORTED_OP: 'UNSUPPORTED_OP',
  UNSUPPORTED_DTYPE: 'UNSUPPORTED_DTYPE',
  UNSUPPORTED_LAYER: 'UNSUPPORTED_LAYER',
  CONVERSION_FAILED: 'CONVERSION_FAILED',
  // Running
  MISSING_FEED: 'MISSING_FEED',
  UNKNOWN_FEED: 'UNKNOWN_FEED',
  FEED_DTYPE_MISMATCH: 'FEED_DTYPE_MISMATCH',
  FEED_SHAPE_MISMATCH: 'FEED_SHAPE_MISMATCH',
  RUNTIME_ERROR: 'RUNTIME_ERROR',
  // Plans
  PLAN_CORRUPTED: 'PLAN_CORRUPTED',
  PLAN_FORMAT_VERSION: 'PLAN_FORMAT_VERSION',
  PLAN_BACKEND_MISMATCH: 'PLAN_BACKEND_MISMATCH',
  PLAN_DEVICE_MISMATCH: 'PLAN_DEVICE_MISMATCH',
  PLAN_MISSING_PLUGIN: 'PLAN_MISSING_PLUGIN',
  // Environment
  NATIVE_UNAVAILABLE: 'NATIVE_UNAVAILABLE',
  CUDA_ERROR: 'CUDA_ERROR',
  IO_ERROR: 'IO_ERROR',
  ABORTED: 'ABORTED',
  RESOURCE_LIMIT: 'RESOURCE_LIMIT',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where in a framework graph the problem is. */
export interface NodeContext {
  name: string;
  op?: string;
  index?: number;
}

/** Where in a kiln Network the problem is. */
export interface LayerContext {
  name: string;
  kind?: string;
  index?: number;
}

export interface KilnErrorOptions {
  node?: NodeContext;
  layer?: LayerContext;
  hint?: string;
  cause?: unknown;
}

export class KilnError extends Error {
  readonly code: ErrorCode;
  readonly node?: NodeContext;
  readonly layer?: LayerContext;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: KilnErrorOptions = {}) {
    super(KilnError.compose(message, options), options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'KilnError';
    this.code = code;
    if (options.node) this.node = options.node;
    if (options.layer) this.layer = options.layer;
    if (options.hint) this.hint = options.hint;
  }

  /** The message users read names the node or layer first, then what to do. */
  private static compose(message: string, { node, layer, hint }: KilnErrorOptions): string {
    let where = '';
    if (node) where = `node '${node.name}'${node.op ? ` (${node.op})` : ''}: `;
    else if (layer) where = `layer '${layer.name}'${layer.kind ? ` (${layer.kind})` : ''}: `;
    return `${where}${message}${hint ? ` Hint: ${hint}` : ''}`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, node: this.node, layer: this.layer, hint: this.hint };
  }
}

export function isKilnError(e: unknown, code?: ErrorCode): e is KilnError {
  return e instanceof KilnError && (code === undefined || e.code === code);
}

/** Throws a KilnError with the given code and context when `condition` is false. */
export function check(condition: unknown, code: ErrorCode, message: string, options?: KilnErrorOptions): asserts condition {
  if (!condition) throw new KilnError(code, message, options);
}
