/**
 * Inside a FunctionDef a tensor is named by its op's output argument (`topk:indices:0`), not by
 * its flat port. Ops with one output argument (lists included: Split, Unpack, While…) map index
 * i to port i; ops with several single-tensor output arguments are listed here, in OpDef order.
 */
const OUTPUT_ARGS: Record<string, string[]> = {
  Switch: ['output_false', 'output_true'],
  RefSwitch: ['output_false', 'output_true'],
  Merge: ['output', 'value_index'],
  RefMerge: ['output', 'value_index'],
  TopK: ['values', 'indices'],
  TopKV2: ['values', 'indices'],
  Unique: ['y', 'idx'],
  UniqueV2: ['y', 'idx'],
  UniqueWithCounts: ['y', 'idx', 'count'],
  FusedBatchNorm: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV2: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV3: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2', 'reserve_space_3'],
  NonMaxSuppressionV4: ['selected_indices', 'valid_outputs'],
  NonMaxSuppressionV5: ['selected_indices', 'selected_scores', 'valid_outputs'],
  CombinedNonMaxSuppression: ['nmsed_boxes', 'nmsed_scores', 'nmsed_classes', 'valid_detections'],
  BroadcastGradientArgs: ['r0', 'r1'],
  MaxPoolWithArgmax: ['output', 'argmax'],
  QuantizeV2: ['output', 'output_min', 'output_max'],
  Qr: ['q', 'r'],
  Svd: ['s', 'u', 'v'],
  ListDiff: ['out', 'idx'],
  SetDiff1D: ['out', 'idx'],
  TensorArrayV3: ['handle', 'flow'],
};

/** The flat port of `op`'s output argument `arg`, element `index`. */
export function outputPort(op: string, arg: string, index: number): number {
  const args = OUTPUT_ARGS[op];
  const position = args ? args.indexOf(arg) : -1;
  return position < 0 ? index : position + index;
}
