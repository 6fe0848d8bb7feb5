/** The fuzz targets by name, in report order. */
import type { Target } from '../target.js';
import { feedsTarget } from './feeds.js';
import { graphdefTarget } from './graphdef.js';
import { onnxTarget } from './onnx.js';
import { planTarget } from './plan.js';
import { programTarget } from './program.js';
import { savedmodelTarget } from './savedmodel.js';
import { syntheticTarget } from './synthetic.js';
import { tfjsTarget } from './tfjs.js';
import { uffTarget } from './uff.js';

export const TARGETS: readonly Target[] = [
  onnxTarget,
  graphdefTarget,
  savedmodelTarget,
  tfjsTarget,
  uffTarget,
  planTarget,
  programTarget,
  feedsTarget,
];

/** Targets that only run when named: the harness's own self-test. */
const EXTRA_TARGETS: readonly Target[] = [syntheticTarget];

export function targetByName(name: string): Target {
  const t = [...TARGETS, ...EXTRA_TARGETS].find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target '${name}' (targets: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
