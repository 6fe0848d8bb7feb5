/** Small networks for the memory planner tests: float32 unless told, static shapes throughout. */
import { type DType, type LayerKind, type LayerParamsMap, Network, Tensor } from '@kiln-inference/core';

export class TestNet {
  readonly net = new Network('memory-test');

  input(name: string, shape: number[], dtype: DType = 'float32'): string {
    this.net.addInput({ name, dtype, shape });
    return name;
  }

  constant(name: string, shape: number[]): string {
    const size = shape.reduce((a, d) => a * d, 1);
    this.net.addLayer('constant', {
      name,
      inputs: [],
      outputs: [{ name, dtype: 'float32', shape }],
      params: { value: Tensor.fromValues('float32', shape, new Array<number>(size).fill(0.5)) },
    });
    return name;
  }

  layer<K extends LayerKind>(
    kind: K,
    name: string,
    inputs: string[],
    params: LayerParamsMap[K],
    outputs: { name?: string; shape: number[] | null; dtype?: DType }[],
  ): string[] {
    const descs = outputs.map((o, i) => ({
      name: o.name ?? (outputs.length === 1 ? name : `${name}_${i}`),
      dtype: o.dtype ?? 'float32',
      shape: o.shape,
    }));
    this.net.addLayer(kind, { name, inputs, outputs: descs, params });
    return descs.map((d) => d.name);
  }

  relu(name: string, x: string, shape: number[]): string {
    return this.layer('activation', name, [x], { type: 'relu' }, [{ shape }])[0]!;
  }

  add(name: string, a: string, b: string, shape: number[]): string {
    return this.layer('elementwise', name, [a, b], { op: 'add' }, [{ shape }])[0]!;
  }

  reshape(name: string, x: string, shape: number[]): string {
    return this.layer('shuffle', name, [x], { reshape: shape }, [{ shape }])[0]!;
  }

  concat(name: string, inputs: string[], axis: number, shape: number[], inPlace = true): string {
    return this.layer('concatenation', name, inputs, { axis, inPlace }, [{ shape }])[0]!;
  }

  output(...names: string[]): void {
    for (const n of names) this.net.markOutput(n);
  }
}

export const conv1x1 = {
  kernelShape: [1],
  strides: [1],
  padsBegin: [0],
  padsEnd: [0],
  dilations: [1],
  groups: 1,
  paddingMode: 'explicit' as const,
};
