import { join } from 'node:path';
import { buildPlan, deserializePlan, serializePlan } from '@kiln-inference/engine';
import { repoRoot } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { formatPlanInspect, inspectPlanObject } from '../src/cli/commands/inspect-plan.js';
import { loadModel, toNetwork } from '../src/index.js';

const model = join(repoRoot(), 'examples/tiny-cnn/model.onnx');

describe('kiln inspect MODEL.plan', () => {
  it('lists every layer with its dtypes, layout, chosen tactic and fused ops', async () => {
    const { graph } = await loadModel(model);
    const built = await buildPlan(toNetwork(graph), {
      backend: 'cpu',
      profile: { image: { min: [2, 1, 8, 8], opt: [2, 1, 8, 8], max: [2, 1, 8, 8] } },
    });
    // What the file holds, not the builder's in-memory object.
    const report = inspectPlanObject('tiny.plan', deserializePlan(serializePlan(built)));
    expect(report.backend).toBe('cpu');
    expect(report.precisions).toEqual(['float32']);
    expect(report.inputs).toEqual([{ name: 'image', type: 'float32[batch,1,8,8]' }]);
    expect(report.outputs).toEqual([{ name: 'probabilities', type: 'float32[batch,3]' }]);
    const conv = report.layers.find((l) => l.name === 'conv')!;
    expect(conv).toMatchObject({
      kind: 'convolution',
      inputs: ['float32', 'float32', 'float32'],
      outputs: ['float32'],
      layout: 'channels_first',
      fused: ['bias', 'relu'],
    });
    expect(report.layers.map((l) => l.kind)).toContain('softmax');
    const chosen = built.tactics?.choices.conv;
    if (chosen) {
      // A tuned build (native addon present) records the tactic it chose among those it timed.
      expect(conv.tactic).toBe(chosen.tactic);
      expect(conv.candidates).toBe(Object.keys(chosen.timings).length);
    }
    const text = formatPlanInspect(report);
    expect(text).toMatch(/^plan {8}tiny\.plan \(format \d+, kiln /);
    expect(text).toMatch(/\n {2}conv +convolution +float32,float32,float32 → float32 +channels_first .*bias \+ relu\n/);
  });
});
