/**
 * The plugin's `cpu(ctx)` as a CPU runtime kernel: fields checked and typed, inputs checked,
 * the outputs rule evaluated on the real shapes, scratch allocated, and every result checked
 * against what the rule promised, so a wrong kernel is caught where it runs.
 */
import { ErrorCode, KilnError, type Layer, type Tensor } from '@kiln-inference/core';
import { type Kernel, pluginLabel } from '@kiln-inference/cpu-runtime';
import type { Plugin } from './define-plugin.js';
import type { FieldSchema, FieldValues } from './field-schema.js';
import { outputShapeProblem } from './plugin-outputs.js';

export function cpuKernel<S extends FieldSchema>(plugin: Plugin<S>): Kernel<'plugin'> {
  return (layer: Layer<'plugin'>, given: (Tensor | undefined)[]) => {
    const origin = { layer: { name: layer.name, kind: `plugin ${pluginLabel(plugin)}` } };
    const fail = (message: string, hint: string) => new KilnError(ErrorCode.RUNTIME_ERROR, message, { ...origin, hint });
    const missing = given.indexOf(undefined);
    if (missing >= 0) throw fail(`input ${missing} is missing`, 'plugins take no optional inputs; connect every input');
    const inputs = given as Tensor[];
    const fields = plugin.validateFields(layer.params.fields, origin) as FieldValues<S>;
    const facts = inputs.map((t) => ({ dtype: t.dtype, shape: t.shape }));
    const outputs = plugin.outputsFor(facts, fields, origin);
    const workspace = new Uint8Array(plugin.workspaceBytes(facts, fields));
    const result = plugin.spec.cpu({ inputs, fields, outputs, workspace, layer: layer.name });
    const tensors: readonly Tensor[] = Array.isArray(result) ? result : [result as Tensor];
    if (tensors.length !== outputs.length) {
      throw fail(
        `cpu() returned ${tensors.length} output(s), but outputs() declares ${outputs.length}`,
        'return one tensor per declared output',
      );
    }
    tensors.forEach((t, i) => {
      const decl = outputs[i]!;
      if (t.dtype !== decl.dtype)
        throw fail(`output ${i} is ${t.dtype}, but outputs() said ${decl.dtype}`, 'make cpu() and outputs() agree');
      const problem = outputShapeProblem(decl, t.shape);
      if (problem) throw fail(`output ${i} has shape [${t.shape.join(',')}]: ${problem}`, 'make cpu() and outputs() agree');
    });
    return [...tensors];
  };
}
