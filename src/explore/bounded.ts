/**
 * Systematic search: `bounded` is iterative preemption bounding as in CHESS (Musuvathi &
 * Qadeer, PLDI'07) — bound 0, 1, 2, ... until a bound cuts nothing (the space is exhausted:
 * complete) or the highest bound is reached (bounded at k); `exhaustive` is one search without
 * a bound. Each search is a Dfs over a fresh model.
 */
import type { Spec } from '../spec/types.js';
import { Machine } from '../model/machine.js';
import { CoverageSink } from '../model/coverage.js';
import { Budget } from './budget.js';
import { Dfs, passMask, Totals, upToSymmetry } from './frontier.js';
import { Probes } from './probes.js';
import { Findings } from './findings.js';
import { shareWitnesses } from './orbit.js';
import type { DfsState } from './checkpoint.js';
import type { ExploreOptions, ExploreResult, Strategy } from './strategy.js';

function runSearch(spec: Spec, opts: ExploreOptions, bounds: number[]): ExploreResult {
  const now = opts.now ?? Date.now;
  // From the caller's start when it gives one (--workers that ran two phases first: cli/shard.ts).
  const t0 = opts.startedAt ?? now();
  const budget = new Budget(opts, t0, now, opts.heapUsed);
  const r = opts.resume;
  if (r && (r.key !== (opts.checkpointKey ?? '') || r.boundIndex >= bounds.length)) throw new Error('not a usable checkpoint: it was written for another spec or other options');
  const totals: Totals = r ? { ...r.totals } : { executions: 0, nodes: 0 };
  let pruned = r?.pruned ?? 0, maxDepth = r?.maxDepth ?? 0, states = r?.states ?? 0;
  let findings: Findings | undefined;
  if (r?.prior) {
    findings = new Findings();
    findings.restore(r.prior);
  }
  let complete = false;
  let limit: string | undefined;
  let bound: number | null = null;
  const finals = new Set<string>();
  let cov = opts.coverage ? new CoverageSink(spec.sites.length) : null;
  let outcomes = new Map<string, number>();
  let symmetry: string[][] = [];
  let por: ExploreResult['stats']['por'];
  /** The last search, its bound and options (for the probes of a search a limit stopped). */
  let last: { dfs: Dfs<unknown>; bound: number; opts: ExploreOptions } | undefined;
  /** The last search's components it could not judge (Dfs.unjudged): a caveat on the verdict. */
  let unjudged: string | undefined;
  // A checkpoint written after --por (or symmetry) was given up resumes the search that runs without it.
  let abandoned = r?.porAbandoned;
  let symAbandoned = r?.symAbandoned;
  const current = (): ExploreOptions => ({ ...opts, ...(abandoned !== undefined ? { por: false } : {}), ...(symAbandoned !== undefined ? { symmetry: false } : {}) });
  for (let bi = r?.boundIndex ?? 0; bi < bounds.length; bi++) {
    const b = bounds[bi];
    const ctl = opts.checkpoint;
    const prior = findings;
    const checkpoints = ctl && {
      due: () => ctl.due(),
      stopped: () => ctl.stopped(),
      write: (dfs: DfsState) => ctl.write({ key: opts.checkpointKey ?? '', boundIndex: bi, totals: { ...totals }, pruned, maxDepth, states, prior: prior ? prior.export() : null, ...(abandoned !== undefined ? { porAbandoned: abandoned } : {}), ...(symAbandoned !== undefined ? { symAbandoned } : {}), dfs }),
    };
    const resumed = bi === r?.boundIndex ? r.dfs : undefined;
    let dfs = new Dfs(new Machine(spec, cov), current(), b, totals, budget, checkpoints, resumed);
    bound = b === Infinity ? null : b;
    limit = dfs.run() ?? undefined;
    while (dfs.porAbandoned !== null || dfs.symAbandoned !== null) {
      // A reduction met what it does not cover (explore/por.ts; a permuted cycle, explore/scc.ts):
      // the same search without it.
      if (dfs.porAbandoned !== null) abandoned = dfs.porAbandoned;
      if (dfs.symAbandoned !== null) symAbandoned = dfs.symAbandoned;
      if (cov) cov = new CoverageSink(spec.sites.length);
      dfs = new Dfs(new Machine(spec, cov), current(), b, totals, budget, checkpoints);
      limit = dfs.run() ?? undefined;
    }
    symmetry = dfs.symmetric;
    last = { dfs: dfs as Dfs<unknown>, bound: b, opts: current() };
    unjudged = dfs.unjudged ?? undefined;
    if (dfs.por) por = { slept: dfs.slept };
    if (abandoned !== undefined) por = { abandoned };
    totals.executions += dfs.executions;
    totals.nodes += dfs.nodes;
    pruned += dfs.pruned;
    maxDepth = Math.max(maxDepth, dfs.maxDepth);
    states = opts.naive ? totals.nodes : Math.max(states, dfs.visited.size + 1);
    // Keep the findings of lower bounds too (a limit may cut a later search short).
    if (findings) dfs.findings.keepMissing(findings);
    findings = dfs.findings;
    for (const f of dfs.finals) finals.add(f);
    // Each bound re-explores the cheaper executions: the last search's outcomes include them.
    outcomes = dfs.outcomes;
    if (limit) break;
    if (!dfs.cut) {
      complete = true;
      break;
    }
  }
  const probes = limit && last ? limitCoverage(spec, last.dfs, last.bound, last.opts, states) : undefined;
  const ms = now() - t0;
  const list = shareWitnesses(spec, symmetry, findings!.list());
  // A search cut short by a limit, or by the highest preemption bound, proves nothing safe.
  const failing = list.some((f) => !f.violation.benign);
  const verdict = failing ? 'unsafe' : limit || !complete ? 'inconclusive' : 'safe';
  if (!limit && !complete && !failing) limit = `no violation with at most ${bound} preemption${bound === 1 ? '' : 's'} (bounded at ${bound})`;
  return {
    verdict,
    complete: complete && !limit,
    bound,
    findings: list,
    stats: { executions: totals.executions, states, pruned, maxDepth, ms, rate: ms > 0 ? Math.round((states / ms) * 1000) : states, collision: opts.naive ? undefined : (states * states) / 2 ** 65, ...(symmetry.length ? { symmetry } : {}), ...(symAbandoned !== undefined ? { symmetryAbandoned: symAbandoned } : {}), ...(unjudged ? { unjudged } : {}), ...(por ? { por } : {}), ...(probes ? { probes } : {}) },
    limit,
    finals: opts.collectFinals ? finals : undefined,
    coverage: cov?.result(),
    outcomes: opts.observe ? [...outcomes].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : undefined,
  };
}

/**
 * How far a search a limit stopped had come: its visited set's coverage of the random probes'
 * states (explore/probes.ts), the probes taking at most as many transitions as the search
 * stored states (at least 10,000), so the figure is the same on every machine for the same
 * states. None for the naive search (no visited set) or under sleep sets (states never stored).
 */
function limitCoverage(spec: Spec, dfs: Dfs<unknown>, bound: number, opts: ExploreOptions, states: number): { runs: number; covered: number } | undefined {
  if (opts.naive || dfs.por || dfs.visited.size === 0) return undefined;
  const m = new Machine(spec);
  const c = new Probes(() => m, upToSymmetry(m, opts), dfs.fuse ? passMask : null, bound, () => 0, 0).measureNow((k) => dfs.visited.has(k), Math.max(10_000, states));
  return { runs: c.runs, covered: c.states };
}

export const boundedStrategy: Strategy = {
  name: 'bounded',
  run(spec, opts) {
    const max = opts.bound ?? 64;
    return runSearch(spec, opts, Array.from({ length: max + 1 }, (_, i) => i));
  },
};

export const exhaustiveStrategy: Strategy = {
  name: 'exhaustive',
  run: (spec, opts) => runSearch(spec, opts, [Infinity]),
};
