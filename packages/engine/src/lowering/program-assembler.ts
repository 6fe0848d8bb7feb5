/**
 * Collects a Program while layers are lowered: values keyed by (tensor, shape) — one tensor may
 * be seen under several shapes (a 1-D conv's input viewed as 2-D) and all of them share its
 * storage — weights, ops (labelled with the layer they were lowered from) and the static shape
 * of every tensor. Storage is filled in at the end, once the memory planner has placed the
 * tensors.
 */
import {
  ErrorCode,
  KilnError,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramStorage,
  type ProgramValue,
  type Tensor,
} from '@kiln-inference/core';

/** More dims than any tensor has: a longer shape comes from a param gone wrong. */
const MAX_RANK = 64;

export interface PendingValue {
  name: string;
  /** The Network tensor whose bytes this value reads (synthetic weights use their own name). */
  tensor: string;
  dtype: ProgramDType;
  shape: number[];
}

/** An op with a note saying when the memory plan makes it unnecessary. */
export interface PendingOp {
  op: ProgramOp;
  /** Data movement that vanishes when the planner made `tensor` a view at the same bytes. */
  elidableWhenView?: string;
  /** A concat copy that vanishes when the planner eliminated this concatenation layer. */
  elidableConcat?: string;
}

export class ProgramAssembler {
  readonly values: PendingValue[] = [];
  readonly ops: PendingOp[] = [];
  /** Static shape of every tensor seen so far (stage inputs, constants, layer outputs). */
  readonly shapes = new Map<string, number[]>();
  /** Weight data by tensor name: synthetic weights the lowering made. */
  readonly weightData = new Map<string, ProgramData>();
  /** Dtypes of the synthetic weights (other tensors' come from the network). */
  private readonly syntheticDtypes = new Map<string, ProgramDType>();
  private readonly ids = new Map<string, number>();
  /** The layer being lowered, whose name labels the ops emitted meanwhile. */
  private layerName: string | undefined;

  constructor(
    private readonly constants: ReadonlyMap<string, Tensor>,
    private readonly networkDtype: (tensor: string) => ProgramDType,
  ) {}

  /** The Program dtype of a tensor (the network's, or a synthetic weight's). */
  dtype(tensor: string): ProgramDType {
    return this.syntheticDtypes.get(tensor) ?? this.networkDtype(tensor);
  }

  shape(tensor: string): number[] {
    const s = this.shapes.get(tensor);
    if (!s) throw new KilnError(ErrorCode.INTERNAL, `lowering reached '${tensor}' before its shape was known`);
    return s;
  }

  /**
   * Records a tensor's static shape. A hostile plan can steer a lowerer's arithmetic anywhere,
   * so a shape that is not dense dims >= 0 is refused here, before any value or size uses it.
   */
  setShape(tensor: string, shape: readonly number[]): void {
    const dims = Array.from({ length: Math.min(shape.length, MAX_RANK + 1) }, (_, i) => shape[i]);
    if (shape.length > MAX_RANK || !dims.every((d) => Number.isSafeInteger(d) && d! >= 0)) {
      throw new KilnError(
        ErrorCode.INVALID_SHAPE,
        `lowering computed the shape [${dims.slice(0, 8).join(', ')}${dims.length > 8 ? ', …' : ''}] for '${tensor}'`,
        {
          hint: "the layer's params do not fit its inputs (a damaged or edited plan?); rebuild the plan from the model",
        },
      );
    }
    this.shapes.set(tensor, dims as number[]);
  }

  /** The constant value of a tensor, when it is one. */
  constant(tensor: string): Tensor | undefined {
    return tensor ? this.constants.get(tensor) : undefined;
  }

  /** The value id of `tensor` seen with `shape` (its own shape by default). */
  ref(tensor: string, shape?: readonly number[]): number {
    const s = shape ? [...shape] : this.shape(tensor);
    const key = `${tensor}\u0000${s.join(',')}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push({ name: shape ? `${tensor}[${s.join('x')}]` : tensor, tensor, dtype: this.dtype(tensor), shape: s });
      this.ids.set(key, id);
    }
    return id;
  }

  /** A weight the lowering computed (an expanded scale, a transposed matrix …), float32 unless `dtype` says. */
  syntheticWeight(name: string, data: ProgramData, shape: readonly number[], dtype: ProgramDType = 'float32'): number {
    this.weightData.set(name, data);
    this.syntheticDtypes.set(name, dtype);
    this.shapes.set(name, [...shape]);
    return this.ref(name, shape);
  }

  /**
   * Runs one layer's lowerer: every op it emits carries the layer's name as its label, so
   * validation errors, native errors and profiles name the layer.
   */
  lowerLayer(layerName: string, lower: () => void): void {
    const outer = this.layerName;
    this.layerName = layerName;
    try {
      lower();
    } finally {
      this.layerName = outer;
    }
  }

  emit(op: ProgramOp, notes: Omit<PendingOp, 'op'> = {}): void {
    const labelled = this.layerName !== undefined && op.label === undefined ? { ...op, label: this.layerName } : op;
    this.ops.push({ op: labelled, ...notes });
  }
}

/** Where each pending value's tensor lives, as the memory plan decided. */
export type StorageOf = (tensor: string) => ProgramStorage;

export function finalizeValues(values: readonly PendingValue[], storageOf: StorageOf): ProgramValue[] {
  return values.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape, storage: storageOf(v.tensor) }));
}
