// Reads vitest's JSON report and the conformance JSON, prints what failed, and ends with the
// line CI reads: `N passed, N failed, N skipped`. Conformance tests that fail but are not in
// the committed baseline are known gaps: they count as skipped, not failed; a baseline test
// that fails is a regression and counts as failed. Exit code is non-zero on any failure.
import { existsSync, readFileSync } from 'node:fs';

const [unitPath, conformancePath, unitStatus = '0', conformanceStatus = '0', lintStatus = '0', ...checks] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

if (unitPath && existsSync(unitPath)) {
  const unit = JSON.parse(readFileSync(unitPath, 'utf8'));
  passed += unit.numPassedTests ?? 0;
  failed += unit.numFailedTests ?? 0;
  // A test file that fails to load has no failed tests of its own: count the file.
  if ((unit.numFailedTests ?? 0) === 0) failed += unit.numFailedTestSuites ?? 0;
  skipped += (unit.numPendingTests ?? 0) + (unit.numTodoTests ?? 0);
  console.log(`unit: ${unit.numPassedTests} passed, ${unit.numFailedTests} failed, ${unit.numPendingTests} skipped`);
  for (const file of unit.testResults ?? []) {
    for (const t of file.assertionResults ?? []) if (t.status === 'failed') console.log(`  FAILED ${t.fullName}`);
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0)
      console.log(`  FAILED (suite) ${file.name}: ${file.message}`);
  }
} else {
  console.log('unit: no report (the test run crashed)');
  failed += 1;
}
if (unitStatus !== '0' && failed === 0) failed += 1; // vitest failed without a countable test

if (conformancePath && existsSync(conformancePath)) {
  const c = JSON.parse(readFileSync(conformancePath, 'utf8'));
  const regressions = new Set(c.regressions ?? []);
  for (const [name, suite] of Object.entries(c.suites ?? {})) {
    let known = 0;
    for (const t of suite.tests ?? []) {
      if (t.status === 'pass') passed++;
      else if (t.status === 'skip') skipped++;
      else if (regressions.has(`${name}/${t.name}`)) failed++;
      else {
        skipped++;
        known++;
      }
    }
    console.log(`conformance ${name}: ${suite.passed} passed, ${suite.failed} failed (${known} known gaps), ${suite.skipped} skipped`);
  }
  if (regressions.size) console.log(`conformance regressions: ${[...regressions].join(', ')}`);
  if (conformanceStatus !== '0' && regressions.size === 0) {
    console.log('conformance runner failed without a listed regression');
    failed += 1;
  }
} else if (conformanceStatus !== '0') {
  failed += 1;
}

// Lint counts as one check.
if (lintStatus === '0') passed++;
else {
  console.log('lint: FAILED (run pnpm lint)');
  failed++;
}

// Further checks as `name=status` (sanitizers, fuzz): each counts as one.
for (const check of checks) {
  const [name, status] = check.split('=');
  if (status === '0') passed++;
  else {
    console.log(`${name}: FAILED (exit ${status})`);
    failed++;
  }
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
