/**
 * A measurement, not a feature (docs/scale.md, "What replaces it"): what one visited set shared
 * by the parts' threads would buy. The parts of a split (explore/partition.ts) are handed out
 * to N worker threads one at a time, and every part's search offers its states to one
 * open-addressing table of fingerprints in a SharedArrayBuffer (compare-and-swap on the slot's
 * label word) instead of a table of its own, so no state is searched twice for two roots.
 * The report of such a search is not the same bytes for every number of threads (which
 * witnesses, executions and pruned successors it finds depends on their timing), which is why
 * the product does not do this; here only the verdict, the violation signatures and the states
 * are compared with the single search, and the time. Each search runs in fresh worker threads
 * (the single one in one of its own), so each pays the same start-up and warms its JIT anew.
 *
 * Since 2026-12-02 the product's `--workers` runs in two phases over this table
 * (src/explore/shared.ts SharedTable, used here too); this measures the table alone.
 *
 * Bundled and run by bench/shared-visited.mjs (main thread and workers are this one file).
 */
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { cpus } from 'node:os';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';
import { Budget } from '../../src/explore/budget.js';
import { Dfs } from '../../src/explore/frontier.js';
import { explore } from '../../src/explore/explore.js';
import { splitSearch } from '../../src/explore/partition.js';
import type { VisitedSet } from '../../src/explore/visited.js';
import { SharedTable } from '../../src/explore/shared.js';
import type { ExploreOptions } from '../../src/explore/strategy.js';
import { signature } from '../../src/check/violation.js';

const OPTS: ExploreOptions = { strategy: 'exhaustive', naive: false };

function loadFile(file: string): Spec {
  const r = loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p) });
  if (!r.spec) throw new Error(`${file}: does not load`);
  return r.spec;
}

interface Job { file: string; paths: string[][]; table: SharedArrayBuffer; counter: SharedArrayBuffer; next: SharedArrayBuffer }
/** The single search, in a worker thread of its own like the shared search's (the same start-up and a cold JIT). */
interface Single { single: string }
interface Done { sigs: string[]; executions: number; pruned: number; nodes: number; parts: number; busyMs: number }

/** A worker: parts taken one at a time from the shared counter, each searched against the shared table. */
function work(job: Job): Done {
  const t0 = performance.now();
  const spec = loadFile(job.file);
  const visited = new SharedTable(job.table, job.counter);
  const next = new Int32Array(job.next);
  const sigs = new Set<string>();
  let executions = 0, pruned = 0, nodes = 0, parts = 0;
  for (let p = Atomics.add(next, 0, 1); p < job.paths.length; p = Atomics.add(next, 0, 1)) {
    const dfs = new Dfs(new Machine(spec), OPTS, Infinity, { executions: 0, nodes: 0 }, new Budget(OPTS, Date.now(), Date.now), undefined, undefined, { prefix: job.paths[p] });
    (dfs as unknown as { visited: VisitedSet }).visited = visited; // the shared table in place of its own
    const limit = dfs.run();
    if (limit) throw new Error(`part ${p}: ${limit}`);
    for (const f of dfs.findings.list()) sigs.add(signature(f.violation));
    executions += dfs.executions;
    pruned += dfs.pruned;
    nodes += dfs.nodes;
    parts++;
  }
  return { sigs: [...sigs], executions, pruned, nodes, parts, busyMs: performance.now() - t0 };
}

/**
 * `slots`: the table's size. A product would size it from --max-memory; here it is sized from
 * the single search's state count (load about a half), as compact as the FpSet it stands for:
 * a table far larger than the states misses the cache on every offer.
 */
async function shared(file: string, threads: number, self: string, slots: number) {
  const t0 = performance.now();
  const spec = loadFile(file);
  const split = splitSearch(spec, OPTS);
  const splitMs = performance.now() - t0;
  const table = SharedTable.create(slots);
  const keys = split.top.keys;
  for (let i = 0; i < keys.length; i += 2) table.offerWords(keys[i] | 0, keys[i + 1] | 0, 0, 0);
  const sigs = new Set(split.top.findings.map((f) => signature(f.violation)));
  const job: Job = { file, paths: split.parts.map((p) => p.path), table: table.table, counter: table.counter, next: new SharedArrayBuffer(4) };
  const done = await Promise.all(Array.from({ length: threads }, () => new Promise<Done>((ok, fail) => {
    const w = new Worker(self, { workerData: job });
    w.once('message', ok);
    w.once('error', fail);
  })));
  for (const d of done) for (const s of d.sigs) sigs.add(s);
  return { ms: performance.now() - t0, splitMs, states: table.size, sigs: [...sigs].sort(), parts: split.parts.length, perThread: done.map((d) => d.parts), busy: done.map((d) => d.busyMs), executions: done.reduce((x, d) => x + d.executions, split.top.executions), pruned: done.reduce((x, d) => x + d.pruned, split.top.pruned) };
}

function single(file: string, self: string): Promise<{ ms: number; states: number; pruned: number; sigs: string[] }> {
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    const w = new Worker(self, { workerData: { single: file } satisfies Single });
    w.once('message', (r) => ok({ ...r, ms: performance.now() - t0 }));
    w.once('error', fail);
  });
}

async function main(self: string, files: string[], runs: number) {
  const threads = Math.min(2, cpus().length);
  console.log(`one visited set shared by the parts' threads (a measurement: docs/scale.md), least wall time of ${runs} runs, ${cpus().length} cores`);
  console.log(`${'spec'.padEnd(16)} ${'states'.padStart(8)} ${'one s'.padStart(7)} ${'sh1 s'.padStart(7)} ${'sh2 s'.padStart(7)} ${'one/sh2'.padStart(8)} ${'sh1/sh2'.padStart(8)}  split s  pruned one / sh2   parts a thread (busy s)  same verdict, signatures, states`);
  for (const file of files) {
    let one = Infinity, sh1 = Infinity, sh2 = Infinity;
    let ref = null as Awaited<ReturnType<typeof single>> | null, r1 = null as Awaited<ReturnType<typeof shared>> | null, r2 = r1;
    for (let k = 0; k < runs; k++) {
      ref = await single(file, self);
      one = Math.min(one, ref.ms);
      const slots = Math.max(1 << 16, 2 * ref.states);
      r1 = await shared(file, 1, self, slots);
      sh1 = Math.min(sh1, r1.ms);
      r2 = await shared(file, threads, self, slots);
      sh2 = Math.min(sh2, r2.ms);
    }
    const sigs = ref!.sigs;
    const same = [r1!, r2!].every((r) => r.states === ref!.states && JSON.stringify(r.sigs) === JSON.stringify(sigs));
    const name = file.split('/').pop()!.replace(/\.yaml$/, '');
    console.log(`${name.padEnd(16)} ${String(ref!.states).padStart(8)} ${(one / 1000).toFixed(2).padStart(7)} ${(sh1 / 1000).toFixed(2).padStart(7)} ${(sh2 / 1000).toFixed(2).padStart(7)} ${(one / sh2).toFixed(2).padStart(7)}x ${(sh1 / sh2).toFixed(2).padStart(7)}x  ${(r2!.splitMs / 1000).toFixed(2).padStart(7)}  ${ref!.pruned} / ${r2!.pruned}   ${r2!.perThread.join('+')} of ${r2!.parts} (${r2!.busy.map((b) => (b / 1000).toFixed(2)).join(', ')})   ${same ? 'yes' : 'NO'}`);
    if (!same) process.exitCode = 1;
  }
}

if (isMainThread) {
  const [self, runs, ...files] = process.argv.slice(2);
  main(self, files, Number(runs)).catch((e) => {
    console.error(e);
    process.exit(2);
  });
} else if ('single' in (workerData as object)) {
  const r = explore(loadFile((workerData as Single).single), OPTS);
  parentPort!.postMessage({ states: r.stats.states, pruned: r.stats.pruned, sigs: r.findings.map((f) => signature(f.violation)).sort() });
} else {
  parentPort!.postMessage(work(workerData as Job));
}
