import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gen, specText } from './random-spec.js';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import { signature } from '../../src/check/violation.js';

/**
 * Soundness of every reduction (issue 8): over random small specs — 2-3 harts, one or two
 * sites of real encodings (auipc+jalr pairs, nops, c.nop pairs, NOP4, jal), every fetch model
 * and granule, preemption models, interrupts, stop_machine or not, flushes, shared data read
 * by the callers — the default search (iterative bounding with the visited set), the
 * unbounded search and the naive search (no visited set) agree on the verdict and on the set
 * of violation signatures, and whatever seeded random walks find, the exhaustive search finds
 * too. CI runs a few hundred specs; `SOUNDNESS_RUNS=10000 npx vitest run test/explore/soundness`
 * (or bench/soundness.sh) runs many more.
 */

const RUNS = Number(process.env.SOUNDNESS_RUNS ?? 150);

describe('every reduction is sound (fast-check, seeded)', () => {
  it(`default, exhaustive and naive searches agree; random walks find nothing the exhaustive search misses (${RUNS} specs)`, () => {
    let compared = 0, skipped = 0, withViolations = 0, livelocks = 0;
    const byModel: Record<string, number> = {};
    fc.assert(
      fc.property(gen, (g) => {
        const text = specText(g);
        const loaded = loadSpec(text, 'random.yaml');
        if (!loaded.spec) throw new Error(`generator made a bad spec: ${loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ')}\n${text}`);
        const spec = loaded.spec;
        const naive = explore(spec, { strategy: 'exhaustive', naive: true, maxStates: 30_000 });
        if (!naive.complete) {
          skipped++; // too big to compare exhaustively
          return;
        }
        const sigs = (r: typeof naive) => [...new Set(r.findings.map((f) => signature(f.violation)))].sort();
        const reduced = explore(spec, { strategy: 'bounded', naive: false });
        const exhaustive = explore(spec, { strategy: 'exhaustive', naive: false });
        expect(reduced.complete, text).toBe(true);
        expect(exhaustive.complete, text).toBe(true);
        expect(reduced.verdict, text).toBe(naive.verdict);
        expect(exhaustive.verdict, text).toBe(naive.verdict);
        expect(sigs(reduced), text).toEqual(sigs(naive));
        expect(sigs(exhaustive), text).toEqual(sigs(naive));
        const walks = explore(spec, { strategy: 'random', naive: false, executions: 30, seed: compared + 1 });
        const all = new Set(sigs(exhaustive));
        for (const s of sigs(walks)) expect(all.has(s), `random found ${s} that the exhaustive search did not\n${text}`).toBe(true);
        compared++;
        byModel[g.model] = (byModel[g.model] ?? 0) + 1;
        if (naive.findings.length) withViolations++;
        if (naive.findings.some((f) => f.violation.kind === 'livelock')) livelocks++;
      }),
      { seed: 0x50_0d, numRuns: RUNS },
    );
    console.log(`soundness: ${compared} specs compared (${withViolations} with violations, ${livelocks} with livelocks, ${skipped} too large for --naive); by model ${JSON.stringify(byModel)}`);
    // Callers spinning on shared data (random-spec.ts): livelocks, judged by every search.
    expect(livelocks).toBeGreaterThan(0);
    expect(compared).toBeGreaterThan(RUNS / 3);
    expect(withViolations).toBeGreaterThan(compared / 10);
    expect(withViolations).toBeLessThan(compared);
  });
});
