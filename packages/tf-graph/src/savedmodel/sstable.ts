/**
 * A reader for the sorted string table format TensorFlow's checkpoint index (`variables.index`)
 * shares with LevelDB: data blocks of prefix-compressed key/value entries, an index block
 * pointing at them, and a 48-byte footer ending in a magic number. Only uncompressed blocks
 * occur in checkpoint indexes (TensorFlow writes them without compression).
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { ProtoReader } from '../proto/wire-reader.js';

const FOOTER_BYTES = 48;
const MAGIC = 0xdb4775248b80fb57n;
/** Each block is followed by 1 byte of compression type and 4 bytes of CRC. */
const BLOCK_TRAILER_BYTES = 5;

interface BlockHandle {
  offset: number;
  size: number;
}

function fail(what: string, message: string): never {
  throw new KilnError(ErrorCode.INVALID_MODEL, `${what}: ${message}`, {
    hint: 'the checkpoint index is corrupted or truncated; restore it from the SavedModel export',
  });
}

function readHandle(r: ProtoReader): BlockHandle {
  return { offset: r.varint(), size: r.varint() };
}

function blockBytes(file: Uint8Array, h: BlockHandle, what: string): Uint8Array {
  if (h.offset < 0 || h.size < 0 || h.offset + h.size + BLOCK_TRAILER_BYTES > file.length)
    fail(what, `block [${h.offset}, +${h.size}) lies outside the file`);
  const type = file[h.offset + h.size]!;
  if (type !== 0) fail(what, `block at ${h.offset} is compressed (type ${type}); kiln reads uncompressed tables only`);
  return file.subarray(h.offset, h.offset + h.size);
}

/** Decodes one block's entries in order. */
function blockEntries(block: Uint8Array, what: string): [string, Uint8Array][] {
  if (block.length < 4) fail(what, 'a block is shorter than its restart count');
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restarts = view.getUint32(block.length - 4, true);
  const dataEnd = block.length - 4 - 4 * restarts;
  if (restarts === 0 || dataEnd < 0) fail(what, `a block declares ${restarts} restart points`);
  const r = new ProtoReader(block, what, 0, dataEnd);
  const entries: [string, Uint8Array][] = [];
  let key = new Uint8Array(0);
  const utf8 = new TextDecoder();
  while (!r.done) {
    const shared = r.varint();
    const nonShared = r.varint();
    const valueLength = r.varint();
    if (shared > key.length || nonShared < 0 || valueLength < 0 || r.offset + nonShared + valueLength > dataEnd)
      fail(what, 'an entry runs past its block');
    const next = new Uint8Array(shared + nonShared);
    next.set(key.subarray(0, shared));
    next.set(block.subarray(r.offset, r.offset + nonShared), shared);
    const valueStart = r.offset + nonShared;
    entries.push([utf8.decode(next), block.subarray(valueStart, valueStart + valueLength)]);
    r.advance(nonShared + valueLength);
    key = next;
  }
  return entries;
}

/** Every key/value of the table, in key order. */
export function readSSTable(file: Uint8Array, what = 'variables.index'): Map<string, Uint8Array> {
  if (file.length < FOOTER_BYTES) fail(what, `${file.length} bytes is shorter than the table footer`);
  const footer = file.subarray(file.length - FOOTER_BYTES);
  const magic = new DataView(footer.buffer, footer.byteOffset + 40, 8).getBigUint64(0, true);
  if (magic !== MAGIC) fail(what, 'the table footer has the wrong magic number (not a TensorFlow checkpoint index)');
  const r = new ProtoReader(footer, what, 0, 40);
  readHandle(r); // metaindex: filters only, unused here
  const index = readHandle(r);
  const table = new Map<string, Uint8Array>();
  for (const [, handleBytes] of blockEntries(blockBytes(file, index, what), what)) {
    const handle = readHandle(new ProtoReader(handleBytes, what));
    for (const [k, v] of blockEntries(blockBytes(file, handle, what), what)) table.set(k, v);
  }
  return table;
}
