/**
 * Explicit INT8 quantization, Network → Network: every input that quantizedInputs() names gets a
 * quantize → dequantize pair in front of its layer, as TensorRT's explicit-precision networks
 * and ONNX QDQ models carry them. Activations: per tensor, with the calibrated scale, one pair per
 * tensor shared by all its readers. Weights: quantized here (weight-quantization.ts) into an int8
 * constant followed by a per-channel dequantize; the float constant is dropped when nothing
 * else reads it. Zero points are omitted (symmetric int8). The float layers are unchanged, so
 * the result runs anywhere the float network runs and computes with int8-rounded values.
 *
 * A network that already has quantize/dequantize layers (an ONNX QDQ model, TF FakeQuant*) keeps
 * the model's own ranges: it is returned as it is.
 */
import { type AnyLayer, ErrorCode, KilnError, type Layer, type LayerKind, Network, Tensor, type TensorDesc } from '@kiln-inference/core';
import type { CalibrationCache } from './calibration-cache.js';
import { hasQuantizeLayers, type QuantizedInput, quantizedInputs } from './quantization-targets.js';
import { isValidScale } from './symmetric-scale.js';
import { quantizeWeights } from './weight-quantization.js';

export interface QdqReport {
  /** Why nothing was inserted, when nothing was. */
  skipped?: string;
  /** Activation tensors given a Q/DQ pair. */
  activations: number;
  /** Weight tensors quantized per channel (once per channel axis they are read along). */
  weights: number;
  /** Layers that now read dequantized inputs. */
  layers: number;
}

export interface QdqResult {
  network: Network;
  report: QdqReport;
}

/** Names unused by the source network and by anything added so far. */
function nameAllocator(source: Network): (base: string) => string {
  const used = new Set<string>([...source.tensors.keys(), ...source.layers.map((l) => l.name)]);
  return (base) => {
    let name = base;
    for (let n = 1; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  };
}

/**
 * `scales`: activation tensor → per-tensor scale (a calibration cache or its `scales`).
 * Throws naming the tensor and layer when an activation has no scale.
 */
export function insertQdq(network: Network, scales: CalibrationCache | ReadonlyMap<string, number>): QdqResult {
  const activationScales: ReadonlyMap<string, number> = 'algorithm' in scales ? scales.scales : scales;
  if (hasQuantizeLayers(network)) {
    return {
      network,
      report: { skipped: 'the network has its own quantize/dequantize layers', activations: 0, weights: 0, layers: 0 },
    };
  }
  const targets = quantizedInputs(network);
  const byLayer = new Map<number, QuantizedInput[]>();
  for (const t of targets) byLayer.set(t.layer, [...(byLayer.get(t.layer) ?? []), t]);
  const producers = network.producers();
  const fresh = nameAllocator(network);
  const out = new Network(network.name);
  for (const input of network.inputs) out.addInput(input);
  // Source tensor (and weight axis: two layers may read one weight along different axes) → its
  // dequantized replacement.
  const replaced = new Map<string, string>();
  let weightCount = 0;

  // A constant layer and its tensor share one name, as converters write them.
  const addConstant = (base: string, value: Tensor) => {
    const name = fresh(base);
    return out.addLayer('constant', {
      name,
      inputs: [],
      outputs: [{ name, dtype: value.dtype, shape: [...value.shape] }],
      params: { value },
    }).outputs[0]!;
  };

  const dequantized = (target: QuantizedInput, layer: AnyLayer): string => {
    const key = target.role === 'weight' ? `${target.tensor}\u0000${target.channelAxis}` : target.tensor;
    const done = replaced.get(key);
    if (done) return done;
    const desc = network.tensor(target.tensor);
    let codes: string;
    let scale: string;
    let axis: number | null = null;
    if (target.role === 'weight') {
      const constant = network.layers[producers.get(target.tensor)!] as Layer<'constant'>;
      const q = quantizeWeights(constant.params.value, target.channelAxis, `weights '${target.tensor}' of layer '${layer.name}'`);
      codes = addConstant(`${target.tensor}_int8`, q.values);
      scale = addConstant(`${target.tensor}_scale`, q.scales);
      axis = q.axis;
      weightCount++;
    } else {
      const value = activationScales.get(target.tensor);
      if (value === undefined) {
        throw new KilnError(ErrorCode.INVALID_ARGUMENT, `no calibrated scale for its input '${target.tensor}'`, {
          layer: { name: layer.name, kind: layer.kind, index: target.layer },
          hint: 'calibrate the network (calibrate() covers calibrationTensors(network)) or add the tensor to the cache',
        });
      }
      if (!isValidScale(value)) {
        throw new KilnError(ErrorCode.INVALID_ARGUMENT, `the scale of '${target.tensor}' is ${value}; scales must be positive and finite`);
      }
      scale = addConstant(`${target.tensor}_scale`, Tensor.fromValues('float32', [], [value]));
      codes = out.addLayer('quantize', {
        name: fresh(`${target.tensor}_quantize`),
        inputs: [target.tensor, scale],
        outputs: [{ ...desc, name: fresh(`${target.tensor}_int8`), dtype: 'int8' }],
        params: { axis: null, quantizedType: 'int8', floatType: 'float32' },
      }).outputs[0]!;
    }
    const result = out.addLayer('dequantize', {
      name: fresh(`${target.tensor}_dequantize`),
      inputs: [codes, scale],
      outputs: [{ ...desc, name: fresh(`${target.tensor}_dequantized`), dtype: 'float32' }],
      params: { axis, quantizedType: 'int8', floatType: 'float32' },
    }).outputs[0]!;
    replaced.set(key, result);
    return result;
  };

  network.layers.forEach((layer, index) => {
    const inputs = [...layer.inputs];
    for (const target of byLayer.get(index) ?? []) inputs[target.position] = dequantized(target, layer);
    out.addLayer(layer.kind as LayerKind, {
      name: layer.name,
      inputs,
      outputs: layer.outputs.map((o): TensorDesc => network.tensor(o)),
      params: layer.params as never,
      ...(layer.precision ? { precision: layer.precision } : {}),
      ...(layer.origin ? { origin: layer.origin } : {}),
    });
  });
  out.outputs = [...network.outputs];
  dropUnreadConstants(out, new Set(targets.filter((t) => t.role === 'weight').map((t) => t.tensor)));
  out.validate();
  const activations = new Set(targets.filter((t) => t.role === 'activation').map((t) => t.tensor)).size;
  return { network: out, report: { activations, weights: weightCount, layers: byLayer.size } };
}

/** Removes the float weight constants that only quantized layers read (now nothing reads them). */
function dropUnreadConstants(network: Network, weights: ReadonlySet<string>): void {
  const read = network.consumers();
  const outputs = new Set(network.outputs);
  network.layers = network.layers.filter((l) => {
    const name = l.outputs[0]!;
    const unread = l.kind === 'constant' && weights.has(name) && !read.has(name) && !outputs.has(name);
    if (unread) network.tensors.delete(name);
    return !unread;
  });
}
