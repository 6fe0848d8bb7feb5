#!/usr/bin/env node
// Release acceptance: packs every publishable package as `pnpm publish` would, installs the
// tarballs into a scratch project with plain npm (offline once npm's cache holds the third-party
// dependencies), and checks the umbrella from ESM, CJS and TypeScript (nodenext and bundler)
// and that it runs examples/tiny-cnn within tolerance. Needs `pnpm build` first.
// Usage: node tools/scripts/pack-smoke.mjs [--keep]   (--keep leaves the scratch directory)
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = join(root, 'tools/scripts/pack-smoke');
const keep = process.argv.includes('--keep');
const started = Date.now();
const failures = [];

function fail(message) {
  failures.push(message);
  console.log(`  FAIL ${message}`);
}

function pass(message) {
  console.log(`  ok   ${message}`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function run(command, args, cwd, env = process.env) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The workspace's publishable packages: every package.json under the workspace globs not marked private. */
function publishablePackages() {
  const found = [];
  for (const group of ['packages', 'tools', 'examples']) {
    for (const dir of readdirSync(join(root, group))) {
      const file = join(root, group, dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = readJson(file);
      if (!pkg.private) found.push({ dir: join(root, group, dir), pkg });
    }
  }
  return found;
}

function umbrellaOf(packages) {
  const withBin = packages.filter(({ pkg }) => pkg.bin);
  if (withBin.length !== 1) throw new Error(`expected one publishable package with a bin (the umbrella), found ${withBin.length}`);
  return withBin[0].pkg;
}

/** Checks one packed tarball: contents and the manifest that npm will read. */
function checkTarball(tarball, source, versions, rootLicense) {
  const name = source.pkg.name;
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  const inside = files.map((f) => f.replace(/^package\//, ''));
  const stray = inside.filter((f) => /(^|\/)(src|test|tests)\//.test(f) || /\.test\.|\.spec\./.test(f));
  if (stray.length) fail(`${name}: sources or tests packed: ${stray.slice(0, 5).join(', ')}`);
  for (const required of ['LICENSE', 'README.md', 'package.json']) {
    if (!inside.includes(required)) fail(`${name}: ${required} missing from the tarball`);
  }
  const license = execFileSync('tar', ['-xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' });
  if (license !== rootLicense) fail(`${name}: LICENSE differs from the repository's`);
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  if (JSON.stringify(manifest).includes('workspace:')) fail(`${name}: a workspace: range survived packing`);
  for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
    if (versions.has(dep) && range !== versions.get(dep)) fail(`${name}: depends on ${dep}@${range}, packed ${versions.get(dep)}`);
  }
  if (manifest.license !== 'Apache-2.0') fail(`${name}: license is ${manifest.license}`);
  if (manifest.engines?.node !== '>=20') fail(`${name}: engines.node is ${manifest.engines?.node}`);
  if (manifest.repository?.directory !== relative(root, source.dir)) fail(`${name}: repository.directory is wrong`);
  if (manifest.sideEffects !== false) fail(`${name}: sideEffects is not false`);
  const entry = manifest.exports?.['.'];
  for (const condition of ['import', 'require']) {
    const target = entry?.[condition];
    if (!target?.types || !target?.default) fail(`${name}: exports["."].${condition} lacks types or default`);
    for (const path of [target?.types, target?.default]) {
      if (path && !inside.includes(path.replace(/^\.\//, ''))) fail(`${name}: exports names ${path}, not in the tarball`);
    }
  }
  const natives = inside.filter((f) => f.endsWith('.node'));
  return { name, files: inside.length, natives, manifest };
}

function main() {
  const packages = publishablePackages();
  const umbrella = umbrellaOf(packages);
  const versions = new Map(packages.map(({ pkg }) => [pkg.name, pkg.version]));
  const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');
  for (const { dir, pkg } of packages) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${pkg.name} has no dist/: run pnpm build first`);
  }

  const scratch = mkdtempSync(join(tmpdir(), 'kiln-pack-smoke-'));
  try {
    checkInScratch(scratch, packages, umbrella, versions, rootLicense);
  } finally {
    if (keep) console.log(`\nkept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failures.length) {
    console.log(`\npack-smoke: ${failures.length} failure(s) in ${seconds} s`);
    process.exitCode = 1;
  } else {
    console.log(`\npack-smoke: all checks passed in ${seconds} s`);
  }
}

function checkInScratch(scratch, packages, umbrella, versions, rootLicense) {
  const tarballs = join(scratch, 'tarballs');
  const project = join(scratch, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  console.log(`scratch: ${scratch}`);
  console.log(`node ${process.version}, npm ${run('npm', ['--version'], root).output}`);

  console.log(`\n1. pnpm pack (${packages.length} publishable packages)`);
  const packed = [];
  for (const source of packages) {
    const out = execFileSync('pnpm', ['pack', '--json', '--pack-destination', tarballs], { cwd: source.dir, encoding: 'utf8' });
    const tarball = JSON.parse(out.slice(out.indexOf('{'))).filename;
    const summary = checkTarball(tarball, source, versions, rootLicense);
    packed.push(tarball);
    const natives = summary.natives.length ? `, natives: ${summary.natives.join(' ')}` : '';
    pass(`${summary.name}@${summary.manifest.version}: ${summary.files} files${natives}`);
    if (summary.name === umbrella.name) {
      const deps = Object.entries(summary.manifest.dependencies).map(([d, r]) => `${d}@${r}`);
      console.log(`       packed dependencies (workspace:* in the repository): ${deps.join(', ')}`);
    }
  }

  console.log('\n2. npm install of the tarballs into a scratch project (plain npm)');
  const rootPkg = readJson(join(root, 'package.json'));
  const tools = [`typescript@${rootPkg.devDependencies.typescript}`, `@types/node@${rootPkg.devDependencies['@types/node']}`];
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'kiln-pack-smoke', private: true }, null, 2)}\n`);
  const npmArgs = ['install', '--no-audit', '--no-fund', '--no-package-lock', ...packed, ...tools];
  let install = run('npm', [...npmArgs, '--offline'], project);
  if (install.status !== 0 && /ENOTCACHED/.test(install.output)) {
    // A cold cache: fetch the third-party dependencies once in a throwaway project, then retry offline.
    console.log('  npm cache is cold: warming it once online (--prefer-offline), then installing offline');
    const warm = join(scratch, 'warm-cache');
    mkdirSync(warm);
    writeFileSync(join(warm, 'package.json'), '{"name":"warm","private":true}\n');
    const warmed = run('npm', [...npmArgs, '--prefer-offline'], warm);
    if (warmed.status !== 0) throw new Error(`npm could not warm its cache:\n${warmed.output}`);
    install = run('npm', [...npmArgs, '--offline'], project);
  }
  if (install.status !== 0) throw new Error(`npm install --offline failed:\n${install.output}`);
  pass(`npm install --offline: ${install.output.split('\n').at(-1)}`);
  const withScripts = installScripts(join(project, 'node_modules'));
  if (withScripts.length) fail(`install scripts in the dependency tree: ${withScripts.join('; ')}`);
  else pass('no package in the installed tree has a preinstall, install or postinstall script');

  for (const file of ['model.onnx', 'input.npy', 'expected_output.npy']) {
    copyFileSync(join(root, 'examples/tiny-cnn', file), join(project, file));
  }
  for (const file of ['tiny-cnn-check.cjs', 'esm.mjs', 'cjs.cjs']) copyFileSync(join(fixtures, file), join(project, file));

  console.log('\n3. the umbrella from ESM and from CJS, running examples/tiny-cnn');
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const result = run(process.execPath, [file], project);
    const line = result.output.split('\n').find((l) => l.startsWith('{')) ?? result.output;
    if (result.status === 0) pass(`node ${file}: ${line}`);
    else fail(`node ${file} exited ${result.status}: ${result.output}`);
  }
  const cli = join(project, 'node_modules/.bin', Object.keys(umbrella.bin)[0]);
  const version = run(cli, ['--version'], project);
  if (version.status === 0 && version.output === umbrella.version) pass(`${Object.keys(umbrella.bin)[0]} --version: ${version.output}`);
  else fail(`the CLI's --version printed ${JSON.stringify(version.output)} (exit ${version.status})`);
  const doctor = run(cli, ['doctor'], project);
  if (doctor.status === 0) pass(`${Object.keys(umbrella.bin)[0]} doctor:\n${doctor.output.replace(/^/gm, '         ')}`);
  else fail(`doctor exited ${doctor.status}: ${doctor.output}`);

  console.log('\n4. TypeScript: tsc --noEmit on a file that uses the public API');
  const usage = readFileSync(join(fixtures, 'types-usage.ts'), 'utf8');
  const typeChecks = {
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext', files: { 'usage.mts': usage, 'usage.cts': usage } },
    bundler: { module: 'esnext', moduleResolution: 'bundler', files: { 'usage.ts': usage } },
  };
  for (const [label, { module, moduleResolution, files }] of Object.entries(typeChecks)) {
    const dir = join(project, `types-${label}`);
    mkdirSync(dir);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    const compilerOptions = {
      module,
      moduleResolution,
      target: 'es2022',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: Object.keys(files) }));
    const tsc = run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', dir], project);
    if (tsc.status === 0) pass(`moduleResolution ${moduleResolution} (${Object.keys(files).join(', ')}): no errors`);
    else fail(`tsc with moduleResolution ${moduleResolution}:\n${tsc.output}`);
  }
}

/** Packages under node_modules that declare an install-time script, as "name: script". */
function installScripts(nodeModules) {
  const found = [];
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '.bin') continue;
      const path = join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        visit(path);
        continue;
      }
      const manifest = join(path, 'package.json');
      if (existsSync(manifest)) {
        const { name, scripts = {} } = readJson(manifest);
        for (const hook of ['preinstall', 'install', 'postinstall']) if (scripts[hook]) found.push(`${name}: ${hook} ${scripts[hook]}`);
      }
      if (existsSync(join(path, 'node_modules'))) visit(join(path, 'node_modules'));
    }
  };
  visit(nodeModules);
  return found;
}

try {
  main();
} catch (error) {
  console.error(`pack-smoke: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
