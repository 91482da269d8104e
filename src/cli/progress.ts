/**
 * Progress of a `check`: on a terminal an ora spinner on stderr; off a terminal, with
 * `--progress`, plain lines on stderr at most once a second or every `--progress-every` seconds
 * (CI logs, a Slurm log of an hours-long search); nothing with `--quiet`.
 * Each shows the spec, its place in the suite, the bound, states, executions, violations, the
 * rate and the elapsed time. A partitioned search (--shard, and --workers where two phases
 * cannot run) shows the parts done and an estimate of the time left from them; phase 1 of a
 * two-phase search (--workers) the parts taken, with no estimate; a --naive search (no visited set: the search is its
 * tree) how much of its tree is behind it by the uniform estimate, and the time that leaves;
 * a search with a visited set (and phase 1) the random probes' coverage once they have run,
 * and, for one unbounded search, the rough time left were that coverage the share done.
 */
import ora, { Ora } from 'ora';
import type { Progress } from '../explore/explore.js';

export interface ProgressSink {
  start(spec: string, index: number, count: number): void;
  update(p: Progress): void;
  stop(): void;
}

export interface ProgressOptions {
  mode: 'spinner' | 'lines' | 'off';
  /** Milliseconds between lines (mode 'lines'; default 1000: --progress-every). */
  every?: number;
  stderr(text: string): void;
  now(): number;
  /** The spinner's stream (process.stderr): only the CLI edge passes it. */
  stream?: NodeJS.WritableStream;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function progressLine(spec: string, index: number, count: number, p: Progress | null, ms: number): string {
  const where = count > 1 ? `[${index + 1}/${count}] ` : '';
  if (!p) return `${where}${spec}: starting`;
  if (p.parts) {
    // Parts are alike in size only on average: the estimate is the mean part's time so far.
    const left = p.parts.done > 0 && p.parts.done < p.parts.of ? `, about ${secs((ms / p.parts.done) * (p.parts.of - p.parts.done))} left` : '';
    return `${where}${spec}: unbounded, part ${p.parts.done}/${p.parts.of} done, ${p.executions} executions, ${p.violations} violations, ${secs(ms)}${left}`;
  }
  const rate = ms > 0 ? Math.round((p.states * 1000) / ms) : 0;
  // The random probes' coverage (explore/probes.ts): 100% exactly when the search is complete, not a share of the time.
  const probes = p.probes ? `, ${p.probes.runs} random probes ${Math.floor(100 * p.probes.states)}% covered` : '';
  if (p.twoPhase) {
    // No time left shown: the first parts search almost everything (explore/strategy.ts Progress.twoPhase).
    const t = p.twoPhase;
    return `${where}${spec}: unbounded, phase 1 of 2, part ${t.taken}/${t.of} taken, ${p.states} states, ${p.executions} executions, ${p.violations} kinds of violation, ${rate} states/s, ${secs(ms)}${probes}`;
  }
  // Read as the share done, the coverage gives a time left that was 0.26-3.3x the actual one on
  // the scale family (bench/probes.mjs, docs/scale.md "Progress"): an order of magnitude, so
  // "roughly". Only for one unbounded search, whose clock is `ms` (a bound's search starts
  // after the bounds below it; phase 1, above, is followed by phase 2).
  const rough = p.probes && p.bound === null && p.probes.states > 0 && p.probes.states < 1
    ? `, roughly ${secs((ms * (1 - p.probes.states)) / p.probes.states)} left` : '';
  // The tree estimate of this bound's search (explore/strategy.ts Progress.done): shown once it says something.
  const tree = p.done !== undefined && p.done >= 0.001 ? `, about ${(100 * p.done).toFixed(p.done < 0.1 ? 1 : 0)}% of ${p.bound === null ? 'the' : 'this bound\'s'} tree${p.done < 1 ? ` (~${secs((ms * (1 - p.done)) / p.done)} left)` : ''}` : '';
  return `${where}${spec}: ${p.bound === null ? 'unbounded' : `bound ${p.bound}`}, ${p.states} states, ${p.executions} executions, ${p.violations} violations, ${rate} states/s, ${secs(ms)}${tree}${probes}${rough}`;
}

export function makeProgress(o: ProgressOptions): ProgressSink | null {
  if (o.mode === 'off') return null;
  let spec = '', index = 0, count = 0, t0 = 0, last = 0;
  let spinner: Ora | null = null;
  return {
    start(name, i, n) {
      spec = name; index = i; count = n; t0 = last = o.now();
      if (o.mode === 'spinner') spinner = ora({ stream: o.stream, text: progressLine(spec, index, count, null, 0), discardStdin: false }).start();
      else o.stderr(`ftrace-race: ${progressLine(spec, index, count, null, 0)}\n`);
    },
    update(p) {
      const now = o.now();
      if (spinner) {
        spinner.text = progressLine(spec, index, count, p, now - t0);
        spinner.render(); // the search is synchronous: draw the frame now
      } else if (now - last >= (o.every ?? 1000)) {
        last = now;
        o.stderr(`ftrace-race: ${progressLine(spec, index, count, p, now - t0)}\n`);
      }
    },
    stop() {
      spinner?.stop();
      spinner = null;
    },
  };
}
