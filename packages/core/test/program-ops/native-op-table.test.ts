/**
 * The native op table (native/common's program_ops.generated.h and program_op_table.generated.inc)
 * is checked in: it must be exactly what PROGRAM_OP_DESCRIPTORS renders to today.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NATIVE_OP_TABLE_FILES, renderNativeOpTable } from '../../scripts/native-op-table.js';
import { PROGRAM_OP_DESCRIPTORS, PROGRAM_OP_KINDS } from '../../src/index.js';

describe('the generated native op table', () => {
  const rendered = renderNativeOpTable();

  it('is up to date with the op descriptors (regenerate with `pnpm generate:native-ops`)', () => {
    for (const path of Object.values(NATIVE_OP_TABLE_FILES)) {
      expect(readFileSync(path, 'utf8'), `${path} is stale`).toBe(rendered[path]);
    }
  });

  it('lists every op kind once, in PROGRAM_OP_KINDS order, with each operand and attribute field', () => {
    const header = rendered[NATIVE_OP_TABLE_FILES.header]!;
    const table = rendered[NATIVE_OP_TABLE_FILES.table]!;
    const opList = header.slice(header.indexOf('#define KILN_PROGRAM_OPS('), header.indexOf('#define KILN_PROGRAM_OPERAND_FIELDS('));
    const listed = [...opList.matchAll(/^ {2}X\(\w+, (\w+)\)/gm)].map((m) => m[1]);
    expect(listed).toEqual([...PROGRAM_OP_KINDS]);
    for (const kind of PROGRAM_OP_KINDS) {
      const d = PROGRAM_OP_DESCRIPTORS[kind];
      for (const o of d.operands) expect(table).toContain(`{"${o.field}", `);
      for (const field of Object.keys(d.attributes)) expect(table).toContain(`{"${field}", AttributeType::`);
    }
  });

  it("names lrn's number `bias` apart from gemm's bias operand", () => {
    const header = rendered[NATIVE_OP_TABLE_FILES.header]!;
    expect(header).toContain('X(double, lrnBias)');
    expect(header).toMatch(/X\(bias\)/);
  });
});
