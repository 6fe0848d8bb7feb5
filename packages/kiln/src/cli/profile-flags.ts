/**
 * `--shapes` and `--min-shapes/--opt-shapes/--max-shapes` (trtexec's spelling) → an optimization
 * profile. Each flag takes `name:AxBxC` entries, comma-separated or repeated; the name ends at
 * the last ':' (so 'onnx::Flatten_0:1x25x96' works) and may be quoted as trtexec allows ('input:0':1x3).
 * `--shapes` fixes an input (min = opt = max); the three range flags come together per input.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { OptimizationProfile, ShapeRange } from '@kiln-inference/engine';
import type { Command } from 'commander';
import { usage } from './usage-error.js';

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

const HELP: Record<ProfileFlag, string> = {
  shapes: 'optimization profile: exactly these input shapes, e.g. x:1x3x48x192 (several as a:1x3,b:1x4 or repeated)',
  'min-shapes': 'smallest shapes runs accept',
  'opt-shapes': 'the shapes tactics are timed at',
  'max-shapes': 'largest shapes runs accept',
};

/** Declares the flags on a command; each is repeatable and collects its values in order. */
export function withProfileOptions(command: Command, flags: readonly ProfileFlag[] = PROFILE_FLAGS): Command {
  for (const f of flags) command.option(`--${f} <NAME:DIMS>`, HELP[f], (v: string, previous: string[] = []) => [...previous, v]);
  return command;
}

/** The flags' values as commander gives them (camelCase keys). */
export interface ProfileFlagValues {
  shapes?: readonly string[];
  minShapes?: readonly string[];
  optShapes?: readonly string[];
  maxShapes?: readonly string[];
}

/** The profile the flags describe, or undefined when none is given. Ranks and order are checked by the build. */
export function profileFromFlags(values: ProfileFlagValues): OptimizationProfile | undefined {
  const given = [values.shapes, values.minShapes, values.optShapes, values.maxShapes];
  const [fixed, min, opt, max] = PROFILE_FLAGS.map((f, i) => parseShapeList(f, given[i] ?? []));
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
