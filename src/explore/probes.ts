/**
 * Random probes: a progress measure for a search with a visited set (docs/scale.md,
 * "Progress"). Beside the search, seeded random executions are run from the initial state on a
 * model of their own, each transition chosen uniformly among those the search itself would
 * take (within the bound; at a state the search passes through, only its task's steps), and
 * the name of every state they pass through that the search stores is kept (its visited-set
 * key: canonical up to symmetry, else the fingerprint). The measure is the share of those
 * states the visited set holds now.
 *
 * Every state a probe keeps is one the search stores before it ends complete, so the share
 * reaches 1 exactly at the end of a complete search (test/explore/probes.test.ts), and it
 * never falls once the sample is taken (a visited set only grows). It is not the share of the
 * states or of the time: the probes weigh a state by how often random schedules reach it, and
 * the states near the root, which every schedule passes, are searched first. Measured on the
 * scale family at 7 and 8 harts it stayed within 23 points of the share of states searched,
 * ahead of it early in some specs and behind it late in others (docs/scale.md). The progress
 * line (cli/progress.ts) reads it as the share done only to print a rough time left for one
 * unbounded search, and says "roughly".
 */
import type { Model, Transition } from '../model/model.js';
import { rng } from './random.js';

/** Probes in the sample: the measure is shown once they have all run. */
export const PROBES = 64;
/** A probe longer than this is cut (a cycle can make one endless). */
const MAX_PROBE = 2_000;
/** The share of the search's time the probes may take (ExploreOptions.probeShare). */
export const PROBE_SHARE = 0.03;

export interface ProbeCoverage {
  /** Probes run: the whole sample (the measure is given only once it is taken), or fewer in measureNow's budget. */
  runs: number;
  /** Share of the probes' stored states that the visited set holds. */
  states: number;
}

export class Probes {
  private readonly rand = rng(0x5eed);
  private m: Model<unknown> | null = null;
  private init: unknown;
  private runs = 0;
  private spent = 0;
  /** Keys not yet seen in the visited set. */
  private readonly pending: string[] = [];
  private total = 0;
  private seen = 0;
  /** Transitions the probes may still take (measureNow), and whether the sample is taken. */
  private steps = Infinity;
  private taken = false;

  /**
   * `model`: makes the probes' own model (Model.fresh), at the initial state, when the first
   * probe runs. `sym`: keys up to symmetry; `pass`: with call starts passed through
   * (Dfs.fuse), the search's rule for them (frontier.ts passMask), else null;
   * `bound`: the search's preemption bound; `start`: when the search started (on `now`'s clock);
   * `share`: of the time since, what the probes may take.
   */
  constructor(
    private readonly model: () => Model<unknown>,
    private readonly sym: boolean,
    private readonly pass: ((trans: readonly Transition[], h: number) => number) | null,
    private readonly bound: number,
    private readonly now: () => number,
    private readonly start: number,
    private readonly share = PROBE_SHARE,
  ) {}

  /**
   * Runs probes while they have taken less than their share of the search's time so far, then
   * measures against `has` (the visited set). Null until the sample is complete.
   */
  measure(has: (key: string) => boolean): ProbeCoverage | null {
    const elapsed = this.now() - this.start;
    while (!this.taken && this.runs < PROBES && this.spent < this.share * elapsed) {
      const t = this.now();
      this.probe();
      this.spent += this.now() - t;
    }
    if (!this.taken && this.runs < PROBES) return null;
    const keys = this.pending;
    for (let i = 0; i < keys.length; ) {
      if (!has(keys[i])) {
        i++;
        continue;
      }
      this.seen++;
      keys[i] = keys[keys.length - 1];
      keys.pop();
    }
    return { runs: this.runs, states: this.total === 0 ? 1 : this.seen / this.total };
  }

  /**
   * Runs the sample at once, within `steps` transitions in all (a probe that would go past them
   * is cut there), and measures against `has`: the coverage a search stopped by a limit reports
   * (ExploreStats.probes). The same figure for the same visited set on every machine.
   */
  measureNow(has: (key: string) => boolean, steps: number): ProbeCoverage {
    this.steps = steps;
    while (this.runs < PROBES && this.steps > 0) this.probe();
    this.taken = true;
    return this.measure(has)!;
  }

  /** One random execution from the initial state; keeps the keys of the states the search stores. */
  private probe(): void {
    if (!this.m) {
      this.m = this.model();
      this.init = this.m.save();
    }
    const m = this.m;
    m.load(this.init);
    this.runs++;
    let cost = 0, passed = false;
    let root = '';
    for (let step = 0; step < MAX_PROBE && this.steps-- > 0; step++) {
      const all = m.transitions();
      // As Dfs.passThrough: a state passed through is not stored, and only its task's steps are taken.
      const h: number = this.pass && !passed && step > 0 ? m.passThrough() : -1;
      const skip = h >= 0 ? this.pass!(all, h) : -1;
      passed = skip >= 0;
      if (!passed) {
        // The initial state is entered without being offered to the visited set (Dfs.run).
        const key = this.sym ? m.canonical() : m.fingerprint();
        if (step === 0) root = key;
        else if (key !== root) {
          this.pending.push(key);
          this.total++;
        }
      }
      const from = passed ? all.filter((_, i) => !((skip >>> i) & 1)) : all;
      const trans: Transition[] = this.bound === Infinity ? from : from.filter((t) => cost + t.cost <= this.bound);
      if (trans.length === 0) break;
      const tr = trans[Math.floor(this.rand() * trans.length)];
      cost += tr.cost;
      if (m.apply(tr).kind !== 'continue') break;
    }
  }
}
