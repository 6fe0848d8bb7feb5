import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { findRegressions, updatedBaseline } from '../src/baseline.js';
import { categorizeError } from '../src/categorize.js';
import { compareOutput } from '../src/compare-output.js';
import { parseOptions } from '../src/options.js';
import { reasonKey, renderMarkdown } from '../src/report/markdown.js';
import { buildReport, summaryLine, totals } from '../src/report/report.js';
import type { CaseResult } from '../src/suite.js';
import { DEFAULT_TOLERANCE, toleranceFor } from '../src/tolerances.js';

const r = (suite: string, name: string, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult => ({
  suite,
  name,
  status,
  durationMs: 1,
  ...extra,
});

const results: CaseResult[] = [
  r('onnx-node', 'test_abs', 'pass', { ops: ['Abs'] }),
  r('onnx-node', 'test_add', 'fail', {
    ops: ['Add'],
    category: 'unsupported-op',
    reason: "UNSUPPORTED_OP: node 'Add_0' (Add): no converter for ai.onnx::Add",
  }),
  r('onnx-node', 'test_add_bcast', 'fail', {
    ops: ['Add'],
    category: 'unsupported-op',
    reason: "UNSUPPORTED_OP: node 'n1' (Add): no converter for ai.onnx::Add",
  }),
  r('onnx-node', 'test_softmax', 'pass', { ops: ['Constant', 'Softmax'] }),
  r('onnx-node', 'test_softmax_expanded', 'fail', {
    ops: ['ReduceMax', 'Sub', 'Exp'],
    category: 'numeric-mismatch',
    reason: "output 'y': 1/4 elements out of tolerance",
  }),
  r('onnx-node', 'test_seq', 'skip', { ops: ['SequenceConstruct'], reason: 'sequence/optional values are not supported' }),
  r('onnx-models', 'm', 'fail', { category: 'other', reason: 'timeout: no result after 120 s' }),
];

describe('report', () => {
  const report = buildReport(results, ['onnx-node', 'onnx-backend-models', 'onnx-models']);

  it('counts per suite and keeps every selected suite', () => {
    expect(report.suites['onnx-node']).toMatchObject({ passed: 2, failed: 3, skipped: 1 });
    expect(report.suites['onnx-backend-models']).toEqual({ passed: 0, failed: 0, skipped: 0, tests: [] });
    expect(summaryLine(totals(report))).toBe('conformance: 2 passed, 4 failed, 1 skipped');
  });

  it('attributes node tests to their operator, _expanded variants to the op they expand', () => {
    const ops = Object.fromEntries(report.suites['onnx-node']!.tests.map((t) => [t.name, t.op]));
    expect(ops).toMatchObject({ test_abs: 'Abs', test_add: 'Add', test_softmax: 'Softmax', test_softmax_expanded: 'Softmax' });
  });

  it('writes the JSON shape the tools read', () => {
    const t = report.suites['onnx-node']!.tests[1]!;
    expect(t).toEqual({
      name: 'test_add',
      status: 'fail',
      category: 'unsupported-op',
      reason: "UNSUPPORTED_OP: node 'Add_0' (Add): no converter for ai.onnx::Add",
      op: 'Add',
    });
  });

  it('renders totals, the per-op table and failures grouped by reason, ending with the summary line', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('| onnx-node | 2 | 3 | 1 | 6 |');
    expect(md).toContain('| Add | 0 | 2 | 0 |');
    expect(md).toContain('| Softmax | 1 | 1 | 0 |');
    expect(md).toMatch(/\*\*2\*\* × UNSUPPORTED_OP: no converter for ai\.onnx::Add — onnx-node\/test_add, onnx-node\/test_add_bcast/);
    expect(md).toContain('### numeric-mismatch (1)');
    expect(md).toContain('### other (1)');
    expect(md.trimEnd().split('\n').at(-1)).toBe('conformance: 2 passed, 4 failed, 1 skipped');
  });

  it('drops node names, data set numbers and hints from group keys', () => {
    expect(reasonKey("data set 1: CONVERSION_FAILED: node 'a/b' (Conv): bad pads Hint: fix it")).toBe('CONVERSION_FAILED: bad pads');
  });
});

describe('baseline', () => {
  const report = buildReport(results, ['onnx-node', 'onnx-models']);

  it('flags only baseline tests that ran and no longer pass', () => {
    const baseline = { suites: { 'onnx-node': ['test_abs', 'test_add', 'test_not_run'], 'tf-frozen': ['x'] } };
    expect(findRegressions(baseline, report).map((x) => `${x.suite}/${x.name}`)).toEqual(['onnx-node/test_add']);
    expect(findRegressions({ suites: { 'onnx-node': ['test_abs'] } }, report)).toEqual([]);
  });

  it('updates from the run, keeping tests that did not run', () => {
    const baseline = { suites: { 'onnx-node': ['test_add', 'test_not_run'], 'tf-frozen': ['x'] } };
    expect(updatedBaseline(baseline, report)).toEqual({
      suites: { 'onnx-models': [], 'onnx-node': ['test_abs', 'test_not_run', 'test_softmax'], 'tf-frozen': ['x'] },
    });
  });
});

describe('failure categories', () => {
  it('maps error codes and validator verdicts', () => {
    expect(categorizeError(new KilnError(ErrorCode.UNSUPPORTED_OP, 'x')).category).toBe('unsupported-op');
    expect(categorizeError(new KilnError(ErrorCode.UNSUPPORTED_LAYER, 'x')).category).toBe('unsupported-op');
    expect(categorizeError(new KilnError(ErrorCode.UNSUPPORTED_DTYPE, 'x')).category).toBe('unsupported-dtype');
    expect(categorizeError(new KilnError(ErrorCode.CONVERSION_FAILED, 'x', { hint: 'category: unsupported-dtype; run …' })).category).toBe(
      'unsupported-dtype',
    );
    expect(categorizeError(new KilnError(ErrorCode.RUNTIME_ERROR, 'x')).category).toBe('other');
    expect(categorizeError(new TypeError('y'))).toEqual({ category: 'other', reason: 'TypeError: y' });
  });

  it('keeps the code and message but not the hint in the reason', () => {
    const e = new KilnError(ErrorCode.UNSUPPORTED_OP, 'no converter', { node: { name: 'n', op: 'Foo' }, hint: 'long advice' });
    expect(categorizeError(e).reason).toBe("UNSUPPORTED_OP: node 'n' (Foo): no converter");
  });
});

describe('tolerances and options', () => {
  it('uses 1e-4 for float32 and looser entries only where the table says', () => {
    expect(toleranceFor('float32')).toEqual(DEFAULT_TOLERANCE);
    expect(toleranceFor('int64')).toEqual(DEFAULT_TOLERANCE);
    expect(toleranceFor('float16').rtol).toBeGreaterThan(DEFAULT_TOLERANCE.rtol);
  });

  it('compares outputs of random ops by dtype and shape only', () => {
    const expected = Tensor.fromValues('float32', [3], [0, 1, 0]);
    const drawn = Tensor.fromValues('float32', [3], [1, 1, 1]);
    expect(compareOutput('y', drawn, expected, ['Bernoulli'])).toBeUndefined();
    expect(compareOutput('y', drawn, expected, ['Relu'])?.category).toBe('numeric-mismatch');
    expect(compareOutput('y', Tensor.fromValues('float32', [2], [0, 1]), expected, ['RandomUniformLike'])?.status).toBe('fail');
    expect(compareOutput('y', Tensor.fromValues('float64', [3], [0, 1, 0]), expected, ['Bernoulli'])?.status).toBe('fail');
  });

  it('parses the command line', () => {
    const o = parseOptions([
      '--suite',
      'onnx-node',
      'onnx-models,tfjs',
      '--filter',
      '^onnx',
      '--jobs',
      '3',
      '--check-baseline',
      '--json',
      'out.json',
    ]);
    expect(o).toMatchObject({ suites: ['onnx-node', 'onnx-models', 'tfjs'], jobs: 3, checkBaseline: true, json: 'out.json' });
    expect(o.filter?.source).toBe('^onnx');
    expect(() => parseOptions(['--jobs', '0'])).toThrow(/positive/);
    expect(() => parseOptions(['--bogus'])).toThrow(/unknown argument/);
    expect(() => parseOptions(['--filter', '('])).toThrow(/--filter/);
  });
});
