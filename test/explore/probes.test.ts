import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gen, specText, symmetricGen } from './random-spec.js';
import { loadSpec } from '../../src/spec/load.js';
import { loadSpecFile } from '../../src/cli/input.js';
import { explore } from '../../src/explore/explore.js';
import { Dfs, passMask, upToSymmetry } from '../../src/explore/frontier.js';
import { Budget } from '../../src/explore/budget.js';
import { Probes, PROBES } from '../../src/explore/probes.js';
import type { ExploreOptions, ExploreResult, Progress } from '../../src/explore/strategy.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';
// @ts-expect-error: a JavaScript module of the benchmarks, without declarations
import { specText as specTextOf } from '../../bench/scale-family.mjs';

/**
 * Random probes (explore/probes.ts), the progress measure of a search with a visited set: every
 * state a probe keeps is one the search stores, so a complete search covers every probe (the
 * measure ends at 100%, never short of it, which would be a probe walking where the search
 * does not: past a state it passes through, beyond the bound, or from the initial state, which
 * it never offers); an unfinished one does not; and running them beside a search changes
 * nothing in its report. `PROBE_RUNS` (bench/soundness.sh) runs more.
 */
const RUNS = Number(process.env.PROBE_RUNS ?? 20);

/** A clock on which the probes' share of the time always allows another probe. */
const late = () => 1e12;

/** A search of the whole space (or within `bound`), and the probes measured on its visited set when it ends. */
function searched(spec: Spec, o: ExploreOptions, bound = Infinity, maxStates?: number) {
  const m = new Machine(spec);
  const dfs = new Dfs(m, { ...o, maxStates }, bound, { executions: 0, nodes: 0 }, new Budget({ maxStates }, 0, () => 0));
  const limit = dfs.run();
  const probes = new Probes(() => new Machine(spec), upToSymmetry(m, o), o.fusion !== false ? passMask : null, bound, late, 0);
  return { limit, dfs, coverage: probes.measure((k) => dfs.visited.has(k))! };
}

const bytes = (r: ExploreResult) => JSON.stringify({ ...r, stats: { ...r.stats, ms: 0, rate: 0 } });

describe('random probes cover exactly what a complete search stores', () => {
  const cases = [
    ['random specs, unbounded', gen, false, Infinity, 0x9b_01],
    ['random specs, within one preemption', gen, false, 1, 0x9b_02],
    ['two interchangeable callers, up to symmetry', symmetricGen, true, Infinity, 0x9b_03],
  ] as const;
  for (const [name, arb, symmetry, bound, seed] of cases) {
    it(`${name}: 100% of ${PROBES} probes at the end (${RUNS} specs)`, () => {
      let complete = 0, symmetric = 0, partial = 0;
      fc.assert(
        fc.property(arb, (g) => {
          const text = specText(g);
          const spec = loadSpec(text, 'random.yaml').spec!;
          const o: ExploreOptions = { strategy: 'exhaustive', naive: false, symmetry };
          const { limit, dfs, coverage } = searched(spec, o, bound);
          if (limit !== null || dfs.symAbandoned !== null) return;
          expect(coverage.runs, text).toBe(PROBES);
          expect(coverage.states, text).toBe(1);
          complete++;
          if (dfs.symmetric.length) symmetric++;
          // Cut short, the same search has not covered them all (the measure can fall short).
          if (dfs.visited.size >= 40) {
            const cut = searched(spec, o, bound, Math.floor(dfs.visited.size / 4));
            expect(cut.coverage.states, text).toBeLessThan(1);
            partial++;
          }
        }),
        { seed, numRuns: RUNS },
      );
      expect(complete).toBeGreaterThan(RUNS / 2);
      expect(partial).toBeGreaterThan(0);
      if (symmetry) expect(symmetric).toBeGreaterThan(0);
    });
  }

  it('on every bundled spec whose exhaustive search completes', () => {
    const dir = join(__dirname, '../../specs');
    let checked = 0;
    for (const f of [...readdirSync(dir), ...readdirSync(join(dir, 'kernel')).map((x) => `kernel/${x}`)].filter((x) => x.endsWith('.yaml'))) {
      const loaded = loadSpecFile(join(dir, f), f);
      if (!loaded.spec) continue;
      const { limit, dfs, coverage } = searched(loaded.spec, { strategy: 'exhaustive', naive: false }, Infinity, 200_000);
      if (limit !== null || dfs.symAbandoned !== null) continue;
      expect([f, coverage.states]).toEqual([f, 1]);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('an empty visited set covers none of them', () => {
    const spec = loadSpec(readFileSync(join(__dirname, '../../specs/b2-stop-machine-preempt-none.yaml'), 'utf8'), 'b2.yaml').spec!;
    const p = new Probes(() => new Machine(spec), false, passMask, Infinity, late, 0).measure(() => false)!;
    expect([p.runs, p.states]).toEqual([PROBES, 0]);
  });
});

describe('probes beside a search change nothing in its report', () => {
  // Specs of a few thousand states and more: the progress display is called every 4,096.
  const cases: [string, string, ExploreOptions][] = [];
  for (const f of ['safe', 'stale', 'unsafe'] as const) {
    cases.push([`scale ${f} N=5`, specTextOf(f, 5), { strategy: 'exhaustive', naive: false }]);
    cases.push([`scale ${f} N=4 without symmetry`, specTextOf(f, 4), { strategy: 'exhaustive', naive: false, symmetry: false }]);
  }
  cases.push(['scale stale N=5 within one preemption', specTextOf('stale', 5), { strategy: 'bounded', naive: false, bound: 1 }]);
  it.each(cases)('%s: the same report, and the probes\' share never falls', (_, text, o) => {
    const spec = loadSpec(text, 'scale.yaml').spec!;
    const plain = explore(spec, o);
    // A clock that moves 1 ms a reading, and probes without a limit of time: they all run at the first call.
    let t = 0;
    const seen: number[] = [];
    const withProbes = explore(spec, { ...o, now: () => (t += 1), probeShare: Infinity, onProgress: (p: Progress) => { if (p.probes) seen.push(p.probes.states); } });
    expect(bytes(withProbes)).toBe(bytes(plain));
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen[seen.length - 1]).toBeLessThan(1);
  });
});

describe('a search a limit stopped says how far it came', () => {
  const text = specTextOf('safe', 6);
  const spec = loadSpec(text, 'scale.yaml').spec!;
  it('max-states: the probes\' coverage of its visited set, the same on every run, growing with the limit; none when complete or with --por', () => {
    const at = (maxStates: number, extra: Partial<ExploreOptions> = {}) => explore(spec, { strategy: 'exhaustive', naive: false, maxStates, ...extra });
    const a = at(5000), b = at(5000), c = at(10_000);
    expect(a.verdict).toBe('inconclusive');
    expect(a.stats.probes).toEqual(b.stats.probes);
    expect(a.stats.probes!.runs).toBe(PROBES);
    expect(a.stats.probes!.covered).toBeGreaterThan(0);
    expect(c.stats.probes!.covered).toBeGreaterThan(a.stats.probes!.covered);
    expect(c.stats.probes!.covered).toBeLessThan(1);
    expect(at(0).stats.probes).toBeUndefined();
    expect(at(2000, { por: true }).stats.probes).toBeUndefined();
    expect(at(2000, { naive: true }).stats.probes).toBeUndefined();
  });
});
