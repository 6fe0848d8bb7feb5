/**
 * `kiln build --shapes` and `--min-shapes/--opt-shapes/--max-shapes`: parsing into an
 * optimization profile, the errors that name the input, and the built plan honouring the range.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCpuNative } from '@kiln-inference/cpu-runtime';
import { readNpyFile, repoRoot } from '@kiln-inference/testkit';
import { Command } from 'commander';
import { ErrorCode, InferenceSession, KilnError, build as oneCallBuild, Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { buildModel, formatBuildSummary } from '../src/cli/commands/build.js';
import { parseShapeList, profileFromFlags, withProfileOptions } from '../src/cli/profile-flags.js';

const model = join(repoRoot(), 'examples/tiny-cnn/model.onnx'); // image: float32[batch,1,8,8]
const dir = mkdtempSync(join(tmpdir(), 'kiln-profile-'));
const profileOf = (...argv: string[]) =>
  profileFromFlags(withProfileOptions(new Command()).exitOverride().parse(argv, { from: 'user' }).opts());

function failsWith(code: string, pattern: RegExp) {
  return (e: unknown) => e instanceof KilnError && e.code === code && pattern.test(e.message);
}

describe('profile flags', () => {
  it('--shapes fixes each input: comma-separated, repeated, names holding ":" and quoted names', () => {
    expect(profileOf('--shapes', 'x:1x3x48x192')).toEqual({ x: { min: [1, 3, 48, 192], opt: [1, 3, 48, 192], max: [1, 3, 48, 192] } });
    const p = profileOf('--shapes', 'a:2x4,onnx::Flatten_0:1x25x96', '--shapes=' + "'input:0':7");
    expect(Object.keys(p!)).toEqual(['a', 'onnx::Flatten_0', 'input:0']);
    expect(p!['onnx::Flatten_0']!.opt).toEqual([1, 25, 96]);
    expect(p!['input:0']).toEqual({ min: [7], opt: [7], max: [7] });
    expect(profileOf()).toBeUndefined();
  });

  it('--min/--opt/--max-shapes give a range per input', () => {
    expect(profileOf('--min-shapes', 'x:1x3x32x32', '--opt-shapes', 'x:1x3x48x192', '--max-shapes', 'x:4x3x64x640')).toEqual({
      x: { min: [1, 3, 32, 32], opt: [1, 3, 48, 192], max: [4, 3, 64, 640] },
    });
  });

  it('refuses malformed entries, naming the flag and the entry', () => {
    for (const bad of ['x', 'x:', ':1x2', 'x:1x', 'x:1,2', 'x:-1x3', 'x:ax3']) {
      expect(() => parseShapeList('shapes', [bad])).toThrow(/--shapes '.*' should look like NAME:1x3x48x192/);
    }
    expect(() => parseShapeList('min-shapes', ['x:1,x:2'])).toThrow(/--min-shapes gives input 'x' twice/);
  });

  it('refuses an incomplete range and an input given both ways, naming the input', () => {
    expect(() => profileOf('--min-shapes', 'x:1x3', '--max-shapes', 'x:2x3')).toThrow(
      expect.toSatisfy(failsWith(ErrorCode.INVALID_ARGUMENT, /input 'x' has no --opt-shapes/)),
    );
    expect(() => profileOf('--shapes', 'x:1x3', '--min-shapes', 'x:1x3', '--opt-shapes', 'x:1x3', '--max-shapes', 'x:1x3')).toThrow(
      expect.toSatisfy(failsWith(ErrorCode.INVALID_ARGUMENT, /input 'x' is given by --shapes and by --min/)),
    );
  });
});

describe('kiln build with a profile', () => {
  const build = (...argv: string[]) => buildModel(model, { output: join(dir, 'p.plan'), tune: false, profile: profileOf(...argv)! });

  it('refuses an unknown input, a wrong rank, min > opt and a size the model fixes, naming the input', async () => {
    await expect(build('--shapes', 'images:1x1x8x8')).rejects.toSatisfy(
      failsWith(ErrorCode.INVALID_ARGUMENT, /'images', which is not an input of the model/),
    );
    await expect(build('--shapes', 'image:1x8x8')).rejects.toSatisfy(
      failsWith(ErrorCode.INVALID_ARGUMENT, /'image' has rank 3, but the input is declared \[batch,1,8,8\]/),
    );
    await expect(
      build('--min-shapes', 'image:2x1x8x8', '--opt-shapes', 'image:1x1x8x8', '--max-shapes', 'image:4x1x8x8'),
    ).rejects.toSatisfy(failsWith(ErrorCode.INVALID_ARGUMENT, /profile for 'image': dimension 0 has min 2, opt 1, max 4/));
    await expect(build('--shapes', 'image:1x1x9x8')).rejects.toSatisfy(
      failsWith(ErrorCode.INVALID_ARGUMENT, /'image' gives dimension 2 the range 9\.\.9, but the model fixes it at 8/),
    );
  });

  it('records the range, runs inside it and refuses a batch beyond it', async () => {
    const summary = await buildModel(model, {
      output: join(dir, 'range.plan'),
      profile: profileOf('--min-shapes', 'image:1x1x8x8', '--opt-shapes', 'image:2x1x8x8', '--max-shapes', 'image:3x1x8x8')!,
    });
    expect(summary.profile).toEqual({ image: { min: [1, 1, 8, 8], opt: [2, 1, 8, 8], max: [3, 1, 8, 8] } });
    expect(summary.warnings).toEqual([]);
    expect(formatBuildSummary(summary)).toContain('profile: image min 1x1x8x8, opt 2x1x8x8, max 3x1x8x8');
    const session = await InferenceSession.create(join(dir, 'range.plan'));
    try {
      const one = readNpyFile(join(repoRoot(), 'examples/tiny-cnn/input.npy'));
      const expected = readNpyFile(join(repoRoot(), 'examples/tiny-cnn/expected_output.npy'));
      const three = new Tensor(
        'float32',
        [3, 1, 8, 8],
        Float32Array.from(Array.from({ length: 3 }, () => [...(one.data as Float32Array)]).flat()),
      );
      expect((await session.run({ image: one })).probabilities!.shape).toEqual([1, 3]);
      const out = (await session.run({ image: three })).probabilities!;
      expect(out.shape).toEqual([3, 3]);
      for (let b = 0; b < 3; b++) {
        for (let k = 0; k < 3; k++) expect(out.data[3 * b + k]).toBeCloseTo(expected.data[k] as number, 4);
      }
      const four = new Tensor('float32', [4, 1, 8, 8], new Float32Array(256));
      await expect(session.run({ image: four })).rejects.toSatisfy(
        failsWith(
          ErrorCode.FEED_SHAPE_MISMATCH,
          /input 'image' was fed shape \[4,1,8,8\], outside the plan's optimization profile \[1\.\.3x1x8x8\]/,
        ),
      );
    } finally {
      await session.dispose();
    }
  });

  it.skipIf(!loadCpuNative().ok)('without shapes for a symbolic input, says in the summary which input left layers untimed', async () => {
    const summary = await buildModel(model, { output: join(dir, 'plain.plan'), tune: true });
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(/input 'image' is \[batch,1,8,8\] with no optimization profile/);
    expect(formatBuildSummary(summary)).toContain("warning: input 'image'");
  });

  it('the one-call API and InferenceSession take the same profile', async () => {
    const profile = { image: { min: [1, 1, 8, 8], opt: [1, 1, 8, 8], max: [2, 1, 8, 8] } };
    expect((await oneCallBuild(model, { build: { profile } })).manifest.buildSettings.profile).toEqual(profile);
    const session = await InferenceSession.create(model, { build: { profile } });
    try {
      await expect(session.run({ image: new Tensor('float32', [3, 1, 8, 8], new Float32Array(192)) })).rejects.toSatisfy(
        failsWith(ErrorCode.FEED_SHAPE_MISMATCH, /'image'.*\[1\.\.2x1x8x8\]/),
      );
    } finally {
      await session.dispose();
    }
  });
});
