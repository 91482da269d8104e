/**
 * The checker as a library: spec text in, verdict out, no I/O. The CLI (`check`, `replay`)
 * and the tests (including the scenario library's) drive it in memory.
 */
import { loadSpec, LoadOptions } from '../spec/load.js';
import type { SpecDiagnostic } from '../spec/diagnostic.js';
import type { Spec } from '../spec/types.js';
import type { Violation } from '../check/violation.js';
import { explore, ExploreOptions, ExploreResult, replay, ReplayResult } from '../explore/explore.js';
import { FETCH_MODELS } from '../model/fetch/fetch-model.js';

export interface CheckOptions {
  overrides?: readonly string[];
  readFile?: LoadOptions['readFile'];
  resolvePath?: LoadOptions['resolvePath'];
  /** Command-line overrides of the spec's `explore:`. */
  exhaustive?: boolean;
  /** Random walks instead of a systematic search: how many, and the seed. */
  random?: number;
  seed?: number;
  naive?: boolean;
  /** Symmetry reduction of interchangeable tasks (default on). */
  symmetry?: boolean;
  /** Partial-order reduction with sleep sets, exhaustive or bound by bound (explore/por.ts). */
  por?: boolean;
  bound?: number;
  maxStates?: number;
  maxTime?: number;
  maxMemory?: number;
  all?: boolean;
  heapUsed?: () => number;
  now?: () => number;
  collectFinals?: boolean;
  coverage?: boolean;
  onViolation?: ExploreOptions['onViolation'];
  onProgress?: ExploreOptions['onProgress'];
  checkpoint?: ExploreOptions['checkpoint'];
  checkpointKey?: string;
  resume?: ExploreOptions['resume'];
}

export type CheckResult =
  | { ok: false; diagnostics: SpecDiagnostic[] }
  | { ok: true; spec: Spec; result: ExploreResult; matches: boolean };

type Expected = Spec['expect']['violations'][number];
const covers = (e: Expected, v: Violation) => e.property === v.property && (!e.kind || e.kind === v.kind) && (!e.site || e.site === v.site);
const expectedText = (e: Expected) => `${e.property}${e.kind ? ` (${e.kind})` : ''}${e.site ? ` at ${e.site}` : ''}`;

/**
 * Why a result fails the spec's gate, one line each (empty: it passes). The gate is strict:
 * an unsafe expectation that names violations is the full set — each must be found, and a
 * finding no entry covers fails the gate, named.
 */
export function gateProblems(spec: Spec, r: ExploreResult): string[] {
  if (r.verdict === 'inconclusive') return [`inconclusive: ${r.limit ?? 'the search stopped early'}`];
  const out: string[] = [];
  if (r.verdict !== spec.expect.verdict) out.push(`${r.verdict}, expected ${spec.expect.verdict}`);
  const expected = spec.expect.violations;
  if (r.verdict === 'unsafe' && expected.length) {
    for (const e of expected) if (!r.findings.some((f) => covers(e, f.violation))) out.push(`expected ${expectedText(e)}: not found`);
    for (const f of r.findings) {
      const v = f.violation;
      if (!v.benign && !expected.some((e) => covers(e, v))) out.push(`unexpected ${v.property} (${v.kind})${v.site ? ` at ${v.site}` : ''}: ${v.message} (schedule ${f.schedule})`);
    }
  }
  return out;
}

/** Whether a result agrees with the spec's `expect:` (the strict gate: gateProblems is empty). */
export function verdictMatches(spec: Spec, r: ExploreResult): boolean {
  return gateProblems(spec, r).length === 0;
}

/**
 * Specs are untrusted input (a CI gate runs them from patches), so states and heap are bounded
 * by default; `--max-* 0` on the command line lifts a limit. Time is unbounded by default: a default wall-clock limit would
 * make the verdict depend on the machine's speed.
 */
export const DEFAULT_LIMITS = { maxStates: 2_000_000, maxTime: undefined, maxMemory: 2048 } as const;

/**
 * The command line has the last word (0 = no limit); a spec may only tighten a default, never
 * loosen it, so a spec arriving in a patch cannot make a CI gate run unbounded.
 */
export function limit(cli: number | undefined, spec: number | undefined, fallback: number | undefined): number | undefined {
  if (cli !== undefined) return cli === 0 ? undefined : cli;
  if (spec === undefined) return fallback;
  return fallback === undefined ? spec : Math.min(spec, fallback);
}

export function exploreOptions(spec: Spec, o: CheckOptions): ExploreOptions {
  const e = spec.explore;
  return {
    // A bound given here asks for the bounded search, over a spec's `explore.exhaustive`.
    strategy: o.random !== undefined ? 'random' : (o.exhaustive ?? (o.bound !== undefined ? false : e.exhaustive)) ? 'exhaustive' : 'bounded',
    executions: o.random,
    seed: o.seed,
    bound: o.bound ?? e.bound,
    // --all enumerates every violating schedule, so no state is pruned.
    naive: o.naive ?? (o.all ? true : e.reduction === 'naive'),
    symmetry: o.symmetry,
    por: o.por,
    maxStates: limit(o.maxStates, e.maxStates, DEFAULT_LIMITS.maxStates),
    maxTime: limit(o.maxTime, e.maxTime, DEFAULT_LIMITS.maxTime),
    maxMemory: limit(o.maxMemory, e.maxMemory, DEFAULT_LIMITS.maxMemory),
    all: o.all,
    heapUsed: o.heapUsed,
    now: o.now,
    collectFinals: o.collectFinals,
    coverage: o.coverage,
    onViolation: o.onViolation,
    onProgress: o.onProgress,
    checkpoint: o.checkpoint,
    checkpointKey: o.checkpointKey,
    resume: o.resume,
  };
}

export function checkSpecText(text: string, file: string, o: CheckOptions = {}): CheckResult {
  const loaded = loadSpec(text, file, { overrides: o.overrides, readFile: o.readFile, resolvePath: o.resolvePath });
  if (!loaded.spec) return { ok: false, diagnostics: loaded.diagnostics };
  return checkSpec(loaded.spec, o);
}

export function checkSpec(spec: Spec, o: CheckOptions = {}): CheckResult & { ok: true } {
  const result = explore(spec, exploreOptions(spec, o));
  return { ok: true, spec, result, matches: verdictMatches(spec, result) };
}

/**
 * What a verdict under the spec's fetch model does not cover (docs/semantics.md, Fetch
 * models): printed beside every safe verdict, so "safe" never goes quiet about it.
 */
export function modelCaveat(spec: Spec, r?: ExploreResult): string | undefined {
  const m = FETCH_MODELS[spec.fetch.model];
  const parts = [m.unexplored && `fetch model ${m.name}: ${m.unexplored}`];
  // --por gives itself up on the first cycle it closes; one it never closes is not judged.
  if (r?.stats.por && 'slept' in r.stats.por && spec.properties.deadlock) parts.push('partial-order reduction: livelocks only on cycles the reduced search closes (it closed none)');
  if (r?.stats.unjudged && spec.properties.deadlock) parts.push(`livelocks: ${r.stats.unjudged}`);
  return parts.filter(Boolean).join('; ') || undefined;
}

export { replay };
export type { ReplayResult };
