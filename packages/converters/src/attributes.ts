/**
 * Typed attribute access with defaults and errors that name the node. Converters read
 * attributes only through this, so a mistyped attribute is always a clear KilnError.
 */
import {
  type AttributeOf,
  type AttributeValue,
  type DType,
  ErrorCode,
  type Graph,
  type GraphNode,
  KilnError,
  type Tensor,
} from '@kiln-inference/core';

export class AttributeReader {
  constructor(private readonly node: GraphNode) {}

  has(name: string): boolean {
    return this.node.attributes[name] !== undefined;
  }

  private get<K extends AttributeValue['kind']>(name: string, kinds: readonly K[]): AttributeOf<K> | undefined {
    const a = this.node.attributes[name];
    if (a === undefined) return undefined;
    if (!(kinds as readonly string[]).includes(a.kind)) {
      throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `attribute '${name}' should be ${kinds.join(' or ')} but is ${a.kind}`, {
        node: { name: this.node.name, op: this.node.op },
        hint: 'the model does not follow the operator specification; re-export it',
      });
    }
    return a.value as never;
  }

  int(name: string): number | undefined;
  int(name: string, fallback: number): number;
  int(name: string, fallback?: number): number | undefined {
    const v = this.get(name, ['int', 'bool'] as const);
    return v === undefined ? fallback : Number(v);
  }

  float(name: string): number | undefined;
  float(name: string, fallback: number): number;
  float(name: string, fallback?: number): number | undefined {
    const v = this.get(name, ['float', 'int'] as const);
    return v === undefined ? fallback : v;
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    return this.get(name, ['string'] as const) ?? fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.get(name, ['bool', 'int'] as const);
    return v === undefined ? fallback : Boolean(v);
  }

  ints(name: string): number[] | undefined;
  ints(name: string, fallback: number[]): number[];
  ints(name: string, fallback?: number[]): number[] | undefined {
    return this.get(name, ['ints'] as const) ?? fallback;
  }

  floats(name: string): number[] | undefined;
  floats(name: string, fallback: number[]): number[];
  floats(name: string, fallback?: number[]): number[] | undefined {
    return this.get(name, ['floats'] as const) ?? fallback;
  }

  strings(name: string): string[] | undefined;
  strings(name: string, fallback: string[]): string[];
  strings(name: string, fallback?: string[]): string[] | undefined {
    return this.get(name, ['strings'] as const) ?? fallback;
  }

  tensor(name: string): Tensor | undefined {
    return this.get(name, ['tensor'] as const);
  }

  graph(name: string): Graph | undefined {
    return this.get(name, ['graph'] as const);
  }

  type(name: string): DType | undefined {
    return this.get(name, ['type'] as const);
  }

  /** Any attribute value, untyped (for pass-through into plugin fields). */
  raw(name: string): AttributeValue | undefined {
    return this.node.attributes[name];
  }
}
