/**
 * The explorer: deterministic depth-first search over the machine's transitions.
 *
 * Strategies (one small interface, `Strategy`):
 * - `bounded`: iterative preemption bounding as in CHESS (Musuvathi & Qadeer, PLDI'07):
 *   bound 0, 1, 2, ... until a bound cuts nothing (the space is exhausted: complete) or the
 *   spec's/CLI's `bound` is reached (bounded at k). The default for `check`.
 * - `exhaustive`: one search without a bound.
 * - `random`: seeded random walks (each transition chosen uniformly), for specs too large to
 *   exhaust: finds violations or says nothing (never `safe`). Same seed, same walks.
 * - `replay`: follows one schedule (src/explore/schedule.ts) and records its trace.
 * Reduction (default on, off with --naive): a visited set of state fingerprints that keeps,
 * per state, the fewest preemptions it was reached with; a state reached again with no fewer
 * preemptions is pruned. Sound because the fingerprint covers the whole state (memory with
 * provenance, every task's registers, the model state), so the subtree below is the same.
 */
import { Machine, Snapshot, TraceEvent } from '../model/machine.js';
import type { Spec } from '../spec/types.js';
import { signature, Violation } from '../check/violation.js';
import { checkAssertions } from '../check/assertions.js';
import { formatSchedule, parseSchedule } from './schedule.js';

export interface ExploreLimits {
  maxStates?: number;
  /** Milliseconds. */
  maxTime?: number;
  /** Megabytes of heap. */
  maxMemory?: number;
}

export interface ExploreOptions extends ExploreLimits {
  strategy: 'bounded' | 'exhaustive' | 'random';
  /** random: executions to run (default 1000) and the seed of the walk (default 1). */
  executions?: number;
  seed?: number;
  /** Highest preemption bound for `bounded` (default: until exhausted). */
  bound?: number;
  naive: boolean;
  /** Keep every violating schedule (for --all). */
  all?: boolean;
  /** Heap in use, in bytes (injected: nothing below the CLI touches `process`). */
  heapUsed?: () => number;
  now?: () => number;
  /** Collect fingerprints of final states (tests compare naive and reduced searches). */
  collectFinals?: boolean;
  /** Called every few thousand states with the running totals (progress display). */
  onProgress?: (p: { bound: number | null; states: number; executions: number; violations: number }) => void;
  /** Called for every violating schedule as it is found (for --all streaming). */
  onViolation?: (f: FoundSchedule) => void;
}

export interface FoundSchedule {
  violation: Violation;
  schedule: string;
  preemptions: number;
  steps: number;
}

export interface Finding extends FoundSchedule {
  /** Violating schedules with this signature that the search executed. */
  schedules: number;
}

export interface ExploreStats {
  executions: number;
  states: number;
  pruned: number;
  maxDepth: number;
  ms: number;
  /** States per second. */
  rate: number;
}

export interface ExploreResult {
  verdict: 'safe' | 'unsafe' | 'inconclusive';
  complete: boolean;
  /** The preemption bound of the last search (null: unbounded). */
  bound: number | null;
  findings: Finding[];
  stats: ExploreStats;
  /** Why the search stopped early, if it did. */
  limit?: string;
  finals?: Set<string>;
}

class LimitHit extends Error {}

/** One search strategy: explores from the machine's initial state. */
export interface Strategy {
  readonly name: string;
  run(machine: Machine, opts: ExploreOptions): ExploreResult;
}

class Dfs {
  readonly findings = new Map<string, Finding>();
  /** Per fingerprint: fewest preemptions, then fewest transitions, it was explored with. */
  readonly visited = new Map<string, { cost: number; depth: number }>();
  readonly finals = new Set<string>();
  executions = 0;
  nodes = 0;
  pruned = 0;
  maxDepth = 0;
  cut = false;
  limit?: string;
  private path: string[] = [];
  /** Fingerprints of the states on the current path, and the transitions enabled in each. */
  private stackFp: string[] = [];
  private stackTrans: ReturnType<Machine['transitions']>[] = [];
  private onStack = new Map<string, number>();
  private readonly t0: number;

  constructor(readonly m: Machine, readonly opts: ExploreOptions, readonly bound: number, readonly stats0: { executions: number; nodes: number }, t0: number) {
    this.t0 = t0;
  }

  private checkLimits(): void {
    const o = this.opts;
    const states = this.opts.naive ? this.stats0.nodes + this.nodes : this.visited.size;
    if (o.maxStates !== undefined && states >= o.maxStates) throw new LimitHit(`max-states ${o.maxStates} reached`);
    if ((this.nodes & 4095) === 0 && o.onProgress) {
      o.onProgress({ bound: this.bound === Infinity ? null : this.bound, states, executions: this.stats0.executions + this.executions, violations: this.findings.size });
    }
    if ((this.nodes & 255) === 0) {
      const now = (o.now ?? Date.now)();
      if (o.maxTime !== undefined && now - this.t0 >= o.maxTime) throw new LimitHit(`max-time ${o.maxTime} ms reached`);
      if (o.maxMemory !== undefined && o.heapUsed && o.heapUsed() >= o.maxMemory * 1024 * 1024) throw new LimitHit(`max-memory ${o.maxMemory} MB reached`);
    }
  }

  record(v: Violation, cost: number): void {
    this.executions++;
    const found: FoundSchedule = { violation: v, schedule: formatSchedule(this.path), preemptions: cost, steps: this.path.length };
    // Iterative bounding re-executes cheaper schedules; each is streamed once, at its own bound.
    if (this.bound === Infinity || cost === this.bound) this.opts.onViolation?.(found);
    const key = signature(v);
    const prev = this.findings.get(key);
    if (!prev) {
      this.findings.set(key, { ...found, schedules: 1 });
      return;
    }
    prev.schedules++;
    if (cost < prev.preemptions || (cost === prev.preemptions && found.steps < prev.steps)) {
      Object.assign(prev, found);
    }
  }

  /**
   * A cycle back to a state on the current path is an execution that can run forever. It is a
   * livelock (reported as deadlock/livelock) when it is weakly fair: every transition enabled
   * in all states of the cycle is taken in it. An unfair cycle (a hart that could move, or a
   * stopper that could take its hart, but never does) is not a behaviour of a real machine,
   * whose scheduler and harts make progress, and is simply cut.
   */
  private cycle(fp: string, cost: number): void {
    const j = this.onStack.get(fp)!;
    const taken = new Set(this.path.slice(j));
    let always = new Set(this.stackTrans[j].map((t) => t.token));
    for (const trans of this.stackTrans.slice(j + 1)) always = new Set(trans.map((t) => t.token).filter((t) => always.has(t)));
    for (const t of always) if (!taken.has(t)) return;
    this.record(this.m.livelock(this.path.length - j), cost);
  }

  search(cost: number, fp?: string): void {
    this.nodes++;
    if (this.path.length > this.maxDepth) this.maxDepth = this.path.length;
    this.checkLimits();
    const m = this.m;
    const trans = m.transitions();
    if (fp !== undefined) {
      this.onStack.set(fp, this.stackFp.length);
      this.stackFp.push(fp);
      this.stackTrans.push(trans);
    }
    try {
      this.children(cost, trans);
    } finally {
      if (fp !== undefined) {
        this.onStack.delete(fp);
        this.stackFp.pop();
        this.stackTrans.pop();
      }
    }
  }

  private children(cost: number, trans: ReturnType<Machine['transitions']>): void {
    const m = this.m;
    if (trans.length === 0) {
      if (m.allDone()) {
        this.executions++;
        if (this.opts.collectFinals) this.finals.add(m.fingerprint());
        for (const v of checkAssertions(m)) this.record(v, cost);
      } else if (m.spec.properties.deadlock) {
        this.record(m.deadlock(), cost);
      } else this.executions++;
      return;
    }
    // Only the transitions within the bound are taken: a snapshot is needed when two or more
    // are, and the last one to restore takes the snapshot over instead of copying it.
    let taken = 0, last = -1;
    for (let i = 0; i < trans.length; i++) {
      if (cost + trans[i].cost <= this.bound) {
        taken++;
        last = i;
      }
    }
    const snap: Snapshot | null = taken > 1 ? m.save() : null;
    let firstChild = true;
    for (let i = 0; i < trans.length; i++) {
      const tr = trans[i];
      const c = cost + tr.cost;
      if (c > this.bound) {
        this.cut = true;
        continue;
      }
      if (!firstChild) m.load(snap!, i === last);
      firstChild = false;
      this.path.push(tr.token);
      const out = m.apply(tr.token);
      if (out.kind === 'violation') this.record(out.violation, c);
      else if (out.kind === 'limit') throw new LimitHit(out.reason);
      else if (out.kind === 'end') this.executions++;
      else if (this.opts.naive) this.search(c);
      else {
        const fp = m.fingerprint();
        const prev = this.visited.get(fp);
        if (this.onStack.has(fp)) {
          if (m.spec.properties.deadlock) this.cycle(fp, c);
          this.pruned++;
        } else if (prev !== undefined && prev.cost <= c && (prev.cost < c || prev.depth <= this.path.length)) {
          this.pruned++;
        } else {
          this.visited.set(fp, { cost: c, depth: this.path.length });
          this.search(c, fp);
        }
      }
      this.path.pop();
    }
  }
}

function runSearch(spec: Spec, opts: ExploreOptions, bounds: number[], unbounded: boolean): ExploreResult {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const totals = { executions: 0, nodes: 0 };
  let pruned = 0, maxDepth = 0, states = 0;
  let last: Dfs | undefined;
  let complete = false;
  let limit: string | undefined;
  let bound: number | null = null;
  const finals = new Set<string>();
  for (const b of unbounded ? [Infinity] : bounds) {
    const m = new Machine(spec);
    const dfs = new Dfs(m, opts, b, totals, t0);
    bound = b === Infinity ? null : b;
    try {
      dfs.search(0, opts.naive ? undefined : m.fingerprint());
    } catch (e) {
      if (!(e instanceof LimitHit)) throw e;
      limit = e.message;
    }
    totals.executions += dfs.executions;
    totals.nodes += dfs.nodes;
    pruned += dfs.pruned;
    maxDepth = Math.max(maxDepth, dfs.maxDepth);
    states = opts.naive ? totals.nodes : Math.max(states, dfs.visited.size + 1);
    // Keep the findings of lower bounds too (a limit may cut a later search short).
    if (last) for (const [k, f] of last.findings) if (!dfs.findings.has(k)) dfs.findings.set(k, f);
    for (const f of dfs.finals) finals.add(f);
    last = dfs;
    if (limit) break;
    if (!dfs.cut) {
      complete = true;
      break;
    }
  }
  const ms = now() - t0;
  const findings = [...last!.findings.values()].sort((a, b) => a.preemptions - b.preemptions || a.steps - b.steps || a.schedule.localeCompare(b.schedule));
  // A search cut short by a limit, or by the highest preemption bound, proves nothing safe.
  const verdict = findings.length > 0 ? 'unsafe' : limit || !complete ? 'inconclusive' : 'safe';
  if (!limit && !complete && findings.length === 0) limit = `no violation with at most ${bound} preemption${bound === 1 ? '' : 's'} (bounded at ${bound})`;
  return {
    verdict,
    complete: complete && !limit,
    bound,
    findings,
    stats: { executions: totals.executions, states, pruned, maxDepth, ms, rate: ms > 0 ? Math.round((states / ms) * 1000) : states },
    limit,
    finals: opts.collectFinals ? finals : undefined,
  };
}

export const boundedStrategy: Strategy = {
  name: 'bounded',
  run(machine, opts) {
    const max = opts.bound ?? 64;
    const bounds = Array.from({ length: max + 1 }, (_, i) => i);
    return runSearch(machine.spec, opts, bounds, false);
  },
};

export const exhaustiveStrategy: Strategy = {
  name: 'exhaustive',
  run(machine, opts) {
    return runSearch(machine.spec, opts, [], true);
  },
};

/** xorshift32: a small deterministic generator (walks must be reproducible from the seed). */
function rng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export const randomStrategy: Strategy = {
  name: 'random',
  run(machine, opts) {
    const now = opts.now ?? Date.now;
    const t0 = now();
    const rand = rng(opts.seed ?? 1);
    const runs = opts.executions ?? 1000;
    const findings = new Map<string, Finding>();
    let executions = 0, steps = 0, maxDepth = 0;
    let limit: string | undefined;
    const record = (v: Violation, path: string[], cost: number) => {
      const found: FoundSchedule = { violation: v, schedule: formatSchedule(path), preemptions: cost, steps: path.length };
      opts.onViolation?.(found);
      const key = signature(v);
      const prev = findings.get(key);
      if (!prev) findings.set(key, { ...found, schedules: 1 });
      else {
        prev.schedules++;
        if (cost < prev.preemptions || (cost === prev.preemptions && found.steps < prev.steps)) Object.assign(prev, found);
      }
    };
    const spec = machine.spec;
    walks: for (let i = 0; i < runs; i++) {
      const m = new Machine(spec);
      const path: string[] = [];
      let cost = 0;
      for (;;) {
        if (opts.maxTime !== undefined && now() - t0 >= opts.maxTime) {
          limit = `max-time ${opts.maxTime} ms reached`;
          break walks;
        }
        const trans = m.transitions().filter((t) => opts.bound === undefined || cost + t.cost <= opts.bound);
        if (trans.length === 0) {
          executions++;
          if (m.transitions().length > 0) break; // only the bound stops this walk
          if (m.allDone()) for (const v of checkAssertions(m)) record(v, path, cost);
          else if (spec.properties.deadlock) record(m.deadlock(), path, cost);
          break;
        }
        const tr = trans[Math.floor(rand() * trans.length)];
        path.push(tr.token);
        cost += tr.cost;
        steps++;
        maxDepth = Math.max(maxDepth, path.length);
        const out = m.apply(tr.token);
        if (out.kind === 'violation') {
          executions++;
          record(out.violation, path, cost);
          break;
        }
        if (out.kind === 'end') {
          executions++;
          break;
        }
        if (out.kind === 'limit') {
          limit = out.reason;
          break walks;
        }
        if (path.length > 100_000) {
          executions++;
          break; // a walk that does not end (a livelock is not detected by random walks)
        }
      }
    }
    const ms = now() - t0;
    const list = [...findings.values()].sort((a, b) => a.preemptions - b.preemptions || a.steps - b.steps || a.schedule.localeCompare(b.schedule));
    return {
      verdict: list.length ? 'unsafe' : 'inconclusive',
      complete: false,
      bound: opts.bound ?? null,
      findings: list,
      stats: { executions, states: steps, pruned: 0, maxDepth, ms, rate: ms > 0 ? Math.round((steps / ms) * 1000) : steps },
      limit: limit ?? `random walks: ${list.length ? `${list.length} violation${list.length === 1 ? '' : 's'}` : 'no violation'} in ${executions} executions (seed ${opts.seed ?? 1})`,
    };
  },
};

/** Explores a spec with the chosen strategy. */
export function explore(spec: Spec, opts: ExploreOptions): ExploreResult {
  const strategy = opts.strategy === 'exhaustive' ? exhaustiveStrategy : opts.strategy === 'random' ? randomStrategy : boundedStrategy;
  return strategy.run(new Machine(spec), opts);
}

export interface ReplayResult {
  trace: TraceEvent[];
  violation?: Violation;
  /** The run ended with every task done (and no violation). */
  finished: boolean;
  /** Transitions still possible after the schedule, when it stopped short. */
  next: string[];
  machine: Machine;
  preemptions: number;
}

/** Replays a schedule exactly, recording the trace. Throws Error for a schedule that does not fit. */
export function replay(spec: Spec, schedule: string): ReplayResult {
  const tokens = parseSchedule(schedule);
  const m = new Machine(spec);
  m.trace = [];
  let preemptions = 0;
  for (const [i, tok] of tokens.entries()) {
    const trans = m.transitions();
    const tr = trans.find((t) => t.token === tok);
    if (!tr) {
      throw new Error(`schedule step ${i + 1} '${tok}' is not possible here (possible: ${trans.map((t) => t.token).join(', ') || 'none'})`);
    }
    preemptions += tr.cost;
    const out = m.apply(tok);
    if (out.kind === 'violation') {
      if (i !== tokens.length - 1) throw new Error(`schedule step ${i + 1} already ends in a violation; ${tokens.length - i - 1} steps left over`);
      return { trace: m.trace, violation: out.violation, finished: false, next: [], machine: m, preemptions };
    }
    if (out.kind === 'limit') throw new Error(out.reason);
    if (out.kind === 'end') {
      if (i !== tokens.length - 1) throw new Error(`schedule step ${i + 1} ends the execution (${out.reason}); ${tokens.length - i - 1} steps left over`);
      return { trace: m.trace, finished: false, next: [], machine: m, preemptions };
    }
  }
  const next = m.transitions();
  if (next.length === 0) {
    if (m.allDone()) {
      const v = checkAssertions(m)[0];
      return { trace: m.trace, violation: v, finished: !v, next: [], machine: m, preemptions };
    }
    return { trace: m.trace, violation: m.deadlock(), finished: false, next: [], machine: m, preemptions };
  }
  return { trace: m.trace, finished: false, next: next.map((t) => t.token), machine: m, preemptions };
}
