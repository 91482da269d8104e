import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';
import { rng } from '../../src/explore/random.js';
import { gen, specText } from '../explore/random-spec.js';
import { b2OnHarts } from '../helpers/b2-family.js';
import { librarySpec, randomWalks } from '../helpers/walks.js';

/**
 * Model.exact names a state from its canonical fingerprint, the renumbering that was taken
 * under and the registers hashed there as zero; the search keys its path by it to find
 * cycles, so it must tell states apart exactly as the plain fingerprint does. Over states of
 * seeded random walks (symmetric specs, where the two differ in how they are computed), the
 * map from fingerprint to exact name must be one-to-one both ways. The walks must meet states
 * that are symmetric images of each other (one canonical fingerprint, two fingerprints), or
 * the comparison would prove nothing about the renumbering, and states reached twice. (The
 * registers hashed as zero, the members' stack pointers, never change in these specs: that
 * they are mixed back in is argued in Machine.exact, not shown here.)
 */
function check(spec: Spec, seed: number): { states: number; images: number; again: number } {
  const byFp = new Map<string, string>(), byExact = new Map<string, string>(), canonOf = new Map<string, Set<string>>();
  let seen = 0, again = 0;
  randomWalks(spec, rng(seed), { walks: 40, steps: 60, sample: 0.5 }, (m: Machine) => {
    const fp = m.fingerprint();
    const key = m.canonical();
    const name = m.exact();
    expect(m.exact(), 'exact() again on the same state').toBe(name);
    seen++;
    if (byFp.has(fp)) again++;
    expect(byFp.get(fp) ?? name, `fingerprint ${JSON.stringify(fp)} with two exact names`).toBe(name);
    expect(byExact.get(name) ?? fp, `exact name ${JSON.stringify(name)} of two fingerprints`).toBe(fp);
    byFp.set(fp, name);
    byExact.set(name, fp);
    const set = canonOf.get(key) ?? new Set<string>();
    set.add(fp);
    canonOf.set(key, set);
  });
  const images = [...canonOf.values()].filter((s) => s.size > 1).length;
  return { states: seen, images, again };
}

describe('the exact name of a state (Model.exact)', () => {
  for (const [name, text] of [['B2 on 4 harts', b2OnHarts(4)], ['B2 on 5 harts', b2OnHarts(5)]] as const) {
    it(`is one-to-one with the fingerprint, on symmetric images too (${name})`, () => {
      const spec = loadSpec(text, 'b2.yaml').spec!;
      expect(new Machine(spec).symmetric.length).toBeGreaterThan(0);
      const r = check(spec, 7);
      expect(r.images).toBeGreaterThan(5);
      expect(r.again).toBeGreaterThan(5);
    });
  }

  for (const name of ['v-b1-three-harts', 'v-d1-migrating-caller']) {
    it(`is one-to-one with the fingerprint (${name})`, () => {
      const r = check(librarySpec(name), 11);
      expect(r.states).toBeGreaterThan(100);
    });
  }

  it('is the fingerprint itself on a spec without interchangeable tasks (random specs, along random walks)', () => {
    let compared = 0;
    fc.assert(
      fc.property(gen, (g) => {
        const spec = loadSpec(specText(g), 'random.yaml').spec!;
        if (new Machine(spec).symmetric.length > 0) return;
        randomWalks(spec, rng(5), { walks: 2, steps: 40, sample: 0.5 }, (m: Machine) => {
          expect(m.exact()).toBe(m.fingerprint());
          compared++;
        });
      }),
      { seed: 0x5eed, numRuns: 40 },
    );
    expect(compared).toBeGreaterThan(100);
  });
});
