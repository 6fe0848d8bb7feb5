/**
 * The TensorFlow domain ('tf'): GraphDef, SavedModel and TensorFlow.js nodes. Each family
 * module contributes its converters; this list is the whole table.
 */
import type { Converter } from '../converter.js';
import { ConverterRegistry } from '../registry.js';
import { tfActivationConverters } from './activation.js';
import { tfBatchNormConverters } from './batch-norm.js';
import { withConstantInputs } from './constant-inputs.js';
import { tfControlFlowConverters, useRegistryForBodies } from './control-flow.js';
import { tfConvConverters } from './conv.js';
import { tfConv1DConverters } from './conv1d.js';
import { tfConv3DConverters } from './conv3d.js';
import { tfCreationConverters } from './creation.js';
import { tfDeconvConverters } from './deconv.js';
import { tfDepthSpaceConverters } from './depth-space.js';
import { tfDilation2DConverters } from './dilation2d.js';
import { tfElementwiseConverters } from './elementwise.js';
import { tfGatherConverters } from './gather.js';
import { tfHashTableConverters } from './hash-table.js';
import { tfImageConverters } from './image-ops.js';
import { tfIndexingConverters } from './indexing.js';
import { tfLrnConverters } from './lrn.js';
import { tfMathCaseConverters } from './math-cases.js';
import { tfMatMulConverters } from './matmul.js';
import { tfMaxPoolArgmaxConverters } from './max-pool-argmax.js';
import { tfNmsConverters } from './nms.js';
import { tfPoolingConverters } from './pooling.js';
import { tfQuantizationConverters } from './quantization.js';
import { tfRaggedConverters } from './ragged.js';
import { tfRandomConverters } from './random.js';
import { tfReduceConverters } from './reduce.js';
import { tfResizeConverters } from './resize.js';
import { tfScatterNdConverters } from './scatter-nd.js';
import { tfSelectConverters } from './select.js';
import { tfSetConverters } from './set-ops.js';
import { tfShapeConverters } from './shape-ops.js';
import { tfSpaceBatchConverters } from './space-batch.js';
import { tfSparseConverters } from './sparse.js';
import { tfStridedSliceConverters } from './strided-slice.js';
import { tfStringConverters } from './strings.js';
import { tfTensorArrayConverters } from './tensor-array.js';
import { tfTensorListOpConverters } from './tensor-list-ops.js';
import { tfTopKConverters } from './top-k.js';

const allConverters: Converter[] = [
  ...tfActivationConverters,
  ...tfBatchNormConverters,
  ...tfControlFlowConverters,
  ...tfConvConverters,
  ...tfConv3DConverters,
  ...tfDeconvConverters,
  ...tfDepthSpaceConverters,
  ...tfElementwiseConverters,
  ...tfGatherConverters,
  ...tfHashTableConverters,
  ...tfIndexingConverters,
  ...tfLrnConverters,
  ...tfMatMulConverters,
  ...tfNmsConverters,
  ...tfPoolingConverters,
  ...tfQuantizationConverters,
  ...tfRaggedConverters,
  ...tfRandomConverters,
  ...tfReduceConverters,
  ...tfResizeConverters,
  ...tfSelectConverters,
  ...tfShapeConverters,
  ...tfSpaceBatchConverters,
  ...tfStridedSliceConverters,
  ...tfStringConverters,
  ...tfTopKConverters,
  ...tfConv1DConverters,
  ...tfCreationConverters,
  ...tfDilation2DConverters,
  ...tfImageConverters,
  ...tfMathCaseConverters,
  ...tfMaxPoolArgmaxConverters,
  ...tfScatterNdConverters,
  ...tfSetConverters,
  ...tfSparseConverters,
  ...tfTensorArrayConverters,
  // The element ops (tensor-list.ts) come in through control-flow.ts.
  ...tfTensorListOpConverters,
];

export const tfConverters: readonly Converter[] = allConverters.map(withConstantInputs);

export function createTfRegistry(): ConverterRegistry {
  return new ConverterRegistry(tfConverters);
}

useRegistryForBodies(createTfRegistry);
