/**
 * `--workers N`: a search in two phases (docs/scale.md, "Two phases: --workers").
 *
 * Phase 1, on N threads: the parts of a split (partition.ts) are handed out one at a time and
 * every part's search offers its states to one table of fingerprints in a SharedArrayBuffer
 * (compare-and-swap on each slot's label word), so a state reachable from several roots is
 * searched once. Which thread gets where first is the threads' timing, so phase 1 decides only
 * what does not depend on it: the states (the table), each state's least label (preemptions,
 * transitions: a state reached more cheaply is entered again, so its last label is its least,
 * whatever the order), the edges between states with their costs, and the states violations
 * leave from, each with its kind (its signature; up to symmetry, with a member's task as its
 * role: orbit.ts kindOf).
 *
 * Phase 2, on this thread: the single search itself, entering only the states on a least path
 * to a violation of some kind σ — L(s) + D_σ(s) = c*(σ), D_σ the least cost from s to a
 * violation of σ (backwards over the edges), c*(σ) the least cost of one. Every prefix of a least
 * path is a least path, so every path the single search takes to such a state lies inside the
 * set; phase 2 enters those states in the single search's order with its labels, and finds its
 * best witness of every kind. Its report is the single search's but for what counts the work
 * (executions, pruned successors, and the schedules counted for each finding: phase 2's own),
 * the same bytes for any N.
 *
 * Up to symmetry the states are orbits, named by the canonical fingerprint (a canonical form:
 * model/symmetry.ts), so the table, the labels and the edges do not depend on which
 * representative a thread reached; which member a violation is charged to does, hence kinds.
 * Phase 2 reaches the single search's representatives along its paths, so its best witness of
 * each kind is the single search's, and every other member takes it swapped (orbit.ts), as
 * after the single search.
 *
 * Not taken (a string saying why: the caller runs the single search instead, on one thread,
 * the same report for any N and faster than the parts): a graph with a cycle when livelocks are
 * judged (phase 1 sees no whole stack, so it cannot judge one), a label at its cap, a limit in
 * phase 1, and the options whose results phase 2 does not see whole (final states, outcomes,
 * coverage, --por, --naive).
 */
import type { Spec } from '../spec/types.js';
import { Machine } from '../model/machine.js';
import { Dfs, passMask, upToSymmetry, type SharedPlan } from './frontier.js';
import { Probes } from './probes.js';
import { covers, packed, DEPTHS } from './fpset.js';
import { COST_CAP, DEPTH_CAP, type VisitedSet } from './visited.js';
import { budgetOf, splitSearch } from './partition.js';
import type { ExploreOptions, ExploreResult } from './strategy.js';
import { signature, type Violation } from '../check/violation.js';
import { kindOf, shareWitnesses } from './orbit.js';

const LOCKED = -1;
/** Slots of the first table; each one too small is replaced by one four times larger. */
const FIRST_SLOTS = 1 << 21;
const MAX_LOAD = 0.75;
const SLOT_BYTES = 12;

/** The visited set of all threads: slots of [word 0, word 1, label]; the label word is 0 when empty. */
export class SharedTable implements VisitedSet {
  private readonly w: Int32Array;
  private readonly c: Int32Array;
  readonly slots: number;
  /** The slot of the state last offered (found or put there). */
  last = -1;
  full = false;
  constructor(readonly table: SharedArrayBuffer, readonly counter: SharedArrayBuffer) {
    this.w = new Int32Array(table);
    this.c = new Int32Array(counter);
    this.slots = this.w.length / 3;
  }

  static create(slots: number): SharedTable {
    return new SharedTable(new SharedArrayBuffer(slots * SLOT_BYTES), new SharedArrayBuffer(4));
  }

  get size(): number {
    return Atomics.load(this.c, 0);
  }

  private start(x: number, y: number): number {
    let h = x ^ Math.imul(y, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    return Math.floor(((h >>> 0) * this.slots) / 4294967296);
  }

  offer(fp: string, cost: number, depth: number): boolean {
    return this.offerWords(fp.charCodeAt(0) | (fp.charCodeAt(1) << 16), fp.charCodeAt(2) | (fp.charCodeAt(3) << 16), cost, depth);
  }

  /** offer() of a fingerprint given as its two words (as int32). */
  offerWords(x: number, y: number, cost: number, depth: number): boolean {
    const w = this.w, n = this.slots;
    let i = this.start(x, y);
    for (let probes = 0; probes < n; ) {
      const at = 3 * i + 2;
      const m = Atomics.load(w, at);
      if (m === 0) {
        if (Atomics.compareExchange(w, at, 0, LOCKED) !== 0) continue;
        w[3 * i] = x;
        w[3 * i + 1] = y;
        Atomics.store(w, at, packed(cost, depth));
        this.last = i;
        if (Atomics.add(this.c, 0, 1) + 1 > n * MAX_LOAD) this.full = true;
        return true;
      }
      if (m === LOCKED) continue; // another thread is writing this slot's key
      if (w[3 * i] === x && w[3 * i + 1] === y) {
        this.last = i;
        for (let cur = m; ; cur = Atomics.load(w, at)) {
          if (covers(cur, cost, depth)) return false;
          if (Atomics.compareExchange(w, at, cur, packed(cost, depth)) === cur) return true;
        }
      }
      if (++i === n) i = 0;
      probes++;
    }
    this.full = true;
    return false;
  }

  /** The slot holding fp, or -1. */
  slotOf(fp: string): number {
    const x = fp.charCodeAt(0) | (fp.charCodeAt(1) << 16), y = fp.charCodeAt(2) | (fp.charCodeAt(3) << 16);
    const w = this.w, n = this.slots;
    for (let i = this.start(x, y), probes = 0; probes < n; probes++) {
      const m = w[3 * i + 2];
      if (m === 0) return -1;
      if (w[3 * i] === x && w[3 * i + 1] === y) return i;
      if (++i === n) i = 0;
    }
    return -1;
  }

  has(fp: string): boolean {
    return this.slotOf(fp) >= 0;
  }

  /** The label in slot i as cost * DEPTHS + depth (their lexicographic order); -1 when empty. */
  labelAt(i: number): number {
    const m = this.w[3 * i + 2];
    return m === 0 ? -1 : m - 1;
  }

  offerSleep(): number {
    throw new Error('internal: no partial-order reduction in a two-phase search');
  }
  storedSleep(): number {
    throw new Error('internal: no partial-order reduction in a two-phase search');
  }
  export(): never {
    throw new Error('internal: a two-phase search is not checkpointed');
  }
  keys(): Uint32Array {
    return new Uint32Array(0);
  }
}

/** What one thread of phase 1 found: edges as (from slot, to slot, cost) triples, and violations. */
export interface Phase1Log {
  edges: Int32Array;
  edgeCount: number;
  /** (slot, kind, cost) of each violation, kinds by index into `sigs`. */
  violations: Int32Array;
  violationCount: number;
  sigs: string[];
  limit?: string;
}

/**
 * How phase 1 logs a violation: by its kind up to symmetry (orbit.ts kindOf) when the search is
 * up to symmetry (Dfs.sym), by its signature otherwise (every member's violation its own).
 */
function kinds(spec: Spec, opts: ExploreOptions): (v: Violation) => string {
  const m = new Machine(spec);
  return upToSymmetry(m, opts) ? kindOf(m) : signature;
}

/** Collects a thread's edges and violations (SharedPlan.log), each violation as its kind (kinds). */
class Log {
  edges: Int32Array<ArrayBuffer> = new Int32Array(3 << 16);
  e = 0;
  violations: Int32Array<ArrayBuffer> = new Int32Array(3 << 10);
  v = 0;
  readonly sigs: string[] = [];
  private readonly sigIndex = new Map<string, number>();
  constructor(private readonly kind: (v: Violation) => string) {}

  /** The kinds of violation logged so far (a progress line's count). */
  get kinds(): number {
    return this.sigs.length;
  }

  edge(from: number, to: number, w: number): void {
    if (this.e + 3 > this.edges.length) this.edges = grow(this.edges);
    this.edges[this.e++] = from;
    this.edges[this.e++] = to;
    this.edges[this.e++] = w;
  }

  violation(from: number, v: Violation, w: number): void {
    const sig = this.kind(v);
    let k = this.sigIndex.get(sig);
    if (k === undefined) {
      k = this.sigs.length;
      this.sigs.push(sig);
      this.sigIndex.set(sig, k);
    }
    if (this.v + 3 > this.violations.length) this.violations = grow(this.violations);
    this.violations[this.v++] = from;
    this.violations[this.v++] = k;
    this.violations[this.v++] = w;
  }

  done(limit?: string): Phase1Log {
    return { edges: this.edges, edgeCount: this.e / 3, violations: this.violations, violationCount: this.v / 3, sigs: this.sigs, ...(limit ? { limit } : {}) };
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** The work phase 1 hands out: the split's roots, taken from one shared counter. */
export interface Phase1Job {
  table: SharedArrayBuffer;
  counter: SharedArrayBuffer;
  next: SharedArrayBuffer;
  /** Executions of the parts finished, all threads (one BigInt64 word): progress only. */
  executions: SharedArrayBuffer;
  roots: string[][];
}

/** Phase 1 on one thread: parts taken from the job's counter until none is left. */
export function phase1Parts(spec: Spec, opts: ExploreOptions, job: Phase1Job): Phase1Log {
  const table = new SharedTable(job.table, job.counter);
  const log = new Log(kinds(spec, opts));
  const plan: SharedPlan = { visited: table, log };
  const next = new Int32Array(job.next);
  const executions = new BigInt64Array(job.executions);
  const of = job.roots.length;
  const show = opts.onProgress;
  // This thread's progress shows the table's states and every thread's executions and parts.
  if (show) opts = { ...opts, onProgress: (p) => show({ ...p, executions: Number(Atomics.load(executions, 0)) + p.executions, twoPhase: { taken: Math.min(Atomics.load(next, 0), of), of } }) };
  if (show) {
    const now = opts.now ?? Date.now;
    const m = new Machine(spec);
    plan.probes = new Probes(() => m, upToSymmetry(m, opts), !opts.naive && opts.fusion !== false ? passMask : null, Infinity, now, opts.startedAt ?? now(), opts.probeShare);
  }
  for (let p = Atomics.add(next, 0, 1); p < of; p = Atomics.add(next, 0, 1)) {
    const dfs = new Dfs(new Machine(spec), opts, Infinity, { executions: 0, nodes: 0 }, budgetOf(opts), undefined, undefined, { prefix: job.roots[p], shared: plan });
    const limit = dfs.run() ?? (table.full ? 'the shared table is full' : null);
    Atomics.add(executions, 0, BigInt(dfs.executions));
    if (limit) {
      Atomics.store(next, 0, of); // the others stop too
      return log.done(limit);
    }
  }
  return log.done();
}

/** The top of phase 1: the split's top over the shared table, its roots the parts. */
function phase1Top(spec: Spec, opts: ExploreOptions, table: SharedTable, depth: number): { roots: string[][]; log: Phase1Log } {
  const log = new Log(kinds(spec, opts));
  const roots: string[][] = [];
  const dfs = new Dfs(new Machine(spec), opts, Infinity, { executions: 0, nodes: 0 }, budgetOf(opts), undefined, undefined, {
    horizon: { depth, root: (path) => roots.push(path) },
    shared: { visited: table, log },
  });
  const limit = dfs.run() ?? (table.full ? 'the shared table is full' : null);
  return { roots, log: log.done(limit ?? undefined) };
}

/**
 * The states phase 2 may enter: on a least path to a violation of some kind (by slot). Why not,
 * when the graph has a cycle and livelocks are judged, or a label is at its cap. The states are
 * numbered densely first (the table's slots are mostly empty), so that the graph, the cycle
 * check and each kind's Dijkstra run over the states alone, in typed arrays.
 */
export function leastPaths(table: SharedTable, logs: readonly Phase1Log[], cycles: boolean): Uint8Array | string {
  // Each pass is a function of its own, with typed arrays only: it runs once, so V8 compiles
  // it while it runs (on-stack replacement), and a small function compiles sooner.
  const states = denseStates(table);
  if (typeof states === 'string') return states;
  const { index, slotOf, label, count: n } = states;
  const { count, src, wt } = reversedEdges(logs, index, n);
  if (cycles && hasCycle(n, count, src)) return 'the state graph has a cycle, and livelocks are judged on whole stacks';
  // Violations across threads, by kind.
  const byKind = new Map<string, number[]>();
  for (const g of logs) {
    for (let v = 0; v < g.violationCount; v++) {
      const kind = g.sigs[g.violations[3 * v + 1]];
      let list = byKind.get(kind);
      if (!list) byKind.set(kind, (list = []));
      list.push(index[g.violations[3 * v]] - 1, g.violations[3 * v + 2]);
    }
  }
  const on = new Uint8Array(table.slots);
  const dist = new Float64Array(n);
  const heap = new Heap();
  for (const list of byKind.values()) onLeastPaths(list, label, slotOf, count, src, wt, dist, heap, on);
  return on;
}

/**
 * The table's states numbered densely (the slots are mostly empty): slot -> state + 1 (0:
 * empty), state -> slot and its label. Why not, when a label is at its cap.
 */
function denseStates(table: SharedTable): { index: Int32Array; slotOf: Int32Array; label: Float64Array; count: number } | string {
  const n = table.slots;
  const index = new Int32Array(n);
  const slotOf = new Int32Array(table.size);
  const label = new Float64Array(table.size);
  let states = 0;
  for (let i = 0; i < n; i++) {
    const l = table.labelAt(i);
    if (l < 0) continue;
    if (Math.floor(l / DEPTHS) >= COST_CAP || l % DEPTHS >= DEPTH_CAP) return `a state is ${DEPTH_CAP} transitions deep or more (the labels saturate)`;
    if (states === slotOf.length) throw new Error('internal: the shared table holds more states than it counted');
    slotOf[states] = i;
    label[states] = l;
    index[i] = ++states;
  }
  return { index, slotOf, label, count: states };
}

/** The logged edges reversed, as a compressed adjacency list over the dense states: state x's predecessors are src[count[x] .. count[x + 1]), at costs wt. */
function reversedEdges(logs: readonly Phase1Log[], index: Int32Array, states: number): { count: Int32Array; src: Int32Array; wt: Int32Array } {
  let m = 0;
  for (const g of logs) m += g.edgeCount;
  const count = new Int32Array(states + 1);
  for (const g of logs) countTargets(g.edges, g.edgeCount, index, count);
  for (let i = 0; i < states; i++) count[i + 1] += count[i];
  const fill = count.slice(0, states);
  const src = new Int32Array(m), wt = new Int32Array(m);
  for (const g of logs) fillSources(g.edges, g.edgeCount, index, fill, src, wt);
  return { count, src, wt };
}

function countTargets(edges: Int32Array, edgeCount: number, index: Int32Array, count: Int32Array): void {
  for (let e = 0; e < edgeCount; e++) count[index[edges[3 * e + 1]]]++;
}

function fillSources(edges: Int32Array, edgeCount: number, index: Int32Array, fill: Int32Array, src: Int32Array, wt: Int32Array): void {
  for (let e = 0; e < edgeCount; e++) {
    const k = fill[index[edges[3 * e + 1]] - 1]++;
    src[k] = index[edges[3 * e]] - 1;
    wt[k] = edges[3 * e + 2];
  }
}

/**
 * Marks in `on` (by slot) the states on a least path to one kind's violations, given as
 * (state, cost of the step to it) pairs: L(s) + D(s) equal to the least cost of one, D by
 * Dijkstra backwards (every edge costs at least one transition).
 */
function onLeastPaths(list: readonly number[], label: Float64Array, slotOf: Int32Array, count: Int32Array, src: Int32Array, wt: Int32Array, dist: Float64Array, heap: Heap, on: Uint8Array): void {
  let best = Infinity;
  for (let j = 0; j < list.length; j += 2) best = Math.min(best, label[list[j]] + list[j + 1]);
  dist.fill(Infinity);
  for (let j = 0; j < list.length; j += 2) {
    const u = list[j], w = list[j + 1];
    if (w < dist[u]) heap.push((dist[u] = w), u);
  }
  while (heap.size) {
    const d = heap.topKey, x = heap.pop();
    if (d > dist[x]) continue;
    if (label[x] + d === best) on[slotOf[x]] = 1;
    if (label[x] + d > best) continue;
    for (let k = count[x]; k < count[x + 1]; k++) {
      // A predecessor already past the least cost is on no least path: not queued at all.
      const y = src[k], nd = d + wt[k];
      if (nd < dist[y] && label[y] + nd <= best) heap.push((dist[y] = nd), y);
    }
  }
}

/**
 * Whether the graph of `states` states has a cycle (Kahn's algorithm, backwards: `preds` lists
 * each state's predecessors, from `start`): states whose successors are all peeled are peeled;
 * a cycle keeps its states.
 */
function hasCycle(states: number, start: Int32Array, preds: Int32Array): boolean {
  const succ = new Int32Array(states);
  for (let k = 0; k < preds.length; k++) succ[preds[k]]++;
  const queue = new Int32Array(states);
  let tail = 0;
  for (let i = 0; i < states; i++) if (succ[i] === 0) queue[tail++] = i;
  for (let q = 0; q < tail; q++) {
    const x = queue[q];
    for (let k = start[x]; k < start[x + 1]; k++) if (--succ[preds[k]] === 0) queue[tail++] = preds[k];
  }
  return tail < states;
}

/** A binary min-heap of (key, value) in typed arrays: `topKey` is the least key, `pop` returns its value. */
class Heap {
  private k = new Float64Array(1024);
  private v = new Int32Array(1024);
  size = 0;
  get topKey(): number {
    return this.k[0];
  }
  push(key: number, val: number): void {
    if (this.size === this.k.length) {
      const k = new Float64Array(this.size * 2), v = new Int32Array(this.size * 2);
      k.set(this.k);
      v.set(this.v);
      this.k = k;
      this.v = v;
    }
    const k = this.k, v = this.v;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= key) break;
      k[i] = k[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    v[i] = val;
  }
  pop(): number {
    const k = this.k, v = this.v;
    const top = v[0];
    const n = --this.size;
    const lk = k[n], lv = v[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && k[c + 1] < k[c]) c++;
      if (k[c] >= lk) break;
      k[i] = k[c];
      v[i] = v[c];
      i = c;
    }
    k[i] = lk;
    v[i] = lv;
    return top;
  }
}

/** Why a search with these options cannot run in two phases, or null when it can. */
export function notTwoPhase(opts: ExploreOptions): string | null {
  if (opts.strategy !== 'exhaustive') return 'the search has a preemption bound';
  if (opts.naive) return '--naive keeps no visited set to share';
  if (opts.por) return 'partial-order reduction (--por) stores sleep sets the threads would race on';
  if (opts.collectFinals || opts.coverage || opts.observe) return 'final states, outcomes or coverage need every state seen by one search';
  if (opts.resume || opts.checkpoint || opts.visited === 'map') return 'a checkpointed search';
  return null;
}

/**
 * The two-phase search. `runPhase1` runs phase1Parts on every thread (this one among them) and
 * returns their logs. A string when it cannot be taken: why (the header says when).
 */
export async function exploreTwoPhase(spec: Spec, opts: ExploreOptions, runPhase1: (job: Phase1Job) => Promise<Phase1Log[]>): Promise<ExploreResult | string> {
  const not = notTwoPhase(opts);
  if (not) return not;
  const now = opts.now ?? Date.now;
  const t0 = now();
  opts = { ...opts, startedAt: opts.startedAt ?? t0 };
  const split = splitSearch(spec, opts);
  if (split.top.limit) return split.top.limit;
  const maxSlots = Math.floor(((opts.maxMemory ?? 8192) * 1024 * 1024) / 2 / SLOT_BYTES);
  for (let slots = Math.min(FIRST_SLOTS, maxSlots); ; slots = Math.min(slots * 4, maxSlots)) {
    const table = SharedTable.create(slots);
    const top = phase1Top(spec, opts, table, split.depth);
    let logs = [top.log];
    if (!top.log.limit) {
      const job: Phase1Job = { table: table.table, counter: table.counter, next: new SharedArrayBuffer(4), executions: new SharedArrayBuffer(8), roots: top.roots };
      logs = [top.log, ...(await runPhase1(job))];
    }
    const limit = logs.find((g) => g.limit)?.limit;
    if (limit === 'the shared table is full' && slots < maxSlots) continue;
    if (limit) return limit;
    const on = leastPaths(table, logs, spec.properties.deadlock);
    if (typeof on === 'string') return on;
    // Phase 2: the single search, entering only the states on a least path.
    const dfs = new Dfs(new Machine(spec), opts, Infinity, { executions: 0, nodes: 0 }, budgetOf(opts), undefined, undefined, {
      only: (key) => {
        const i = table.slotOf(key);
        return i >= 0 && on[i] === 1;
      },
    });
    const limit2 = dfs.run();
    if (limit2) return limit2;
    const states = table.size;
    const ms = now() - t0;
    // Up to symmetry the least paths lead to each kind's best violation, charged to whichever
    // member its representative gives it; every other member takes it, swapped (orbit.ts).
    const list = shareWitnesses(spec, dfs.symmetric, dfs.findings.list());
    return {
      verdict: list.some((f) => !f.violation.benign) ? 'unsafe' : 'safe',
      complete: true,
      bound: null,
      findings: list,
      stats: {
        executions: dfs.executions,
        states,
        pruned: dfs.pruned,
        maxDepth: dfs.maxDepth,
        ms,
        rate: ms > 0 ? Math.round((states / ms) * 1000) : states,
        collision: (states * states) / 2 ** 65,
        ...(dfs.symmetric.length ? { symmetry: dfs.symmetric } : {}),
        twoPhase: { parts: top.roots.length, depth: split.depth, witnessStates: dfs.visited.size + 1 },
      },
      limit: undefined,
    };
  }
}
