import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gen, specText } from './random-spec.js';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import { explorePart, explorePartitioned, mergeParts, partsLimit, splitSearch } from '../../src/explore/partition.js';
import type { ExploreOptions, ExploreResult } from '../../src/explore/strategy.js';
import { signature } from '../../src/check/violation.js';
import { b2OnHarts } from '../helpers/b2-family.js';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { kernelObjectsMissing } from '../kernel/built.js';

/**
 * The partitioned search (explore/partition.ts; --workers, --shard, merge) against the plain
 * one, on random small specs (the generator of the soundness test): the same verdict, the same
 * violation signatures, the same states (the union of the parts' visited sets), and for each
 * signature a best witness as short and with as few preemptions; with --por (sleep sets in each
 * part) the same verdict, signatures, states and final states; with --naive (no visited set,
 * so the parts are an exact partition of the tree) the same result in every figure. And the
 * merge does not depend on the order the parts finish in. `PARTITION_RUNS` (bench/soundness.sh)
 * runs more specs.
 */

const RUNS = Number(process.env.PARTITION_RUNS ?? 40);

const sigs = (r: ExploreResult) => r.findings.map((f) => signature(f.violation)).sort();
/** A livelock's steps are its lasso's, which depend on the state of its component a search enters first (docs/semantics.md, "Livelocks"). */
const best = (r: ExploreResult) => Object.fromEntries(r.findings.map((f) => [signature(f.violation), f.violation.kind === 'livelock' ? [f.preemptions] : [f.preemptions, f.steps]]));
const exact = (r: ExploreResult) => ({ ...r, stats: { ...r.stats, ms: 0, rate: 0, parts: undefined } });

describe('the partitioned search is the plain search, split (fast-check, seeded)', () => {
  it(`verdict, signatures, states and best witnesses' lengths agree with the plain exhaustive search; --naive agrees in every figure (${RUNS} specs)`, () => {
    let compared = 0, withParts = 0, withViolations = 0, porSlept = 0, porAbandoned = 0, livelocks = 0;
    fc.assert(
      fc.property(gen, fc.constantFrom(2, 5, 64), (g, target) => {
        const text = specText(g);
        const spec = loadSpec(text, 'random.yaml').spec!;
        const o: ExploreOptions = { strategy: 'exhaustive', naive: false, maxStates: 30_000 };
        const plain = explore(spec, o);
        if (!plain.complete) return;
        const parted = explorePartitioned(spec, o, target);
        expect(parted.complete, text).toBe(true);
        expect(parted.verdict, text).toBe(plain.verdict);
        expect(sigs(parted), text).toEqual(sigs(plain));
        expect(parted.stats.states, text).toBe(plain.stats.states);
        expect(best(parted), text).toEqual(best(plain));
        // Sleep sets in the parts (--por --workers/--shard): they cut transitions; the stoppers'
        // exits taken first (Model.persistent) cut states.
        const porParted = explorePartitioned(spec, { ...o, por: true, collectFinals: true }, target);
        expect(porParted.complete, text).toBe(true);
        expect(porParted.verdict, text).toBe(plain.verdict);
        expect(sigs(porParted), text).toEqual(sigs(plain));
        expect(porParted.stats.states, text).toBeLessThanOrEqual(plain.stats.states);
        expect([...porParted.finals!].sort(), text).toEqual([...explore(spec, { ...o, collectFinals: true }).finals!].sort());
        if (porParted.stats.parts!.count > 0) {
          expect(porParted.stats.por, text).toBeDefined();
          if ('slept' in porParted.stats.por!) porSlept += porParted.stats.por.slept;
          else porAbandoned++;
        }
        const n: ExploreOptions = { ...o, naive: true };
        const naive = explore(spec, n);
        if (naive.complete) {
          const naiveParted = explorePartitioned(spec, n, target);
          expect(exact(naiveParted), text).toEqual(exact(naive));
        }
        compared++;
        if (parted.stats.parts!.count > 0) withParts++;
        if (plain.findings.length) withViolations++;
        if (plain.findings.some((f) => f.violation.kind === 'livelock')) livelocks++;
      }),
      { seed: 0x9a_47, numRuns: RUNS },
    );
    console.log(`partition: ${compared} specs compared, ${withParts} split in parts, ${withViolations} with violations (${livelocks} with livelocks); with --por ${porSlept} transitions asleep in the parts, given up in ${porAbandoned}`);
    // Callers spinning on shared data (random-spec.ts) make livelocks for the parts to judge.
    expect(livelocks).toBeGreaterThan(0);
    expect(withParts).toBeGreaterThan(compared / 3);
    expect(withViolations).toBeGreaterThan(compared / 10);
    expect(porSlept).toBeGreaterThan(0);
  });

  it('the merge is the same whatever order the parts finish in, and a part is the same wherever it runs', () => {
    const spec = loadSpec(b2OnHarts(3), 'b2-3.yaml').spec!;
    const o: ExploreOptions = { strategy: 'exhaustive', naive: false };
    const split = splitSearch(spec, o, 16);
    expect(split.parts.length).toBeGreaterThanOrEqual(16);
    const results = split.parts.map((p) => explorePart(spec, o, p));
    const again = [...split.parts].reverse().map((p) => explorePart(spec, o, p));
    const a = mergeParts(spec, o, split, results, 0);
    const b = mergeParts(spec, o, split, again, 0);
    const shuffled = [...results].sort((x, y) => ((x.index * 7919) % 13) - ((y.index * 7919) % 13));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(mergeParts(spec, o, split, shuffled, 0))).toBe(JSON.stringify(a));
    expect(a.stats.states).toBe(explore(spec, o).stats.states);
    expect(() => mergeParts(spec, o, split, results.slice(1), 0)).toThrow(/needs the results of all/);
  });

  it('a part the clock stopped is named in the limit, after the first part\'s (fuzz seed 7, case 773,475)', () => {
    const spec = loadSpec(b2OnHarts(3), 'b2-3.yaml').spec!;
    const o: ExploreOptions = { strategy: 'exhaustive', naive: false };
    const split = splitSearch(spec, o, 16);
    const results = split.parts.map((p) => explorePart(spec, o, p));
    const n = split.parts.length;
    const cut = (i: number, limit: string) => results.map((r) => (r.index === i ? { ...r, limit } : r));
    const states = cut(2, 'max-states 100 reached');
    expect(mergeParts(spec, o, split, states, 0).limit).toBe(`max-states 100 reached in part 2 of ${n}`);
    const both = cut(2, 'max-states 100 reached').map((r) => (r.index === 5 ? { ...r, limit: 'max-time 4000 ms reached' } : r));
    expect(partsLimit([split.top, ...both], n)).toBe(`max-states 100 reached in part 2 of ${n}; max-time 4000 ms reached in part 5 of ${n}`);
    expect(mergeParts(spec, o, split, both, 0).limit).toBe(partsLimit([split.top, ...both], n));
    expect(partsLimit([split.top, ...cut(3, 'max-time 4000 ms reached')], n)).toBe(`max-time 4000 ms reached in part 3 of ${n}`);
    expect(partsLimit([split.top, ...results], n)).toBeUndefined();
  });

  it.skipIf(kernelObjectsMissing)('livelocks are found in parts as by the single search (6.1 patch_text under a cpumask, IPI flush)', () => {
    const file = resolve(__dirname, '../../specs/kernel/k61-patch-text-cpumask-ipi-deadlock.yaml');
    const spec = loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p), resolvePath: (p) => resolve(dirname(file), p) }).spec!;
    const o: ExploreOptions = { strategy: 'exhaustive', naive: false };
    const plain = explore(spec, o);
    expect(plain.findings.map((f) => f.violation.kind)).toContain('livelock');
    for (const target of [2, 8, 64]) {
      const parted = explorePartitioned(spec, o, target);
      expect(parted.stats.parts!.count).toBeGreaterThan(0);
      expect(sigs(parted)).toEqual(sigs(plain));
      expect(best(parted)).toEqual(best(plain));
      expect(parted.stats.states).toBe(plain.stats.states);
      // Its spin loops run through the top of the split: each part follows its prefix's other edges to judge them whole.
      expect(parted.stats.unjudged).toBeUndefined();
    }
    // With --por each part closing a cycle gives the reduction up and is searched again without it.
    const por = explorePartitioned(spec, { ...o, por: true }, 8);
    expect(por.stats.por).toEqual({ abandoned: expect.stringMatching(/cycle.*, in part \d+ of \d+$/) });
    expect(sigs(por)).toEqual(sigs(plain));
    expect(por.stats.states).toBe(plain.stats.states);
  });
});
