/**
 * Feeds are checked once, before anything is posted or computed, the same way for worker and
 * inline contexts: a tensor whose buffer was transferred away, a DataView, storage that does
 * not fill the shape, or feeds that are not a map of tensors are KilnErrors naming the input.
 */
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan, Engine, type ExecutionContext } from '../src/index.js';
import { addNetwork } from './fixtures/add-network.js';
import { startSourceWorker } from './fixtures/source-worker.js';

const x = () => Tensor.fromValues('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
const y = () => Tensor.fromValues('float32', [2, 3], [10, 20, 30, 40, 50, 60]);

/** A tensor whose storage was transferred to another realm: its typed array now reads as empty. */
function detachedTensor(): Tensor {
  const t = x();
  structuredClone(t.data, { transfer: [(t.data as Float32Array).buffer as ArrayBuffer] });
  return t;
}

/** A tensor whose storage was swapped after construction (what plain JS callers can do). */
function withData(t: Tensor, data: unknown): Tensor {
  Object.defineProperty(t, 'data', { value: data });
  return t;
}

function expectFeedError(code: string, input: string | undefined, hint: RegExp) {
  return (e: unknown) =>
    e instanceof KilnError && e.code === code && (input === undefined || e.message.includes(`'${input}'`)) && hint.test(e.hint ?? '');
}

describe.each(['inline', 'worker'] as const)('feed validation (%s)', (execution) => {
  let ctx: ExecutionContext;
  beforeAll(async () => {
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution, startWorker: startSourceWorker });
    ctx = engine.createExecutionContext();
    expect(ctx.offThread).toBe(execution === 'worker');
  });
  afterAll(() => ctx.dispose());

  it('runs valid feeds, from an object or a Map', async () => {
    const want = Tensor.fromValues('float32', [2, 3], [11, 22, 33, 44, 55, 66]);
    expectTensorClose((await ctx.run({ x: x(), y: y() })).z!, want, { rtol: 0, atol: 0 });
    expectTensorClose(
      (
        await ctx.run(
          new Map([
            ['x', x()],
            ['y', y()],
          ]),
        )
      ).z!,
      want,
      { rtol: 0, atol: 0 },
    );
  });

  it('refuses a tensor whose buffer was transferred away instead of returning NaNs', async () => {
    await expect(ctx.run({ x: detachedTensor(), y: y() })).rejects.toSatisfy(
      expectFeedError(ErrorCode.INVALID_ARGUMENT, 'x', /copy it before transferring/),
    );
  });

  it('refuses a disposed tensor, naming the disposal rather than a transfer', async () => {
    const disposed = x();
    disposed.dispose();
    await expect(ctx.run({ x: disposed, y: y() })).rejects.toSatisfy(expectFeedError(ErrorCode.INVALID_ARGUMENT, 'x', /not been disposed/));
  });

  it('refuses null, arrays, tensors and other non-maps as feeds', async () => {
    for (const feeds of [null, undefined, 42, 'x', [x(), y()], x(), new Float32Array(6)]) {
      await expect(ctx.run(feeds as never)).rejects.toSatisfy(expectFeedError(ErrorCode.INVALID_ARGUMENT, undefined, /plain object/));
    }
    await expect(ctx.run(new Map<unknown, Tensor>([[1, x()]]) as never)).rejects.toSatisfy(
      expectFeedError(ErrorCode.INVALID_ARGUMENT, undefined, /input name/),
    );
  });

  it('refuses a feed that is not a Tensor', async () => {
    await expect(ctx.run({ x: new Float32Array(6), y: y() } as never)).rejects.toSatisfy(
      expectFeedError(ErrorCode.INVALID_ARGUMENT, 'x', /new Tensor\('float32'/),
    );
    await expect(ctx.run({ x: null, y: y() } as never)).rejects.toSatisfy(expectFeedError(ErrorCode.MISSING_FEED, 'x', /float32 tensor/));
  });

  it('refuses DataView storage, storage of the wrong type and storage that does not fill the shape', async () => {
    const view = withData(x(), new DataView(new ArrayBuffer(24)));
    await expect(ctx.run({ x: view, y: y() })).rejects.toSatisfy(expectFeedError(ErrorCode.INVALID_ARGUMENT, 'x', /typed array/));
    const wrong = withData(x(), new Int32Array(6));
    await expect(ctx.run({ x: wrong, y: y() })).rejects.toSatisfy(expectFeedError(ErrorCode.INVALID_ARGUMENT, 'x', /Tensor.fromValues/));
    const short = withData(x(), new Float32Array(5));
    await expect(ctx.run({ x: short, y: y() })).rejects.toSatisfy(expectFeedError(ErrorCode.FEED_SHAPE_MISMATCH, 'x', /exactly as long/));
  });

  it('names the input on missing, unknown, wrong-dtype and wrong-shape feeds', async () => {
    await expect(ctx.run({ x: x() })).rejects.toSatisfy(expectFeedError(ErrorCode.MISSING_FEED, 'y', /\[2,\s?3\]/));
    await expect(ctx.run({ x: x(), y: y(), w: y() })).rejects.toSatisfy(expectFeedError(ErrorCode.UNKNOWN_FEED, 'w', /x, y/));
    await expect(ctx.run({ x: Tensor.zeros('int32', [2, 3]), y: y() })).rejects.toSatisfy(
      expectFeedError(ErrorCode.FEED_DTYPE_MISMATCH, 'x', /float32/),
    );
    await expect(ctx.run({ x: Tensor.zeros('float32', [3, 2]), y: y() })).rejects.toSatisfy(
      expectFeedError(ErrorCode.FEED_SHAPE_MISMATCH, 'x', /numbers must match/),
    );
  });

  it('still runs after refusing bad feeds', async () => {
    const out = await ctx.run({ x: x(), y: y() });
    expect(Array.from(out.z!.data as Float32Array)).toEqual([11, 22, 33, 44, 55, 66]);
  });
});
