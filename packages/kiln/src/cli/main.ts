/**
 * The `kiln` command line. Each command lives in commands/; this file parses arguments,
 * dispatches, and turns errors into one readable line plus a hint (exit code 1).
 */
import { KILN_VERSION, KilnError } from '@kiln/core';
import type { LoadModelOptions } from '../load-model.js';
import { detectModelFormat } from '../model-format.js';
import { flag, flagList, type ParsedArgs, parseArgs, usage } from './args.js';
import { buildModel, formatBuildSummary } from './commands/build.js';
import { doctorReport, formatDoctor } from './commands/doctor.js';
import { formatInspect, inspectModel } from './commands/inspect.js';
import { formatPlanInspect, inspectPlan } from './commands/inspect-plan.js';
import { formatPartition, partitionModel } from './commands/partition.js';
import { runModel } from './commands/run.js';
import { PROFILE_FLAGS, profileFromFlags } from './profile-flags.js';
import { ProgressBar } from './progress-bar.js';

const HELP = `kiln ${KILN_VERSION}: optimize trained models into engines and run them from Node.js

Usage: kiln <command> [options]

Commands:
  doctor                         Node version, native addons, CUDA devices
  inspect MODEL [--json]         format, opsets, inputs/outputs, op histogram, supported ops
  inspect MODEL.plan [--json]    per layer: kind, dtypes in → out, layout, chosen tactic, fused ops
  build MODEL -o FILE.plan       optimize, tune and serialize an engine plan
        --backend cpu|cuda       target backend (default cpu; cuda builds for this machine's GPU)
        --precision P            cpu: fp32; cuda: fp32 | tf32 | fp16
        --timing-cache FILE      reuse and extend tactic timings (warm builds are deterministic)
        --max-workspace BYTES    bound on any layer's scratch memory
        --no-tune                skip tactic timing (the executor's defaults)
        --shapes x:1x3x48x192    optimization profile: build for exactly these input shapes
                                 (several as a:1x3,b:1x4 or repeated; the shape follows the last ':')
        --min-shapes/--opt-shapes/--max-shapes x:AxBxC
                                 a range per input: runs accept min..max, tactics are timed at opt.
                                 Inputs with symbolic dims and no shapes keep untimed layers (warned)
  partition MODEL --target cpu|cuda [--min-segment-size N] [--report out.html] [--json out.json]
                                 engines vs CPU fallback, with reasons (--exclude-ops a,b --max-segments N)
  run MODEL --input NAME=FILE …  run once and write one .npy per output
        --output-dir DIR         where outputs go (default ./kiln-outputs)
        --input-shape NAME=1x28x28x1   shapes for formats that need them
                                 (UFF: NAME=1x28x28:chw is TensorRT's CHW, batch left out)
        --signature NAME         SavedModel signature
        --outputs a,b            output names for frozen graphs

MODEL is .onnx, .pb (GraphDef or SavedModel folder), model.json (TensorFlow.js), .uff or a
built .plan. Input FILE is .npy, a TensorProto .pb, or raw data as path.bin:DTYPE:D0xD1x…

Options:
  --help, -h                     this text
  --version, -v                  kiln's version
`;

type ModelOptions = Pick<LoadModelOptions, 'inputShapes' | 'inputOrders' | 'signature' | 'outputs'>;

function modelOptions(args: ParsedArgs): ModelOptions {
  const options: ModelOptions = {};
  const shapes = flagList(args, 'input-shape');
  if (shapes.length) {
    options.inputShapes = {};
    for (const s of shapes) {
      const m = /^(.+)=(\d+(?:x\d+)*)(?::(chw|file))?$/.exec(s);
      if (!m) throw usage(`--input-shape '${s}' should look like NAME=1x28x28x1 (UFF also NAME=1x28x28:chw)`);
      options.inputShapes[m[1]!] = m[2]!.split('x').map(Number);
      if (m[3]) options.inputOrders = { ...options.inputOrders, [m[1]!]: m[3] as 'chw' | 'file' };
    }
  }
  const signature = flag(args, 'signature');
  if (signature) options.signature = signature;
  const outputs = flag(args, 'outputs');
  if (outputs) options.outputs = outputs.split(',').filter(Boolean);
  return options;
}

const MODEL_FLAGS = ['input-shape', 'signature', 'outputs'] as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `kiln build --help` and the like: one help text lists every command's options.
  if (!command || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${KILN_VERSION}\n`);
    return 0;
  }
  switch (command) {
    case 'doctor': {
      const args = parseArgs(rest, { booleans: ['json'] });
      const report = doctorReport();
      process.stdout.write(`${flag(args, 'json') ? JSON.stringify(report, null, 2) : formatDoctor(report)}\n`);
      return 0;
    }
    case 'inspect': {
      const args = parseArgs(rest, { booleans: ['json'], values: MODEL_FLAGS });
      const model = args.positionals[0];
      if (!model) throw usage('inspect needs a MODEL path');
      if (detectModelFormat(model) === 'plan') {
        const report = inspectPlan(model);
        process.stdout.write(`${flag(args, 'json') ? JSON.stringify(report, null, 2) : formatPlanInspect(report)}\n`);
        return 0;
      }
      const report = await inspectModel(model, modelOptions(args));
      process.stdout.write(`${flag(args, 'json') ? JSON.stringify(report, null, 2) : formatInspect(report)}\n`);
      return 0;
    }
    case 'build': {
      const args = parseArgs(
        rest.map((a) => (a === '-o' ? '--output' : a)),
        {
          booleans: ['no-tune', 'json'],
          values: ['output', 'backend', 'precision', 'timing-cache', 'max-workspace', ...PROFILE_FLAGS, ...MODEL_FLAGS],
        },
      );
      const model = args.positionals[0];
      if (!model) throw usage('build needs a MODEL path');
      const output = flag(args, 'output');
      if (!output) throw usage('build needs -o FILE.plan');
      const workspace = flag(args, 'max-workspace');
      if (workspace !== undefined && !/^\d+$/.test(workspace)) throw usage(`--max-workspace '${workspace}' should be a byte count`);
      const profile = profileFromFlags(args);
      const bar = new ProgressBar();
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const summary = await buildModel(model, {
          ...modelOptions(args),
          output,
          ...(flag(args, 'backend') ? { backend: flag(args, 'backend')! } : {}),
          ...(flag(args, 'precision') ? { precision: flag(args, 'precision')! } : {}),
          ...(flag(args, 'timing-cache') ? { timingCache: flag(args, 'timing-cache')! } : {}),
          ...(flag(args, 'no-tune') ? { tune: false } : {}),
          ...(workspace !== undefined ? { maxWorkspaceSize: Number(workspace) } : {}),
          ...(profile ? { profile } : {}),
          onProgress: bar.update,
          signal: controller.signal,
        });
        bar.finish();
        process.stdout.write(`${flag(args, 'json') ? JSON.stringify(summary, null, 2) : formatBuildSummary(summary)}\n`);
      } finally {
        bar.finish();
        process.off('SIGINT', onSigint);
      }
      return 0;
    }
    case 'partition': {
      const args = parseArgs(rest, {
        values: ['target', 'min-segment-size', 'max-segments', 'exclude-ops', 'report', 'json', ...MODEL_FLAGS],
      });
      const model = args.positionals[0];
      if (!model) throw usage('partition needs a MODEL path');
      const count = (name: string) => {
        const v = flag(args, name);
        if (v !== undefined && !/^\d+$/.test(v)) throw usage(`--${name} takes a whole number, got '${v}'`);
        return v === undefined ? undefined : Number(v);
      };
      const [minimumSegmentSize, maximumSegments] = [count('min-segment-size'), count('max-segments')];
      const excludeOps = flag(args, 'exclude-ops')?.split(',').filter(Boolean);
      const [html, json] = [flag(args, 'report'), flag(args, 'json')];
      const report = await partitionModel(model, {
        ...modelOptions(args),
        target: flag(args, 'target') ?? 'cpu',
        ...(minimumSegmentSize !== undefined ? { minimumSegmentSize } : {}),
        ...(maximumSegments !== undefined ? { maximumSegments } : {}),
        ...(excludeOps ? { excludeOps } : {}),
        ...(html ? { html } : {}),
        ...(json ? { json } : {}),
      });
      process.stdout.write(`${formatPartition(report)}\n`);
      return 0;
    }
    case 'run': {
      const args = parseArgs(rest, { values: ['input', 'output-dir', ...MODEL_FLAGS] });
      const model = args.positionals[0];
      if (!model) throw usage('run needs a MODEL path');
      const outDir = flag(args, 'output-dir') ?? 'kiln-outputs';
      const result = await runModel(model, flagList(args, 'input'), outDir, modelOptions(args));
      for (const o of result.outputs) {
        process.stdout.write(`${o.name}: ${o.dtype}[${o.shape.join(',')}] -> ${outDir}/${o.file}\n`);
      }
      process.stdout.write(`loaded in ${result.milliseconds.load.toFixed(1)} ms, ran in ${result.milliseconds.run.toFixed(1)} ms\n`);
      return 0;
    }
    default:
      throw usage(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof KilnError) {
      process.stderr.write(`kiln: error [${e.code}]: ${e.message}\n`);
    } else {
      process.stderr.write(`kiln: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    process.exitCode = 1;
  },
);
