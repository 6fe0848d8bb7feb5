/**
 * onnxruntime-node's CPU provider as the benchmark peer. It is loaded dynamically: the bench
 * still runs Kiln alone (and says so) where the peer is not installed.
 */
import type { Tensor } from '@kiln-inference/core';

interface OrtTensorLike {
  data: ArrayLike<number> | ArrayLike<bigint>;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensorLike>>;
  release?(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(path: string, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown;
}

export interface PeerSession {
  name: string;
  run(feeds: Record<string, Tensor>): Promise<unknown>;
  close(): Promise<void>;
}

export async function openOnnxruntime(modelPath: string, threads: number): Promise<PeerSession | { unavailable: string }> {
  let ort: OrtModule;
  try {
    ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  } catch (e) {
    return { unavailable: `onnxruntime-node is not installed (${(e as Error).message})` };
  }
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  return {
    name: 'onnxruntime-node-cpu',
    run: (feeds) => {
      const ortFeeds: Record<string, unknown> = {};
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(t.dtype, t.data, t.shape);
      return session.run(ortFeeds);
    },
    close: async () => {
      await session.release?.();
    },
  };
}
