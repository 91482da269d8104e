/**
 * Depth-first search over an explicit frontier (loom's Path): a stack of plain frames, each the
 * transitions enabled at that depth and the index of the next one to try, with the snapshot to
 * come back to. No recursion, so depth is bounded by memory, not the JS call stack; a limit
 * stops the loop and is returned as a value.
 *
 * Reduction (default on, off with --naive): the visited set (visited.ts). Cycles back to a
 * state on the current path are found through the fingerprints of the frames, in both modes.
 */
import type { Model, Transition } from '../model/model.js';
import type { Violation } from '../check/violation.js';
import { formatSchedule } from './schedule.js';
import type { Budget } from './budget.js';
import { Findings } from './findings.js';
import { Probes } from './probes.js';
import { MapVisited, VisitedSet } from './visited.js';
import { DEPTHS, FpSet } from './fpset.js';
import type { ExploreOptions } from './strategy.js';
import type { AsleepState, DfsState } from './checkpoint.js';
import { Asleep, independent, indexMask, sleepMask, sleepRanks } from './por.js';
import { agentOf, Components, staleView, type Component, type SccNode } from './scc.js';

interface Frame<S> {
  trans: Transition[];
  /** Next transition to try. */
  next: number;
  /** The last transition within the bound: its restore takes the snapshot over. */
  last: number;
  cost: number;
  snap: S | null;
  /** A child has run from this frame (the model is no longer in this frame's state). */
  moved: boolean;
  /** Exact name of the frame's state (Model.exact): the path's states, for cycles. */
  fp?: string;
  /** Its fingerprint up to symmetry (symmetric search only). */
  key?: string;
  /** Partial-order reduction (por.ts): indices of `trans` not taken here (asleep, or explored on an earlier visit). */
  skip: number;
  /** Transitions asleep on entry, and those taken from this frame so far. */
  sleep?: Asleep[];
  done?: Asleep[];
  /** The sleep mask (by rank) this state was entered with: what no visit of it may have explored. */
  stored?: number;
  /** A state passed through (Model.passThrough): not a visited state; `skip` leaves only its task's steps. */
  pass?: boolean;
  /** Its instance in the graph whose components judge livelocks (scc.ts), when they are judged. */
  scc?: SccNode;
  /** Its slot in the table of a two-phase search's phase 1 (explore/shared.ts). */
  slot?: number;
}

/** An asleep transition as a checkpoint keeps it (plain data). */
const asleepState = (a: Asleep): AsleepState => ({ t: { token: a.t.token, kind: a.t.kind, hart: a.t.hart, task: a.t.task, choice: a.t.choice, cost: a.t.cost }, fp: a.fp });

/** What partial-order reduction hands enter(): the state's transitions, which to skip, and its sleep set. */
interface PorEntry {
  trans: Transition[];
  skip: number;
  sleep: Asleep[];
  stored: number;
}

/** Totals carried across the searches of iterative bounding. */
export interface Totals {
  executions: number;
  nodes: number;
}

/** Largest visited set a JS Map can hold (V8: 2^24 entries). */
const MAP_MAX = (1 << 24) - 1;
/** States a part searches in all, judging components through its prefix, to see whether an edge out of them returns (Dfs.prefixJudge). */
const PREFIX_REACH = 100_000;
const MAP_FULL = `visited set full (${MAP_MAX} states): use --max-states or --naive`;

/** The visited set: the compact fingerprint table, or the Map it is checked against (opts.visited). */
function visitedSet(opts: ExploreOptions, saved?: DfsState['visited']): VisitedSet {
  // Typed arrays live outside the JS heap that --max-memory watches: give the table half of it.
  const bytes = ((opts.maxMemory ?? 8192) * 1024 * 1024) / 2;
  if (saved?.kind === 'map') return MapVisited.restore(saved);
  if (saved?.kind === 'fpset') return FpSet.restore(saved, bytes);
  if (opts.visited === 'map') return new MapVisited();
  return new FpSet(bytes);
}

/**
 * One piece of a partitioned search (explore/partition.ts). `prefix`: the path from the
 * initial state to the part's root, replayed before the search; its states stay on the stack
 * (exhausted frames), so a cycle back through them is still found. `horizon`: the top of a
 * split, where a state `depth` transitions deep is not entered but handed to `root`.
 */
export interface PartPlan {
  prefix?: readonly string[];
  horizon?: { depth: number; root(path: string[], cost: number): void };
  /** Phase 1 of a two-phase search (explore/shared.ts): the table of all threads, and what to log to it. */
  shared?: SharedPlan;
  /** Phase 2 of it: the states the search may enter (the others are pruned). */
  only?: (key: string) => boolean;
}

/**
 * A search over the table every thread of a two-phase search's phase 1 shares: it logs each
 * edge it examines between two states (their slots, and the edge's cost: preemptions times
 * DEPTHS plus transitions) and each violation with the state it leaves from, and
 * judges no livelock (it does not see whole stacks: explore/shared.ts does without).
 */
export interface SharedPlan {
  visited: VisitedSet & { readonly last: number; slotOf(fp: string): number };
  log: { edge(from: number, to: number, w: number): void; violation(from: number, v: Violation, w: number): void; readonly kinds: number };
  /** The progress display's random probes, over the shared table (one sample for all of this thread's parts). */
  probes?: Probes;
}

/**
 * The skip mask of a state passed through for hart h (Model.passThrough): every transition but
 * h's steps (-1: it is not passed through after all — none of them, or too many transitions
 * for a mask). The random probes follow the same rule (explore/probes.ts).
 */
export function passMask(trans: readonly Transition[], h: number): number {
  if (trans.length > 31) return -1;
  let skip = 0, steps = 0;
  for (let i = 0; i < trans.length; i++) {
    if (trans[i].kind === 'step' && trans[i].hart === h) steps++;
    else skip |= 1 << i;
  }
  return steps > 0 ? skip : -1;
}

/** Whether a search of model m with these options keys states up to symmetry (Dfs.sym). */
export function upToSymmetry(m: Model<unknown>, opts: ExploreOptions): boolean {
  return !opts.naive && opts.symmetry !== false && m.symmetric.length > 0;
}

/** Between two transitions: write a checkpoint of this search (and go on), or write one and stop. */
export interface DfsCheckpoints {
  due(): 'write' | 'stop' | null;
  write(s: DfsState): void;
  stopped(): string;
}

export class Dfs<S> {
  readonly findings = new Findings();
  readonly visited: VisitedSet;
  readonly finals = new Set<string>();
  /** Outcome name -> executions (with opts.observe). */
  readonly outcomes = new Map<string, number>();
  executions = 0;
  nodes = 0;
  pruned = 0;
  maxDepth = 0;
  /** Some transition was beyond the bound. */
  cut = false;
  private readonly path: string[] = [];
  private readonly stack: Frame<S>[] = [];
  private readonly onStack = new Map<string, number>();
  /** Symmetric search: the frame of each fingerprint up to symmetry on the path (at most one each). */
  private readonly onStackKey = new Map<string, number>();
  /** The visited set keys states up to symmetry (model/symmetry.ts); cycles are still found on exact fingerprints. */
  private readonly sym: boolean;
  /** The groups used, by task name (empty: no symmetry reduction). */
  readonly symmetric: string[][];
  /**
   * Sleep-set reduction is on (opts.por, in a search that is not the top of a split; a part
   * starts at its root with nothing asleep, a resumed search with the sleep sets saved). Under a
   * preemption bound too: independent transitions keep each other's cost (model/sched.ts), so
   * a Mazurkiewicz trace has one cost (docs/semantics.md, "Preemption bounding").
   * With --naive it is the stateless sleep-set search: one complete execution per Mazurkiewicz
   * trace of the independence relation (por.ts).
   */
  readonly por: boolean;
  /** Transitions not taken because they were asleep when their state was first entered. */
  slept = 0;
  /** Why the reduced search gave up its reduction (the caller searches again without it). */
  porAbandoned: string | null = null;
  /**
   * Why the search up to symmetry gave itself up (the caller searches again without it): a
   * cycle through a permuted image of a state, whose transitions do not compare as they are.
   */
  symAbandoned: string | null = null;
  /**
   * Livelocks are judged on strongly connected components (scc.ts) when the spec reports them.
   * `unjudged`: why some component was not judged (one through a part's prefix whose other
   * edges may come back, prefixJudge; one past latestComponents' budget): said beside the verdict.
   */
  private readonly comps: Components | null;
  unjudged: string | null = null;
  /** Phase 1 of a two-phase search: the shared table's plan; the slot of the state about to be entered; a leaf's slot while it is judged. */
  private readonly shared: SharedPlan | null;
  private pending = -1;
  private leafSlot = -1;
  /** The initial state, to replay a path to the root of a livelock's component. */
  private init: S | null = null;
  /** States a part may search, over all its prefix judgements, to see whether an edge comes back (prefixJudge). */
  private reachLeft = PREFIX_REACH;
  /**
   * Call starts are passed through (Model.passThrough): on by default, off in the naive search
   * (the reference every reduction is compared with).
   */
  readonly fuse: boolean;
  /**
   * With sleep sets, a persistent transition is searched alone where the model names one
   * (Model.persistent). Not without them: it keeps every outcome but not the shortest
   * schedule to each (a violation while exits are pending is reached after them).
   */
  readonly exits: boolean;
  /**
   * The progress display's random probes (explore/probes.ts): a search of the whole space with
   * a visited set and no sleep sets (with them, states reachable only in an order left asleep
   * are never stored, so the probes' share would not reach 1).
   */
  private readonly probes: Probes | null;

  constructor(
    private readonly m: Model<S>,
    private readonly opts: ExploreOptions,
    private readonly bound: number,
    private readonly totals: Totals,
    private readonly budget: Budget,
    private readonly checkpoints?: DfsCheckpoints,
    private readonly resumed?: DfsState,
    private readonly part?: PartPlan,
  ) {
    this.visited = part?.shared?.visited ?? visitedSet(opts, resumed?.visited);
    this.shared = part?.shared ?? null;
    this.sym = upToSymmetry(m, opts);
    this.symmetric = this.sym ? m.symmetric.map((g) => [...g]) : [];
    this.por = !!opts.por && !part?.horizon;
    this.fuse = !opts.naive && opts.fusion !== false;
    this.exits = this.por && !opts.naive && opts.persistent !== false;
    this.comps = m.reportsDeadlock && !this.shared ? new Components(m.eventualFetch) : null;
    const now = opts.now ?? Date.now;
    this.probes = part?.shared
      ? part.shared.probes ?? null
      : opts.onProgress && !opts.naive && !this.por && !part
        ? new Probes(() => m.fresh(), this.sym, this.fuse ? passMask : null, bound, now, now(), opts.probeShare)
        : null;
  }

  /** The key pruned edges find a state's instance by: none in the naive search (it prunes nothing). */
  private sccKey(fp: string | undefined, key: string | undefined): string | undefined {
    return this.opts.naive ? undefined : key ?? fp;
  }

  /**
   * The skip mask that leaves only a persistent transition of `trans` (Model.persistent), the
   * one of least rank (`ranks`: the same choice in every state of one key, as a visit again
   * must make it); 0 when there is none or the reduction is off.
   */
  private persistentSkip(trans: readonly Transition[], ranks: Int8Array): number {
    if (!this.exits || trans.length > 31) return 0;
    const alone = this.m.persistent(trans);
    if (alone.length === 0) return 0;
    let i = alone[0];
    for (const j of alone) if (ranks[j] < ranks[i]) i = j;
    return ~(1 << i) & ((1 << trans.length) - 1);
  }

  /**
   * Passes through the model's current state for hart h (passHart): a frame whose only
   * transitions are the steps of h's task, without the visited set, a fingerprint or a name on
   * the path (no cycle passes through it). Returns false when it is not (h < 0, or it cannot be).
   */
  private passThrough(h: number, cost: number, asleep: Asleep[] | undefined): boolean {
    if (h < 0) return false;
    const m = this.m;
    const trans = m.transitions();
    let skip = passMask(trans, h);
    if (skip < 0) return false;
    if (this.path.length > this.maxDepth) this.maxDepth = this.path.length;
    // With sleep sets: what sleeps here sleeps on (the task's own steps never do: they depend
    // on the call just taken), and what is taken here is done for the steps after it.
    const sleep = asleep ? asleep.filter((a) => trans.some((t) => t.token === a.t.token)) : undefined;
    if (sleep) for (let i = 0; i < trans.length; i++) if (sleep.some((a) => a.t.token === trans[i].token)) skip |= 1 << i;
    const [first, last] = this.within(trans, cost, skip);
    const frame: Frame<S> = { trans, next: 0, last, cost, snap: first < last ? m.save() : null, moved: false, skip, pass: true };
    if (this.comps) frame.scc = this.comps.open(trans, undefined, undefined);
    if (sleep) {
      frame.sleep = sleep;
      frame.done = [];
      frame.stored = 0;
    }
    this.stack.push(frame);
    return true;
  }

  /**
   * The name a state on the path is kept under, to find cycles: Model.exact in a search keyed
   * up to symmetry, the fingerprint itself otherwise (--naive, --no-symmetry), which is what
   * every arrival is compared with there.
   */
  private pathName(): string {
    return this.sym ? this.m.exact() : this.m.fingerprint();
  }

  /**
   * Phase 1: the state being expanded — the nearest frame with a slot (passed-through frames
   * have none) — and the cost from it to the end of the path, reached at preemptions c
   * (preemptions times DEPTHS plus transitions).
   */
  private owner(c: number): [number, number] {
    for (let j = this.stack.length - 1; j >= 0; j--) {
      const f = this.stack[j];
      if (f.slot !== undefined) return [f.slot, (c - f.cost) * DEPTHS + this.path.length - j];
    }
    throw new Error('internal: a two-phase search logs an edge from no state');
  }

  /** Phase 1: logs the edge from the state being expanded to `slot`, reached at preemptions c. */
  private logEdge(slot: number, c: number): void {
    const [from, w] = this.owner(c);
    this.shared!.log.edge(from, slot, w);
  }

  /** One more execution explored to its end (a violation, a final state, a stop). */
  private executed(): void {
    this.executions++;
    this.opts.onExecution?.(this.path);
  }

  private record(v: Violation, cost: number): void {
    this.executed();
    this.note(v, cost);
  }

  /** A benign finding: reported with its schedule so far; the execution goes on. */
  private note(v: Violation, cost: number): void {
    if (this.shared) {
      // Phase 1 logs the violation and keeps no finding: phase 2 finds the witnesses.
      const [from, w] = this.leafSlot >= 0 ? [this.leafSlot, 0] : this.owner(cost);
      this.shared.log.violation(from, v, w);
      return;
    }
    // Iterative bounding re-executes cheaper schedules; each is streamed once, at its own bound.
    if (this.opts.onViolation && (this.bound === Infinity || cost === this.bound)) {
      const found = { violation: v, schedule: formatSchedule(this.path), preemptions: cost, steps: this.path.length };
      this.opts.onViolation(found);
      this.findings.record(found);
    } else this.findings.recordLazy(v, cost, this.path.length, () => formatSchedule(this.path));
  }

  /** Enters the model's current state: a leaf is judged at once, anything else becomes a frame. */
  private enter(cost: number, fp: string | undefined, key?: string, por?: PorEntry): string | null {
    this.nodes++;
    if (this.path.length > this.maxDepth) this.maxDepth = this.path.length;
    const states = this.opts.naive ? this.totals.nodes + this.nodes : this.visited.size;
    if ((this.nodes & 4095) === 0 && this.opts.onProgress) {
      const probes = this.probes?.measure((k) => this.visited.has(k)) ?? undefined;
      this.opts.onProgress({ bound: this.bound === Infinity ? null : this.bound, states, executions: this.totals.executions + this.executions, violations: this.shared ? this.shared.log.kinds : this.findings.size, done: this.opts.naive ? this.fractionDone() : undefined, probes });
    }
    const limit = this.budget.exceeded(states);
    if (limit) return limit;
    const m = this.m;
    const trans = por ? por.trans : m.transitions();
    if (trans.length === 0) {
      if (this.shared) this.leafSlot = this.pending;
      const term = m.terminal();
      if (term.kind === 'done') {
        this.executed();
        if (this.opts.collectFinals) this.finals.add(m.canonical(true)); // up to symmetry: comparable with any search
        if (this.opts.observe) {
          const o = this.opts.observe(term.final);
          this.outcomes.set(o, (this.outcomes.get(o) ?? 0) + 1);
        }
        for (const v of term.violations) this.record(v, cost);
      } else if (term.violation) this.record(term.violation, cost);
      else this.executed();
      this.leafSlot = -1;
      return null;
    }
    // Only the transitions within the bound are taken: a snapshot is needed when two or more
    // are, and the last one to restore takes the snapshot over instead of copying it.
    const skip = por ? por.skip : 0;
    const [first, last] = this.within(trans, cost, skip);
    if (fp !== undefined) this.onStack.set(fp, this.stack.length);
    if (key !== undefined) this.onStackKey.set(key, this.stack.length);
    const frame: Frame<S> = { trans, next: 0, last, cost, snap: first < last ? m.save() : null, moved: false, fp, key, skip };
    if (this.shared) frame.slot = this.pending;
    if (this.comps) frame.scc = this.comps.open(trans, this.sccKey(fp, key), fp);
    if (por) {
      frame.sleep = por.sleep;
      frame.done = [];
      frame.stored = por.stored;
    }
    this.stack.push(frame);
    return null;
  }

  /** The first and the last of `trans` within the bound from `cost` and not skipped (-1, -1: none is). */
  private within(trans: readonly Transition[], cost: number, skip = 0): [number, number] {
    let first = -1, last = -1;
    for (let i = 0; i < trans.length; i++) {
      if (cost + trans[i].cost > this.bound || (skip >>> i) & 1) continue;
      if (first < 0) first = i;
      last = i;
    }
    return [first, last];
  }

  /**
   * The uniform estimate of the tree behind the search: at each frame of the stack, the share
   * of its transitions already finished, scaled by the share of the frames above it.
   */
  private fractionDone(): number {
    let done = 0, scale = 1;
    for (const f of this.stack) {
      const n = f.trans.length;
      if (n === 0) break;
      const finished = f.moved ? Math.max(0, f.next - 1) : 0;
      done += (scale * finished) / n;
      scale /= n;
    }
    return Math.min(1, done);
  }

  /** Pops the top frame, everything below it searched: its component is judged if it is complete (a limit, or null). */
  private pop(): string | null {
    const n = this.stack.length;
    const f = this.stack[n - 1];
    const comp = f.scc ? this.comps!.close(f.scc, this.stack[n - 2]?.scc, this.path[n - 2]) : null;
    const limit = comp ? this.judge(comp, f) : null;
    this.stack.pop();
    if (f.fp !== undefined) this.onStack.delete(f.fp);
    if (f.key !== undefined) this.onStackKey.delete(f.key);
    if (this.stack.length > 0) this.path.pop();
    return limit;
  }

  /**
   * A complete component with an edge inside it, whose root is frame f (scc.ts). Fair: a
   * livelock, reported with a lasso through it as its witness (lasso). A
   * permuted edge inside it makes the search up to symmetry give itself up (its caller searches
   * again without it: bounded.ts, partition.ts); partial-order reduction gives itself up on any
   * cycle (its sleep sets may have cut the edges that make one fair).
   */
  private judge(comp: Component, f: Frame<S>): string | null {
    if (comp.permuted) {
      this.symAbandoned = 'a cycle returns to a permuted image of a state, and livelocks are judged on exact states';
      return `symmetry reduction given up: ${this.symAbandoned}`;
    }
    if (this.por) return this.abandon('the state graph has a cycle, and livelocks are judged on the whole graph');
    const whole = !comp.fair && comp.prefix ? this.prefixJudge(comp) : null;
    if (comp.fair || whole === 'fair') {
      this.replayPath();
      let loop = this.lasso(comp.names);
      if (!loop && this.m.eventualFetch) {
        // Every agent moves by a latest-view edge somewhere in it, but no walk from its root
        // keeps to them: the components of its latest-view edges alone decide.
        this.replayPath();
        const inner = this.latestComponents(comp.names);
        if (inner === 'none') return null;
        if (inner === null) {
          this.unjudged ??= 'a cycle that moves every hart only through fetches of older views was not judged (writes become visible to fetches eventually under this fetch model)';
          return null;
        }
        loop = inner;
      }
      // No walk otherwise would be a bug of lasso (every witness's replay is checked by the
      // property tests): the livelock is still reported, with the path to the component.
      if (!loop) {
        this.replayPath();
        loop = { tokens: [], cost: 0, states: comp.states };
      }
      const v = this.m.livelock(loop.states);
      const depth = this.path.length;
      this.path.push(...loop.tokens);
      this.record(v, f.cost + loop.cost);
      this.path.length = depth;
    } else if (whole === 'unknown') {
      this.unjudged ??= 'a cycle through the top of the split leaves what its part searched and may come back (search without --workers and --shard to judge it whole)';
    }
    return null;
  }

  /**
   * A livelock's witness goes on from its component's root (the model's state) around a fair
   * cycle: a walk among the component's states (`names`, by exact name) back to the root that
   * moves every agent (scc.ts agentOf) enabled in all the states it visits. Greedy, breadth
   * first: the nearest edge that moves an agent still owed, or the nearest state that disables
   * one, until none is owed, then the way back. Each leg settles at least one agent, so the walk
   * has at most as many legs as the root has agents, and replaying the witness shows the cycle
   * (explore/replay.ts). With eventual fetches (FetchModel.eventual) it keeps to latest-view
   * edges. Null if it finds no walk: without eventual fetches it always does (every state of a
   * strongly connected component reaches every other).
   */
  private lasso(names: Set<string>): { tokens: string[]; cost: number; states: number } | null {
    const m = this.m;
    const root = this.pathName();
    const enabled = () => new Set(m.transitions().map((t) => agentOf(t.token)));
    const eventual = m.eventualFetch;
    interface Node { snap: S; name: string; enabled: Set<string>; via: number; tok: string; cost: number }
    let at: Node = { snap: m.save(), name: root, enabled: enabled(), via: -1, tok: '', cost: 0 };
    const tokens: string[] = [];
    let cost = 0;
    const seen = new Set([root]);
    const owed = new Set(at.enabled);
    /** Breadth first from `at` to the first edge or state a goal accepts; the walk goes on along it. */
    const leg = (edgeGoal: (tok: string) => boolean, stateGoal: (n: Node) => boolean, target?: string): boolean => {
      const nodes: Node[] = [{ ...at, via: -1 }];
      const found = new Set([at.name]);
      for (let i = 0; i < nodes.length; i++) {
        m.load(nodes[i].snap);
        for (const tr of m.transitions()) {
          if (eventual && staleView(tr.token)) continue;
          m.load(nodes[i].snap);
          if (m.apply(tr).kind !== 'continue') continue;
          const name = this.pathName();
          const hit = edgeGoal(agentOf(tr.token)) || name === target;
          if (!names.has(name) || (!hit && found.has(name))) continue;
          found.add(name);
          const n: Node = { snap: m.save(), name, enabled: enabled(), via: i, tok: tr.token, cost: tr.cost };
          nodes.push(n);
          if (!hit && !stateGoal(n)) continue;
          const chain: Node[] = [];
          for (let k = nodes.length - 1; k > 0; k = nodes[k].via) chain.push(nodes[k]);
          for (const c of chain.reverse()) {
            tokens.push(c.tok);
            cost += c.cost;
            seen.add(c.name);
            for (const t of owed) if (!c.enabled.has(t)) owed.delete(t);
            owed.delete(agentOf(c.tok));
          }
          at = n;
          return true;
        }
      }
      return false;
    };
    while (owed.size > 0) if (!leg((tok) => owed.has(tok), (n) => [...owed].some((t) => !n.enabled.has(t)))) return null;
    if ((tokens.length === 0 || at.name !== root) && !leg(() => false, () => false, root)) return null;
    m.load(at.snap);
    return { tokens, cost, states: seen.size };
  }

  /**
   * A component through a part's prefix, unfair on the edges the part searched: the prefix's
   * states have edges the part did not take (other parts search them). Each such edge is
   * followed: into one of the component's states, it moves its agent inside; elsewhere, a
   * breadth-first search from its state (within the part's budget for it, PREFIX_REACH) tells
   * whether it comes back. If no edge comes back through states the part never saw, the
   * component is the whole component of the graph and the judgement is exact: 'fair' or
   * 'unfair'. 'unknown' leaves it to the caveat beside the verdict.
   */
  private prefixJudge(comp: Component): 'fair' | 'unfair' | 'unknown' {
    const m = this.m;
    const owed = new Set(comp.owed);
    const members = new Set(comp.members);
    // One replay of the path: each prefix state's snapshot while its edges are followed.
    m.load(this.init!, false);
    for (let d = 0; d < this.stack.length; d++) {
      const fr = this.stack[d];
      const here = m.save();
      if (fr.scc?.prefix && members.has(fr.scc)) {
        for (const tr of fr.trans) {
          if (tr.token === this.path[d]) continue; // the prefix's own edge, searched
          m.load(here);
          if (m.apply(tr).kind !== 'continue') continue; // the execution ends: out of every cycle
          if (comp.names.has(this.pathName())) {
            if (!m.eventualFetch || !staleView(tr.token)) owed.delete(agentOf(tr.token));
            continue;
          }
          if (this.reaches(comp.names) !== false) return 'unknown';
        }
      }
      if (d === this.path.length) break;
      m.load(here);
      m.apply(m.transitions().find((x) => x.token === this.path[d])!);
    }
    return owed.size === 0 ? 'fair' : 'unfair';
  }

  /**
   * Under eventual fetches (FetchModel.eventual) a fair execution ends inside a component of
   * the latest-view edges alone. The component `names` (the model at its root) is built
   * explicitly, its latest-view edges split into components (scc.ts again, offline), and the
   * first fair one in the order its states were reached is walked to: the way in (any views:
   * taken once) and its lasso (latest views only). 'none': no such component is fair, so no
   * livelock. Null: past the budget (PREFIX_REACH states, for this component alone, so the
   * answer is the component's own and a resumed search gives it too), or no walk.
   */
  private latestComponents(names: Set<string>): { tokens: string[]; cost: number; states: number } | 'none' | null {
    const m = this.m;
    interface Node { snap: S; name: string; trans: { token: string }[]; out: { tok: string; cost: number; to: number }[]; via: number; tok: string; cost: number }
    const at = (name: string): Node => ({ snap: m.save(), name, trans: m.transitions().map((t) => ({ token: t.token })), out: [], via: -1, tok: '', cost: 0 });
    const nodes: Node[] = [at(this.pathName())];
    const index = new Map([[nodes[0].name, 0]]);
    let left = PREFIX_REACH;
    for (let i = 0; i < nodes.length; i++) {
      m.load(nodes[i].snap);
      for (const tr of m.transitions()) {
        m.load(nodes[i].snap);
        if (m.apply(tr).kind !== 'continue') continue;
        const name = this.pathName();
        if (!names.has(name)) continue;
        let j = index.get(name);
        if (j === undefined) {
          if (--left < 0) return null;
          j = nodes.length;
          index.set(name, j);
          nodes.push({ ...at(name), via: i, tok: tr.token, cost: tr.cost });
        }
        nodes[i].out.push({ tok: tr.token, cost: tr.cost, to: j });
      }
    }
    // The components of the latest-view edges (scc.ts, driven by an explicit depth-first search
    // here); the first fair one by the order its states were reached.
    const comps = new Components(true);
    const nodeOf = new Array<SccNode | undefined>(nodes.length);
    const open = (v: number) => (nodeOf[v] = comps.open(nodes[v].trans, nodes[v].name, nodes[v].name));
    let entry = -1, inner: Set<string> | null = null;
    for (let s = 0; s < nodes.length; s++) {
      if (nodeOf[s]) continue;
      open(s);
      const work: { v: number; next: number; tok?: string }[] = [{ v: s, next: 0 }];
      while (work.length) {
        const top = work[work.length - 1];
        const e = nodes[top.v].out[top.next++];
        if (e) {
          if (staleView(e.tok)) continue;
          if (!nodeOf[e.to]) {
            open(e.to);
            work.push({ v: e.to, next: 0, tok: e.tok });
          } else {
            const u = comps.find(nodes[e.to].name);
            if (u) comps.edge(nodeOf[top.v]!, u, e.tok, false);
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        const c = comps.close(nodeOf[top.v]!, parent && nodeOf[parent.v], top.tok);
        if (!c?.fair) continue;
        const first = Math.min(...c.members.map((n) => index.get(n.exact!)!));
        if (entry < 0 || first < entry) [entry, inner] = [first, c.names];
      }
    }
    if (entry < 0) return 'none';
    const way: Node[] = [];
    for (let k = entry; k > 0; k = nodes[k].via) way.push(nodes[k]);
    way.reverse();
    m.load(nodes[entry].snap);
    const loop = this.lasso(inner!);
    if (!loop) return null;
    return { tokens: [...way.map((n) => n.tok), ...loop.tokens], cost: way.reduce((x, n) => x + n.cost, 0) + loop.cost, states: loop.states };
  }

  /** Whether a state named in `names` is reachable from the model's state; null past the budget. */
  private reaches(names: Set<string>): boolean | null {
    const m = this.m;
    const queue: S[] = [m.save()];
    const seen = new Set<string>([this.pathName()]);
    for (let i = 0; i < queue.length; i++) {
      m.load(queue[i]);
      for (const tr of m.transitions()) {
        m.load(queue[i]);
        if (m.apply(tr).kind !== 'continue') continue;
        const name = this.pathName();
        if (names.has(name)) return true;
        if (seen.has(name)) continue;
        if (--this.reachLeft < 0) return null;
        seen.add(name);
        queue.push(m.save());
      }
    }
    return false;
  }

  /** Puts the model in the state at the end of the current path, replayed from the initial state. */
  private replayPath(): void {
    const m = this.m;
    m.load(this.init!, false);
    for (const tok of this.path) {
      const tr = m.transitions().find((t) => t.token === tok);
      if (!tr || m.apply(tr).kind !== 'continue') throw new Error(`internal: the path to a component's root does not replay at '${tok}'`);
    }
  }

  /**
   * An edge from frame f by `tr` to a state reached before: to an instance whose component is
   * not complete (on the path, or pruned by the visited set and still on the components'
   * stack), it puts both in one component. `j`: the frame of the state's class on the path.
   */
  private sccEdge(f: Frame<S>, tr: Transition, key: string, j: number | undefined, exact: boolean | undefined): void {
    if (!f.scc) return;
    const v = j !== undefined ? this.stack[j].scc : this.opts.naive ? undefined : this.comps!.find(key);
    if (!v) return;
    const permuted = this.sym && !(exact ?? v.exact === this.pathName());
    this.comps!.edge(f.scc, v, tr.token, permuted);
  }

  /** The search as plain data, between two transitions (explore/checkpoint.ts). */
  private export(): DfsState {
    const comps = this.comps?.export();
    return {
      executions: this.executions,
      nodes: this.nodes,
      pruned: this.pruned,
      maxDepth: this.maxDepth,
      cut: this.cut,
      findings: this.findings.export(),
      outcomes: [...this.outcomes],
      finals: [...this.finals],
      path: this.path.slice(),
      frames: this.stack.map((f) => ({
        next: f.next,
        last: f.last,
        cost: f.cost,
        moved: f.moved,
        ...(f.fp !== undefined ? { fp: f.fp } : {}),
        ...(this.por ? { skip: f.skip, sleep: (f.sleep ?? []).map(asleepState), done: (f.done ?? []).map(asleepState), stored: f.stored ?? 0 } : {}),
        ...(comps && f.scc ? { scc: comps.ids.get(f.scc)! } : {}),
      })),
      visited: this.opts.naive ? null : this.visited.export(),
      ...(this.por ? { slept: this.slept } : {}),
      ...(comps ? { scc: comps.state } : {}),
      ...(this.unjudged !== null ? { unjudged: this.unjudged } : {}),
    };
  }

  /**
   * Rebuilds a checkpoint's frontier: the counters, findings and visited set as saved, and the
   * model's state at every frame by replaying the path from the initial state (each frame's
   * snapshot taken as the search took it).
   */
  private restore(s: DfsState): void {
    const m = this.m;
    this.executions = s.executions;
    this.nodes = s.nodes;
    this.pruned = s.pruned;
    this.maxDepth = s.maxDepth;
    this.cut = s.cut;
    if (this.por) this.slept = s.slept ?? 0;
    this.findings.restore(s.findings);
    for (const [k, v] of s.outcomes) this.outcomes.set(k, v);
    for (const f of s.finals) this.finals.add(f);
    if (this.comps && !s.scc) throw new Error('not a usable checkpoint: it keeps no components of the state graph');
    const nodes = this.comps ? this.comps.restore(s.scc!) : [];
    this.unjudged = s.unjudged ?? null;
    let pass = -1; // the hart a state of the path is passed through for (passThrough), as the search decided
    s.frames.forEach((saved, d) => {
      const trans = m.transitions();
      const passSkip = pass >= 0 ? passMask(trans, pass) : -1;
      const skip = this.por ? saved.skip ?? 0 : passSkip >= 0 ? passSkip : 0;
      const [first, last] = this.within(trans, saved.cost, skip);
      if (last !== saved.last || saved.next > trans.length) throw new Error(`not a usable checkpoint: its frontier does not fit this spec (depth ${d})`);
      if (saved.fp !== undefined) this.onStack.set(saved.fp, d);
      const key = this.sym && passSkip < 0 ? m.canonical() : undefined;
      if (key !== undefined) this.onStackKey.set(key, d);
      const frame: Frame<S> = { trans, next: saved.next, last, cost: saved.cost, snap: first < last ? m.save() : null, moved: saved.moved, fp: saved.fp, key, skip };
      if (passSkip >= 0) frame.pass = true;
      if (this.comps) {
        frame.scc = nodes[saved.scc ?? -1];
        if (!frame.scc) throw new Error(`not a usable checkpoint: a frame has no component node (depth ${d})`);
      }
      if (this.por) {
        frame.sleep = saved.sleep ?? [];
        frame.done = saved.done ?? [];
        frame.stored = saved.stored ?? 0;
      }
      this.stack.push(frame);
      if (d < s.path.length) {
        const tr = trans[saved.next - 1];
        if (!tr || tr.token !== s.path[d]) throw new Error(`not a usable checkpoint: its path does not fit this spec (step ${d + 1} '${s.path[d]}')`);
        this.path.push(tr.token);
        const out = m.apply(tr);
        if (out.kind !== 'continue') throw new Error(`not a usable checkpoint: its path ends early (step ${d + 1})`);
        pass = this.fuse && !this.stack[d].pass ? m.passThrough() : -1;
      }
    });
  }

  /**
   * Replays a part's prefix from the initial state, leaving an exhausted frame for each state
   * on it, then enters the part's root (offered to this search's own visited set first).
   */
  private descend(prefix: readonly string[]): string | null {
    const m = this.m;
    let cost = 0;
    for (const [d, tok] of prefix.entries()) {
      const trans = m.transitions();
      const tr = trans.find((t) => t.token === tok);
      if (!tr) throw new Error(`a part's root does not fit this spec (step ${d + 1} '${tok}')`);
      const key = this.sym ? m.canonical() : undefined;
      const fp = this.pathName();
      this.onStack.set(fp, this.stack.length);
      if (key !== undefined) this.onStackKey.set(key, this.stack.length);
      const frame: Frame<S> = { trans, next: trans.length, last: -1, cost, snap: null, moved: true, fp, key, skip: 0 };
      if (this.comps) frame.scc = this.comps.open(trans, this.sccKey(fp, key), fp, true);
      this.stack.push(frame);
      this.path.push(tok);
      cost += tr.cost;
      if (m.apply(tr).kind !== 'continue') throw new Error(`a part's root does not fit this spec (its path ends at step ${d + 1})`);
    }
    const key = this.sym ? m.canonical() : m.fingerprint();
    const fp = this.sym ? this.pathName() : key;
    if (!this.por) {
      if (!this.opts.naive) this.visited.offer(key, cost, this.path.length);
      if (this.shared) this.pending = this.shared.visited.last;
      return this.enter(cost, fp, this.sym ? key : undefined);
    }
    // Partial-order reduction below the root: it is entered with nothing asleep (what slept on
    // the way to it in another search is not known here), so the part explores all of it.
    if (!this.opts.naive) this.visited.offerSleep(key, cost, this.path.length, 0);
    return this.enter(cost, fp, this.sym ? key : undefined, { trans: m.transitions(), skip: 0, sleep: [], stored: 0 });
  }

  private fullMessage(v: FpSet): string {
    return `visited set full: ${v.size} states fill the ${Math.round(v.bytes / 1048576)} MB the memory budget allows (raise --max-memory)`;
  }

  /**
   * A state reached under partial-order reduction (por.ts): pruned, entered without the
   * transitions asleep in it, or entered again for the ones it slept on before and does not
   * now. A state on the path again is pruned only when its frame slept on nothing this arrival
   * does not; otherwise, or on a cycle when livelocks are judged, the reduction is given up
   * (the caller searches again without it). Returns a limit, or whether a frame was pushed.
   */
  private porArrive(key: string, fp: string | undefined, c: number, classOnPath: boolean, asleep: Asleep[]): string | boolean {
    const m = this.m;
    // A state explored before, as cheaply, with nothing asleep then: pruned before its
    // transitions are computed (whatever sleeps now).
    const naive = this.opts.naive;
    if (!naive && !classOnPath && this.visited.storedSleep(key, c, this.path.length) === 0) return this.prunePor(key);
    const trans = m.transitions();
    const ranks = sleepRanks(trans, this.sym ? m.canonicalMaps() : null); // key = canonical(): its renumbering
    const sleep = ranks ? asleep.filter((a) => trans.some((t) => t.token === a.t.token)) : [];
    const mask = ranks ? sleepMask(trans, ranks, sleep) : 0;
    if (classOnPath) {
      const j = this.sym ? this.onStackKey.get(key)! : this.onStack.get(fp!)!;
      if (((this.stack[j].stored ?? 0) & ~mask) !== 0) return this.abandon('a state on the path was reached again with fewer transitions asleep');
      if (m.reportsDeadlock) return this.abandon('the state graph has a cycle, and livelocks are judged on the whole graph');
      this.pruned++;
      return false;
    }
    const r = naive ? -1 : this.visited.offerSleep(key, c, this.path.length, mask, this.bound !== Infinity);
    if (r === 0) return this.prunePor(key);
    if (!naive && this.visited.size >= MAP_MAX) return MAP_FULL;
    const all = (1 << trans.length) - 1;
    const skip = !ranks ? 0 : r === -1 ? indexMask(ranks, mask) : ~indexMask(ranks, r) & all;
    if (r === -1) for (let i = 0; i < trans.length; i++) this.slept += (skip >>> i) & 1;
    const depth = this.stack.length;
    const limit = this.enter(c, fp ?? this.pathName(), this.sym ? key : undefined, { trans, skip: ranks ? skip | this.persistentSkip(trans, ranks) : skip, sleep, stored: mask });
    if (limit) return limit;
    return this.stack.length > depth;
  }

  /**
   * The hart the state just reached from frame f is passed through for (-1: it is entered): at
   * the top of a split only down to its horizon (a state passed through at the horizon has its
   * successors, one deeper, as the roots of parts instead).
   */
  private passHart(f: Frame<S>): number {
    if (f.pass || (this.part?.horizon && this.path.length > this.part.horizon.depth)) return -1;
    return this.m.passThrough();
  }

  /**
   * A state pruned under partial-order reduction. One whose component is not complete closes a
   * cycle the search did not walk; with livelocks judged the reduction gives itself up on it.
   */
  private prunePor(key: string): string | false {
    if (this.visited instanceof FpSet && this.visited.full) return this.fullMessage(this.visited);
    if (this.comps?.find(key)) return this.abandon('the state graph has a cycle, and livelocks are judged on the whole graph');
    this.pruned++;
    return false;
  }

  private abandon(why: string): string {
    this.porAbandoned = why;
    return `partial-order reduction given up: ${why}`;
  }

  /** Explores everything below the model's current state. Returns why it stopped early, or null. */
  run(): string | null {
    const m = this.m;
    if (this.comps) this.init = m.save();
    if (this.resumed) this.restore(this.resumed);
    else if (this.part?.prefix) {
      const limit0 = this.descend(this.part.prefix);
      if (limit0) return limit0;
    } else {
      const key0 = this.sym ? m.canonical() : undefined;
      const fp0 = this.pathName();
      if (this.shared) {
        this.shared.visited.offer(key0 ?? fp0, 0, 0);
        this.pending = this.shared.visited.last;
      }
      const limit0 = this.enter(0, fp0, key0, this.por ? { trans: m.transitions(), skip: 0, sleep: [], stored: 0 } : undefined);
      if (limit0) return limit0;
    }
    let polls = 0;
    while (this.stack.length > 0) {
      if (this.checkpoints && (polls++ & 63) === 0) {
        const due = this.checkpoints.due();
        if (due) {
          this.checkpoints.write(this.export());
          if (due === 'stop') return this.checkpoints.stopped();
        }
      }
      const f = this.stack[this.stack.length - 1];
      let i = f.next;
      while (i < f.trans.length && ((f.skip >>> i) & 1 || f.cost + f.trans[i].cost > this.bound)) {
        // Under sleep sets only a transition the search would take counts as cut: with none,
        // the bounded search made the unbounded one's choices (docs/semantics.md).
        if (!((f.skip >>> i) & 1)) this.cut = true;
        i++;
      }
      if (i >= f.trans.length) {
        const limit = this.pop();
        if (limit) return limit;
        continue;
      }
      f.next = i + 1;
      const tr = f.trans[i];
      const c = f.cost + tr.cost;
      if (f.moved) m.load(f.snap!, i === f.last);
      f.moved = true;
      // Sleep sets: what sleeps after tr is what slept here or was taken here before it, and
      // commutes with it (por.ts); tr's footprint is taken in the state it is enabled in.
      let asleep: Asleep[] | undefined;
      if (this.por) {
        const fpTr = m.footprint(tr);
        asleep = [];
        for (const a of f.sleep!) if (independent(a, tr, fpTr)) asleep.push(a);
        for (const a of f.done!) if (independent(a, tr, fpTr)) asleep.push(a);
        f.done!.push({ t: tr, fp: fpTr });
      }
      this.path.push(tr.token);
      const out = m.apply(tr);
      let descended = false;
      if (out.kind === 'continue' && out.benign) for (const v of out.benign) this.note(v, c);
      if (out.kind === 'violation') this.record(out.violation, c);
      else if (out.kind === 'limit') return out.reason;
      else if (out.kind === 'end') this.executed();
      else if (this.fuse && this.passThrough(this.passHart(f), c, asleep)) descended = true;
      else {
        // The naive search keeps no visited set, but it still names the states on its path:
        // a cycle back to one is an execution that can run forever (judged as a livelock),
        // never an endless descent. The symmetric search looks a state up by its fingerprint
        // up to symmetry first, and hashes it exactly only when it is entered or its class is
        // on the path (a cycle when it is the very state).
        let fp: string | undefined;
        let key: string;
        let j: number | undefined;
        let cycle = false;
        if (this.sym) {
          key = m.canonical();
          j = this.onStackKey.get(key);
          if (j !== undefined) cycle = this.stack[j].fp === (fp = this.pathName());
        } else {
          key = fp = m.fingerprint();
          j = this.onStack.get(fp);
          cycle = j !== undefined;
        }
        const classOnPath = j !== undefined;
        if (asleep) {
          const arrived = this.porArrive(key, fp, c, classOnPath, asleep);
          if (typeof arrived === 'string') return arrived;
          descended = arrived;
        } else if (classOnPath) {
          // Back to the path: an execution that can run forever, judged with its component.
          if (this.shared) this.logEdge(this.shared.visited.slotOf(key), c);
          this.sccEdge(f, tr, key, j, cycle);
          this.pruned++;
        } else if (this.part?.only && !this.part.only(key)) {
          this.pruned++;
        } else if (!this.opts.naive && !this.visited.offer(key, c, this.path.length)) {
          if (this.visited instanceof FpSet && this.visited.full) return this.fullMessage(this.visited);
          if (this.shared) this.logEdge(this.shared.visited.last, c);
          this.sccEdge(f, tr, key, undefined, undefined);
          this.pruned++;
        } else if (this.part?.horizon && (this.path.length === this.part.horizon.depth || (f.pass && this.path.length === this.part.horizon.depth + 1))) {
          // The top of a split: this state is the root of a part, searched on its own.
          if (this.shared) this.logEdge(this.shared.visited.last, c);
          this.part.horizon.root(this.path.slice(), c);
        } else {
          if (!this.opts.naive && this.visited.size >= MAP_MAX) return MAP_FULL;
          if (this.shared) this.logEdge((this.pending = this.shared.visited.last), c);
          const depth = this.stack.length;
          const limit = this.enter(c, fp ?? this.pathName(), this.sym ? key : undefined);
          if (limit) return limit;
          descended = this.stack.length > depth;
        }
      }
      if (!descended) this.path.pop();
    }
    return null;
  }
}
