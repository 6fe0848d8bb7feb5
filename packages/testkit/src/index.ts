export type { Reference, ReferenceCase, ReferenceTensor } from './corpus-reference.js';
export {
  argmax,
  caseFeeds,
  checkReferenceCases,
  KILN_REFERENCE_SCHEMA,
  loadReferenceTensor,
  modelPath,
  readReference,
} from './corpus-reference.js';
export { CORPUS_MISSING_MESSAGE, corpusDir, readNpyFile, readRawFile, repoRoot } from './files.js';
export type { Mutation } from './mutate.js';
export { fuzz, mutate } from './mutate.js';
export type { NativeLoadOutcome } from './native-gate.js';
export { loadNativeForTests, nativeRequired, nativeSkipNote, withoutFallbackWarnings } from './native-gate.js';
export { convPoolNetwork } from './networks.js';
export { ProtoWriter } from './proto-writer.js';
export { mulberry32, randomTensor } from './random.js';
export { startSourceWorker } from './source-worker.js';
export type { CompareReport, Tolerance } from './tensor-compare.js';
export { compareTensors, expectTensorClose, formatCompareReport } from './tensor-compare.js';
