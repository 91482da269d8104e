import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { gen, specText, type Gen } from './random-spec.js';
import { loadSpec } from '../../src/spec/load.js';
import { explore, replay } from '../../src/explore/explore.js';
import type { ExploreResult } from '../../src/explore/strategy.js';
import { signature } from '../../src/check/violation.js';
import { modelCaveat } from '../../src/api/check.js';

/**
 * The fetch models are ordered by strength (docs/semantics.md, "Fetch models"): each stronger
 * model's floors are at least the weaker's, so its executions are among the weaker's, and so
 * are its violations — livelocks included, whose fairness must not depend on which view a
 * fetch takes (explore/scc.ts: per agent, not per token). A seeded property over random specs
 * (their callers spin on shared data, their patches rewrite the code they run), and the two
 * specs that showed the per-token judgement losing a livelock under `base` that `latest` finds.
 */
const RUNS = Number(process.env.MODEL_RUNS ?? 100);

const STRONGER: [Gen['model'], Gen['model']][] = [
  ['latest', 'ziccid'],
  ['ziccid', 'base'],
  ['latest', 'ir-decode'],
  ['ir-decode', 'base'],
  ['latest', 'ir3-fetch'],
  ['ir3-fetch', 'base'],
];
const sigs = (r: ExploreResult) => [...new Set(r.findings.map((f) => signature(f.violation)))].sort();

describe('a stronger fetch model finds nothing a weaker one does not', () => {
  it(`violation signatures, livelocks among them, on random specs (${RUNS} specs, every pair of models in order)`, () => {
    let compared = 0, livelocks = 0;
    fc.assert(
      fc.property(gen, (g) => {
        const results = new Map<Gen['model'], ExploreResult>();
        for (const model of ['latest', 'ziccid', 'ir-decode', 'ir3-fetch', 'base'] as const) {
          const text = specText({ ...g, model });
          const r = explore(loadSpec(text, 'random.yaml').spec!, { strategy: 'exhaustive', naive: false, maxStates: 20_000 });
          if (!r.complete) return;
          results.set(model, r);
        }
        // Every livelock, under every model, replays to itself: its schedule ends around a fair cycle.
        for (const [model, r] of results) {
          const spec = loadSpec(specText({ ...g, model }), 'random.yaml').spec!;
          for (const f of r.findings.filter((x) => x.violation.kind === 'livelock')) expect(signature(replay(spec, f.schedule).violation!), `${model} ${f.schedule}`).toBe(signature(f.violation));
        }
        for (const [strong, weak] of STRONGER) {
          const s = sigs(results.get(strong)!), w = new Set(sigs(results.get(weak)!));
          expect(s.filter((x) => !w.has(x)), `${strong} ⊆ ${weak}\n${specText({ ...g, model: weak })}`).toEqual([]);
        }
        compared++;
        if (results.get('latest')!.findings.some((f) => f.violation.kind === 'livelock')) livelocks++;
      }),
      { seed: 0x0de1, numRuns: RUNS },
    );
    console.log(`models: ${compared} specs compared under 5 models (${livelocks} with a livelock under latest)`);
    expect(compared).toBeGreaterThan(RUNS / 2);
    expect(livelocks).toBeGreaterThan(0);
  });

  /** A hart at `barrier` runs a jump the patcher rewrites (no fence.i anywhere). */
  const barrier = (from: string, to: string) =>
    loadSpec(stringify({
      name: 'barrier',
      harts: 2,
      kernel: { preemption: 'none', interrupts: false },
      fetch: { atomic: 4, model: 'base' },
      memory: [{ name: 'text', kind: 'patchable', at: '0xffffffff80a40000', rvc: false, asm: `barrier:\n  ${from}\n  ret\n` }],
      tasks: [{ name: 'waiter', hart: 0, call: 'barrier' }, { name: 'patcher', hart: 1, patch: [{ write: { at: 'barrier', asm: to } }] }],
    }), 'barrier.yaml').spec!;
  const livelock = (spec: ReturnType<typeof barrier>, model: string) => {
    const r = explore({ ...spec, fetch: { ...spec.fetch, model: model as Gen['model'] } }, { strategy: 'exhaustive', naive: false });
    return r.findings.some((f) => f.violation.kind === 'livelock');
  };

  it('a jump out patched into a jump to itself: the hart that fetches the new code spins forever, under every model (base and ir3-fetch were safe)', () => {
    const trap = barrier('j .+4', 'j .');
    for (const model of ['latest', 'ziccid', 'ir-decode', 'ir3-fetch', 'base']) expect(livelock(trap, model), model).toBe(true);
  });

  it('a spin released by patching it into a jump out, without fence.i: a livelock where a hart may fetch the old code forever, none where writes reach fetches eventually', () => {
    const release = barrier('j .', 'j .+4');
    expect(livelock(release, 'base')).toBe(true);
    expect(livelock(release, 'ir3-fetch')).toBe(true);
    expect(livelock(release, 'ziccid')).toBe(false);
    expect(livelock(release, 'latest')).toBe(false);
  });

  it('under ziccid a spin that only an older view keeps going is no livelock: the components of the latest-view edges alone are judged', () => {
    // nop (patched into a jump out) and a load, round and round: the load's step moves the hart
    // by its latest view, the nop's only by the old one, which ziccid's eventual visibility rules out.
    const spec = loadSpec(stringify({
      name: 'ldspin',
      harts: 2,
      kernel: { preemption: 'none', interrupts: false },
      fetch: { atomic: 4, model: 'ziccid' },
      memory: [
        { name: 'data', kind: 'data', at: '0xffffffff81000000', size: 8 },
        { name: 'text', kind: 'patchable', at: '0xffffffff80a40000', rvc: false, asm: 'barrier:\n  la a2, data\n1:\n  nop\n  ld a1, 0(a2)\n  j 1b\n  ret\n' },
      ],
      tasks: [{ name: 'waiter', hart: 0, call: 'barrier' }, { name: 'patcher', hart: 1, patch: [{ write: { at: 'barrier+8', asm: 'j .+12' } }] }],
    }), 'ldspin.yaml').spec!;
    const r = explore(spec, { strategy: 'bounded', naive: false });
    expect([r.verdict, r.stats.unjudged]).toEqual(['safe', undefined]);
    expect(modelCaveat(spec, r)).not.toMatch(/livelocks/);
    expect(livelock(spec, 'base')).toBe(true);
    const latest = explore({ ...spec, fetch: { ...spec.fetch, model: 'latest' } }, { strategy: 'exhaustive', naive: false });
    expect([latest.verdict, latest.stats.unjudged]).toEqual(['safe', undefined]);
  });
});
