/**
 * The parts of a partitioned search (explore/partition.ts) on worker threads: `--workers N`.
 * Each worker runs this bundle (cli/entry.ts starts it when it is not the main thread) with
 * the spec and options, and searches the parts it is handed, one at a time, so a worker that
 * finishes early takes the next. A part's result depends on nothing but the part, so the
 * merge is the same bytes for any N (test/explore/partition.test.ts).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Spec } from '../spec/types.js';
import type { ExploreOptions } from '../explore/strategy.js';
import { explorePart, type Part, type PartResult } from '../explore/partition.js';
import { phase1Parts, type Phase1Job, type Phase1Log } from '../explore/shared.js';
import { heapUsed } from './io.js';

const KIND = 'ftrace-race-parts';
/** A worker of a two-phase search's phase 1 (explore/shared.ts): its share of the parts, over the shared table. */
const PHASE1 = 'ftrace-race-phase1';

interface Phase1Worker {
  kind: typeof PHASE1;
  spec: Spec;
  opts: ExploreOptions;
}

/** What a phase-1 worker sends back for each job. */
type Phase1Reply = { kind: 'log'; log: Phase1Log } | { kind: 'error'; message: string };

interface Job {
  kind: typeof KIND;
  spec: Spec;
  /** The explore options without their functions. */
  opts: ExploreOptions;
}

type ToWorker = { part: Part } | { done: true };
type FromWorker = { kind: 'result'; result: PartResult } | { kind: 'error'; message: string };

/** In a worker: searches the parts it is sent. Returns false on the main thread. */
let started = false;

export function runPartWorker(): boolean {
  if (!isMainThread && (workerData as Phase1Worker | undefined)?.kind === PHASE1) {
    if (started) return true;
    started = true;
    const w = workerData as Phase1Worker;
    // A job each time phase 1 runs (again, with a larger table, when the first was too small).
    parentPort!.on('message', ({ job }: { job: Phase1Job }) => {
      try {
        const log = phase1Parts(w.spec, { ...w.opts, heapUsed }, job);
        parentPort!.postMessage({ kind: 'log', log } satisfies Phase1Reply, [log.edges.buffer as ArrayBuffer, log.violations.buffer as ArrayBuffer]);
      } catch (e) {
        parentPort!.postMessage({ kind: 'error', message: e instanceof Error ? e.message : String(e) } satisfies Phase1Reply);
      }
    });
    return true;
  }
  if (isMainThread || (workerData as Job | undefined)?.kind !== KIND) return false;
  if (started) return true;
  started = true;
  const job = workerData as Job;
  const opts: ExploreOptions = { ...job.opts, heapUsed };
  parentPort!.on('message', (m: ToWorker) => {
    if ('done' in m) {
      parentPort!.close();
      return;
    }
    try {
      const result = explorePart(job.spec, opts, m.part);
      parentPort!.postMessage({ kind: 'result', result } satisfies FromWorker, [result.keys.buffer as ArrayBuffer]);
    } catch (e) {
      parentPort!.postMessage({ kind: 'error', message: e instanceof Error ? e.message : String(e) } satisfies FromWorker);
    }
  });
  return true;
}

/** Options a worker can receive (functions stay on the main thread). */
function plainOptions(o: ExploreOptions): ExploreOptions {
  return { ...o, heapUsed: undefined, now: undefined, onProgress: undefined, onViolation: undefined, observe: undefined, checkpoint: undefined, resume: undefined };
}

/**
 * Searches `parts` with `workers` threads (1: in this thread, no worker started) and returns
 * their results in part order. `onPart` is called as each part finishes (progress).
 */
export async function runParts(spec: Spec, opts: ExploreOptions, parts: readonly Part[], workers: number, onPart?: (done: number, of: number, result: PartResult) => void): Promise<PartResult[]> {
  const results: PartResult[] = new Array(parts.length);
  if (workers <= 1 || parts.length <= 1) {
    parts.forEach((p, i) => {
      results[i] = explorePart(spec, opts, p);
      onPart?.(i + 1, parts.length, results[i]);
    });
    return results;
  }
  const job: Job = { kind: KIND, spec, opts: plainOptions(opts) };
  const n = Math.min(workers, parts.length);
  const pool = Array.from({ length: n }, () => new Worker(new URL(import.meta.url), { workerData: job }));
  let next = 0, done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const busy = new Set<Worker>();
      const feed = (w: Worker) => {
        if (next < parts.length) {
          busy.add(w);
          w.postMessage({ part: parts[next++] } satisfies ToWorker);
        } else w.postMessage({ done: true } satisfies ToWorker);
      };
      for (const w of pool) {
        w.on('message', (m: FromWorker) => {
          if (m.kind === 'error') return reject(new Error(m.message));
          busy.delete(w);
          results[parts.findIndex((p) => p.index === m.result.index)] = m.result;
          onPart?.(++done, parts.length, m.result);
          if (done === parts.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (busy.has(w)) reject(new Error(`a search worker exited (${code}) before its part was done`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/**
 * Phase 1's other threads (`workers` - 1 of them), started as the two-phase search begins, so
 * that their start-up (each loads this bundle) overlaps the split's search on this thread. A
 * worker waits for a job; one the search does not need (the top finished the space, fewer parts
 * than threads, or it fell back to one thread) is stopped unused, and a failure to start it
 * is of no account then (a CLI run inside a test harness cannot start one: livelock.test.ts).
 */
export class Phase1Pool {
  private readonly pool: { worker: Worker; failed: Error | null }[];
  constructor(spec: Spec, opts: ExploreOptions, others: number) {
    const data: Phase1Worker = { kind: PHASE1, spec, opts: plainOptions(opts) };
    this.pool = Array.from({ length: Math.max(0, others) }, () => {
      const e = { worker: new Worker(new URL(import.meta.url), { workerData: data }), failed: null as Error | null };
      e.worker.on('error', (err) => (e.failed ??= err));
      e.worker.on('exit', (code) => (e.failed ??= new Error(`a search worker exited (${code}) before its share of phase 1 was done`)));
      return e;
    });
  }

  /**
   * Phase 1 on this thread and as many of the pool as the job has parts for (less one), all
   * taking parts from the job's shared counter. Returns every thread's log (in no order that
   * matters: explore/shared.ts reads them as sets).
   */
  async run(spec: Spec, opts: ExploreOptions, job: Phase1Job): Promise<Phase1Log[]> {
    const used = this.pool.slice(0, Math.max(0, Math.min(this.pool.length + 1, job.roots.length) - 1));
    const theirs = Promise.all(
      used.map(
        (e) =>
          new Promise<Phase1Log>((resolve, reject) => {
            if (e.failed) return reject(e.failed);
            const reply = (m: Phase1Reply) => {
              e.worker.off('error', reject);
              e.worker.off('exit', exited);
              if (m.kind === 'log') resolve(m.log);
              else reject(new Error(m.message));
            };
            const exited = (code: number) => reject(new Error(`a search worker exited (${code}) before its share of phase 1 was done`));
            e.worker.once('message', reply);
            e.worker.once('error', reject);
            e.worker.once('exit', exited);
            e.worker.postMessage({ job });
          }),
      ),
    );
    theirs.catch(() => {}); // awaited below, after this thread's share
    const mine = phase1Parts(spec, opts, job);
    return [mine, ...(await theirs)];
  }

  async close(): Promise<void> {
    await Promise.all(this.pool.map((e) => e.worker.terminate()));
  }
}

// A worker runs whatever bundle holds this module (the CLI's, or a harness's that bundles
// main.ts alone): start the job on import, so no entry point has to know of it.
runPartWorker();
