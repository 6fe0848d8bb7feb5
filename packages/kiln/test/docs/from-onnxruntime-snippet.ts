// Was: import * as ort from 'onnxruntime-node';
import * as ort from 'kiln-inference';

/** Runs an image classifier and returns its first output's values. */
export async function classify(modelPath: string, pixels: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cuda', 'cpu'], // the first one this machine has wins
    graphOptimizationLevel: 'all',
  });
  try {
    const input = session.inputMetadata[0]!;
    const output = session.outputNames[0]!;
    const feeds = { [input.name]: new ort.Tensor('float32', pixels, dims) };
    const results = await session.run(feeds, [output]);
    return (await results[output]!.getData()) as Float32Array;
  } finally {
    await session.release();
  }
}
