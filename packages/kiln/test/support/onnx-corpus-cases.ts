/**
 * The corpus' ONNX models that come with inputs: the backend suite's node, simple and PyTorch
 * tests (`test_data_set_0/input_N.pb`, `output_N.pb`), the light models with their generated
 * inputs, and the trained models of onnx-models/. Paths only: nothing is copied.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface OnnxCorpusCase {
  /** suite/name, e.g. 'node/test_add'. */
  id: string;
  model: string;
  inputs: string[];
  /** The suite's expected outputs, in output order. */
  outputs: string[];
}

const BACKEND_SUITES = [
  'onnx-backend/simple',
  'onnx-backend/pytorch-converted',
  'onnx-backend/pytorch-operator',
  'onnx-backend/node',
  'onnx-models',
];

export function onnxCorpusCases(corpus: string): OnnxCorpusCase[] {
  const cases = BACKEND_SUITES.flatMap((suite) => testFolders(corpus, suite));
  const light = join(corpus, 'onnx-backend/light');
  if (existsSync(light)) {
    for (const file of readdirSync(light)
      .filter((f) => f.endsWith('.onnx'))
      .sort()) {
      const stem = file.slice(0, -'.onnx'.length);
      const input = join(corpus, 'onnx-backend/light-generated-inputs', `${stem}_input_0.pb`);
      const output = join(light, `${stem}_output_0.pb`);
      if (existsSync(input) && existsSync(output))
        cases.push({ id: `light/${stem}`, model: join(light, file), inputs: [input], outputs: [output] });
    }
  }
  return cases;
}

function testFolders(corpus: string, suite: string): OnnxCorpusCase[] {
  const dir = join(corpus, suite);
  if (!existsSync(dir)) return [];
  const cases: OnnxCorpusCase[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = join(dir, name);
    if (!statSync(folder).isDirectory()) continue;
    const model = readdirSync(folder).find((f) => f.endsWith('.onnx'));
    const data = join(folder, 'test_data_set_0');
    if (!model || !existsSync(data)) continue;
    const files = readdirSync(data);
    cases.push({
      id: `${suite.split('/').pop()}/${name}`,
      model: join(folder, model),
      inputs: numbered(files, 'input').map((f) => join(data, f)),
      outputs: numbered(files, 'output').map((f) => join(data, f)),
    });
  }
  return cases;
}

function numbered(files: string[], prefix: string): string[] {
  const re = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  return files
    .map((f) => [f, re.exec(f)?.[1]] as const)
    .filter((e): e is readonly [string, string] => e[1] !== undefined)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map(([f]) => f);
}
