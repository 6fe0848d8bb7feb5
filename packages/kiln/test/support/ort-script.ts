/**
 * One script body written against onnxruntime-node's API, run unchanged with onnxruntime-node
 * and with kiln: create from a path, read inputMetadata, feed Float32Array tensors, read every
 * output with getData(). `Runtime` is the part of both modules the script uses.
 */

export interface RuntimeTensor {
  readonly type: string;
  readonly dims: readonly number[];
  getData(): Promise<unknown>;
}

export interface RuntimeSession {
  readonly inputMetadata: readonly { readonly name: string }[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, RuntimeTensor>): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
}

export interface Runtime {
  InferenceSession: { create(path: string): Promise<RuntimeSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => RuntimeTensor;
}

export interface ScriptOutput {
  type: string;
  dims: number[];
  data: unknown;
}

/** Feeds are given in the model's input order (the backend-test `input_N.pb` order). */
export async function runScript(
  rt: Runtime,
  modelPath: string,
  feeds: readonly { data: Float32Array; dims: number[] }[],
): Promise<Record<string, ScriptOutput>> {
  const session = await rt.InferenceSession.create(modelPath);
  try {
    const tensors: Record<string, RuntimeTensor> = {};
    session.inputMetadata.forEach((input, i) => {
      const feed = feeds[i]!;
      tensors[input.name] = new rt.Tensor('float32', feed.data, feed.dims);
    });
    const results = await session.run(tensors);
    const outputs: Record<string, ScriptOutput> = {};
    for (const name of session.outputNames) {
      const t = results[name]!;
      outputs[name] = { type: t.type, dims: [...t.dims], data: await t.getData() };
    }
    return outputs;
  } finally {
    await session.release();
  }
}
