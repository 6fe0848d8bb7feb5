/**
 * TF ragged ops produce (splits, values) pairs of dense tensors, which kiln can carry as they
 * are: RaggedRange and RaggedTensorToTensor (row splits, or a first dim size with value row
 * ids) run as kiln plugins.
 */
import type { Converter, Support } from '../converter.js';
import { inputDType, out, tfConverter, tfPlugin } from './helpers.js';

export const tfRaggedConverters: Converter[] = [
  tfConverter('RaggedRange', (ctx) => {
    const splitsType = ctx.attrs.type('Tsplits') ?? 'int64';
    const inputs = [0, 1, 2].map((i) => ctx.input(i));
    tfPlugin(ctx, 'RaggedRange', { splitsType }, inputs, [out(ctx, splitsType), out(ctx, inputDType(ctx), 1)]);
  }),
  tfConverter(
    'RaggedTensorToTensor',
    (ctx) => {
      const partitionTypes = ctx.attrs.strings('row_partition_types', []);
      const inputs = ctx.node.inputs.map((_, i) => ctx.input(i));
      tfPlugin(ctx, 'RaggedTensorToTensor', { partitionTypes }, inputs, [out(ctx, inputDType(ctx, 1))]);
    },
    (ctx): Support => {
      const types = ctx.attrs.strings('row_partition_types', []);
      const splits = types.length > 0 && types.every((t) => t === 'ROW_SPLITS');
      const rowIds = types[0] === 'FIRST_DIM_SIZE' && types.length > 1 && types.slice(1).every((t) => t === 'VALUE_ROWIDS');
      if (splits || rowIds) return { supported: true };
      return { supported: false, category: 'unsupported-attribute', reason: `row_partition_types [${types.join(', ')}]` };
    },
    'ROW_SPLITS, or FIRST_DIM_SIZE + VALUE_ROWIDS partitions',
  ),
];
