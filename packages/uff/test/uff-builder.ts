/**
 * Writes small UFF files for tests, field by field as the UFF converter wrote them: weights
 * and dimension orders live in referenced_data and nodes point at them through `ref` fields.
 */
import { ProtoWriter } from '@kiln-inference/testkit';

export const FLOAT32 = 131104;
export const INT32 = 65568;
export const INC = 2147483647;
/** Orders as the converter spells them. */
export const ORDERS = { NC: [0, 1], CK: [1, 0], 'N+C': [0, 2, INC, 1], 'NC+': [0, 1, 2, INC] } as const;

export type UffField = { s: string } | { i: number } | { ints: number[] } | { b: boolean } | { ref: string } | { dtype: number };

function writeField(d: ProtoWriter, f: UffField): void {
  if ('s' in f) d.string(1, f.s);
  else if ('i' in f) d.int(7, f.i);
  else if ('ints' in f) d.message(8, (l) => l.packed(1, f.ints));
  else if ('b' in f) d.int(5, f.b ? 1 : 0);
  else if ('ref' in f) d.string(100, f.ref);
  else d.int(101, f.dtype);
}

export class UffBuilder {
  private readonly nodes: ((g: ProtoWriter) => void)[] = [];
  private readonly refs: ((w: ProtoWriter) => void)[] = [];
  private readonly orderRefs = new Set<string>();

  node(id: string, op: string, inputs: string[], fields: Record<string, UffField> = {}): this {
    this.nodes.push((g) =>
      g.message(2, (n) => {
        n.string(1, id);
        for (const i of inputs) n.string(2, i);
        n.string(3, op);
        for (const [k, v] of Object.entries(fields)) n.message(4, (e) => e.string(1, k).message(2, (d) => writeField(d, v)));
      }),
    );
    return this;
  }

  input(id: string, shape: number[], dtype = FLOAT32): this {
    return this.node(id, 'Input', [], { dtype: { dtype }, shape: { ints: shape } });
  }

  /** A Const whose blob sits in referenced_data under weights_<id>. */
  constant(id: string, shape: number[], values: Float32Array | Int32Array): this {
    const dtype = values instanceof Int32Array ? INT32 : FLOAT32;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.refs.push((w) => w.message(5, (e) => e.string(1, `weights_${id}`).message(2, (d) => d.bytes(9, bytes))));
    return this.node(id, 'Const', [], { dtype: { dtype }, shape: { ints: shape }, values: { ref: `weights_${id}` } });
  }

  /** A referenced dim_orders_list (one SPECIAL-key order per input); returns the ref field. */
  orders(...perInput: (readonly number[])[]): UffField {
    const key = `orders_${perInput.map((o) => o.join('.')).join('_')}`;
    if (!this.orderRefs.has(key)) {
      this.orderRefs.add(key);
      this.refs.push((w) =>
        w.message(5, (e) =>
          e.string(1, key).message(2, (d) =>
            d.message(104, (list) => {
              for (const o of perInput)
                list.message(1, (m) => m.message(1, (entry) => entry.int(1, -1).message(2, (l) => l.packed(1, [...o]))));
            }),
          ),
        ),
      );
    }
    return { ref: key };
  }

  finish(): Uint8Array {
    const w = new ProtoWriter().int(1, 1);
    w.message(4, (g) => {
      g.string(1, 'main');
      for (const n of this.nodes) n(g);
    });
    for (const r of this.refs) r(w);
    return w.finish();
  }
}
