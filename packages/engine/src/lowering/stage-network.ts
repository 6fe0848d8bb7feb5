/** A stage as a self-contained Network: its inputs, the constant layers it reads, its layers and outputs. */
import { Network } from '@kiln-inference/core';
import type { Stage } from './stages.js';
import { layerReads } from './stages.js';

export function stageAsNetwork(network: Network, stage: Stage): Network {
  const sub = new Network(`${network.name}/stage`);
  for (const name of stage.inputs) sub.addInput({ ...network.tensor(name) });
  const read = new Set(stage.layers.flatMap((l) => layerReads(l)));
  for (const l of network.layers) {
    if (l.kind === 'constant' && read.has(l.outputs[0]!)) {
      sub.layers.push(l);
      sub.tensors.set(l.outputs[0]!, network.tensor(l.outputs[0]!));
    }
  }
  for (const l of stage.layers) {
    sub.layers.push(l);
    for (const o of l.outputs) if (o) sub.tensors.set(o, network.tensor(o));
  }
  sub.outputs = [...stage.outputs];
  return sub;
}
