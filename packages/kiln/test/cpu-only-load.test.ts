/**
 * @kiln-inference/cuda-runtime is an optional dependency loaded only when CUDA is asked for: a program
 * that builds and runs on the CPU must never load it, nor map kiln_cuda.node into the process.
 * Runs the built umbrella in a child process, so nothing the test runner loaded counts; run
 * `pnpm build` before running this file alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expectTensorClose, readNpyFile } from '@kiln-inference/testkit';
import { Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const umbrella = join(root, 'packages/kiln/dist/index.js');
const example = (f: string) => join(root, 'examples/tiny-cnn', f);
const input = readNpyFile(example('input.npy'));

// Records every module the process loads: ESM through a loader hook (which reports each URL
// over a port; a final marker import flushes the port, as its messages arrive in order), CJS
// through require.cache, and, on Linux, every file mapped into the process (a loaded .node
// shows up there whichever thread or loader loaded it).
function probeScript(body: string): string {
  const hooks = `let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;
  return `
import { createRequire, register } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const imported = [];
let flushed;
const marker = new Promise((resolve) => (flushed = resolve));
port1.on('message', (url) => (url.includes('kiln-probe-marker') ? flushed() : imported.push(url)));
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)}, { data: { port: port2 }, transferList: [port2] });
const kiln = await import(${JSON.stringify(pathToFileURL(umbrella).href)});
const result = await (async () => { ${body} })();
await import('data:text/javascript,export default "kiln-probe-marker"');
await marker;
port1.close();
const required = Object.keys(createRequire(import.meta.url).cache);
const mapped = existsSync('/proc/self/maps') ? readFileSync('/proc/self/maps', 'utf8') : null;
console.log(JSON.stringify({ result, loaded: [...imported, ...required], mapped }));
`;
}

interface Probe {
  result: unknown;
  loaded: string[];
  mapped: string | null;
}

function probe(body: string, env: Record<string, string> = {}): Probe {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probeScript(body)], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Probe;
}

const cpuRun = `
const session = await kiln.InferenceSession.create(${JSON.stringify(example('model.onnx'))});
const input = kiln.Tensor.fromValues('float32', ${JSON.stringify(input.shape)}, ${JSON.stringify([...input.data])});
const outputs = await session.run({ [session.inputNames[0]]: input });
const probabilities = [...Object.values(outputs)[0].data];
await session.release();
return probabilities;
`;

describe('a CPU-only program', () => {
  it('builds and runs on the CPU without loading @kiln-inference/cuda-runtime or kiln_cuda.node', () => {
    expect(existsSync(umbrella), `${umbrella} is missing: run pnpm build`).toBe(true);
    const { result, loaded, mapped } = probe(cpuRun);
    const expected = readNpyFile(example('expected_output.npy'));
    expectTensorClose(Tensor.fromValues('float32', expected.shape, result as number[]), expected, { rtol: 1e-5, atol: 1e-6 });
    // The probe sees the packages the run did load, so an empty answer below means something.
    expect(loaded.some((f) => f.includes('cpu-runtime'))).toBe(true);
    expect(loaded.filter((f) => f.includes('cuda-runtime'))).toEqual([]);
    if (mapped !== null) expect(mapped).not.toContain('kiln_cuda.node');
  });

  it('loads @kiln-inference/cuda-runtime once CUDA is asked about', () => {
    const { result, loaded } = probe('return kiln.cudaStatus().devices.length;');
    expect(typeof result).toBe('number');
    expect(loaded.some((f) => f.includes(join('cuda-runtime', 'dist')))).toBe(true);
  });

  it("throws the CUDA runtime's errors as the umbrella's KilnError (one @kiln-inference/core, not an ESM and a CJS copy)", () => {
    const { result } = probe(
      `try { new kiln.CudaBackend().createRunner(null, () => new Uint8Array()); return 'no error'; }
       catch (e) { return { kilnError: e instanceof kiln.KilnError, code: e.code }; }`,
      // The runtime then refuses to create programs, whatever this machine has.
      { KILN_DISABLE_NATIVE: '1' },
    );
    expect(result).toEqual({ kilnError: true, code: 'NATIVE_UNAVAILABLE' });
  });
});
