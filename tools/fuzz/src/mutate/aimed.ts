/**
 * Aimed protobuf mutations: a format names the field paths that matter (dims, dtypes, sizes,
 * references) and what to write there; the rest of a case's edits are generic field mutations.
 */
import { INTERESTING_INTS, type Rng } from '../prng.js';
import { findByFieldPath, mutateWire, pb, setField, type WireField, type WireMessage } from './protobuf-wire.js';

export interface Aimed {
  field: WireField | undefined;
  note: string;
  /** Set when the edit makes the file invalid by construction. */
  invalid?: string;
}

export interface HotPath {
  /** Field numbers from the root message. */
  path: number[];
  what: string;
  /** A custom edit; default: interesting integers for varints, packed lists, truncated bytes. */
  edit?: (rng: Rng, field: WireField, parent: WireMessage) => Aimed | undefined;
}

function defaultEdit(rng: Rng, what: string, field: WireField): Aimed | undefined {
  if (field.wire === 0) {
    const v = rng.pick(INTERESTING_INTS);
    return { field: pb.varint(field.no, v), note: `${what} = ${v}` };
  }
  if (field.wire === 2 && !field.message && rng.chance(0.5)) {
    const values = Array.from({ length: rng.int(0, 6) }, () => rng.pick(INTERESTING_INTS));
    return { field: pb.packed(field.no, values), note: `${what} = packed [${values}]` };
  }
  if (field.wire === 2) {
    const cut = rng.int(0, Math.max(0, field.value.length - 1));
    return { field: pb.bytes(field.no, field.value.subarray(0, cut)), note: `${what} cut to ${cut} bytes` };
  }
  return undefined;
}

/** Truncates a bytes field; a tensor's data shorter than its shape is invalid by construction. */
export function truncateData(what: string): HotPath['edit'] {
  return (rng, field) => {
    // Empty data means "no data" (zeros in TF) in several formats; only a partial payload is surely wrong.
    if (field.wire !== 2 || field.value.length < 2) return undefined;
    const cut = rng.int(1, field.value.length - 1);
    return {
      field: pb.bytes(field.no, field.value.subarray(0, cut)),
      note: `${what} cut ${field.value.length} → ${cut} bytes`,
      invalid: `data-short: ${what} of ${cut} bytes where the shape needs ${field.value.length}`,
    };
  };
}

/** Renames: a string field set to another name, an empty one, or one nothing defines. */
export function renameTo(names: readonly string[]): HotPath['edit'] {
  return (rng, field) => {
    const name = rng.pick(names);
    return { field: pb.str(field.no, name), note: `= '${name}'` };
  };
}

/** Applies 0–3 edits (aimed or generic); a case stays labelled invalid only with one edit. */
export function mutateProtoTree(
  rng: Rng,
  tree: WireMessage,
  hot: readonly HotPath[],
): { tree: WireMessage; note: string; invalid?: string } {
  const notes: string[] = [];
  let invalid: string | undefined;
  for (
    let k = rng.weighted([
      [5, 0],
      [50, 1],
      [30, 2],
      [15, 3],
    ] as const);
    k > 0;
    k--
  ) {
    let done = false;
    if (rng.chance(0.6) && hot.length) {
      const h = rng.pick(hot);
      const hits = findByFieldPath(tree, h.path);
      if (hits.length) {
        const { path, field } = rng.pick(hits);
        const parent = findParent(tree, path);
        const edit = h.edit ? h.edit(rng, field, parent) : defaultEdit(rng, h.what, field);
        if (edit) {
          tree = setField(tree, path, edit.field);
          notes.push(h.edit ? `${h.what} ${edit.note}` : edit.note);
          invalid ??= edit.invalid;
          done = true;
        }
      }
    }
    if (!done) {
      tree = mutateWire(rng, tree);
      notes.push('field mutation');
    }
  }
  return { tree, note: notes.join('; ') || 'unmutated', ...(invalid && notes.length === 1 ? { invalid } : {}) };
}

function findParent(tree: WireMessage, path: number[]): WireMessage {
  let cur = tree;
  for (const i of path.slice(0, -1)) {
    const f = cur.fields[i]!;
    if (f.wire !== 2 || !f.message) break;
    cur = f.message;
  }
  return cur;
}
