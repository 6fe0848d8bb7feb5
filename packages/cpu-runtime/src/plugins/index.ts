/**
 * Kiln's built-in plugins (namespace 'kiln'): kernels for ops that fit no layer kind. Each
 * plugin lives in its own file and is listed here under pluginKey(namespace, name, version).
 */
import type { Kernel } from '../kernel.js';
import { affineGridPlugin } from './affine-grid.js';
import { attentionPlugin } from './attention.js';
import { bitCastPlugin } from './bitcast.js';
import { centerCropPadPlugin } from './center-crop-pad.js';
import { col2imPlugin } from './col2im.js';
import { deformConvPlugin } from './deform-conv.js';
import { detPlugin } from './det.js';
import { dftPlugin } from './dft.js';
import { maxRoiPoolPlugin } from './max-roi-pool.js';
import { maxUnpoolPlugin } from './max-unpool.js';
import { melWeightMatrixPlugin } from './mel-weight-matrix.js';
import { roiAlignPlugin } from './roi-align.js';
import { rotaryEmbeddingPlugin } from './rotary-embedding.js';
import { stftPlugin } from './stft.js';
import { tensorScatterPlugin } from './tensor-scatter.js';
import { bincountPlugin } from './tf-bincount.js';
import { broadcastArgsPlugin } from './tf-broadcast-args.js';
import { cropAndResizePlugin } from './tf-crop-and-resize.js';
import { dilation2dPlugin } from './tf-dilation2d.js';
import { hashTableFindPlugin } from './tf-hash-table.js';
import { imageProjectiveTransformPlugin } from './tf-image-transform.js';
import { listDiffPlugin } from './tf-list-diff.js';
import { quantizeDequantizePlugin } from './tf-quantize-dequantize.js';
import { raggedRangePlugin } from './tf-ragged-range.js';
import { raggedTensorToTensorPlugin } from './tf-ragged-to-tensor.js';
import { multinomialPlugin, truncatedNormalPlugin } from './tf-random.js';
import { searchSortedPlugin } from './tf-search-sorted.js';
import { softNmsPlugin } from './tf-soft-nms.js';
import { sparseFillEmptyRowsPlugin } from './tf-sparse-fill-empty-rows.js';
import { sparseReshapePlugin } from './tf-sparse-reshape.js';
import { sparseSegmentReducePlugin } from './tf-sparse-segment.js';
import { stringNGramsPlugin } from './tf-string-ngrams.js';
import { staticRegexReplacePlugin, stringSplitPlugin } from './tf-strings.js';
import { uniquePlugin } from './unique.js';
import { blackmanWindowPlugin, hammingWindowPlugin, hannWindowPlugin } from './windows.js';

export const builtinPlugins: ReadonlyMap<string, Kernel<'plugin'>> = new Map<string, Kernel<'plugin'>>([
  // Keys follow pluginKey(namespace, name, version) in plugin-identity.ts.
  ['kiln::AffineGrid::1', affineGridPlugin],
  ['kiln::Attention::1', attentionPlugin],
  ['kiln::BitCast::1', bitCastPlugin],
  ['kiln::DeformConv::1', deformConvPlugin],
  ['kiln::Det::1', detPlugin],
  ['kiln::TensorScatter::1', tensorScatterPlugin],
  ['kiln::BlackmanWindow::1', blackmanWindowPlugin],
  ['kiln::Col2Im::1', col2imPlugin],
  ['kiln::DFT::1', dftPlugin],
  ['kiln::HammingWindow::1', hammingWindowPlugin],
  ['kiln::HannWindow::1', hannWindowPlugin],
  ['kiln::MaxRoiPool::1', maxRoiPoolPlugin],
  ['kiln::MaxUnpool::1', maxUnpoolPlugin],
  ['kiln::MelWeightMatrix::1', melWeightMatrixPlugin],
  ['kiln::RoiAlign::1', roiAlignPlugin],
  ['kiln::RotaryEmbedding::1', rotaryEmbeddingPlugin],
  ['kiln::STFT::1', stftPlugin],
  ['kiln::CenterCropPad::1', centerCropPadPlugin],
  ['kiln::Unique::1', uniquePlugin],
  // TensorFlow ops that fit no layer kind.
  ['kiln::Bincount::1', bincountPlugin],
  ['kiln::BroadcastArgs::1', broadcastArgsPlugin],
  ['kiln::CropAndResize::1', cropAndResizePlugin],
  ['kiln::Dilation2D::1', dilation2dPlugin],
  ['kiln::HashTableFind::1', hashTableFindPlugin],
  ['kiln::ImageProjectiveTransform::1', imageProjectiveTransformPlugin],
  ['kiln::ListDiff::1', listDiffPlugin],
  ['kiln::Multinomial::1', multinomialPlugin],
  ['kiln::QuantizeAndDequantize::1', quantizeDequantizePlugin],
  ['kiln::RaggedRange::1', raggedRangePlugin],
  ['kiln::RaggedTensorToTensor::1', raggedTensorToTensorPlugin],
  ['kiln::SearchSorted::1', searchSortedPlugin],
  ['kiln::SoftNms::1', softNmsPlugin],
  ['kiln::SparseFillEmptyRows::1', sparseFillEmptyRowsPlugin],
  ['kiln::SparseReshape::1', sparseReshapePlugin],
  ['kiln::SparseSegmentReduce::1', sparseSegmentReducePlugin],
  ['kiln::StaticRegexReplace::1', staticRegexReplacePlugin],
  ['kiln::StringNGrams::1', stringNGramsPlugin],
  ['kiln::StringSplit::1', stringSplitPlugin],
  ['kiln::TruncatedNormal::1', truncatedNormalPlugin],
]);
