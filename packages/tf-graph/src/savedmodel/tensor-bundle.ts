/**
 * TensorFlow checkpoint bundles (the `variables/` folder of a SavedModel): `variables.index`
 * is an SSTable mapping each tensor's checkpoint key to a BundleEntryProto (dtype, shape,
 * shard id, offset, size), the empty key holding the BundleHeaderProto; the values live in
 * `variables.data-NNNNN-of-MMMMM` shards as raw little-endian bytes.
 */
import {
  checkModelBytes,
  checkShapeSize,
  ErrorCode,
  KilnError,
  type ResourceLimits,
  shapeSize,
  storageBytes,
  type Tensor,
  withResourceLimits,
} from '@kiln-inference/core';
import { decodeShape, emptyShape, type TfShape } from '../proto/tf-messages.js';
import { ProtoReader } from '../proto/wire-reader.js';
import { rawTensor } from '../raw-tensor.js';
import { kilnDTypeOf, tfDTypeName } from '../tf-dtypes.js';
import { readSSTable } from './sstable.js';

export interface BundleEntry {
  key: string;
  dtype: number;
  shape: TfShape;
  shardId: number;
  offset: number;
  size: number;
  /** Partitioned variables are stored as slices; kiln does not reassemble them. */
  sliced: boolean;
}

export interface BundleHeader {
  numShards: number;
  /** 0 = little endian, 1 = big endian. */
  endianness: number;
}

function decodeEntry(key: string, bytes: Uint8Array): BundleEntry {
  const r = new ProtoReader(bytes, `checkpoint entry '${key}'`);
  const e: BundleEntry = { key, dtype: 0, shape: emptyShape(), shardId: 0, offset: 0, size: 0, sliced: false };
  r.forEach((field, wt) => {
    if (field === 1) e.dtype = r.int32();
    else if (field === 2) e.shape = decodeShape(r.message());
    else if (field === 3) e.shardId = r.varint();
    else if (field === 4) e.offset = r.varint();
    else if (field === 5) e.size = r.varint();
    else if (field === 7) {
      e.sliced = true;
      r.skip(wt);
    } else r.skip(wt);
  });
  return e;
}

function decodeHeader(bytes: Uint8Array): BundleHeader {
  const r = new ProtoReader(bytes, 'checkpoint header');
  const h: BundleHeader = { numShards: 1, endianness: 0 };
  r.forEach((field, wt) => {
    if (field === 1) h.numShards = r.varint();
    else if (field === 2) h.endianness = r.varint();
    else r.skip(wt);
  });
  return h;
}

/** Reads the index: the header and every entry by checkpoint key. */
export function readBundleIndex(indexBytes: Uint8Array): { header: BundleHeader; entries: Map<string, BundleEntry> } {
  const table = readSSTable(indexBytes);
  const headerBytes = table.get('');
  const header = headerBytes ? decodeHeader(headerBytes) : { numShards: 1, endianness: 0 };
  const entries = new Map<string, BundleEntry>();
  for (const [k, v] of table) if (k !== '') entries.set(k, decodeEntry(k, v));
  return { header, entries };
}

/** The data shard file name for shard `id` of `count` (TensorFlow's 5-digit convention). */
export function shardFileName(prefix: string, id: number, count: number): string {
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(id)}-of-${pad(count)}`;
}

function bundleError(entry: BundleEntry, message: string, hint: string): KilnError {
  return new KilnError(ErrorCode.INVALID_MODEL, `checkpoint tensor '${entry.key}': ${message}`, { hint });
}

/** Restores one tensor from its shard's bytes. */
export function restoreTensor(entry: BundleEntry, shard: Uint8Array): Tensor {
  if (entry.sliced)
    throw bundleError(entry, 'is a partitioned (sliced) variable', 'kiln restores whole variables; re-save without partitioning');
  const dtype = kilnDTypeOf(entry.dtype);
  if (!dtype || dtype === 'string') {
    throw bundleError(entry, `${tfDTypeName(entry.dtype)} variables are not supported`, 'kiln restores numeric and bool variables');
  }
  if (entry.shape.unknownRank || entry.shape.dims.some((d) => d < 0))
    throw bundleError(entry, 'has an unknown shape', 'the index is corrupted');
  shapeSize(entry.shape.dims, { hint: `checkpoint tensor '${entry.key}' has an absurd shape; the index is corrupted` });
  if (entry.offset < 0 || entry.size < 0 || entry.offset + entry.size > shard.length) {
    throw bundleError(
      entry,
      `bytes [${entry.offset}, +${entry.size}) lie outside its ${shard.length}-byte data shard`,
      'the data shard is truncated or belongs to another checkpoint',
    );
  }
  return rawTensor(dtype, entry.shape.dims, shard.slice(entry.offset, entry.offset + entry.size), `checkpoint tensor '${entry.key}'`);
}

/** Checks every entry's declared size and the checkpoint's total before any shard is read. */
function checkDeclaredSizes(entries: Iterable<BundleEntry>): void {
  let total = 0;
  for (const entry of entries) {
    const dtype = kilnDTypeOf(entry.dtype);
    // Unsupported dtypes and unknown shapes are restoreTensor's to report.
    if (!dtype || entry.shape.unknownRank || entry.shape.dims.some((d) => d < 0)) continue;
    const count = checkShapeSize(dtype, entry.shape.dims, { what: `checkpoint tensor '${entry.key}'` });
    total += count * Math.max(1, storageBytes(dtype));
    checkModelBytes(total, 'the checkpoint variables');
  }
}

/**
 * Restores every variable of a bundle. `readShard(fileName)` returns a data shard's bytes
 * (file names as shardFileName gives them, for the bundle prefix `variables`).
 */
export async function restoreBundle(
  indexBytes: Uint8Array,
  readShard: (fileName: string) => Promise<Uint8Array>,
  prefix = 'variables',
  limits?: ResourceLimits,
): Promise<Map<string, Tensor>> {
  const { header, entries } = withResourceLimits(limits, () => {
    const index = readBundleIndex(indexBytes);
    checkDeclaredSizes(index.entries.values());
    return index;
  });
  if (header.endianness !== 0) {
    throw new KilnError(ErrorCode.UNSUPPORTED_FORMAT, 'the checkpoint was written big-endian', {
      hint: 'kiln reads little-endian checkpoints',
    });
  }
  const shards = new Map<number, Uint8Array>();
  const out = new Map<string, Tensor>();
  for (const entry of entries.values()) {
    // String entries are checkpoint metadata (TF2's _CHECKPOINTABLE_OBJECT_GRAPH), never weights.
    if (kilnDTypeOf(entry.dtype) === 'string') continue;
    if (entry.shardId < 0 || entry.shardId >= header.numShards) {
      throw bundleError(entry, `names shard ${entry.shardId} of ${header.numShards}`, 'the index is corrupted');
    }
    let shard = shards.get(entry.shardId);
    if (!shard) {
      shard = await readShard(shardFileName(prefix, entry.shardId, header.numShards));
      shards.set(entry.shardId, shard);
    }
    const loaded = shard;
    out.set(
      entry.key,
      withResourceLimits(limits, () => restoreTensor(entry, loaded)),
    );
  }
  return out;
}
