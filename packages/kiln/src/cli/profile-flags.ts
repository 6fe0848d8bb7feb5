/**
 * `--shapes` and `--min-shapes/--opt-shapes/--max-shapes` (trtexec's spelling) → an optimization
 * profile. Each flag takes `name:AxBxC` entries, comma-separated or repeated; the name ends at
 * the last ':' (so 'onnx::Flatten_0:1x25x96' works) and may be quoted as trtexec allows ('input:0':1x3).
 * `--shapes` fixes an input (min = opt = max); the three range flags come together per input.
 */
import { ErrorCode, KilnError } from '@kiln/core';
import type { OptimizationProfile, ShapeRange } from '@kiln/engine';
import { flagList, type ParsedArgs, usage } from './args.js';

export const PROFILE_FLAGS = ['shapes', 'min-shapes', 'opt-shapes', 'max-shapes'] as const;

type ProfileFlag = (typeof PROFILE_FLAGS)[number];

/** One flag's entries: input name → shape, in the order given. */
export function parseShapeList(flag: ProfileFlag, values: readonly string[]): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const entry of values.flatMap((v) => v.split(',')).filter((e) => e.length > 0)) {
    const cut = entry.lastIndexOf(':');
    const rawName = cut > 0 ? entry.slice(0, cut) : '';
    const dims = cut > 0 ? entry.slice(cut + 1) : '';
    const name = /^'.*'$/.test(rawName) ? rawName.slice(1, -1) : rawName;
    if (!name || !/^\d+(x\d+)*$/.test(dims)) {
      throw usage(`--${flag} '${entry}' should look like NAME:1x3x48x192 (several as a,b; quote a name holding ':' as 'in:0':1x3)`);
    }
    if (shapes.has(name)) throw usage(`--${flag} gives input '${name}' twice`);
    shapes.set(name, dims.split('x').map(Number));
  }
  return shapes;
}

/** The profile the flags describe, or undefined when none is given. Ranks and order are checked by the build. */
export function profileFromFlags(args: ParsedArgs): OptimizationProfile | undefined {
  const [fixed, min, opt, max] = PROFILE_FLAGS.map((f) => parseShapeList(f, flagList(args, f)));
  const profile: Record<string, ShapeRange> = {};
  for (const [name, shape] of fixed!) profile[name] = { min: shape, opt: shape, max: shape };
  const ranged = new Set([...min!.keys(), ...opt!.keys(), ...max!.keys()]);
  for (const name of ranged) {
    if (profile[name]) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `input '${name}' is given by --shapes and by --min/--opt/--max-shapes`, {
        hint: `use --shapes ${name}:… for one fixed shape, or the three range flags for a range`,
      });
    }
    const missing = (
      [
        ['min-shapes', min!],
        ['opt-shapes', opt!],
        ['max-shapes', max!],
      ] as const
    ).filter(([, m]) => !m.has(name));
    if (missing.length > 0) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `input '${name}' has no ${missing.map(([f]) => `--${f}`).join(' or ')}`, {
        hint: `give --min-shapes, --opt-shapes and --max-shapes for '${name}' (or --shapes ${name}:… for one fixed shape)`,
      });
    }
    profile[name] = { min: min!.get(name)!, opt: opt!.get(name)!, max: max!.get(name)! };
  }
  return Object.keys(profile).length > 0 ? profile : undefined;
}
