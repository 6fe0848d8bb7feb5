/**
 * The `kiln` command tree, declared with commander so every command gets `--help`, unknown
 * commands and options get "did you mean …", and values are checked before any work starts.
 * Each action only translates flags into a call to its command module in commands/.
 */
import { KILN_VERSION } from '@kiln-inference/core';
import { Command, Option } from 'commander';
import type { LoadModelOptions } from '../load-model.js';
import { detectModelFormat } from '../model-format.js';
import { benchModel, formatBench, writeBenchJson } from './commands/bench.js';
import { buildModel, formatBuildSummary } from './commands/build.js';
import { doctorReport, formatDoctor } from './commands/doctor.js';
import { formatInspect, inspectModel } from './commands/inspect.js';
import { formatPlanInspect, inspectPlan } from './commands/inspect-plan.js';
import { formatPartition, partitionModel } from './commands/partition.js';
import { runModel } from './commands/run.js';
import { type ProfileFlagValues, parseShapeList, profileFromFlags, withProfileOptions } from './profile-flags.js';
import { ProgressBar } from './progress-bar.js';
import { usage } from './usage-error.js';

const FORMATS = `MODEL is .onnx, .pb (GraphDef or SavedModel folder), model.json (TensorFlow.js), .uff or a
built .plan. Input FILE is .npy, a TensorProto .pb, or raw data as path.bin:DTYPE:D0xD1x…`;

/** Repeatable flags collect every value, in order. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

interface ModelFlags {
  inputShape?: string[];
  signature?: string;
  outputs?: string;
  plugin?: string[];
}

type ModelOptions = Pick<LoadModelOptions, 'inputShapes' | 'inputOrders' | 'signature' | 'outputs'> & { plugins?: string[] };

function withModelFlags(command: Command): Command {
  return command
    .option(
      '--input-shape <NAME=DIMS>',
      'shapes for formats that need them, e.g. x=1x28x28x1 (UFF: x=1x28x28:chw is CHW, batch left out)',
      collect,
    )
    .option('--signature <NAME>', 'SavedModel signature')
    .option('--outputs <a,b>', 'output names for frozen graphs')
    .option('--plugin <PACKAGE|PATH>', 'load a plugin package or module (repeat per plugin)', collect);
}

function modelOptions(flags: ModelFlags): ModelOptions {
  const options: ModelOptions = {};
  for (const s of flags.inputShape ?? []) {
    const m = /^(.+)=(\d+(?:x\d+)*)(?::(chw|file))?$/.exec(s);
    if (!m) throw usage(`--input-shape '${s}' should look like NAME=1x28x28x1 (UFF also NAME=1x28x28:chw)`);
    options.inputShapes = { ...options.inputShapes, [m[1]!]: m[2]!.split('x').map(Number) };
    if (m[3]) options.inputOrders = { ...options.inputOrders, [m[1]!]: m[3] as 'chw' | 'file' };
  }
  if (flags.signature) options.signature = flags.signature;
  if (flags.outputs) options.outputs = flags.outputs.split(',').filter(Boolean);
  if (flags.plugin) options.plugins = flags.plugin;
  return options;
}

/** A whole-number flag value, or a usage error naming the flag. */
function count(flag: string, value: string | undefined, minimum = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < minimum)
    throw usage(`--${flag} takes a whole number${minimum > 0 ? ` ≥ ${minimum}` : ''}, got '${value}'`);
  return Number(value);
}

const print = (text: string) => process.stdout.write(`${text}\n`);

/** The program; `argv` (the user's arguments) is recorded by commands that report how they were run. */
export function kilnProgram(argv: readonly string[]): Command {
  const program = new Command('kiln')
    .usage('COMMAND [options]')
    .description(`kiln ${KILN_VERSION}: optimize trained models into engines and run them from Node.js`)
    .version(KILN_VERSION, '-v, --version', "kiln's version")
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [COMMAND]', 'help for a command')
    // Commands are listed as they are typed, e.g. 'partition MODEL --target cpu|cuda [options]'.
    .configureHelp({ subcommandTerm: (cmd) => `${cmd.name()} ${cmd.usage()}`.trimEnd() })
    .showHelpAfterError("(run 'kiln --help' or 'kiln COMMAND --help' for usage)")
    // Throw instead of exiting so main.ts owns exit codes; set before .command(), which copies settings.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`kiln: ${text}`) })
    .addHelpText('after', `\n${FORMATS}\n`);

  program
    .command('doctor')
    .description('platform, Node ABI, which native addons load (and why not), CPU features, CUDA devices, worker script, what to do')
    .usage('[--json]')
    .option('--json', 'print the report as JSON')
    .action((opts: { json?: boolean }) => {
      const report = doctorReport();
      print(opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
    });

  withModelFlags(
    program
      .command('inspect')
      .description('format, opsets, inputs/outputs, op histogram, supported ops (a .plan: layers, tactics)')
      .usage('MODEL [--json]')
      .argument('<MODEL>', 'a model or a built .plan')
      .option('--json', 'print the report as JSON'),
  ).action(async (model: string, opts: ModelFlags & { json?: boolean }) => {
    if (detectModelFormat(model) === 'plan') {
      const report = inspectPlan(model);
      print(opts.json ? JSON.stringify(report, null, 2) : formatPlanInspect(report));
      return;
    }
    const report = await inspectModel(model, modelOptions(opts));
    print(opts.json ? JSON.stringify(report, null, 2) : formatInspect(report));
  });

  withProfileOptions(
    withModelFlags(
      program
        .command('build')
        .description('optimize, tune and serialize an engine plan')
        .usage('MODEL -o FILE.plan [options]')
        .argument('<MODEL>', 'the model to build')
        .requiredOption('-o, --output <FILE>', 'where the plan goes')
        .option('--backend <cpu|cuda>', "target backend (default cpu; cuda builds for this machine's GPU)")
        .option('--precision <P>', 'cpu: fp32; cuda: fp32 | tf32 | fp16')
        .option('--timing-cache <FILE>', 'reuse and extend tactic timings (warm builds are deterministic)')
        .option('--max-workspace <BYTES>', "bound on any layer's scratch memory")
        .option('--no-tune', "skip tactic timing (the executor's defaults)")
        .option('--json', 'print the summary as JSON')
        .addHelpText(
          'after',
          `
Shapes (the name ends at the last ':', so 'onnx::Flatten_0:1x25x96' works):
  --shapes x:1x3x48x192          build for exactly this shape
  --min-shapes/--opt-shapes/--max-shapes x:AxBxC
                                 a range per input: runs accept min..max, tactics are timed at opt.
                                 Inputs with symbolic dims and no shapes keep untimed layers (warned)`,
        ),
    ),
  ).action(async (model: string, opts: BuildFlags) => {
    const workspace = opts.maxWorkspace;
    if (workspace !== undefined && !/^\d+$/.test(workspace)) throw usage(`--max-workspace '${workspace}' should be a byte count`);
    const profile = profileFromFlags(opts);
    const bar = new ProgressBar();
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const summary = await buildModel(model, {
        ...modelOptions(opts),
        output: opts.output,
        ...(opts.backend ? { backend: opts.backend } : {}),
        ...(opts.precision ? { precision: opts.precision } : {}),
        ...(opts.timingCache ? { timingCache: opts.timingCache } : {}),
        // commander sets tune: true unless --no-tune; only the flag overrides the build's own default.
        ...(opts.tune === false ? { tune: false } : {}),
        ...(workspace !== undefined ? { maxWorkspaceSize: Number(workspace) } : {}),
        ...(profile ? { profile } : {}),
        onProgress: bar.update,
        signal: controller.signal,
      });
      bar.finish();
      print(opts.json ? JSON.stringify(summary, null, 2) : formatBuildSummary(summary));
    } finally {
      bar.finish();
      process.off('SIGINT', onSigint);
    }
  });

  withModelFlags(
    program
      .command('partition')
      .description('engines vs CPU fallback, with reasons')
      .usage('MODEL --target cpu|cuda [options]')
      .argument('<MODEL>', 'the model to partition')
      .option('--target <cpu|cuda>', 'the backend engines are for (default cpu)')
      .option('--min-segment-size <N>', 'smallest engine worth building')
      .option('--max-segments <N>', 'at most this many engines')
      .option('--exclude-ops <a,b>', 'ops to leave on the CPU')
      .option('--report <FILE.html>', 'write an HTML report with a drawing')
      .option('--json <FILE.json>', 'write the report as JSON'),
  ).action(async (model: string, opts: PartitionFlags) => {
    const minimumSegmentSize = count('min-segment-size', opts.minSegmentSize);
    const maximumSegments = count('max-segments', opts.maxSegments);
    const excludeOps = opts.excludeOps?.split(',').filter(Boolean);
    const report = await partitionModel(model, {
      ...modelOptions(opts),
      target: opts.target ?? 'cpu',
      ...(minimumSegmentSize !== undefined ? { minimumSegmentSize } : {}),
      ...(maximumSegments !== undefined ? { maximumSegments } : {}),
      ...(excludeOps ? { excludeOps } : {}),
      ...(opts.report ? { html: opts.report } : {}),
      ...(opts.json ? { json: opts.json } : {}),
    });
    print(formatPartition(report));
  });

  withModelFlags(
    program
      .command('run')
      .description('run once and write one .npy per output')
      .usage('MODEL --input NAME=FILE … [options]')
      .argument('<MODEL>', 'a model or a built .plan')
      .option('--input <NAME=FILE>', 'an input (repeat per input; a bare FILE for single-input models)', collect)
      .option('--output-dir <DIR>', 'where outputs go', 'kiln-outputs'),
  ).action(async (model: string, opts: ModelFlags & { input?: string[]; outputDir: string }) => {
    const result = await runModel(model, opts.input ?? [], opts.outputDir, modelOptions(opts));
    for (const o of result.outputs) print(`${o.name}: ${o.dtype}[${o.shape.join(',')}] -> ${opts.outputDir}/${o.file}`);
    print(`loaded in ${result.milliseconds.load.toFixed(1)} ms, ran in ${result.milliseconds.run.toFixed(1)} ms`);
  });

  withProfileOptions(
    withModelFlags(
      program
        .command('bench')
        .description('latency percentiles and throughput over many runs (as trtexec)')
        .usage('MODEL [--iterations N] [options]')
        .argument('<MODEL>', 'a model or a built .plan')
        .addOption(new Option('--backend <cpu|cuda>', 'where to run (default cpu)').choices(['cpu', 'cuda']))
        .option('--input <NAME=FILE>', 'feed this file instead of random data (repeat per input)', collect)
        .option('--warmup <N>', 'untimed runs first (default 10)')
        .option('--iterations <N>', 'timed runs (default 100; with --duration, at least this many)')
        .option('--duration <S>', 'run for at least S seconds')
        .option('--json <FILE>', 'write the report (with model, machine, command and date) as JSON')
        .addHelpText(
          'after',
          '\nThe model is loaded once; each latency is one run() awaited. Build a .plan first to bench a tuned engine.',
        ),
    ),
    ['shapes'],
  ).action(async (model: string, opts: BenchFlags) => {
    const warmup = count('warmup', opts.warmup);
    const iterations = count('iterations', opts.iterations, 1);
    if (opts.duration !== undefined && !(Number(opts.duration) > 0)) throw usage(`--duration takes seconds > 0, got '${opts.duration}'`);
    const shapes = parseShapeList('shapes', opts.shapes ?? []);
    const profile = profileFromFlags(opts);
    const report = await benchModel(model, {
      session: { ...modelOptions(opts), ...(opts.backend ? { backend: opts.backend } : {}), ...(profile ? { build: { profile } } : {}) },
      inputs: opts.input ?? [],
      shapes,
      ...(warmup !== undefined ? { warmup } : {}),
      ...(iterations !== undefined ? { iterations } : {}),
      ...(opts.duration !== undefined ? { duration: Number(opts.duration) } : {}),
      command: ['kiln', ...argv].join(' '),
    });
    if (opts.json) writeBenchJson(opts.json, report);
    print(formatBench(report));
  });

  return program;
}

interface BuildFlags extends ModelFlags, ProfileFlagValues {
  output: string;
  backend?: string;
  precision?: string;
  timingCache?: string;
  maxWorkspace?: string;
  tune: boolean;
  json?: boolean;
}

interface PartitionFlags extends ModelFlags {
  target?: string;
  minSegmentSize?: string;
  maxSegments?: string;
  excludeOps?: string;
  report?: string;
  json?: string;
}

interface BenchFlags extends ModelFlags, ProfileFlagValues {
  backend?: 'cpu' | 'cuda';
  input?: string[];
  warmup?: string;
  iterations?: string;
  duration?: string;
  json?: string;
}
