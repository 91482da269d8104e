import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gen, specText, symmetricGen, threeCallerGen } from './random-spec.js';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import { exploreTwoPhase, phase1Parts, type Phase1Job } from '../../src/explore/shared.js';
import type { ExploreOptions, ExploreResult } from '../../src/explore/strategy.js';
import { signature } from '../../src/check/violation.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';

/**
 * The two-phase search (explore/shared.ts; `--workers`) against the single search, on random
 * small specs (the soundness test's generator, and its variants with two and three
 * interchangeable callers, searched with symmetry and without): the same
 * verdict, states and findings — every signature with the same witness,
 * schedule text included — but for the schedules counted (phase 2's). Phase 1's result must
 * not depend on the order its parts are searched in (on threads, their timing): each spec is
 * searched with the parts in order and in a seeded shuffle, and the two reports must be the
 * same bytes. `TWO_PHASE_RUNS` (bench/soundness.sh) runs more.
 */
const RUNS = Number(process.env.TWO_PHASE_RUNS ?? 40);


/** Phase 1 on this thread, its parts in the order `order` gives. */
const inOrder = (spec: Spec, o: ExploreOptions, order: (n: number) => number[]) => async (job: Phase1Job) => {
  const perm = order(job.roots.length);
  return [phase1Parts(spec, o, { ...job, roots: perm.map((i) => job.roots[i]) })];
};

const shuffle = (seed: number) => (n: number) => {
  const a = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};

const witnesses = (r: ExploreResult) => r.findings.map((f) => `${signature(f.violation)} ${f.preemptions}/${f.steps} ${f.schedule}`);
const bytes = (r: ExploreResult) => JSON.stringify({ ...r, stats: { ...r.stats, ms: 0, rate: 0 } });

describe('the two-phase search is the single search (fast-check, seeded)', () => {
  const cases = [
    ['random specs', gen, false, 0x2f_a5e],
    ['two interchangeable callers, without symmetry', symmetricGen, false, 0x2f_a5f],
    ['two interchangeable callers, up to symmetry', symmetricGen, true, 0x2f_a60],
    ['three interchangeable callers, up to symmetry', threeCallerGen, true, 0x2f_a61],
  ] as const;
  for (const [name, arb, symmetry, seed0] of cases) {
    // Three callers' spaces are the largest: fewer of them in the default suite.
    const runs = arb === threeCallerGen ? Math.ceil(RUNS / 2) : RUNS;
    it(`${name}: verdict, states and every witness agree with the single search, whatever the order of the parts (${runs} specs)`, async () => {
      let compared = 0, fellBack = 0, withParts = 0, withViolations = 0;
      await fc.assert(
        fc.asyncProperty(arb, fc.integer({ min: 1, max: 2 ** 31 }), async (g, seed) => {
          const text = specText(g);
          const spec = loadSpec(text, 'random.yaml').spec!;
          if (symmetry && new Machine(spec).symmetry.groups.length === 0) return;
          const o: ExploreOptions = { strategy: 'exhaustive', naive: false, maxStates: 30_000, symmetry };
          const plain = explore(spec, o);
          if (!plain.complete) return;
          const two = await exploreTwoPhase(spec, o, inOrder(spec, o, (n) => Array.from({ length: n }, (_, i) => i)));
          if (typeof two === 'string') {
            expect(two, text).toMatch(/cycle/);
            fellBack++;
            return;
          }
          const shuffled = await exploreTwoPhase(spec, o, inOrder(spec, o, shuffle(seed)));
          expect(typeof shuffled === 'string' ? shuffled : bytes(shuffled), text).toBe(bytes(two));
          expect([two.verdict, two.complete, two.stats.states], text).toEqual([plain.verdict, true, plain.stats.states]);
          expect(witnesses(two), text).toEqual(witnesses(plain));
          compared++;
          if (two.stats.twoPhase!.parts > 0) withParts++;
          if (plain.findings.length) withViolations++;
        }),
        { seed: seed0, numRuns: runs },
      );
      console.log(`two-phase (${name}): ${compared} specs compared (${withParts} with parts, ${withViolations} with violations), ${fellBack} not taken (a cycle with livelocks judged)`);
      expect(compared).toBeGreaterThan(runs / 4);
      expect(withViolations).toBeGreaterThan(0);
    }, Math.max(300_000, runs * 10_000));
  }
});
