/**
 * A minimal stand-in for vitest's describe/it/expect, so the GPU unit tests can be bundled
 * into one file and run with a bare Node on a GPU host that has no registry (no vitest, no
 * vite). Matchers are vitest's own (@vitest/expect on chai); tests run in order, and the
 * process exits 1 when any fails.
 */
import { JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';
import * as chai from 'chai';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);
// vitest registers toSatisfy itself rather than in @vitest/expect.
chai.Assertion.addMethod('toSatisfy', function (this: Chai.AssertionStatic, matcher: (v: unknown) => boolean, message?: string) {
  const actual = chai.util.flag(this, 'object');
  this.assert(
    matcher(actual),
    `expected #{this} to satisfy ${message ?? 'the matcher'}`,
    `expected #{this} not to satisfy ${message ?? 'the matcher'}`,
    true,
    actual,
  );
});

type Body = () => unknown | Promise<unknown>;
interface TestCase {
  name: string;
  body: Body;
  skip: string | false;
}

const tests: TestCase[] = [];
const prefix: string[] = [];
let skipDepth = 0;
let scheduled = false;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(runAll, 0);
}

async function runAll(): Promise<void> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const t of tests) {
    if (t.skip) {
      skipped += 1;
      console.log(`  - ${t.name} (skipped)`);
      continue;
    }
    const start = performance.now();
    try {
      await t.body();
      passed += 1;
      console.log(`  ✓ ${t.name} (${(performance.now() - start).toFixed(0)} ms)`);
    } catch (e) {
      failed += 1;
      console.log(
        `  ✗ ${t.name}\n      ${String(e instanceof Error ? (e.stack ?? e.message) : e)
          .split('\n')
          .slice(0, 6)
          .join('\n      ')}`,
      );
    }
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed > 0 ? 1 : 0;
}

function addTest(name: string, body: Body, skip: boolean): void {
  tests.push({ name: [...prefix, name].join(' › '), body, skip: skip || skipDepth > 0 ? 'skipped' : false });
  schedule();
}

function addSuite(name: string, body: () => void, skip: boolean): void {
  prefix.push(name);
  if (skip) skipDepth += 1;
  body();
  if (skip) skipDepth -= 1;
  prefix.pop();
}

type ItFn = ((name: string, body: Body) => void) & {
  skipIf: (cond: unknown) => (name: string, body: Body) => void;
  runIf: (cond: unknown) => (name: string, body: Body) => void;
};
type DescribeFn = ((name: string, body: () => void) => void) & {
  skipIf: (cond: unknown) => (name: string, body: () => void) => void;
  runIf: (cond: unknown) => (name: string, body: () => void) => void;
};

export const it: ItFn = Object.assign((name: string, body: Body) => addTest(name, body, false), {
  skipIf: (cond: unknown) => (name: string, body: Body) => addTest(name, body, Boolean(cond)),
  runIf: (cond: unknown) => (name: string, body: Body) => addTest(name, body, !cond),
});
export const test = it;
export const describe: DescribeFn = Object.assign((name: string, body: () => void) => addSuite(name, body, false), {
  skipIf: (cond: unknown) => (name: string, body: () => void) => addSuite(name, body, Boolean(cond)),
  runIf: (cond: unknown) => (name: string, body: () => void) => addSuite(name, body, !cond),
});
// biome-ignore lint/suspicious/noExplicitAny: vitest's expect is typed by vitest itself at the test sources
export const expect: any = (value: unknown, message?: string) => chai.expect(value, message);
