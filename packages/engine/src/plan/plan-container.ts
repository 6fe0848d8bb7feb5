/**
 * The plan container, byte by byte:
 *
 *   0   8 bytes  magic "KILNPLAN"
 *   8   u32 LE   format version (PLAN_FORMAT_VERSION)
 *   12  u32 LE   manifest length M
 *   16  32 bytes SHA-256 of the manifest bytes
 *   48  M bytes  manifest, canonical JSON (PlanManifest, with section offsets and checksums)
 *   …   zero padding to a multiple of SECTION_ALIGNMENT
 *   sections, each at its manifest offset (relative to the padded end of the manifest), aligned:
 *     'layers'  canonical JSON { network, tensors } (tensors = the weights table)
 *     'weights' one binary blob, every tensor aligned to 64 bytes
 *     'memory'  canonical JSON MemoryPlan (optional: plans of dynamic networks and older plans lack it)
 *     'tactics' canonical JSON TacticChoices (optional: untuned builds lack it)
 *
 * The version is read before anything else so a future layout can change everything after it.
 */
import { ErrorCode, KILN_VERSION, KilnError } from '@kiln-inference/core';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import { sha256Hex } from './checksum.js';
import { PLAN_FORMAT_VERSION, type PlanManifest, type SectionEntry } from './manifest.js';
import { decodeMemoryPlan, encodeMemoryPlan } from './memory-section.js';
import { decodeNetwork, encodeNetwork } from './network-codec.js';
import type { Plan } from './plan.js';
import { decodeTactics, encodeTactics } from './tactics-section.js';
import { alignUp, corrupted, parseTensorTable, WeightsReader, WeightsWriter } from './weights-blob.js';

const MAGIC = new TextEncoder().encode('KILNPLAN');
const HEADER_BYTES = 48;
const SECTION_ALIGNMENT = 64;

/** True when the bytes open with the plan magic: how callers tell a plan from model bytes without parsing. */
export function hasPlanMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

export function serializePlan(plan: Plan): Uint8Array {
  const weights = new WeightsWriter();
  const network = encodeNetwork(plan.network, weights);
  const layers = new TextEncoder().encode(canonicalJson({ network, tensors: weights.table() }));
  const blobs: [string, Uint8Array][] = [
    ['layers', layers],
    ['weights', weights.blob()],
  ];
  if (plan.memoryPlan) blobs.push(['memory', new TextEncoder().encode(canonicalJson(encodeMemoryPlan(plan.memoryPlan)))]);
  if (plan.tactics) blobs.push(['tactics', new TextEncoder().encode(canonicalJson(encodeTactics(plan.tactics)))]);
  const sections: SectionEntry[] = [];
  let size = 0;
  for (const [name, bytes] of blobs) {
    const offset = alignUp(size, SECTION_ALIGNMENT);
    sections.push({ name, offset, length: bytes.length, sha256: sha256Hex(bytes) });
    size = offset + bytes.length;
  }
  const manifest: PlanManifest = { ...plan.manifest, sections };
  const manifestBytes = new TextEncoder().encode(canonicalJson(manifest as unknown as JsonValue));
  const sectionStart = alignUp(HEADER_BYTES + manifestBytes.length, SECTION_ALIGNMENT);
  const out = new Uint8Array(sectionStart + size);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, PLAN_FORMAT_VERSION, true);
  view.setUint32(12, manifestBytes.length, true);
  out.set(hexToBytes(sha256Hex(manifestBytes)), 16);
  out.set(manifestBytes, HEADER_BYTES);
  blobs.forEach(([, bytes], i) => {
    out.set(bytes, sectionStart + sections[i]!.offset);
  });
  return out;
}

export function deserializePlan(bytes: Uint8Array): Plan {
  if (bytes.length < HEADER_BYTES)
    throw corrupted(`${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte plan header (truncated file?)`);
  if (!hasPlanMagic(bytes)) throw corrupted('the file does not start with the kiln plan magic "KILNPLAN" (not a kiln plan?)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== PLAN_FORMAT_VERSION) {
    throw new KilnError(
      ErrorCode.PLAN_FORMAT_VERSION,
      `plan format version ${version} cannot be read by kiln ${KILN_VERSION}, which reads version ${PLAN_FORMAT_VERSION}`,
      {
        hint: `rebuild the plan from the model with kiln ${KILN_VERSION} (buildPlan() or kiln build)`,
      },
    );
  }
  const manifestLength = view.getUint32(12, true);
  if (HEADER_BYTES + manifestLength > bytes.length) throw corrupted('the manifest runs past the end of the file (truncated file?)');
  const manifestBytes = bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength);
  if (sha256Hex(manifestBytes) !== bytesToHex(bytes.subarray(16, 48))) throw corrupted('the manifest checksum does not match');
  const manifest = parseManifest(manifestBytes);
  const sectionStart = alignUp(HEADER_BYTES + manifestLength, SECTION_ALIGNMENT);
  const section = (name: string): Uint8Array => {
    const entry = manifest.sections.find((s) => s.name === name);
    if (!entry) throw corrupted(`the '${name}' section is missing`);
    const begin = sectionStart + entry.offset;
    if (entry.offset < 0 || entry.length < 0) throw corrupted(`the '${name}' section has a negative offset or length`);
    if (begin + entry.length > bytes.length) throw corrupted(`the '${name}' section runs past the end of the file (truncated file?)`);
    const data = bytes.subarray(begin, begin + entry.length);
    if (sha256Hex(data) !== entry.sha256) throw corrupted(`the '${name}' section checksum does not match`);
    return data;
  };
  const layers = parseJson(section('layers'), 'layers section') as { network?: unknown; tensors?: unknown };
  const reader = new WeightsReader(parseTensorTable(layers.tensors), section('weights'));
  const network = decodeNetwork(layers.network, reader);
  const has = (name: string) => manifest.sections.some((s) => s.name === name);
  return {
    manifest,
    network,
    ...(has('memory') ? { memoryPlan: decodeMemoryPlan(parseJson(section('memory'), 'memory section')) } : {}),
    ...(has('tactics') ? { tactics: decodeTactics(parseJson(section('tactics'), 'tactics section')) } : {}),
  };
}

function parseManifest(bytes: Uint8Array): PlanManifest {
  const m = parseJson(bytes, 'manifest') as Partial<PlanManifest>;
  const str = (v: unknown) => typeof v === 'string';
  const ok =
    typeof m === 'object' &&
    m !== null &&
    (m.backend === 'cpu' || m.backend === 'cuda') &&
    str(m.kilnVersion) &&
    Array.isArray(m.sections) &&
    Array.isArray(m.plugins) &&
    m.plugins.every((p) => str(p?.namespace) && str(p?.name) && str(p?.version) && (p.package === undefined || str(p.package))) &&
    Array.isArray(m.precisions) &&
    m.precisions.every(str) &&
    typeof m.device === 'object' &&
    m.device !== null &&
    str(m.device.type) &&
    str(m.device.arch) &&
    typeof m.buildSettings === 'object' &&
    m.buildSettings !== null &&
    ['fp32', 'tf32', 'fp16'].includes(m.buildSettings.precision) &&
    Array.isArray(m.buildSettings.passes) &&
    m.buildSettings.passes.every(str) &&
    m.sections.every((s) => str(s?.name) && Number.isSafeInteger(s.offset) && Number.isSafeInteger(s.length) && str(s.sha256));
  if (!ok) throw corrupted('the manifest is missing required fields');
  return m as PlanManifest;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw corrupted(`the ${what} is not valid JSON`);
  }
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
