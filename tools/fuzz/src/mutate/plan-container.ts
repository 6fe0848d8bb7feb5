/**
 * The plan container from an attacker's side: split a plan into its manifest and sections,
 * and join edited parts back with fresh offsets and SHA-256 checksums. Checksums are integrity,
 * not authenticity, so a mutation re-signed here reaches the section decoders.
 */
import { createHash } from 'node:crypto';

const MAGIC = 'KILNPLAN';
const HEADER_BYTES = 48;
const ALIGN = 64;

export interface PlanParts {
  version: number;
  manifest: Record<string, unknown> & { sections: { name: string; offset: number; length: number; sha256: string }[] };
  sections: Map<string, Uint8Array>;
}

const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

/** Splits a valid plan (one this process serialized) into its parts. */
export function splitPlan(bytes: Uint8Array): PlanParts {
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error('not a kiln plan');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  const length = view.getUint32(12, true);
  const manifest = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + length))) as PlanParts['manifest'];
  const start = alignUp(HEADER_BYTES + length);
  const sections = new Map<string, Uint8Array>();
  for (const s of manifest.sections) sections.set(s.name, bytes.slice(start + s.offset, start + s.offset + s.length));
  return { version, manifest, sections };
}

/**
 * Joins parts into a container with correct offsets and checksums. `keepManifestSections`
 * writes the manifest's section table as given (to test the table itself), re-signing only it.
 */
export function joinPlan(parts: PlanParts, keepManifestSections = false): Uint8Array {
  const entries: { name: string; offset: number; length: number; sha256: string }[] = [];
  let size = 0;
  for (const [name, data] of parts.sections) {
    const offset = alignUp(size);
    entries.push({ name, offset, length: data.length, sha256: sha256(data).toString('hex') });
    size = offset + data.length;
  }
  const manifest = keepManifestSections ? parts.manifest : { ...parts.manifest, sections: entries };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const start = alignUp(HEADER_BYTES + manifestBytes.length);
  const out = new Uint8Array(start + size);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, parts.version, true);
  view.setUint32(12, manifestBytes.length, true);
  out.set(sha256(manifestBytes), 16);
  out.set(manifestBytes, HEADER_BYTES);
  let i = 0;
  for (const [, data] of parts.sections) out.set(data, start + entries[i++]!.offset);
  return out;
}
