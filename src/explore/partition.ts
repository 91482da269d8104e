/**
 * A partitioned search (issue 9: all cores, many machines): one exhaustive search split into
 * parts that are searched independently and merged, so that the parts can run on worker
 * threads (`--workers N`) or on other machines (`--shard i/n`, then `ftrace-race merge`).
 *
 * The split: the search down to a horizon depth d, the smallest (from 1) at which at least
 * `target` states are left unentered (or none: the top finished the space). Each state at the
 * horizon, first reached there, is the root of a part, named by its path from the initial state.
 * The top is itself a search (its visited set keeps it from entering a state twice), so the
 * parts are the same list on every machine, whatever the number of workers or shards.
 *
 * A part replays its prefix and searches everything below its root with a visited set of its
 * own. Its result is a pure function of spec, options and root — never of which worker ran it,
 * what ran before it, or the clock — so the merge in part order is the same bytes for any
 * number of workers and any sharding, and equal to a single run's: test/explore/partition.test.ts.
 *
 * Against the plain search (one visited set for the whole space): every state reachable is
 * reached by the top or by some part, so the verdict, the set of violation signatures and the
 * states (the union of all visited sets' fingerprints, counted in the merge) are the plain
 * search's; a witness is the best one some part found in the witness order (findings.ts),
 * which is the plain search's up to ties. States reachable from two roots are searched by both:
 * executions and pruned states count that overlap (docs/scale.md has it measured).
 *
 * Without a preemption bound only: iterative bounding decides after each bound whether to go
 * on, which no shard can decide alone. With --por the top is searched without sleep sets and
 * each part with them from its root (docs/semantics.md, "Partial-order reduction").
 */
import type { Spec } from '../spec/types.js';
import { Machine } from '../model/machine.js';
import { Budget } from './budget.js';
import { Dfs } from './frontier.js';
import { Findings } from './findings.js';
import { shareWitnesses } from './orbit.js';
import { FpSet } from './fpset.js';
import { fpWords } from './visited.js';
import type { ExploreOptions, ExploreResult, Finding } from './strategy.js';

/** Parts a split aims at: a few per worker on the machines that will run them. */
export const SPLIT_TARGET = 64;
/** Deepest horizon tried: a spec whose tree stays narrower is searched in fewer parts. */
const SPLIT_MAX_DEPTH = 48;

export interface Part {
  index: number;
  /** Transition tokens from the initial state to the root. */
  path: string[];
  /** The top gave symmetry up (a permuted cycle, explore/scc.ts): the part is searched without it too. */
  noSymmetry?: true;
}

/** What one part (or the top) found: plain data, sent between threads and written by shards. */
export interface PartResult {
  /** -1: the top of the split. */
  index: number;
  executions: number;
  nodes: number;
  pruned: number;
  maxDepth: number;
  findings: Finding[];
  finals: string[];
  limit?: string;
  /** Partial-order reduction in this part (--por): transitions asleep, or why it was given up (the part then searched without it). */
  por?: { slept: number } | { abandoned: string };
  /** Why a cycle of this part was judged for livelock on part of its edges only (Dfs.unjudged). */
  unjudged?: string;
  /**
   * Why symmetry was given up (Dfs.symAbandoned): on the top, the split was made again without
   * it; on a part, the part stopped (its limit says so) and the caller searches every part
   * again without it (partsAgain), or, merging shards, cannot and reports the limit.
   */
  symmetryAbandoned?: string;
  /** Fingerprints its visited set held, as word pairs (empty for --naive). */
  keys: Uint32Array;
}

export interface Split {
  depth: number;
  parts: Part[];
  top: PartResult;
  symmetric: string[][];
}

function partResult(index: number, dfs: Dfs<unknown>, limit: string | null, extraKeys?: Uint32Array, por?: PartResult['por']): PartResult {
  const keys = dfs.visited.keys();
  const all = extraKeys ? new Uint32Array(keys.length + extraKeys.length) : keys;
  if (extraKeys) {
    all.set(keys);
    all.set(extraKeys, keys.length);
  }
  return {
    index,
    executions: dfs.executions,
    nodes: dfs.nodes,
    pruned: dfs.pruned,
    maxDepth: dfs.maxDepth,
    findings: dfs.findings.list(),
    finals: [...dfs.finals],
    ...(limit ? { limit } : {}),
    ...(por ? { por } : {}),
    ...(dfs.unjudged !== null ? { unjudged: dfs.unjudged } : {}),
    ...(dfs.symAbandoned !== null && index >= 0 ? { symmetryAbandoned: dfs.symAbandoned } : {}),
    keys: all,
  };
}

/** A part's budget: its own states, the whole search's time (from opts.startedAt) and heap. */
export function budgetOf(opts: ExploreOptions): Budget {
  const now = opts.now ?? Date.now;
  return new Budget(opts, opts.startedAt ?? now(), now, opts.heapUsed);
}

/** The top of the search and the parts below it (deterministic: the same on every machine). */
export function splitSearch(spec: Spec, opts: ExploreOptions, target = SPLIT_TARGET): Split {
  for (let depth = 1; ; depth++) {
    const roots: string[][] = [];
    const m = new Machine(spec);
    const dfs = new Dfs(m, opts, Infinity, { executions: 0, nodes: 0 }, budgetOf(opts), undefined, undefined, {
      horizon: { depth, root: (path) => roots.push(path) },
    });
    const init = opts.naive ? new Uint32Array(0) : Uint32Array.from(fpWords(dfs.symmetric.length ? m.canonical() : m.fingerprint()));
    const limit = dfs.run();
    // A permuted cycle in the top (explore/scc.ts): the whole split again without symmetry.
    if (dfs.symAbandoned !== null) return splitWithoutSymmetry(spec, opts, target, dfs.symAbandoned);
    if (limit || roots.length === 0 || roots.length >= target || depth >= SPLIT_MAX_DEPTH) {
      return { depth, parts: roots.map((path, index) => ({ index, path })), top: partResult(-1, dfs, limit, init), symmetric: dfs.symmetric };
    }
  }
}

/**
 * Searches one part: its own model, visited set and budget. With --por, a part whose
 * reduction met what it does not cover is searched again without it, as a single search is
 * (bounded.ts): still a function of the part alone.
 */
export function explorePart(spec: Spec, opts: ExploreOptions, part: Part): PartResult {
  if (part.noSymmetry) opts = { ...opts, symmetry: false };
  const search = (o: ExploreOptions) => {
    const dfs = new Dfs(new Machine(spec), o, Infinity, { executions: 0, nodes: 0 }, budgetOf(o), undefined, undefined, { prefix: part.path });
    return { dfs, limit: dfs.run() };
  };
  // A permuted cycle (explore/scc.ts): the part stops; the caller searches every part again without symmetry.
  const gaveUp = (dfs: Dfs<unknown>) => partResult(part.index, dfs, `symmetry reduction given up (${dfs.symAbandoned}): search again with --no-symmetry`);
  const first = search(opts);
  if (first.dfs.symAbandoned !== null) return gaveUp(first.dfs);
  if (!first.dfs.por) return partResult(part.index, first.dfs, first.limit);
  if (first.dfs.porAbandoned === null) return partResult(part.index, first.dfs, first.limit, undefined, { slept: first.dfs.slept });
  const again = search({ ...opts, por: false });
  if (again.dfs.symAbandoned !== null) return gaveUp(again.dfs);
  return partResult(part.index, again.dfs, again.limit, undefined, { abandoned: first.dfs.porAbandoned });
}

/**
 * The partial-order reduction of a partitioned search, from its parts in part order: the
 * transitions asleep in all of them, or the first reason one gave it up for (that part was
 * searched without it). Undefined without --por, or when no part ran.
 */
function porOfParts(results: readonly PartResult[], parts: number): PartResult['por'] {
  let slept = 0, any = false;
  for (const r of results) {
    if (!r.por) continue;
    any = true;
    if ('abandoned' in r.por) return { abandoned: `${r.por.abandoned}, in part ${r.index} of ${parts}` };
    slept += r.por.slept;
  }
  return any ? { slept } : undefined;
}

/**
 * The result of the whole search from the top and every part's result (in any order: they are
 * taken in part order). `ms`: the wall-clock time the caller measured.
 */
export function mergeParts(spec: Spec, opts: ExploreOptions, split: Split, results: readonly PartResult[], ms: number): ExploreResult {
  const byIndex = [...results].sort((a, b) => a.index - b.index);
  if (byIndex.length !== split.parts.length || byIndex.some((r, i) => r.index !== i)) throw new Error(`a partitioned search needs the results of all ${split.parts.length} parts`);
  const all = [split.top, ...byIndex];
  const findings = new Findings();
  let executions = 0, nodes = 0, pruned = 0, maxDepth = 0;
  let limit: string | undefined;
  const finals = new Set<string>();
  // The union of every visited set: the states of the whole search.
  const union = new FpSet(((opts.maxMemory ?? 8192) * 1024 * 1024) / 2);
  for (const r of all) {
    for (const f of r.findings) findings.add(f);
    executions += r.executions;
    nodes += r.nodes;
    pruned += r.pruned;
    maxDepth = Math.max(maxDepth, r.maxDepth);
    for (const f of r.finals) finals.add(f);
    for (let i = 0; i < r.keys.length; i += 2) union.offerWords(r.keys[i], r.keys[i + 1], 0, 0);
  }
  limit = partsLimit(all, split.parts.length);
  if (union.full) limit ??= `visited set full: the union of the parts' states fills the memory budget (raise --max-memory)`;
  const states = opts.naive ? nodes : union.size;
  const por = porOfParts(byIndex, split.parts.length);
  const unjudged = all.find((r) => r.unjudged);
  const list = shareWitnesses(spec, split.symmetric, findings.list());
  const failing = list.some((f) => !f.violation.benign);
  const complete = !limit;
  return {
    verdict: failing ? 'unsafe' : limit ? 'inconclusive' : 'safe',
    complete,
    bound: null,
    findings: list,
    stats: {
      executions,
      states,
      pruned,
      maxDepth,
      ms,
      rate: ms > 0 ? Math.round((states / ms) * 1000) : states,
      collision: opts.naive ? undefined : (states * states) / 2 ** 65,
      ...(split.symmetric.length ? { symmetry: split.symmetric } : {}),
      ...(split.top.symmetryAbandoned ? { symmetryAbandoned: split.top.symmetryAbandoned } : {}),
      parts: { count: split.parts.length, depth: split.depth },
      ...(por ? { por } : {}),
      ...(unjudged ? { unjudged: unjudged.index < 0 ? `${unjudged.unjudged} (the top of the split)` : `${unjudged.unjudged} (part ${unjudged.index} of ${split.parts.length})` } : {}),
    },
    limit,
    finals: opts.collectFinals ? finals : undefined,
  };
}

/**
 * Why a partitioned search (the top and the parts, in part order) was cut short: the first
 * part's limit, and a wall-clock or heap limit that stopped a later part as well, so that a
 * result the clock shaped always says so (the states limit alone is the same on every run).
 */
export function partsLimit(all: readonly PartResult[], parts: number): string | undefined {
  const named = (r: PartResult) => (r.index < 0 ? r.limit! : `${r.limit} in part ${r.index} of ${parts}`);
  const first = all.find((r) => r.limit);
  if (!first) return undefined;
  const clock = /^max-(time|memory) /;
  const timed = clock.test(first.limit!) ? undefined : all.find((r) => r.limit && clock.test(r.limit));
  return timed ? `${named(first)}; ${named(timed)}` : named(first);
}

/**
 * A part that gave symmetry up (a permuted cycle, explore/scc.ts): the split without symmetry,
 * its top marked with why, for every part to be searched again (what the single search does,
 * bounded.ts). Undefined when no part gave it up. Shards cannot (each searched its own share):
 * their merge reports the part's limit instead.
 */
export function partsAgain(spec: Spec, opts: ExploreOptions, split: Split, results: readonly PartResult[], target = SPLIT_TARGET): Split | undefined {
  const gave = [...results].sort((a, b) => a.index - b.index).find((r) => r.symmetryAbandoned);
  return gave && splitWithoutSymmetry(spec, opts, target, `${gave.symmetryAbandoned}, in part ${gave.index} of ${split.parts.length}`);
}

/** The split made again without symmetry, its top saying why and its parts searched without it too. */
function splitWithoutSymmetry(spec: Spec, opts: ExploreOptions, target: number, why: string): Split {
  const split = splitSearch(spec, { ...opts, symmetry: false }, target);
  return { ...split, top: { ...split.top, symmetryAbandoned: why }, parts: split.parts.map((p) => ({ ...p, noSymmetry: true })) };
}

/** The whole partitioned search in this thread, part after part (the reference for workers and shards). */
export function explorePartitioned(spec: Spec, opts: ExploreOptions, target = SPLIT_TARGET): ExploreResult {
  const now = opts.now ?? Date.now;
  const t0 = now();
  opts = { ...opts, startedAt: opts.startedAt ?? t0 };
  let split = splitSearch(spec, opts, target);
  for (;;) {
    // A top cut short by a limit leaves no parts to search.
    const parts = split.top.limit ? [] : split.parts;
    const results = parts.map((p) => explorePart(spec, opts, p));
    const again = partsAgain(spec, opts, { ...split, parts }, results, target);
    if (!again) return mergeParts(spec, opts, { ...split, parts }, results, now() - t0);
    split = again;
  }
}
