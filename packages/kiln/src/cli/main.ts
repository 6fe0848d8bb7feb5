/**
 * The `kiln` command line's entry: runs the command tree (program.ts) and turns failures into
 * one readable line. Exit codes: 0 done, 1 the work failed (a KilnError: bad model, bad input),
 * 2 the command line is wrong (unknown command or option, malformed value), as getopt tools do.
 */
import { KilnError } from '@kiln-inference/core';
import { CommanderError } from 'commander';
import { registerCudaBackend } from '../cuda/register-cuda-backend.js';
import { exitQuietlyWhenOutputCloses } from './closed-output.js';
import { kilnProgram } from './program.js';
import { USAGE_EXIT_CODE, UsageError } from './usage-error.js';

async function main(argv: string[]): Promise<number> {
  const program = kilnProgram(argv);
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    // commander has printed its usage error (with "did you mean …"), or help or the version.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    throw e;
  }
}

exitQuietlyWhenOutputCloses();
// `kiln build --backend cuda` and `kiln run` of CUDA plans find the backend in the default registry.
registerCudaBackend();
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
    process.exitCode = e instanceof UsageError ? USAGE_EXIT_CODE : 1;
  },
);
