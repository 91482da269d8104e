import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';
import { rng } from '../../src/explore/random.js';
import { specText, symmetricGen, threeCallerGen } from '../explore/random-spec.js';
import { b2OnHarts } from '../helpers/b2-family.js';
import { randomWalks } from '../helpers/walks.js';

/**
 * The canonical fingerprint (model/symmetry.ts canonicalFingerprint) is a canonical form:
 * two states get one canonical fingerprint exactly when some permutation of the members maps
 * one onto the other. The reference is the least fingerprint over every order of every group
 * (canonical(true), k! fingerprints a state); the two must partition the states of seeded
 * random walks alike, one-to-one both ways. The walks must meet symmetric images (states with
 * two fingerprints and one canonical one), or the comparison would prove nothing. Before
 * 2026-12-02 tied members kept their order, and this failed (three callers: within a few specs).
 */
function samePartition(spec: Spec, seed: number, walks = 30): { states: number; images: number } {
  const toExact = new Map<string, string>(), toCanon = new Map<string, string>(), fps = new Map<string, Set<string>>();
  let states = 0;
  randomWalks(spec, rng(seed), { walks, steps: 80, sample: 0.6 }, (m: Machine) => {
    const canon = m.canonical();
    const exact = m.canonical(true);
    states++;
    expect(toExact.get(canon) ?? exact, `canonical ${canon}: two orbits (least fingerprints ${toExact.get(canon)} and ${exact})`).toBe(exact);
    expect(toCanon.get(exact) ?? canon, `one orbit (least fingerprint ${exact}), two canonical fingerprints`).toBe(canon);
    toExact.set(canon, exact);
    toCanon.set(exact, canon);
    const set = fps.get(canon) ?? new Set<string>();
    set.add(m.fingerprint());
    fps.set(canon, set);
  });
  return { states, images: [...fps.values()].filter((s) => s.size > 1).length };
}

describe('the canonical fingerprint is a canonical form', () => {
  for (const harts of [4, 5]) {
    it(`partitions states as the least fingerprint over every order does (B2 on ${harts} harts)`, () => {
      const spec = loadSpec(b2OnHarts(harts), 'b2.yaml').spec!;
      expect(new Machine(spec).symmetric.length).toBeGreaterThan(0);
      const r = samePartition(spec, 3);
      expect(r.images).toBeGreaterThan(5);
    });
  }

  for (const [name, arb, runs] of [['two callers', symmetricGen, 40], ['three callers', threeCallerGen, 25]] as const) {
    it(`partitions states as the least fingerprint over every order does (random specs, ${name})`, () => {
      let specs = 0, images = 0;
      fc.assert(
        fc.property(arb, (g) => {
          const spec = loadSpec(specText(g), 'random.yaml').spec!;
          if (new Machine(spec).symmetric.length === 0) return;
          specs++;
          images += samePartition(spec, 11, 12).images;
        }),
        { seed: 0xca70, numRuns: runs },
      );
      expect(specs).toBeGreaterThan(runs / 3);
      expect(images).toBeGreaterThan(20);
    });
  }
});
