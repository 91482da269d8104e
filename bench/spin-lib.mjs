// What the benchmarks against SPIN share (bench/check-vs-spin.mjs, bench/scale.mjs): the check
// that spin and gcc are here (else the benchmark says so and exits 0), the clock, the median.
import { spawnSync } from 'node:child_process';

function have(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Exits 0 with a message when spin or gcc is missing: a benchmark that cannot run skips. */
export function requireSpin() {
  if (!have('spin', ['-V']) || !have('gcc', ['--version'])) {
    console.log('skipped: needs spin and gcc (Debian packages spin, gcc)');
    process.exit(0);
  }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const now = () => Number(process.hrtime.bigint()) / 1e6;
