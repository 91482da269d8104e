/**
 * The explorer's vocabulary: options, findings, statistics, results, and the Strategy
 * interface every search implements (shuttle's Scheduler, for a state-space search).
 */
import type { ProbeCoverage } from './probes.js';
import type { Violation } from '../check/violation.js';
import type { Spec } from '../spec/types.js';
import type { FinalView } from '../check/assertions.js';
import type { SearchCoverage } from '../model/coverage.js';
import type { CheckpointControl, SearchCheckpoint } from './checkpoint.js';

/**
 * The version of the search's shape: one more each time the states a search enters (or the
 * parts a split makes) change for the same spec and options (2: call starts passed through,
 * Model.passThrough; 3: with --por, stoppers' exits first, Model.persistent; 4: livelocks judged
 * on strongly connected components, explore/scc.ts, whose stack checkpoints keep). Checkpoints and
 * shard files hold a search's frontier and parts, so they are bound to it (cli/checkpoint.ts,
 * cli/shard.ts).
 */
export const SEARCH_FORMAT = 4;

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
  /** Symmetry reduction of interchangeable tasks (default on; --naive has none). */
  symmetry?: boolean;
  /**
   * Partial-order reduction with sleep sets (explore/por.ts) in an unbounded search (default
   * off; never with a bound, a resumed search or a part of a partitioned one). With `naive`:
   * the stateless sleep-set search.
   */
  por?: boolean;
  /**
   * Pass through the state between a caller's call start and the fetch at its patchable entry
   * (Model.passThrough; default on, `por` too; never with `naive`). Off: the reference it is
   * tested against.
   */
  fusion?: boolean;
  /**
   * With `por`: where the model names a transition that is a persistent set alone
   * (Model.persistent: stop_machine's stoppers exiting), search only it (default on). Off: the
   * reference it is tested against.
   */
  persistent?: boolean;
  /** The visited set: 'fpset' (default, 10 bytes a slot) or 'map' (the reference it is tested against). */
  visited?: 'fpset' | 'map';
  /** Keep every violating schedule (for --all). */
  all?: boolean;
  /** Heap in use, in bytes (injected: nothing below the CLI touches `process`). */
  heapUsed?: () => number;
  now?: () => number;
  /** When the search began (now()'s clock): a partitioned search's parts count --max-time from it, not each from its own start. */
  startedAt?: number;
  /** Collect fingerprints of final states (tests compare naive and reduced searches). */
  collectFinals?: boolean;
  /**
   * Names what a complete execution's final state shows (a litmus outcome); the search counts
   * each distinct name (ExploreResult.outcomes). Under reduction every reachable final state is
   * reached, but not every execution: counts are of executions explored.
   */
  observe?: (final: FinalView) => string;
  /** Collect coverage (sites entered, versions executed, instructions run) over the whole search. */
  coverage?: boolean;
  /** Called every few thousand states with the running totals (progress display). */
  onProgress?: (p: Progress) => void;
  /** The share of the search's time the progress display's random probes may take (explore/probes.ts; default 3%). */
  probeShare?: number;
  /** Checkpoints of a systematic search (explore/checkpoint.ts); `checkpointKey` names spec and options in them. */
  checkpoint?: CheckpointControl;
  checkpointKey?: string;
  /** Go on from this checkpoint instead of starting afresh. */
  resume?: SearchCheckpoint;
  /** Called at the end of every execution the search explores, with its schedule (read it there: it is the search's own path). */
  onExecution?: (path: readonly string[]) => void;
  /** Called for every violating schedule as it is found (for --all streaming). */
  onViolation?: (f: FoundSchedule) => void;
}

export interface Progress {
  bound: number | null;
  states: number;
  executions: number;
  violations: number;
  /** A partitioned search: parts finished of all (explore/partition.ts). */
  parts?: { done: number; of: number };
  /**
   * Phase 1 of a two-phase search (explore/shared.ts): the parts handed out of all. `states`
   * and `executions` are then every thread's (`executions`: their finished parts and this
   * thread's current one), `violations` the kinds this thread has logged. No estimate of the
   * time left: the parts share one table, so the first ones search almost the whole space and
   * the rest find it visited (on the scale family the first of 72–86 parts ends after half of
   * phase 1, and a mean-part estimate ran 7–85x over the time left).
   */
  twoPhase?: { taken: number; of: number };
  /**
   * The naive search: the fraction of this bound's tree behind it, were every subtree at a
   * depth as large as its siblings (the uniform estimate over the DFS stack). Not given with
   * a visited set: there the subtrees searched later are mostly pruned, and the estimate ran
   * behind by two orders of magnitude (B2 on 5 harts: "0.7%, 1,144 s left" of a 15 s search).
   */
  done?: number;
  /**
   * A search with a visited set and no sleep sets (exhaustive or within one bound, and phase 1
   * of a two-phase search): how much of a sample of seeded random executions it has covered
   * (explore/probes.ts), once the sample is taken. 1 exactly when the search is complete; not
   * a share of the states or of the time.
   */
  probes?: ProbeCoverage;
}

/** One violating schedule: plain data. */
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
  /**
   * The reduced search prunes by 64-bit fingerprints: the chance that two of the states it
   * stored share one (so a state was pruned for another), n^2 / 2^65 as TLC prints it
   * ("optimistic": for a uniform hash). Absent for searches that prune nothing by fingerprint.
   */
  collision?: number;
  /** Groups of interchangeable tasks the visited set identified up to permutation (model/symmetry.ts); absent: none. */
  symmetry?: string[][];
  /**
   * Partial-order reduction (explore/por.ts): transitions not taken because they were asleep;
   * or why it was given up (and the search done again without it).
   */
  por?: { slept: number } | { abandoned: string };
  /** Why symmetry reduction was given up (a cycle through a permuted state, explore/scc.ts): the search ran without it. */
  symmetryAbandoned?: string;
  /** A partitioned search (explore/partition.ts): its parts and the depth of their roots. */
  parts?: { count: number; depth: number };
  /**
   * A two-phase search (--workers, explore/shared.ts): the parts of phase 1 and their depth, and
   * the states phase 2 (the witness search) entered; executions, pruned and the schedules
   * counted for each finding are phase 2's.
   */
  twoPhase?: { parts: number; depth: number; witnessStates: number };
  /** `--workers` ran the single search on one thread instead of two phases: why (explore/shared.ts). */
  oneThread?: string;
  /**
   * A search a limit stopped (with a visited set, no sleep sets): the share of the states of
   * `runs` seeded random executions (explore/probes.ts) that it had stored. How far it came,
   * on a scale where a complete search is at 1; not a share of the states or of the time.
   */
  probes?: { runs: number; covered: number };
  /**
   * Livelocks (explore/scc.ts): why some component was not judged (one through a split's
   * prefix whose other edges may come back through states the part did not search; under
   * eventual fetches, one whose fair walk needs older views): printed beside the verdict.
   * Absent: every component was judged.
   */
  unjudged?: string;
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
  /** With opts.coverage: what the search executed. */
  coverage?: SearchCoverage;
  /** With `observe`: each outcome seen and how many explored executions ended in it, sorted by outcome. */
  outcomes?: [string, number][];
}

/** One search strategy over a spec's model. Never throws for a limit: it is part of the result. */
export interface Strategy {
  readonly name: 'bounded' | 'exhaustive' | 'random';
  run(spec: Spec, opts: ExploreOptions): ExploreResult;
}
