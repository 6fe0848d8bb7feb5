/**
 * TF2 SavedModels checkpoint variables by object path, not by name: the key of a variable is the
 * path of local names from the root object to it (`layer_with_weights-0/kernel`) plus
 * `/.ATTRIBUTES/VARIABLE_VALUE`, while the graph's VarHandleOps know the variable by its name
 * (`dense/kernel`, their `shared_name`). The MetaGraph's SavedObjectGraph (saved_object_graph.proto)
 * links the two: walking its children from the root gives each variable node its path, and the
 * node's SavedVariable its name.
 */
import type { ProtoReader } from '../proto/wire-reader.js';

interface SavedObject {
  children: { id: number; local: string }[];
  variableName?: string;
}

function decodeObject(r: ProtoReader): SavedObject {
  const obj: SavedObject = { children: [] };
  r.forEach((field, wt) => {
    if (field === 1) {
      const ref = r.message();
      const child = { id: -1, local: '' };
      ref.forEach((f, w) => {
        if (f === 1) child.id = ref.varint();
        else if (f === 2) child.local = ref.string();
        else ref.skip(w);
      });
      obj.children.push(child);
    } else if (field === 7) {
      const v = r.message('SavedVariable');
      v.forEach((f, w) => {
        if (f === 6) obj.variableName = v.string();
        else v.skip(w);
      });
      obj.variableName ??= '';
    } else r.skip(wt);
  });
  return obj;
}

/** Checkpoint keys escape '.' as '..' and '/' as '.S' inside a local name. */
function escapeLocalName(name: string): string {
  return name.replace(/\./g, '..').replace(/\//g, '.S');
}

/** Variable name → checkpoint key, from a SavedObjectGraph message (MetaGraphDef field 7). */
export function variableCheckpointKeys(r: ProtoReader): Map<string, string> {
  const objects: SavedObject[] = [];
  r.forEach((field, wt) => {
    if (field === 1) objects.push(decodeObject(r.message('SavedObject')));
    else r.skip(wt);
  });
  const keys = new Map<string, string>();
  const path = new Map<number, string>([[0, '']]);
  const queue = [0];
  while (queue.length) {
    const id = queue.shift()!;
    const obj = objects[id];
    if (!obj) continue;
    const here = path.get(id)!;
    if (obj.variableName && here && !keys.has(obj.variableName)) keys.set(obj.variableName, `${here}/.ATTRIBUTES/VARIABLE_VALUE`);
    for (const child of obj.children) {
      // Objects are shared (a layer and its model both list a variable): the first path wins, as in TF.
      if (path.has(child.id)) continue;
      path.set(child.id, here ? `${here}/${escapeLocalName(child.local)}` : escapeLocalName(child.local));
      queue.push(child.id);
    }
  }
  return keys;
}
