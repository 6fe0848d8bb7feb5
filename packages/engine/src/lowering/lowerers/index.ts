/**
 * The lowering table: layer kind → lowerer, merged from the family files (each states its own
 * kinds, and may give a kind its own support rule). Kinds absent here never lower (see
 * program-support.ts).
 */
import type { LowererTable } from '../lowerer.js';
import { convolutionLowerers } from './convolution.js';
import { dataMovementLowerers } from './data-movement.js';
import { indexingLowerers } from './indexing.js';
import { pointwiseLowerers } from './pointwise.js';
import { poolingLowerers } from './pooling.js';

export const lowerers: LowererTable = {
  ...dataMovementLowerers,
  ...indexingLowerers,
  ...convolutionLowerers,
  ...pointwiseLowerers,
  ...poolingLowerers,
};
