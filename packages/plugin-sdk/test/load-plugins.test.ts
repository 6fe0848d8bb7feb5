import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, isKilnError, type KilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { loadPlugins, PluginRegistry, resolvePlugins } from '../src/index.js';
import { Clip } from './fixtures/kiln-plugin-clip/src/index.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/kiln-plugin-clip');

async function rejection(p: Promise<unknown>): Promise<KilnError> {
  try {
    await p;
  } catch (e) {
    if (isKilnError(e)) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

/** A project folder whose node_modules holds the fixture package, as `npm install` would put it. */
function projectWithFixture(): string {
  const project = mkdtempSync(join(tmpdir(), 'kiln-plugin-project-'));
  mkdirSync(join(project, 'node_modules/@acme'), { recursive: true });
  symlinkSync(FIXTURE, join(project, 'node_modules/@acme/kiln-plugin-clip'), 'dir');
  return project;
}

describe('loadPlugins', () => {
  it('resolves a package name from the given folder, as the project would import it', async () => {
    const registry = await loadPlugins(['@acme/kiln-plugin-clip'], { from: projectWithFixture() });
    expect(registry.entries().map((e) => `${e.plugin.namespace}::${e.plugin.name}@${e.plugin.version} ${e.package}`)).toEqual([
      'acme::Clip@1 @acme/kiln-plugin-clip@1.2.0',
      'acme::ThreadId@1 @acme/kiln-plugin-clip@1.2.0',
    ]);
  });

  it('says what to install when a package is not found', async () => {
    const e = await rejection(loadPlugins(['@acme/kiln-plugin-nope'], { from: tmpdir() }));
    expect(e.code).toBe(ErrorCode.IO_ERROR);
    expect(e.message).toContain(`cannot find the plugin '@acme/kiln-plugin-nope' from ${tmpdir()}`);
    expect(e.hint).toContain('npm install @acme/kiln-plugin-nope');
  });

  it('refuses a module that exports no plugin', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kiln-not-a-plugin-')), 'index.mjs');
    writeFileSync(file, 'export const answer = 42;\n');
    const e = await rejection(loadPlugins([file]));
    expect(e.message).toContain(`'${file}' exports no kiln plugin`);
  });
});

describe('resolvePlugins', () => {
  it('takes specifiers and plugin objects together, and a registry as it is', async () => {
    const registry = await resolvePlugins([FIXTURE]);
    expect(registry.size).toBe(2);
    const mixed = await resolvePlugins([Clip]);
    expect(mixed.entries()).toEqual([{ plugin: Clip }]);
    const given = new PluginRegistry();
    expect(await resolvePlugins(given)).toBe(given);
    expect((await resolvePlugins(undefined)).size).toBe(0);
    const e = await rejection(resolvePlugins([42 as never]));
    expect(e.message).toContain('plugins: 42 is neither a module specifier nor a plugin');
  });
});
