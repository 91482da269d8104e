import { isatty } from 'node:tty';
import { readCapped } from './input.js';
import { main } from './main.js';
import type { CliIo } from './term.js';
import { runSearchWorker } from './search-worker.js';
import { runPartWorker } from './part-workers.js';

// This bundle is also the worker a checkpointed search runs in (cli/search-worker.ts) and the
// workers of a partitioned search (cli/part-workers.ts).
if (!runSearchWorker() && !runPartWorker()) await cli();

async function cli(): Promise<void> {
  // A closed pipe (`ftrace-race ... | head`) ends the output, not the process with a trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }

  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
    columns: process.stdout.columns,
    // A terminal of no known width (some ptys) would make ora clear lines without end: no spinner there.
    stderrIsTTY: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0,
    // isatty, not process.stdin.isTTY: making the stream object would change fd 0's mode.
    stdinIsTTY: isatty(0),
    readStdin: (maxBytes) => readCapped(0, maxBytes),
  };
  const code = await main(process.argv.slice(2), io);
  process.exitCode = code;
}
