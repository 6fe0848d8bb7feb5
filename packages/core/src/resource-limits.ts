/**
 * Resource limits: the one place that says how large a tensor, a model, a nesting or a loop may
 * get before Kiln refuses it. A 100-byte file can ask for 16 GiB (ConstantOfShape, Split with
 * 2^32 outputs, a plan whose pads make a 25 GB arena); every importer, decoder, kernel and native
 * entry point checks its sizes here before it allocates, and a breach is a KilnError that names
 * the node or layer and the limit, never an out-of-memory abort.
 *
 * Limits are values: importers and sessions take them as options (`limits`). Kernels, which run
 * synchronously, read the limits in force with `currentResourceLimits()`; an executor installs a
 * session's limits around its synchronous sections with `withResourceLimits`.
 */
import { type DType, storageBytes } from './dtype.js';
import { ErrorCode, KilnError, type KilnErrorOptions } from './errors.js';

export interface ResourceLimits {
  /** Elements of any one tensor: weights, constants, activations, feeds, outputs. */
  readonly maxTensorElements: number;
  /** Bytes of any one tensor's storage. */
  readonly maxTensorBytes: number;
  /** Bytes of one model: its weights together, or a plan's weights plus its activation arena. */
  readonly maxModelBytes: number;
  /** Nesting depth of sub-graphs, protobuf messages, JSON values and plan sections. */
  readonly maxNestingDepth: number;
  /** Characters of one string: attribute, name or string-tensor element. */
  readonly maxStringLength: number;
  /** Iterations of one loop (ONNX Loop/Scan, TF while) in one run. */
  readonly maxLoopIterations: number;
  /** Nodes of one graph, or layers of one network. */
  readonly maxNodes: number;
  /** Outputs of one node (Split num_split, Unstack num, …). */
  readonly maxNodeOutputs: number;
  /** Dimensions of one tensor's shape, including a rank read from a model's data (a shape input's length). */
  readonly maxRank: number;
}

/** Memory assumed when the caller does not say what the machine has. */
const ASSUMED_MACHINE_BYTES = 8 * 2 ** 30;

const LIMIT_NAMES: readonly (keyof ResourceLimits)[] = [
  'maxTensorElements',
  'maxTensorBytes',
  'maxModelBytes',
  'maxNestingDepth',
  'maxStringLength',
  'maxLoopIterations',
  'maxNodes',
  'maxNodeOutputs',
  'maxRank',
];

/**
 * The default limits for a machine with `machineMemoryBytes` of memory (Node callers pass
 * `os.totalmem()` or the cgroup limit): one tensor may take a quarter of it, one model half.
 */
export function defaultResourceLimits(machineMemoryBytes: number = ASSUMED_MACHINE_BYTES): ResourceLimits {
  const memory = Number.isFinite(machineMemoryBytes) && machineMemoryBytes > 0 ? machineMemoryBytes : ASSUMED_MACHINE_BYTES;
  const maxTensorBytes = Math.floor(Math.min(memory / 4, 2 ** 34));
  return Object.freeze({
    // V8 refuses typed arrays past 2^32 elements; a byte-sized tensor may use all of them.
    maxTensorElements: Math.min(2 ** 32, maxTensorBytes),
    maxTensorBytes,
    maxModelBytes: Math.floor(memory / 2),
    maxNestingDepth: 64,
    maxStringLength: 2 ** 24,
    maxLoopIterations: 10_000_000,
    maxNodes: 10_000_000,
    maxNodeOutputs: 65_536,
    maxRank: 64,
  });
}

/** Limits from overrides over a base (the defaults unless given); each override is checked. */
export function resourceLimits(overrides: Partial<ResourceLimits> = {}, base: ResourceLimits = processLimits): ResourceLimits {
  const merged: Record<string, number> = { ...base };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!LIMIT_NAMES.includes(name as keyof ResourceLimits)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown resource limit '${name}'`, {
        hint: `limits are: ${LIMIT_NAMES.join(', ')}`,
      });
    }
    if (typeof value !== 'number' || !(value >= 1) || !Number.isFinite(value)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `resource limit ${name} must be a finite number ≥ 1, got ${String(value)}`);
    }
    merged[name] = Math.floor(value);
  }
  return Object.freeze(merged) as unknown as ResourceLimits;
}

let processLimits: ResourceLimits = defaultResourceLimits();
let scopedLimits: ResourceLimits | undefined;

/** Sets the limits of this thread (a worker applies its session's limits once at start). */
export function setProcessResourceLimits(limits: ResourceLimits): void {
  processLimits = limits;
}

/** The limits in force: a synchronous scope's (withResourceLimits), else this thread's. */
export function currentResourceLimits(): ResourceLimits {
  return scopedLimits ?? processLimits;
}

/**
 * Runs a synchronous section (a kernel, a decode) under `limits`. Not for async functions: a
 * scope ends when `fn` returns, before any promise it made settles.
 */
export function withResourceLimits<T>(limits: ResourceLimits | undefined, fn: () => T): T {
  if (limits === undefined) return fn();
  const outer = scopedLimits;
  scopedLimits = limits;
  try {
    return fn();
  } finally {
    scopedLimits = outer;
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** Where a check applies: the node or layer, and `what` (a tensor's name) to lead the message. */
export type LimitContext = KilnErrorOptions & { what?: string };

function breach(limit: keyof ResourceLimits, message: string, context: LimitContext): never {
  const { what, ...options } = context;
  throw new KilnError(ErrorCode.RESOURCE_LIMIT, what ? `${what}: ${message}` : message, {
    ...options,
    hint:
      options.hint ??
      `the limit ${limit} guards against hostile or corrupted models; if this model really needs more, raise it in the options' limits ({ limits: { ${limit}: … } })`,
  });
}

/**
 * Checks that a tensor of `dtype` with `elements` elements fits the limits; returns the element
 * count. Call it before allocating, with the node or layer that asks for the tensor.
 */
export function checkTensorSize(
  dtype: DType,
  elements: number,
  context: LimitContext = {},
  limits: ResourceLimits = currentResourceLimits(),
): number {
  if (!Number.isFinite(elements) || elements < 0 || !Number.isInteger(elements)) {
    const { what, ...options } = context;
    throw new KilnError(ErrorCode.INVALID_SHAPE, `${what ? `${what}: ` : ''}a tensor cannot have ${elements} elements`, options);
  }
  if (elements > limits.maxTensorElements) {
    breach(
      'maxTensorElements',
      `a ${dtype} tensor of ${elements} elements is over the limit maxTensorElements = ${limits.maxTensorElements}`,
      context,
    );
  }
  // Sub-byte and string dtypes count one byte per element: a bound, not the exact size.
  const bytes = elements * Math.max(1, storageBytes(dtype));
  if (bytes > limits.maxTensorBytes) {
    breach(
      'maxTensorBytes',
      `a ${dtype} tensor of ${elements} elements needs ${formatBytes(bytes)}, over the limit maxTensorBytes = ${formatBytes(limits.maxTensorBytes)}`,
      context,
    );
  }
  return elements;
}

/** Checks the element count of a concrete shape (dims already validated as integers ≥ 0). */
export function checkShapeSize(
  dtype: DType,
  shape: readonly number[],
  context: LimitContext = {},
  limits: ResourceLimits = currentResourceLimits(),
): number {
  let elements = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      const { what, ...options } = context;
      throw new KilnError(
        ErrorCode.INVALID_SHAPE,
        `${what ? `${what}: ` : ''}invalid dimension ${d} in shape [${shape.join(',')}]`,
        options,
      );
    }
    elements *= d;
  }
  return checkTensorSize(dtype, elements, context, limits);
}

/** Checks a running byte total of one model (weights, external data, a plan's arena). */
export function checkModelBytes(
  bytes: number,
  what: string,
  context: LimitContext = {},
  limits: ResourceLimits = currentResourceLimits(),
): void {
  if (!(bytes <= limits.maxModelBytes)) {
    breach(
      'maxModelBytes',
      `${what} needs ${formatBytes(bytes)}, over the limit maxModelBytes = ${formatBytes(limits.maxModelBytes)}`,
      context,
    );
  }
}

/** Checks one count against the named limit (nesting depth, string length, iterations, nodes, outputs, rank). */
export function checkCount(
  limit: 'maxNestingDepth' | 'maxStringLength' | 'maxLoopIterations' | 'maxNodes' | 'maxNodeOutputs' | 'maxRank',
  count: number,
  what: string,
  context: LimitContext = {},
  limits: ResourceLimits = currentResourceLimits(),
): void {
  if (!(count <= limits[limit])) {
    breach(limit, `${what} (${count}) is over the limit ${limit} = ${limits[limit]}`, context);
  }
}
