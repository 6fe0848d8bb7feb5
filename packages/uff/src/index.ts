export type { UffImportOptions, UffInputOrder, UffInputSpec } from './import-uff.js';
export { decodeUff, importUff, loadUff } from './import-uff.js';
export { uffDType } from './uff-dtypes.js';
export type { UffData, UffGraph, UffMetaGraph, UffNode } from './uff-messages.js';
