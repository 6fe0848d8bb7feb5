/**
 * LayerDefs of the layers that run sub-computations: recurrent (RNN/GRU/LSTM), conditional
 * (If), loop (Loop), scan (Scan) and plugin. Bodies are inferred from the facts the layer feeds
 * them (through `ctx.inferBody`, else their declared TensorDescs); a value that may differ
 * between branches or iterations keeps only what every possibility agrees on. Counts that
 * depend on the data (loop trips) are null.
 */
import { ErrorCode, KilnError } from '../errors.js';
import type { InferContext, InferResult, LayerDef, ValueFacts } from '../layer-def.js';
import { ACTIVATION_TYPES, type LayerKind } from '../layers.js';
import type { Network } from '../network.js';
import { type Dim, formatShape, MAX_ELEMENTS, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { axisIn, dimProduct, dimsCompatible, facts, unifyDims } from './dims.js';
import { requiredInput } from './input-facts.js';
import { arrayOf, axes, bool, int, network, number, objectOf, oneOf, opt, req, string } from './param-builders.js';

type ControlFlowKind = 'recurrent' | 'conditional' | 'loop' | 'scan' | 'plugin';

function fail(code: ErrorCode, message: string, hint: string): KilnError {
  return new KilnError(code, message, { hint });
}

// ---------------------------------------------------------------- sub-network outputs

/** Facts of output `index` of a body network, from its declared TensorDesc. */
function bodyOutput(body: Network, index: number, what: string): ValueFacts {
  const name = body.outputs[index];
  const desc = name === undefined ? undefined : body.tensors.get(name);
  if (!desc) {
    throw fail(
      ErrorCode.INVALID_ATTRIBUTE,
      `${what}: network '${body.name}' has no declared output ${index}${name ? ` ('${name}')` : ''}`,
      'every body output must be a tensor the body declares',
    );
  }
  return desc.valueKind === 'sequence' ? { dtype: desc.dtype, shape: desc.shape, valueKind: 'sequence' } : facts(desc.dtype, desc.shape);
}

/** Dims two shapes agree on; a dim they disagree on, or a different rank, becomes unknown. */
function commonShape(a: Shape | null, b: Shape | null): Dim[] | null {
  if (!a || !b || a.length !== b.length) return null;
  return a.map((d, i) => (d === b[i] ? d : null));
}

/** What holds for a value that is either `a` or `b` (two branches, or the initial and an iterated value). */
function eitherOf(a: ValueFacts, b: ValueFacts, what: string): ValueFacts {
  if (a.dtype !== b.dtype) {
    throw fail(ErrorCode.INVALID_DTYPE, `${what} is ${a.dtype} one way and ${b.dtype} the other`, 'both must produce one dtype');
  }
  if ((a.valueKind ?? 'tensor') !== (b.valueKind ?? 'tensor')) {
    throw fail(
      ErrorCode.INVALID_ATTRIBUTE,
      `${what} is a tensor one way and a sequence the other`,
      'both must produce the same kind of value',
    );
  }
  const shape = commonShape(a.shape, b.shape);
  return a.valueKind === 'sequence' ? { dtype: a.dtype, shape, valueKind: 'sequence' } : facts(a.dtype, shape);
}

function requireCount(actual: number, expected: number, what: string, hint: string): void {
  if (actual !== expected) throw fail(ErrorCode.INVALID_ATTRIBUTE, `${what}: ${actual}, expected ${expected}`, hint);
}

type InferBody = NonNullable<InferContext<LayerKind>['inferBody']>;

/** Facts of every output of `body`, all from its declared TensorDescs. */
function declaredOutputs(body: Network, what: string): InferResult {
  return body.outputs.map((_, i) => bodyOutput(body, i, what));
}

/** True when two facts say the same (dtype, kind, shape, and whether a value is known). */
function sameFacts(a: ValueFacts | undefined, b: ValueFacts | undefined): boolean {
  if (!a || !b) return a === b;
  const sa = a.shape;
  const sb = b.shape;
  const shapes = sa === null || sb === null ? sa === sb : sa.length === sb.length && sa.every((d, i) => d === sb[i]);
  return shapes && a.dtype === b.dtype && (a.valueKind ?? 'tensor') === (b.valueKind ?? 'tensor') && !a.value === !b.value;
}

/** Rounds of widening before a carried value that keeps changing is given an unknown shape. */
const MAX_WIDENING_ROUNDS = 8;

interface Carried {
  /** The body input that receives the value each iteration. */
  readonly input: string;
  /** Facts of the value before the first iteration (undefined: unknown; the body's declaration stands). */
  readonly initial: ValueFacts | undefined;
  /** The body output that gives the next iteration's value. */
  readonly output: number;
}

/**
 * Infers a loop or scan body whose carried values change from one iteration to the next:
 * starting from their initial facts, each round widens every carried value to what its previous
 * facts and the body's new output agree on, until a round changes nothing. The body outputs of
 * that last round hold for every iteration; `carried` is what the values may be after any number.
 */
function inferIterated(
  inferBody: InferBody,
  body: Network,
  fixed: ReadonlyMap<string, ValueFacts>,
  carried: readonly Carried[],
  what: string,
): { carried: (ValueFacts | undefined)[]; outputs: InferResult } {
  let current = carried.map((c) => c.initial);
  for (let round = 0; ; round++) {
    const inputs = new Map(fixed);
    carried.forEach((c, k) => {
      const f = current[k];
      if (f) inputs.set(c.input, f);
    });
    const outputs = inferBody(body, inputs);
    if (round === MAX_WIDENING_ROUNDS) return { carried: current, outputs };
    const next = carried.map((c, k) => {
      const out = outputs[c.output]!;
      const prev = current[k];
      return prev ? eitherOf(prev, out, `${what} ${k}`) : out;
    });
    if (next.every((f, k) => sameFacts(f, current[k]))) return { carried: next, outputs };
    // Past a few rounds a value still changing has no stable shape.
    current = round + 1 === MAX_WIDENING_ROUNDS ? next.map((f) => f && { ...f, shape: null }) : next;
  }
}

// ---------------------------------------------------------------- recurrent

const GATES = { rnn: 1, gru: 3, lstm: 4 } as const;
const ACTIVATIONS_PER_DIRECTION = { rnn: 1, gru: 2, lstm: 3 } as const;

function requireShape(actual: Shape | null, expected: readonly Dim[], what: string): void {
  if (!actual) return;
  if (actual.length !== expected.length || actual.some((d, i) => !dimsCompatible(d, expected[i]!))) {
    throw fail(
      ErrorCode.SHAPE_MISMATCH,
      `${what} ${formatShape(actual)} should be ${formatShape(expected)}`,
      'check hidden_size, direction and layout against the weights',
    );
  }
}

/** Throws SHAPE_MISMATCH when a known element count differs from `count` (bias and peepholes are checked by size). */
function requireSize(actual: Shape | null, count: Dim, what: string, expected: string): void {
  if (actual && !dimsCompatible(dimProduct(actual), count)) {
    throw fail(ErrorCode.SHAPE_MISMATCH, `${what} ${formatShape(actual)} should be ${expected}`, 'check hidden_size and direction');
  }
}

const activation = objectOf({ type: req(oneOf(...ACTIVATION_TYPES)), alpha: opt(number), beta: opt(number) });

const recurrent: LayerDef<'recurrent'> = {
  kind: 'recurrent',
  summary: 'ONNX RNN, GRU and LSTM over a sequence: outputs [Y?, Y_h?, Y_c?].',
  params: {
    cell: req(oneOf('rnn', 'gru', 'lstm')),
    direction: req(oneOf('forward', 'reverse', 'bidirectional')),
    hiddenSize: req(int(1)),
    activations: req(arrayOf(activation)),
    clip: opt(number),
    inputForget: req(bool),
    linearBeforeReset: req(bool),
    layout: req(oneOf(0, 1)),
  },
  inputs: [
    { name: 'X', role: 'data' },
    { name: 'W', role: 'weight' },
    { name: 'R', role: 'weight' },
    { name: 'B', role: 'weight', optional: true },
    { name: 'sequenceLens', role: 'data', optional: true },
    { name: 'initialH', role: 'data', optional: true },
    { name: 'initialC', role: 'data', optional: true },
    { name: 'P', role: 'weight', optional: true },
  ],
  outputs: [
    { name: 'Y', optional: true },
    { name: 'Y_h', optional: true },
    { name: 'Y_c', optional: true },
  ],
  traits: { foldable: true, deterministic: true },
  infer(ctx) {
    const p = ctx.layer.params;
    const x = requiredInput(ctx.inputs, 0, 'X');
    const w = requiredInput(ctx.inputs, 1, 'W');
    const r = requiredInput(ctx.inputs, 2, 'R');
    const per = ACTIVATIONS_PER_DIRECTION[p.cell];
    if (p.activations.length < per) {
      throw fail(
        ErrorCode.INVALID_ATTRIBUTE,
        `${p.cell} needs ${per} activations per direction, got ${p.activations.length}`,
        'list the gate activations (ONNX defaults apply when the model omits them)',
      );
    }
    const outputs = ctx.layer.outputs;
    if (outputs.length > 3 || (p.cell !== 'lstm' && (outputs[2] ?? '') !== '')) {
      throw fail(
        ErrorCode.INVALID_ARGUMENT,
        `a ${p.cell} layer has outputs [Y, Y_h${p.cell === 'lstm' ? ', Y_c' : ''}], not ${outputs.length}`,
        'only LSTM has a cell-state output Y_c',
      );
    }
    const s = x.shape;
    if (s && s.length !== 3)
      throw fail(
        ErrorCode.INVALID_SHAPE,
        `X ${formatShape(s)} must be rank 3`,
        'X is [seq, batch, input] (layout 0) or [batch, seq, input] (layout 1)',
      );
    const dirs = p.direction === 'bidirectional' ? 2 : 1;
    const H = p.hiddenSize;
    const rows = GATES[p.cell] * H;
    const [seq, batch, input]: Dim[] = s ? (p.layout === 0 ? [s[0]!, s[1]!, s[2]!] : [s[1]!, s[0]!, s[2]!]) : [null, null, null];
    requireShape(w.shape, [dirs, rows, input], 'W');
    requireShape(r.shape, [dirs, rows, H], 'R');
    requireSize(ctx.inputs[3]?.shape ?? null, dirs * 2 * rows, 'B', `[${dirs},${2 * rows}]`);
    requireSize(ctx.inputs[7]?.shape ?? null, dirs * 3 * H, 'P', `[${dirs},${3 * H}]`);
    const state: Dim[] = p.layout === 0 ? [dirs, batch, H] : [batch, dirs, H];
    requireShape(ctx.inputs[5]?.shape ?? null, state, 'initialH');
    requireShape(ctx.inputs[6]?.shape ?? null, state, 'initialC');
    const y: Dim[] = p.layout === 0 ? [seq, dirs, batch, H] : [batch, seq, dirs, H];
    return outputs.map((_, i) => facts(x.dtype, i === 0 ? y : state));
  },
};

// ---------------------------------------------------------------- conditional

const conditional: LayerDef<'conditional'> = {
  kind: 'conditional',
  summary: 'ONNX If: runs the then or else branch on the captured tensors; outputs come from the branch taken.',
  params: { thenBranch: req(network), elseBranch: req(network) },
  inputs: [
    { name: 'condition', role: 'scalar' },
    { name: 'captured', role: 'data', variadic: true },
  ],
  outputs: [{ name: 'outputs', variadic: true }],
  // Not folded (control flow); a branch may hold random layers.
  traits: { foldable: false, deterministic: false },
  infer(ctx) {
    const { thenBranch, elseBranch } = ctx.layer.params;
    const cond = requiredInput(ctx.inputs, 0, 'condition');
    if (cond.shape && !dimsCompatible(dimProduct(cond.shape), 1)) {
      throw fail(ErrorCode.INVALID_SHAPE, `the condition ${formatShape(cond.shape)} must hold one element`, 'pass a boolean scalar');
    }
    const n = ctx.layer.outputs.length;
    requireCount(thenBranch.outputs.length, n, 'then-branch outputs', 'each branch produces one value per layer output');
    requireCount(elseBranch.outputs.length, n, 'else-branch outputs', 'each branch produces one value per layer output');
    const known = cond.value && cond.value.size === 1 && cond.value.dtype !== 'string' ? cond.value.getNumber(0) !== 0 : undefined;
    // A branch reads the captured outer tensors under their outer names.
    const captured = new Map<string, ValueFacts>();
    ctx.layer.inputs.forEach((name, i) => {
      const f = ctx.inputs[i];
      if (i > 0 && name && f) captured.set(name, f);
    });
    const branch = (net: Network, what: string, taken: boolean): InferResult => {
      if (!ctx.inferBody || !taken) return declaredOutputs(net, what);
      try {
        return ctx.inferBody(net, captured);
      } catch (e) {
        // With the condition unknown, a branch that cannot run on these inputs may never be taken.
        if (known !== undefined) throw e;
        return declaredOutputs(net, what);
      }
    };
    const a = branch(thenBranch, 'then branch', known !== false);
    const b = branch(elseBranch, 'else branch', known !== true);
    return ctx.layer.outputs.map((_, i) => {
      // Both branches must agree on dtype even when the condition is known.
      const either = eitherOf(a[i]!, b[i]!, `output ${i}`);
      if (known === undefined) return either;
      return known ? a[i]! : b[i]!;
    });
  },
};

// ---------------------------------------------------------------- loop

/** A known scalar as a number; undefined when unknown. */
function knownNumber(f: ValueFacts | undefined): number | undefined {
  const t = f?.value;
  return t && t.size === 1 && t.dtype !== 'string' ? t.getNumber(0) : undefined;
}

/**
 * The number of iterations when it is certain: a known trip count, a condition that starts true
 * (or is absent) and a body whose condition output is known to stay true. Null otherwise.
 */
function exactTrips(maxTrips: number | undefined, startsTrue: boolean, bodyCondition: ValueFacts): Dim {
  const staysTrue = (knownNumber(bodyCondition) ?? 0) !== 0;
  if (maxTrips === undefined || !startsTrue || !staysTrue) return null;
  const trips = Math.max(0, maxTrips);
  return Number.isSafeInteger(trips) && trips <= MAX_ELEMENTS ? trips : null;
}

const loop: LayerDef<'loop'> = {
  kind: 'loop',
  summary: 'ONNX Loop: runs the body while the trip count and condition allow; outputs [...carried, ...stacked scan outputs].',
  params: { body: req(network), numCarried: req(int(0)) },
  inputs: [
    { name: 'maxTripCount', role: 'scalar', optional: true },
    { name: 'condition', role: 'scalar', optional: true },
    // numCarried initial values, then the outer tensors the body captures.
    { name: 'carriedThenCaptured', role: 'data', variadic: true },
  ],
  outputs: [{ name: 'outputs', variadic: true }],
  traits: { foldable: false, deterministic: false },
  infer(ctx) {
    const { body, numCarried } = ctx.layer.params;
    const wired = (i: number): boolean => (ctx.layer.inputs[i] ?? '') !== '';
    if (!wired(0) && !wired(1)) {
      throw fail(
        ErrorCode.INVALID_ARGUMENT,
        'a loop with neither a trip count nor a condition never ends',
        'give the loop a trip count or a condition input',
      );
    }
    if (body.inputs.length < 2 + numCarried) {
      throw fail(
        ErrorCode.INVALID_ATTRIBUTE,
        `the body has ${body.inputs.length} inputs, fewer than iteration, condition and ${numCarried} carried values`,
        'body inputs are [iteration, condition, ...carried, ...captured]',
      );
    }
    if (body.outputs.length < 1 + numCarried) {
      throw fail(
        ErrorCode.INVALID_ATTRIBUTE,
        `the body has ${body.outputs.length} outputs, fewer than the condition and ${numCarried} carried values`,
        'body outputs are [condition, ...carried, ...scanOutputs]',
      );
    }
    requireCount(
      ctx.layer.outputs.length,
      body.outputs.length - 1,
      'layer outputs',
      'a loop outputs its carried values, then its scan outputs',
    );
    const maxTrips = wired(0) ? knownNumber(ctx.inputs[0]) : undefined;
    const startCondition = wired(1) ? knownNumber(ctx.inputs[1]) : 1;
    // A trip count of 0 or a condition that starts false: the body never runs.
    const none = (maxTrips !== undefined && maxTrips <= 0) || startCondition === 0;
    const initial = Array.from({ length: numCarried }, (_, k) => ctx.inputs[2 + k]);
    let carried: (ValueFacts | undefined)[];
    let outputs: InferResult;
    if (ctx.inferBody && !none) {
      // Body inputs [iteration, condition, ...carried, ...captured] line up with the layer's inputs by position.
      // The body only runs while the condition holds, so the condition it reads is always true.
      const fixed = new Map<string, ValueFacts>([
        [body.inputs[0]!.name, facts('int64', [])],
        [body.inputs[1]!.name, { dtype: 'bool', shape: [], value: new Tensor('bool', [], Uint8Array.of(1)) }],
      ]);
      for (let j = 2 + numCarried; j < body.inputs.length; j++) {
        const f = ctx.inputs[j];
        if (f) fixed.set(body.inputs[j]!.name, f);
      }
      const slots = initial.map((f, k) => ({ input: body.inputs[2 + k]!.name, initial: f, output: 1 + k }));
      ({ carried, outputs } = inferIterated(ctx.inferBody, body, fixed, slots, 'carried value'));
    } else {
      outputs = declaredOutputs(body, 'loop body');
      // Zero trips hand the initial values straight through.
      carried = initial.map((f, k) => (f && none ? f : f ? eitherOf(f, outputs[1 + k]!, `carried value ${k}`) : outputs[1 + k]));
    }
    const stacked = none ? 0 : exactTrips(maxTrips, startCondition !== undefined && startCondition !== 0, outputs[0]!);
    return ctx.layer.outputs.map((_, j) => {
      if (j < numCarried) return carried[j] ?? outputs[1 + j]!;
      const out = outputs[1 + j]!;
      if (out.valueKind === 'sequence') {
        throw fail(ErrorCode.INVALID_ATTRIBUTE, `loop scan output ${j - numCarried} is a sequence`, 'scan outputs must be tensors');
      }
      return facts(out.dtype, out.shape ? [stacked, ...out.shape] : null);
    });
  },
};

// ---------------------------------------------------------------- scan

/** The common step count of the scan inputs along their scan axes; throws when two known counts differ. */
function scanSteps(inputs: readonly (ValueFacts | undefined)[], axesOf: (i: number, rank: number) => number): Dim {
  let steps: Dim = null;
  inputs.forEach((f, i) => {
    const s = f?.shape;
    if (!s) return;
    const d = s[axesOf(i, s.length)]!;
    if (!dimsCompatible(steps, d)) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `scan input ${i} ${formatShape(s)} has ${String(d)} steps, another has ${String(steps)}`,
        'every scan input must have one step count along its scan axis',
      );
    }
    steps = unifyDims(steps, d);
  });
  return steps;
}

const scan: LayerDef<'scan'> = {
  kind: 'scan',
  summary: 'ONNX Scan: runs the body over slices of the scan inputs; outputs [...final states, ...stacked scan outputs].',
  params: {
    body: req(network),
    numStates: req(int(0)),
    numScanInputs: req(int(0)),
    scanInputAxes: req(axes),
    scanInputDirections: req(arrayOf(oneOf(0, 1))),
    scanOutputAxes: req(axes),
    scanOutputDirections: req(arrayOf(oneOf(0, 1))),
    batched: opt(bool, false),
  },
  inputs: [
    // [...initialStates, ...scanInputs, ...captured]; Scan-8 (batched) puts sequenceLens|'' first.
    { name: 'statesScanInputsCaptured', role: 'data', variadic: true },
  ],
  outputs: [{ name: 'outputs', variadic: true }],
  traits: { foldable: false, deterministic: false },
  infer(ctx) {
    const p = ctx.layer.params;
    const { body, numStates, numScanInputs } = p;
    if (numScanInputs < 1)
      throw fail(ErrorCode.INVALID_ATTRIBUTE, 'scan has no scan inputs', 'a scan needs at least one input to iterate over');
    if (body.inputs.length < numStates + numScanInputs) {
      throw fail(
        ErrorCode.INVALID_ATTRIBUTE,
        `the body has ${body.inputs.length} inputs, fewer than ${numStates} states and ${numScanInputs} scan inputs`,
        'body inputs are [...states, ...scan slices, ...captured]',
      );
    }
    requireCount(ctx.layer.outputs.length, body.outputs.length, 'layer outputs', 'a scan outputs its final states, then its scan outputs');
    const first = p.batched ? 1 : 0;
    const states = ctx.inputs.slice(first, first + numStates);
    const scanInputs = ctx.inputs.slice(first + numStates, first + numStates + numScanInputs);
    // Scan-8 inputs are [batch, sequence, …]: the steps are along axis 1.
    const steps = scanSteps(scanInputs, (i, rank) => (p.batched ? 1 : axisIn(p.scanInputAxes[i] ?? 0, rank, `scan input ${i} axis`)));
    const batch = p.batched ? (scanInputs.find((f) => f?.shape)?.shape?.[0] ?? null) : null;
    // The body sees one batch entry of a Scan-8 state; the layer's state has the batch axis back.
    const withBatch = (f: ValueFacts): ValueFacts => (p.batched ? facts(f.dtype, f.shape ? [batch, ...f.shape] : null) : f);
    const without = (f: ValueFacts | undefined, drop: (i: number) => boolean): ValueFacts | undefined =>
      f && facts(f.dtype, f.shape ? f.shape.filter((_, i) => !drop(i)) : null);
    let outputs: InferResult;
    let finalStates: (ValueFacts | undefined)[];
    if (ctx.inferBody) {
      const fixed = new Map<string, ValueFacts>();
      scanInputs.forEach((f, i) => {
        // One step's slice: the scan axis removed (Scan-8: the batch and sequence axes).
        const axisOf = (rank: number) => axisIn(p.scanInputAxes[i] ?? 0, rank, `scan input ${i} axis`);
        const slice = without(f, (k) => (p.batched ? k < 2 : k === axisOf(f!.shape!.length)));
        if (slice) fixed.set(body.inputs[numStates + i]!.name, slice);
      });
      for (let j = numStates + numScanInputs; j < body.inputs.length; j++) {
        const f = ctx.inputs[first + j];
        if (f) fixed.set(body.inputs[j]!.name, f);
      }
      const slots = states.map((f, k) => ({ input: body.inputs[k]!.name, initial: p.batched ? without(f, (i) => i === 0) : f, output: k }));
      const result = inferIterated(ctx.inferBody, body, fixed, slots, 'scan state');
      outputs = result.outputs;
      finalStates = result.carried.map((f) => f && withBatch(f));
    } else {
      outputs = declaredOutputs(body, 'scan body');
      finalStates = states.map((initial, j) => (initial ? eitherOf(initial, withBatch(outputs[j]!), `scan state ${j}`) : undefined));
    }
    return ctx.layer.outputs.map((_, j) => {
      const out = outputs[j]!;
      if (j < numStates) return finalStates[j] ?? withBatch(out);
      const e = out.shape;
      if (!e) return facts(out.dtype, null);
      if (p.batched) return facts(out.dtype, [batch, steps, ...e]);
      const a = axisIn(p.scanOutputAxes[j - numStates] ?? 0, e.length + 1, `scan output ${j - numStates} axis`);
      return facts(out.dtype, [...e.slice(0, a), steps, ...e.slice(a)]);
    });
  },
};

// ---------------------------------------------------------------- plugin

const pluginField = {
  t: 'union',
  of: [number, arrayOf(number), string, arrayOf(string), bool, { t: 'tensor' }, { t: 'null' }],
} as const;

const plugin: LayerDef<'plugin'> = {
  kind: 'plugin',
  summary: 'A custom layer run by the plugin registered for (namespace, name, version).',
  params: {
    namespace: req(string),
    name: req(string),
    version: req(string),
    fields: req({ t: 'record', of: pluginField }),
    package: opt(string),
  },
  inputs: [{ name: 'inputs', role: 'data', variadic: true }],
  outputs: [{ name: 'outputs', variadic: true }],
  // A plugin may be random or stateful: never folded, never assumed repeatable.
  traits: { foldable: false, deterministic: false },
  infer(ctx) {
    // What a plugin computes is known only to its kernel, which decides dtypes at run time (from
    // fields such as `to` or `outType`). Shapes are unknown here; the dtype is the first input's
    // as a placeholder, and the Network's declared TensorDescs for the outputs take precedence.
    // A plugin SDK LayerDef registered for the plugin replaces this generic answer.
    const first = ctx.inputs.find((f): f is ValueFacts => f !== undefined);
    if (!first) {
      throw fail(
        ErrorCode.UNSUPPORTED_LAYER,
        `plugin ${ctx.layer.params.namespace}::${ctx.layer.params.name} has no input to infer its outputs from`,
        "declare the plugin's output TensorDescs in the network",
      );
    }
    return ctx.layer.outputs.map(() => facts(first.dtype, null));
  },
};

export const CONTROL_FLOW_DEFS: { readonly [K in ControlFlowKind]: LayerDef<K> } = {
  recurrent,
  conditional,
  loop,
  scan,
  plugin,
};
