/**
 * Usage errors: the command line itself is wrong (a malformed flag value, a missing path), as
 * opposed to a model or input that fails. Kept apart so main.ts can exit 2 for them, the
 * convention of getopt-style tools, while failures of the work itself exit 1.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';

export const USAGE_EXIT_CODE = 2;

export class UsageError extends KilnError {
  constructor(message: string, command = 'kiln') {
    super(ErrorCode.INVALID_ARGUMENT, message, { hint: `run '${command} --help' for usage` });
  }
}

export function usage(message: string, command?: string): UsageError {
  return new UsageError(message, command);
}
