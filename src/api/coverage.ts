/**
 * Coverage for `explain`: which sites, site versions and instructions executions reach, so
 * "safe" can be told apart from "never reached". `searchCoverage` reads what the check's own
 * search executed (the explorer collects it with ExploreOptions.coverage: the whole search);
 * `sampleCoverage` replays seeded random walks, for a spec too large to search.
 */
import type { Spec } from '../spec/types.js';
import { Machine } from '../model/machine.js';
import type { TraceEvent } from '../model/trace.js';
import type { SearchCoverage } from '../model/coverage.js';

export interface SiteCoverage {
  name: string;
  /** Executions (of the sample) that ran an instruction of the site. */
  entered: number;
  /** Site versions some executed instruction fetched bytes of. */
  versionsExecuted: number[];
  /** Versions the patch made in the sample (v0 is the initial content). */
  versionsMade: number;
}

export interface Coverage {
  walks: number;
  /** Walks that ended in a violation. */
  violations: number;
  sites: SiteCoverage[];
  /** Instruction starts in code and patchable regions, and how many of them ran. */
  instructions: { total: number; executed: number };
  /** Regions with instructions of which none ran. */
  regionsNeverRun: string[];
}

/** xorshift32: a fixed, seedable sequence (the sample must not vary between runs). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

/** Instruction starts in code and patchable regions that ran, and the regions none of whose instructions ran. */
function instructionCoverage(spec: Spec, pcs: ReadonlySet<number>): Pick<Coverage, 'instructions' | 'regionsNeverRun'> {
  let total = 0, executed = 0;
  const never: string[] = [];
  for (const r of spec.regions) {
    if (r.kind === 'data') continue;
    let ran = 0;
    for (const off of r.insnStarts) {
      total++;
      if (pcs.has(r.base + off)) { executed++; ran++; }
    }
    if (r.insnStarts.size && !ran) never.push(r.name);
  }
  return { instructions: { total, executed }, regionsNeverRun: never };
}

export function sampleCoverage(spec: Spec, walks = 200, seed = 1, extra: readonly { site?: string; pc?: string; kind: string; fetched?: { version: number | null }[] }[][] = []): Coverage {
  const next = rng(seed);
  const entered = spec.sites.map(() => 0);
  const versions = spec.sites.map(() => new Set<number>());
  const made = spec.sites.map(() => 1);
  const pcs = new Set<number>();
  let violations = 0;
  const note = (events: readonly { site?: string; pc?: number | string; kind: string; fetched?: readonly { version?: number | null }[] }[], count: boolean) => {
    const seen = new Set<number>();
    for (const ev of events) {
      if (ev.kind !== 'insn' || ev.pc === undefined) continue;
      pcs.add(typeof ev.pc === 'string' ? Number(BigInt.asIntN(64, BigInt(ev.pc))) : ev.pc);
      const s = ev.site === undefined ? -1 : spec.sites.findIndex((x) => x.name === ev.site);
      if (s < 0) continue;
      seen.add(s);
      for (const f of ev.fetched ?? []) if (f.version !== undefined && f.version !== null) versions[s].add(f.version);
    }
    if (count) for (const s of seen) entered[s]++;
  };
  const maxSteps = Math.max(100, spec.explore.maxSteps);
  for (let w = 0; w < walks; w++) {
    const m = new Machine(spec);
    const trace: TraceEvent[] = (m.trace = []);
    for (let step = 0; step < maxSteps; step++) {
      const ts = m.transitions();
      if (!ts.length) break;
      const out = m.apply(ts[next() % ts.length]);
      if (out.kind === 'violation') { violations++; break; }
      if (out.kind !== 'continue') break;
    }
    note(trace, true);
    spec.sites.forEach((_, i) => { made[i] = Math.max(made[i], m.versionsOf(i).length); });
  }
  for (const events of extra) note(events, false);
  const { instructions, regionsNeverRun } = instructionCoverage(spec, pcs);
  return {
    walks,
    violations,
    sites: spec.sites.map((s, i) => ({ name: s.name, entered: entered[i], versionsExecuted: [...versions[i]].sort((a, b) => a - b), versionsMade: made[i] })),
    instructions,
    regionsNeverRun,
  };
}

/** The coverage the check's search collected (walks: 0, entered: 1 for a site some execution entered). */
export function searchCoverage(spec: Spec, cov: SearchCoverage): Coverage {
  const pcs = new Set(cov.pcs);
  const { instructions, regionsNeverRun } = instructionCoverage(spec, pcs);
  return {
    walks: 0,
    violations: 0,
    sites: spec.sites.map((s, i) => ({ name: s.name, entered: cov.sites[i].entered ? 1 : 0, versionsExecuted: cov.sites[i].versionsExecuted, versionsMade: cov.sites[i].versionsMade })),
    instructions,
    regionsNeverRun,
  };
}
