import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { join } from 'node:path';
import { gen, specText } from './random-spec.js';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import type { ExploreResult } from '../../src/explore/strategy.js';
import { signature } from '../../src/check/violation.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { loadSpecFile } from '../../src/cli/input.js';
import { nameOfSchedule, traceNames } from '../helpers/mazurkiewicz.js';
import { sleepRanks } from '../../src/explore/por.js';
import type { Transition } from '../../src/model/model.js';

/**
 * Partial-order reduction with sleep sets (src/explore/por.ts) is sound: over random specs
 * (soundness.test.ts's generator) and over every bundled spec, the exhaustive search with
 * --por and without it agree on the verdict, the violation signatures and the final states
 * reached (up to symmetry), and with --naive where it ends. `POR_RUNS=2000` (bench/soundness.sh)
 * runs more.
 */
const RUNS = Number(process.env.POR_RUNS ?? 120);
const TRACE_RUNS = Math.max(20, Math.round(RUNS / 3));
const BOUNDED_RUNS = Math.max(20, Math.round(RUNS / 2));
const sigs = (r: ExploreResult) => [...new Set(r.findings.map((f) => signature(f.violation)))].sort();
/** Each violation signature with the fewest preemptions it was found with. */
const least = (r: ExploreResult) => {
  const m = new Map<string, number>();
  for (const f of r.findings) {
    const s = signature(f.violation);
    m.set(s, Math.min(m.get(s) ?? Infinity, f.preemptions));
  }
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
};

describe('partial-order reduction (sleep sets)', () => {
  it(`agrees with the unreduced and the naive search on random specs (${RUNS} specs)`, () => {
    let compared = 0, applied = 0, abandoned = 0, withViolations = 0, fewer = 0, withNaive = 0;
    fc.assert(
      fc.property(gen, (g) => {
        const text = specText(g);
        const spec = loadSpec(text, 'random.yaml').spec!;
        const plain = explore(spec, { strategy: 'exhaustive', naive: false, collectFinals: true, maxStates: 30_000 });
        if (!plain.complete) return;
        const por = explore(spec, { strategy: 'exhaustive', naive: false, por: true, collectFinals: true });
        expect(por.complete, text).toBe(true);
        expect(por.verdict, text).toBe(plain.verdict);
        expect(sigs(por), text).toEqual(sigs(plain));
        expect([...por.finals!].sort(), text).toEqual([...plain.finals!].sort());
        // Sleep sets prune transitions, never states; the stoppers' exits taken first prune states.
        expect(por.stats.states, text).toBeLessThanOrEqual(plain.stats.states);
        if (!spec.tasks.some((t) => t.kind === 'patcher' && JSON.stringify(t).includes('stop_machine'))) expect(por.stats.states, text).toBe(plain.stats.states);
        const naive = explore(spec, { strategy: 'exhaustive', naive: true, maxStates: 20_000 });
        if (naive.complete) {
          withNaive++;
          expect(por.verdict, text).toBe(naive.verdict);
          expect(sigs(por), text).toEqual(sigs(naive));
        }
        compared++;
        if (plain.findings.length) withViolations++;
        const p = por.stats.por!;
        if ('abandoned' in p) abandoned++;
        else {
          applied++;
          if (por.stats.pruned < plain.stats.pruned) fewer++;
        }
      }),
      { seed: 0x90_4d, numRuns: RUNS },
    );
    console.log(`por: ${compared} specs compared (${withViolations} with violations, ${withNaive} also with --naive); reduction kept on ${applied} (${fewer} with fewer transitions), given up on ${abandoned}`);
    expect(compared).toBeGreaterThan(RUNS / 3);
    expect(withViolations).toBeGreaterThan(compared / 10);
    // The test must exercise the reduction, not only its fallback.
    expect(applied).toBeGreaterThan(compared / 3);
    expect(fewer).toBeGreaterThan(applied / 4);
  });

  it(`agrees with the unreduced search under preemption bounding, bound by bound (${BOUNDED_RUNS} specs)`, () => {
    // Iterative bounding with sleep sets: each violation found at the same least bound, with as
    // few preemptions, the same verdict and the same last bound (safe only where a bound cut
    // nothing the search would take). Also bounds 0 and 1 alone, with and without
    // a visited set, where a pruned schedule could have been the only one within the bound.
    let compared = 0, cheaper = 0, withViolations = 0, bounded = 0, abandoned = 0, fewer = 0;
    fc.assert(
      fc.property(gen, (g) => {
        const text = specText(g);
        const spec = loadSpec(text, 'random.yaml').spec!;
        for (const [bound, naive] of [[3, false], [0, false], [1, false], [1, true]] as const) {
          const ref = explore(spec, { strategy: 'bounded', bound, naive, maxStates: 30_000 });
          if (ref.limit && !ref.limit.startsWith('no violation with at most')) continue;
          const por = explore(spec, { strategy: 'bounded', bound, naive, por: true });
          const why = `${text}\n(bound ${bound}${naive ? ', --naive' : ''})`;
          if (por.stats.por && 'abandoned' in por.stats.por) {
            abandoned++; // searched again without it: the reference itself
            continue;
          }
          expect(least(por), why).toEqual(least(ref));
          expect(por.verdict, why).toBe(ref.verdict);
          expect(por.bound, why).toBe(ref.bound);
          if (!por.complete) bounded++;
          if (ref.findings.length) withViolations++;
          if (por.stats.executions < ref.stats.executions) fewer++;
          if (bound === 3 && ref.bound !== null && ref.bound > 0) cheaper++;
          compared++;
        }
      }),
      { seed: 0xb0_4d, numRuns: BOUNDED_RUNS },
    );
    console.log(`por bounded: ${compared} searches compared (${withViolations} with violations, ${bounded} bounded at their highest bound, ${cheaper} needing a preemption); ${fewer} with fewer executions; ${abandoned} more where the reduction was given up`);
    expect(compared).toBeGreaterThan(BOUNDED_RUNS);
    expect(withViolations).toBeGreaterThan(compared / 10);
    expect(cheaper).toBeGreaterThan(BOUNDED_RUNS / 10);
    expect(fewer).toBeGreaterThan(compared / 4);
  });

  it(`without a visited set runs every Mazurkiewicz trace, close to once each (${TRACE_RUNS} specs; test/helpers/mazurkiewicz.ts counts them)`, () => {
    let compared = 0, exact = 0, traces = 0, porRuns = 0, naiveRuns = 0, worst = 1;
    fc.assert(
      // Traces are counted on specs without cycles: no caller spins.
      fc.property(gen.map((g) => ({ ...g, spin: 'none' as const })), (g) => {
        const text = specText(g);
        const spec = loadSpec(text, 'random.yaml').spec!;
        const ref = traceNames(spec, 5_000);
        if (!ref) return; // a cycle, or too many schedules to name
        const seen = new Set<string>();
        let runs = 0;
        const por = explore(spec, { strategy: 'exhaustive', naive: true, por: true, symmetry: false, onExecution: (path) => seen.add(nameOfSchedule(spec, path)) });
        runs = por.stats.executions;
        expect(por.complete, text).toBe(true);
        // Every trace, and nothing that is not one of them.
        expect([...seen].sort(), text).toEqual([...ref.names].sort());
        compared++;
        traces += ref.names.size;
        porRuns += runs;
        naiveRuns += ref.executions;
        if (runs === ref.names.size) exact++;
        worst = Math.max(worst, runs / ref.names.size);
      }),
      { seed: 0x7a_ce, numRuns: TRACE_RUNS },
    );
    const per = (x: number) => (x / traces).toFixed(2);
    console.log(`por: ${compared} specs, ${traces} traces; executions per trace: ${per(porRuns)} with --naive --por (exactly 1 on ${exact} specs, at most ${worst.toFixed(2)}), ${per(naiveRuns)} with --naive`);
    expect(compared).toBeGreaterThan(TRACE_RUNS / 3);
    expect(exact).toBeGreaterThan(compared / 2);
    expect(porRuns / traces).toBeLessThan(1.5);
    // The sample has real redundancy for the reduction to remove (1.87 with seed 0x7ace).
    expect(naiveRuns / traces).toBeGreaterThan(1.5);
  });

  it('agrees with the unreduced search on every bundled spec that ends within 20,000 states', () => {
    const dir = join(__dirname, '../../specs');
    let compared = 0, applied = 0, abandoned = 0;
    const later: string[] = [];
    const files = [...readdirSync(dir), ...readdirSync(join(dir, 'kernel')).map((x) => `kernel/${x}`)].filter((x) => x.endsWith('.yaml')).sort();
    for (const f of files) {
      const loaded = loadSpecFile(join(dir, f), f);
      if (!loaded.spec) continue; // specs needing kernel objects not built here
      const plain = explore(loaded.spec, { strategy: 'exhaustive', naive: false, maxStates: 20_000 });
      if (!plain.complete) continue;
      const por = explore(loaded.spec, { strategy: 'exhaustive', naive: false, por: true });
      expect(por.verdict, f).toBe(plain.verdict);
      expect(sigs(por), f).toEqual(sigs(plain));
      // Iterative preemption bounding (check's default search), with and without sleep sets.
      const bounded = explore(loaded.spec, { strategy: 'bounded', naive: false, maxStates: 20_000 });
      const boundedPor = explore(loaded.spec, { strategy: 'bounded', naive: false, por: true });
      expect(least(boundedPor), f).toEqual(least(bounded));
      expect(boundedPor.verdict, f).toBe(bounded.verdict);
      // Sleep sets may need a bound more than the visited set alone to see that none cuts anything.
      if (boundedPor.bound !== bounded.bound) later.push(`${f} (${bounded.bound} -> ${boundedPor.bound})`);
      expect(boundedPor.bound ?? Infinity, f).toBeGreaterThanOrEqual(bounded.bound ?? Infinity);
      compared++;
      if (por.stats.por && 'slept' in por.stats.por) applied++;
      else abandoned++;
    }
    console.log(`por: ${compared} bundled specs compared, reduction kept on ${applied}, given up on ${abandoned}; bounded, complete at a later bound with --por: ${later.join(', ') || 'none'}`);
    expect(later.length).toBeLessThan(compared / 10);
    expect(compared).toBeGreaterThan(15);
    expect(applied).toBeGreaterThan(5);
  });

  it('names a transition by its hart and task as the visited set keys the state: exactly, or up to symmetry', () => {
    const t = (hart: number, task: number, choice = 0): Transition => ({ token: `h${hart}/${choice}`, kind: 'step', hart, task, choice, cost: 0 });
    const trans = [t(0, 0), t(0, 0, 1), t(1, 1), t(2, 2)];
    // Exact keys: ranked by hart, then choice.
    expect([...sleepRanks(trans, null)!]).toEqual([0, 1, 2, 3]);
    // Keyed up to symmetry with harts (and tasks) 0 and 2 swapped: hart 2's step ranks first.
    expect([...sleepRanks(trans, { hart: [2, 1, 0], task: [2, 1, 0] })!]).toEqual([2, 3, 1, 0]);
    expect(sleepRanks(Array.from({ length: 32 }, (_, i) => t(i % 8, i % 8, i >> 3)), null)).toBeNull();
  });

  it('is a check option with its caveat, and refuses what it does not combine with', async () => {
    const spec = join(__dirname, '../../specs/b2-stop-machine-preempt-none.yaml');
    const run = async (...args: string[]) => {
      const io = bufferIo();
      const code = await main(['check', ...args], io);
      return { code, out: io.out, err: io.err };
    };
    const plain = await run(spec, '--exhaustive', '--format', 'json', '--no-timing');
    const por = await run(spec, '--exhaustive', '--por', '--format', 'json', '--no-timing');
    expect(por.code).toBe(plain.code);
    const a = JSON.parse(plain.out), b = JSON.parse(por.out);
    expect(b.verdict).toBe(a.verdict);
    expect(b.stats.states).toBeLessThan(a.stats.states); // the stoppers' exits first
    expect(b.stats.pruned).toBeLessThan(a.stats.pruned);
    expect(b.stats.por.slept).toBeGreaterThan(0);
    expect(b.unexplored).toContain('partial-order reduction: livelocks only on cycles the reduced search closes');
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(__dirname, '../../schema/report.schema.json'), 'utf8')));
    expect(validate(b), JSON.stringify(validate.errors)).toBe(true);
    // Without a visited set: the stateless sleep-set search, fewer executions than --naive.
    const naive = JSON.parse((await run(spec, '--exhaustive', '--naive', '--format', 'json', '--no-timing')).out);
    const naivePor = JSON.parse((await run(spec, '--exhaustive', '--naive', '--por', '--format', 'json', '--no-timing')).out);
    expect(naivePor.verdict).toBe(naive.verdict);
    expect(naivePor.stats.executions).toBeLessThan(naive.stats.executions);
    // Bound by bound (check's default search), on a preemptible kernel.
    const d1 = join(__dirname, '../../specs/d1-616-jalr-toggle-preempt-full.yaml');
    const d1Plain = await run(d1, '--set', 'explore.exhaustive=false', '--format', 'json', '--no-timing');
    const d1Por = await run(d1, '--set', 'explore.exhaustive=false', '--por', '--format', 'json', '--no-timing');
    expect(d1Por.code).toBe(d1Plain.code);
    const [p1, p2] = [JSON.parse(d1Plain.out), JSON.parse(d1Por.out)];
    expect([p2.verdict, p2.complete, p2.bound]).toEqual([p1.verdict, p1.complete, p1.bound]);
    expect(p1.bound).toBeGreaterThan(0);
    expect(p2.stats.pruned).toBeLessThan(p1.stats.pruned);
    expect(p2.stats.por.slept).toBeGreaterThan(0);
    const text = await run(spec, '--exhaustive', '--por');
    expect(text.out).toMatch(/partial-order reduction: [\d,]+ transitions asleep/);
    for (const [args, msg] of [
      [[spec, '--por', '--random', '10'], '--por reduces a systematic search'],
      [[spec, '--por', '--exhaustive', '--all'], '--por is a reduction'],
    ] as const) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(msg);
    }
  });
});
