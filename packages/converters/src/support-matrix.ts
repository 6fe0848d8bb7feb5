/**
 * The operator support matrix, generated from the registry (never written by hand): one row per
 * op of a domain, in the layout of onnx-tensorrt's operator matrix
 * (Operator | Supported | Supported Types | Restrictions).
 */
import type { DType } from '@kiln-inference/core';
import { type ConverterRegistry, normalizeDomain } from './registry.js';

export interface SupportMatrixRow {
  op: string;
  supported: boolean;
  /** Lowest opset any converter of the op handles (undefined when unsupported). */
  sinceVersion?: number;
  /** Highest opset handled; undefined = no upper limit. */
  untilVersion?: number;
  dtypes: DType[];
  restrictions: string[];
}

/**
 * Rows for every op the registry converts in `domain`, plus `alsoList` ops (e.g. ops seen in a
 * corpus) that have no converter, marked unsupported. Sorted by op name.
 */
export function supportMatrix(registry: ConverterRegistry, domain: string, alsoList: Iterable<string> = []): SupportMatrixRow[] {
  const wanted = normalizeDomain(domain);
  const rows = new Map<string, SupportMatrixRow>();
  // Oldest opset range first, so merged restrictions read in version order.
  const converters = registry.all().sort((a, b) => (a.sinceVersion ?? 1) - (b.sinceVersion ?? 1));
  for (const c of converters) {
    if (normalizeDomain(c.domain) !== wanted) continue;
    const row = rows.get(c.op) ?? { op: c.op, supported: true, dtypes: [], restrictions: [] };
    const since = c.sinceVersion ?? 1;
    row.sinceVersion = Math.min(row.sinceVersion ?? since, since);
    const until = c.untilVersion;
    const unbounded = rows.has(c.op) && row.untilVersion === undefined;
    row.untilVersion = unbounded || until === undefined ? undefined : Math.max(row.untilVersion ?? until, until);
    for (const d of c.dtypes ?? []) if (!row.dtypes.includes(d)) row.dtypes.push(d);
    if (c.restrictions && !row.restrictions.includes(c.restrictions)) row.restrictions.push(c.restrictions);
    rows.set(c.op, row);
  }
  for (const op of alsoList) if (!rows.has(op)) rows.set(op, { op, supported: false, dtypes: [], restrictions: [] });
  return [...rows.values()].sort((a, b) => a.op.localeCompare(b.op));
}

/** Short type names as onnx-tensorrt's matrix spells them. */
const TYPE_NAMES: Record<DType, string> = {
  float32: 'FP32',
  float16: 'FP16',
  bfloat16: 'BF16',
  float64: 'FP64',
  int8: 'INT8',
  uint8: 'UINT8',
  int16: 'INT16',
  uint16: 'UINT16',
  int32: 'INT32',
  uint32: 'UINT32',
  int64: 'INT64',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'STRING',
  float8e4m3fn: 'FP8E4M3FN',
  float8e4m3fnuz: 'FP8E4M3FNUZ',
  float8e5m2: 'FP8E5M2',
  float8e5m2fnuz: 'FP8E5M2FNUZ',
  float4e2m1: 'FP4E2M1',
  int4: 'INT4',
  uint4: 'UINT4',
  int2: 'INT2',
  uint2: 'UINT2',
};

function opsetText(row: SupportMatrixRow): string {
  if (!row.supported || row.sinceVersion === undefined) return '';
  if (row.untilVersion === undefined) return row.sinceVersion > 1 ? `opset ${row.sinceVersion}+` : '';
  return `opset ${row.sinceVersion}–${row.untilVersion}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderSupportMatrixMarkdown(rows: readonly SupportMatrixRow[]): string {
  const lines = ['| Operator | Supported | Supported Types | Restrictions |', '|---|---|---|---|'];
  for (const r of rows) {
    const types = r.dtypes.map((d) => TYPE_NAMES[d] ?? d).join(', ');
    const restrictions = [opsetText(r), ...r.restrictions].filter((s) => s.length > 0).join('; ');
    lines.push(`| ${r.op} | ${r.supported ? 'Y' : 'N'} | ${cell(types)} | ${cell(restrictions)} |`);
  }
  return `${lines.join('\n')}\n`;
}
