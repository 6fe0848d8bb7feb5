/**
 * A tiny protobuf wire-format writer for tests: builds message bytes field by field, so parser
 * tests (GraphDef, TensorProto, UFF) state exactly what is on the wire.
 */
export class ProtoWriter {
  private readonly out: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      this.out.push(b);
    } while (v > 0n);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.out.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.tag(field, 5);
    for (const x of b) this.out.push(x);
    return this;
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  packed(field: number, values: (number | bigint)[]): this {
    const w = new ProtoWriter();
    for (const v of values) w.varint(v);
    return this.bytes(field, w.finish());
  }

  packedFloats(field: number, values: number[]): this {
    return this.bytes(field, new Uint8Array(new Float32Array(values).buffer));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}
