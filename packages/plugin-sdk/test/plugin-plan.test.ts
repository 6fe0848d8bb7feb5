/**
 * A plugin through the back half of the pipeline: the plan records the plugin's identity,
 * fields and package; loading it without the plugin names both; a worker thread imports the
 * plugin's module by URL and runs it there.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { ErrorCode, Graph, isKilnError, type KilnError, Tensor } from '@kiln-inference/core';
import { buildPlan, deserializePlan, Engine, serializePlan } from '@kiln-inference/engine';
import { expectTensorClose, startSourceWorker } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { loadPlugins, PluginRegistry } from '../src/index.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/kiln-plugin-clip');

/** x[2,3] → acme::Clip(min -1, max 2) → y, and x → acme::ThreadId → tid. */
function clipGraph(): Graph {
  return new Graph({
    format: 'onnx',
    nodes: [
      {
        name: 'clip',
        op: 'Clip',
        domain: 'acme',
        inputs: ['x'],
        outputs: ['y'],
        attributes: { min: { kind: 'float', value: -1 }, max: { kind: 'float', value: 2 } },
      },
      { name: 'tid', op: 'ThreadId', domain: 'acme', inputs: ['x'], outputs: ['tid'], attributes: {} },
    ],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 3] } }],
    outputs: [
      { name: 'y', type: null },
      { name: 'tid', type: null },
    ],
    opsetImports: [{ domain: '', version: 17 }],
  });
}

async function planBytes(registry: PluginRegistry): Promise<Uint8Array> {
  const network = convertGraph(clipGraph(), createOnnxRegistry().registerAll(registry.converters()));
  return serializePlan(await buildPlan(network));
}

async function rejection(p: Promise<unknown>): Promise<KilnError> {
  try {
    await p;
  } catch (e) {
    if (isKilnError(e)) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

const X = new Tensor('float32', [2, 3], new Float32Array([-3, -1, 0, 1.5, 2, 7]));

describe('plugins in plans', () => {
  it('loads a plugin package by path, with its module URL and name@version', async () => {
    const registry = await loadPlugins([FIXTURE]);
    const entries = registry.entries().map((e) => [e.plugin.name, e.module, e.package]);
    const url = pathToFileURL(resolve(FIXTURE, 'src/index.ts')).href;
    expect(entries).toEqual([
      ['Clip', url, '@acme/kiln-plugin-clip@1.2.0'],
      ['ThreadId', url, '@acme/kiln-plugin-clip@1.2.0'],
    ]);
  });

  it("records each plugin's identity and package in the manifest and its fields in the layers", async () => {
    const plan = deserializePlan(await planBytes(await loadPlugins([FIXTURE])));
    expect(plan.manifest.plugins).toEqual([
      { namespace: 'acme', name: 'Clip', version: '1', package: '@acme/kiln-plugin-clip@1.2.0' },
      { namespace: 'acme', name: 'ThreadId', version: '1', package: '@acme/kiln-plugin-clip@1.2.0' },
    ]);
    const clip = plan.network.layers.find((l) => l.kind === 'plugin' && l.params.name === 'Clip');
    expect(clip?.params).toEqual({
      namespace: 'acme',
      name: 'Clip',
      version: '1',
      fields: { min: -1, max: 2 },
      package: '@acme/kiln-plugin-clip@1.2.0',
    });
  });

  it('refuses to load the plan without the plugin, naming it and the package to install', async () => {
    const e = await rejection(Engine.create(await planBytes(await loadPlugins([FIXTURE]))));
    expect(e.code).toBe(ErrorCode.PLAN_MISSING_PLUGIN);
    expect(e.message).toContain('the plan uses plugin acme::Clip@1 from @acme/kiln-plugin-clip@1.2.0, which is not loaded');
    expect(e.hint).toBe(
      "install @acme/kiln-plugin-clip@1.2.0 (npm install @acme/kiln-plugin-clip@1.2.0) and load it: plugins: ['@acme/kiln-plugin-clip'] (kiln run --plugin @acme/kiln-plugin-clip)",
    );
  });

  it('runs the plugin in a worker thread that imported it by module URL', async () => {
    const registry = await loadPlugins([FIXTURE]);
    const { plugins, pluginModules } = registry.kernels();
    expect(plugins.size).toBe(0);
    const engine = await Engine.create(await planBytes(registry), { pluginModules, execution: 'worker', startWorker: startSourceWorker });
    const context = engine.createExecutionContext();
    try {
      expect(context.offThread).toBe(true);
      const out = await context.run({ x: X });
      expectTensorClose(out.y!, new Tensor('float32', [2, 3], new Float32Array([-1, -1, 0, 1.5, 2, 2])), { rtol: 0, atol: 0 });
      // The worker's thread id, not the main thread's 0: the kernel ran where the module was imported.
      expect(out.tid!.getNumber(0)).toBeGreaterThan(0);
    } finally {
      await context.dispose();
    }
  });

  it('runs plugins registered without a module on the calling thread', async () => {
    const registry = await loadPlugins([FIXTURE]);
    const inPlace = new PluginRegistry(registry.entries().map((e) => e.plugin));
    const engine = await Engine.create(await planBytes(inPlace), { ...inPlace.kernels(), execution: 'inline' });
    const context = engine.createExecutionContext();
    const out = await context.run({ x: X });
    expect(out.tid!.getNumber(0)).toBe(0);
    expectTensorClose(out.y!, new Tensor('float32', [2, 3], new Float32Array([-1, -1, 0, 1.5, 2, 2])), { rtol: 0, atol: 0 });
    await context.dispose();
  });

  it('fails the context, naming the module, when a worker cannot import a plugin module', async () => {
    const registry = await loadPlugins([FIXTURE]);
    const [module] = registry.kernels().pluginModules;
    const missing = { url: pathToFileURL(resolve(FIXTURE, 'src/missing.ts')).href, kernels: module!.kernels };
    const engine = await Engine.create(await planBytes(registry), {
      pluginModules: [missing],
      execution: 'worker',
      startWorker: startSourceWorker,
    });
    const context = engine.createExecutionContext();
    const e = await rejection(context.run({ x: X }));
    expect(e.code).toBe(ErrorCode.IO_ERROR);
    expect(e.message).toContain(`cannot import the plugin module ${missing.url}`);
    await context.dispose();
  });
});
