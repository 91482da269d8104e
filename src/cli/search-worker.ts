/**
 * A checkpointed search runs in a worker thread, so that the main thread's event loop stays free
 * to take SIGINT and SIGTERM (a Kubernetes eviction, Ctrl-C, Slurm's preemption): a signal sets
 * a shared flag, the search sees it between two transitions, writes a checkpoint and ends
 * (exit 3); `--resume` goes on from it. The worker runs this same bundle (cli/entry.ts starts
 * it when it is not the main thread).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Spec } from '../spec/types.js';
import { checkSpec, type CheckOptions } from '../api/check.js';
import type { ExploreResult, Progress } from '../explore/strategy.js';
import { checkpointControl, type CheckpointPlan } from './checkpoint.js';
import { heapUsed } from './io.js';

const KIND = 'ftrace-race-search';

interface Job {
  kind: typeof KIND;
  spec: Spec;
  /** The check options without their functions. */
  opts: CheckOptions;
  plan: CheckpointPlan;
  stop: Int32Array;
  progress: boolean;
}

type Message = { kind: 'progress'; p: Progress } | { kind: 'done'; result: ExploreResult } | { kind: 'error'; message: string };

/** In the worker: runs the job it was started with. Returns false on the main thread. */
let started = false;

export function runSearchWorker(): boolean {
  if (isMainThread || (workerData as Job | undefined)?.kind !== KIND) return false;
  if (started) return true;
  started = true;
  const job = workerData as Job;
  const post = (m: Message) => parentPort!.postMessage(m);
  try {
    const ctl = checkpointControl(job.plan, () => Date.now(), () => Atomics.load(job.stop, 0) === 1);
    const { result } = checkSpec(job.spec, {
      ...job.opts,
      ...ctl,
      heapUsed,
      onProgress: job.progress ? (p) => post({ kind: 'progress', p }) : undefined,
    });
    post({ kind: 'done', result });
  } catch (e) {
    post({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
  }
  return true;
}

/**
 * On the main thread: runs the search in a worker (this bundle), with SIGINT and SIGTERM
 * asking it to checkpoint and stop. Rejects with the worker's error message.
 */
export function searchInWorker(spec: Spec, opts: CheckOptions, plan: CheckpointPlan, onProgress?: (p: Progress) => void): Promise<ExploreResult> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const onSignal = () => Atomics.store(stop, 0, 1);
  const plain: CheckOptions = { ...opts, heapUsed: undefined, onProgress: undefined, onViolation: undefined, now: undefined, checkpoint: undefined, resume: undefined };
  const job: Job = { kind: KIND, spec, opts: plain, plan, stop, progress: !!onProgress };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const w = new Worker(new URL(import.meta.url), { workerData: job });
  return new Promise<ExploreResult>((resolve, reject) => {
    w.on('message', (m: Message) => {
      if (m.kind === 'progress') onProgress?.(m.p);
      else if (m.kind === 'done') resolve(m.result);
      else reject(new Error(m.message));
    });
    w.on('error', reject);
    w.on('exit', (code) => reject(new Error(`search worker exited (${code})`)));
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    void w.terminate();
  });
}

// A worker runs whatever bundle holds this module (the CLI's, or a harness's that bundles
// main.ts alone): start the job on import, so no entry point has to know of it.
runSearchWorker();
