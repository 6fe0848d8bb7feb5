/**
 * One script body (support/ort-script.ts), run with onnxruntime-node and with kiln on every
 * ONNX model of the corpus that has float32 inputs: outputs agree within 1e-4. onnxruntime is
 * the oracle, except where the suite's own expected output agrees with Kiln and not with it
 * (a few ONNX backend tests, annotated on the test). Models Kiln does not load (UNSUPPORTED_*)
 * or onnxruntime cannot run are skipped with the reason. Needs KILN_CORPUS and onnxruntime-node,
 * a dev-only oracle (installed with ONNXRUNTIME_NODE_INSTALL=skip; its CPU binary ships in the package).
 */
import { readFileSync } from 'node:fs';
import { CORPUS_MISSING_MESSAGE, compareTensors, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import * as kiln from 'kiln-inference';
import { decodeTensorProto, KilnError, Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { type OnnxCorpusCase, onnxCorpusCases } from './support/onnx-corpus-cases.js';
import { type Runtime, runScript, type ScriptOutput } from './support/ort-script.js';

const TOL = { rtol: 1e-4, atol: 1e-4 };
// Output dtypes both runtimes hand back as plain typed arrays (onnxruntime-node 1.30 crashes on int4 outputs).
const COMPARABLE = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

const corpus = corpusDir();
const ort = await loadOnnxruntime();
const kilnRuntime: Runtime = kiln;

async function loadOnnxruntime(): Promise<Runtime | string> {
  try {
    const mod = await import('onnxruntime-node');
    // Old-opset warnings would flood the test log.
    mod.env.logLevel = 'error';
    return mod;
  } catch (e) {
    return `onnxruntime-node cannot be loaded (${(e as Error).message.split('\n')[0]}): skipping the comparison with it`;
  }
}

interface Prepared {
  c: OnnxCorpusCase;
  feeds: { data: Float32Array; dims: number[] }[];
  references: Tensor[];
}

/** Cases whose inputs are all float32 and whose outputs can be compared; undefined when a file does not decode. */
function prepare(c: OnnxCorpusCase): Prepared | undefined {
  try {
    const inputs = c.inputs.map(decodeFile);
    const references = c.outputs.map(decodeFile);
    if (inputs.length === 0 || !inputs.every((t) => t.dtype === 'float32')) return undefined;
    if (!references.every((t) => COMPARABLE.has(t.dtype))) return undefined;
    return { c, feeds: inputs.map((t) => ({ data: t.data as Float32Array, dims: [...t.shape] })), references };
  } catch {
    // Sequence/optional values and element types the decoder refuses: not a float32-tensor case.
    return undefined;
  }
}

function decodeFile(path: string): Tensor {
  return decodeTensorProto(new Uint8Array(readFileSync(path))).tensor;
}

function asTensor(o: ScriptOutput): Tensor {
  return new Tensor(o.type as never, o.data as Float32Array, o.dims);
}

// Skipped, with the reason as its title, where the oracle cannot run: no corpus checked out, or
// onnxruntime-node not installed or not loadable on this machine (it is a dev-only oracle).
if (!corpus) {
  it.skip(CORPUS_MISSING_MESSAGE, () => {});
} else if (typeof ort === 'string') {
  it.skip(ort, () => {});
} else {
  const oracle = ort;
  const cases = onnxCorpusCases(corpus)
    .map(prepare)
    .filter((p): p is Prepared => p !== undefined);

  describe('the same onnxruntime script on onnxruntime-node and kiln', () => {
    it('finds the corpus models', () => {
      expect(cases.length).toBeGreaterThan(100);
    });

    it.for(cases.map((p) => [p.c.id, p] as const))('%s', { timeout: 300_000 }, async ([, { c, feeds, references }], ctx) => {
      let expected: Record<string, ScriptOutput>;
      try {
        expected = await runScript(oracle, c.model, feeds);
      } catch (e) {
        return ctx.skip(`onnxruntime-node cannot run it: ${(e as Error).message.split('\n')[0]}`);
      }
      let actual: Record<string, ScriptOutput>;
      try {
        actual = await runScript(kilnRuntime, c.model, feeds);
      } catch (e) {
        if (e instanceof KilnError && e.code.startsWith('UNSUPPORTED_')) return ctx.skip(`Kiln does not load it: ${e.code}`);
        throw e;
      }
      expect(Object.keys(actual)).toEqual(Object.keys(expected));
      Object.entries(expected).forEach(([name, o], i) => {
        const ours = asTensor(actual[name]!);
        const theirs = asTensor(o);
        if (compareTensors(ours, theirs, TOL).pass) return;
        const reference = references[i];
        if (reference && !compareTensors(theirs, reference, TOL).pass) {
          // onnxruntime disagrees with the suite's expected output: Kiln must match that instead.
          expectTensorClose(ours, reference, TOL);
          ctx.annotate(`output '${name}': onnxruntime-node differs from the ONNX suite's expected output; Kiln matches it`);
          return;
        }
        expectTensorClose(ours, theirs, TOL);
      });
    });
  });
}
