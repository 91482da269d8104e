import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import type { ExploreOptions, ExploreResult } from '../../src/explore/strategy.js';
import { signature } from '../../src/check/violation.js';
import { Machine } from '../../src/model/machine.js';
import { replay } from '../../src/explore/replay.js';
import { gen, specText } from './random-spec.js';
import { b2OnHarts } from '../helpers/b2-family.js';

/**
 * Two reductions of the search (docs/semantics.md, "Search"): call starts passed through
 * (Model.passThrough: a caller's call start and the fetch at its patchable entry run as one
 * step, the state between never entered) and, with --por, stoppers' exits first
 * (Model.persistent: once every hart has flushed, one exit is searched alone). Each against
 * the same search with it off (`fusion: false`, `persistent: false`: the reference) and the
 * naive search (which does neither): the same verdict, violation signatures and final states,
 * and for every signature a witness with as few preemptions (and, passing call starts
 * through, as few steps); never more states, and every witness replays to its violation. `FUSION_RUNS=2000` (bench/soundness.sh) runs more.
 */
const RUNS = Number(process.env.FUSION_RUNS ?? 60);

const sigs = (r: ExploreResult) => [...new Set(r.findings.map((f) => signature(f.violation)))].sort();
/** Per signature, the least (preemptions, steps) of its witness (a livelock's preemptions only: its lasso's steps depend on the search order). */
const costs = (r: ExploreResult) => costsOf(r).map(([sig, c]) => [sig, sig.startsWith('deadlock|livelock|') ? [c[0]] : c] as const);
const costsOf = (r: ExploreResult) => {
  const out = new Map<string, [number, number]>();
  for (const f of r.findings) {
    const s = signature(f.violation);
    const c = out.get(s);
    if (!c || f.preemptions < c[0] || (f.preemptions === c[0] && f.steps < c[1])) out.set(s, [f.preemptions, f.steps]);
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

/**
 * `steps`: each signature's least steps are the reference's too (not for exits first: a
 * violation while exits are pending is reached after them; not for livelocks: a lasso's length
 * depends on which state of its component the search enters first, docs/semantics.md).
 */
function compare(text: string, opts: Partial<ExploreOptions>, off: Partial<ExploreOptions> = { fusion: false }, steps = true): { fused: ExploreResult; plain: ExploreResult } | null {
  const spec = loadSpec(text, 'random.yaml').spec!;
  const plain = explore(spec, { strategy: 'exhaustive', naive: false, collectFinals: true, maxStates: 40_000, ...opts, ...off });
  if (!plain.complete) return null;
  const fused = explore(spec, { strategy: 'exhaustive', naive: false, collectFinals: true, ...opts });
  expect(fused.complete, text).toBe(true);
  expect(fused.verdict, text).toBe(plain.verdict);
  expect(sigs(fused), text).toEqual(sigs(plain));
  const least = (r: ExploreResult) => costs(r).map(([sig, c]) => [sig, steps ? c : [c[0]]]);
  expect(least(fused), text).toEqual(least(plain));
  expect([...fused.finals!].sort(), text).toEqual([...plain.finals!].sort());
  expect(fused.stats.states, text).toBeLessThanOrEqual(plain.stats.states);
  for (const f of fused.findings) {
    const r = replay(spec, f.schedule);
    expect(r.violation && signature(r.violation), `${f.schedule}\n${text}`).toBe(signature(f.violation));
    expect([r.preemptions, f.steps], f.schedule).toEqual([f.preemptions, f.schedule.split('.').reduce((n, p) => n + Number(p.split('*')[1] ?? 1), 0)]);
  }
  return { fused, plain };
}

describe('call starts passed through', () => {
  it(`agree with the search that enters every state, and with the naive search, on random specs (${RUNS} specs)`, () => {
    let compared = 0, fewer = 0, withViolations = 0, withNaive = 0;
    fc.assert(
      fc.property(gen, fc.boolean(), (g, sym) => {
        const text = specText(g);
        const r = compare(text, { symmetry: sym });
        if (!r) return;
        compared++;
        if (r.fused.stats.states < r.plain.stats.states) fewer++;
        if (r.plain.findings.length) withViolations++;
        // The default search (iterative bounding) too, and the naive search where it ends.
        const spec = loadSpec(text, 'random.yaml').spec!;
        const bounded = explore(spec, { strategy: 'bounded', naive: false });
        expect([bounded.verdict, sigs(bounded)], text).toEqual([r.plain.verdict, sigs(r.plain)]);
        const naive = explore(spec, { strategy: 'exhaustive', naive: true, maxStates: 20_000 });
        if (naive.complete) {
          withNaive++;
          expect([naive.verdict, sigs(naive)], text).toEqual([r.fused.verdict, sigs(r.fused)]);
          expect(costs(naive), text).toEqual(costs(r.fused));
        }
      }),
      { seed: 0xf05e, numRuns: RUNS },
    );
    console.log(`fusion: ${compared} specs compared (${withViolations} with violations, ${withNaive} with --naive), fewer states in ${fewer}`);
    expect(compared).toBeGreaterThan(RUNS / 2);
    expect(fewer).toBeGreaterThan(compared / 3);
  });

  it('cut the states of the stop_machine family, and of --por, with the same verdict', () => {
    const b2 = compare(b2OnHarts(3), {})!;
    expect(b2.fused.stats.states).toBeLessThan(b2.plain.stats.states * 0.75);
    const por = compare(b2OnHarts(3), { por: true }, { fusion: false }, false)!;
    expect(por.fused.stats.states).toBeLessThan(b2.fused.stats.states); // and the exits first
    const b1 = compare(readFileSync(join(__dirname, '../../specs/v-b1-three-harts.yaml'), 'utf8'), {})!;
    expect(b1.fused.verdict).toBe('unsafe');
    expect(b1.fused.stats.states).toBeLessThan(b1.plain.stats.states);
  });

  it('never pass through a state an interrupt can reach', () => {
    const text = readFileSync(join(__dirname, '../../specs/v-b2-interrupts-no-preempt.yaml'), 'utf8');
    const spec = loadSpec(text, 'v-b2.yaml').spec!;
    expect(spec.interrupts.enabled).toBe(true);
    const m = new Machine(spec);
    let passed = 0;
    for (let i = 0; i < 40; i++) {
      const t = m.transitions();
      if (!t.length || m.apply(t[0]).kind !== 'continue') break;
      if (m.passThrough() >= 0) passed++;
    }
    expect(passed).toBe(0);
    compare(text, {});
  });
});

describe("stoppers' exits first (--por)", () => {
  it(`agree with the search that takes every exit in every order, on random specs (with --por; ${RUNS} specs)`, () => {
    let compared = 0, fewer = 0;
    fc.assert(
      fc.property(gen, fc.boolean(), fc.boolean(), (g, sym, fuse) => {
        const r = compare(specText({ ...g, stopMachine: true }), { symmetry: sym, por: true, fusion: fuse }, { persistent: false }, false);
        if (!r) return;
        compared++;
        if (r.fused.stats.states < r.plain.stats.states) fewer++;
      }),
      { seed: 0xe417, numRuns: RUNS },
    );
    console.log(`exits first: ${compared} specs compared, fewer states in ${fewer}`);
    expect(compared).toBeGreaterThan(RUNS / 2);
    expect(fewer).toBeGreaterThan(compared / 3);
  });

  it('cut the stop_machine family, and are never taken where a second stop_machine may come', () => {
    const b2 = compare(b2OnHarts(4), { por: true }, { persistent: false }, false)!;
    expect(b2.fused.stats.states).toBeLessThan(b2.plain.stats.states * 0.75);
    const unsafe = compare(b2OnHarts(3).replace('preemption: none', 'preemption: full'), { por: true }, { persistent: false }, false)!;
    expect(unsafe.fused.verdict).toBe('unsafe');
    // Two stop_machine steps: the second request may come while the first one's stoppers exit.
    const twice = b2OnHarts(3).replace(/(\n {6}- stop_machine:[\s\S]*?)(\nexpect:)/, '$1$1$2');
    expect(twice.split('stop_machine:').length - 1).toBe(2);
    // Walks that reach the exits (each step the next transition round the list): the single
    // stop_machine names them, the double one never does.
    const exitsNamed = (text: string) => {
      const m = new Machine(loadSpec(text, 'walk.yaml').spec!);
      let named = 0;
      for (let i = 0; i < 400; i++) {
        const t = m.transitions();
        if (!t.length) break;
        if (m.persistent(t).length) named++;
        if (m.apply(t[i % t.length]).kind !== 'continue') break;
      }
      return named;
    };
    expect(exitsNamed(b2OnHarts(3))).toBeGreaterThan(0);
    expect(exitsNamed(twice)).toBe(0);
    compare(twice, { por: true }, { persistent: false }, false);
  });
});

