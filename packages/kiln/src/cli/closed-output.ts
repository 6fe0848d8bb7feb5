/**
 * `kiln inspect MODEL | head -1`: when the reader of stdout (or stderr) goes away, writes fail
 * with EPIPE. Like a Unix tool killed by SIGPIPE, the CLI then stops quietly: nobody is left to
 * read a message, and the pipeline's reader got what it asked for. Exit status 0, because the
 * command did not fail; the shell's `pipefail` would otherwise report a bogus error.
 */
import type { Writable } from 'node:stream';

function exitWhenReaderCloses(stream: Writable): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

/** Makes a closed stdout or stderr end the process with status 0 instead of an unhandled 'error' stack trace. */
export function exitQuietlyWhenOutputCloses(): void {
  exitWhenReaderCloses(process.stdout);
  exitWhenReaderCloses(process.stderr);
}
