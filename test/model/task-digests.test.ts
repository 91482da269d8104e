import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine, Snapshot } from '../../src/model/machine.js';
import { rng } from '../../src/explore/random.js';
import { gen, specText } from '../explore/random-spec.js';
import { b2OnHarts } from '../helpers/b2-family.js';
import { librarySpec } from '../helpers/walks.js';

/**
 * A fingerprint hashes each task through its digest, which the machine keeps while the task
 * is unchanged and takes from the snapshot the state was copied from when the task equals the
 * snapshot's (Machine.mixTask). The reference is a machine that keeps nothing and takes every
 * digest afresh. Both are driven through one seeded sequence of steps, saves and loads of any
 * snapshot not yet consumed (with and without `last`, in any order, not only the explorer's
 * last-in first-out), and after each operation the two must name the state alike: fingerprint,
 * fingerprint up to symmetry and exact name.
 */
/** Random specs (CI: 40; bench/soundness.sh sets more). */
const RUNS = Number(process.env.DIGEST_RUNS ?? 40);

function lockstep(spec: Spec, seed: number, ops: number): { compared: number; lent: number } {
  const rand = rng(seed);
  const a = new Machine(spec);
  const b = new Machine(spec, null, false);
  const snaps: [Snapshot, Snapshot][] = [];
  let compared = 0;
  const same = (what: string) => {
    expect(a.fingerprint(), `${what}: fingerprint`).toBe(b.fingerprint());
    expect(a.canonical(), `${what}: canonical`).toBe(b.canonical());
    expect(a.exact(), `${what}: exact`).toBe(b.exact());
    compared++;
  };
  for (let n = 0; n < ops; n++) {
    const r = rand();
    if (r < 0.2) {
      snaps.push([a.save(), b.save()]);
      same(`op ${n}: save`);
    } else if (r < 0.45 && snaps.length) {
      const k = Math.floor(rand() * snaps.length);
      const last = rand() < 0.4;
      const [sa, sb] = snaps[k];
      a.load(sa, last);
      b.load(sb, last);
      if (last) snaps.splice(k, 1);
      same(`op ${n}: load${last ? ' (last)' : ''}`);
    } else {
      const ta = a.transitions(), tb = b.transitions();
      expect(ta.map((t) => t.token)).toEqual(tb.map((t) => t.token));
      if (!ta.length) continue;
      const i = Math.floor(rand() * ta.length);
      // Sometimes the name is asked for before the step too (digests kept at this epoch).
      if (rand() < 0.3) same(`op ${n}: before ${ta[i].token}`);
      const oa = a.apply(ta[i]).kind, ob = b.apply(tb[i]).kind;
      expect(oa).toBe(ob);
      if (oa === 'continue') same(`op ${n}: ${ta[i].token}`);
      else if (snaps.length) {
        // An execution ended: go back to a snapshot, as a search does.
        const [sa, sb] = snaps[snaps.length - 1];
        a.load(sa);
        b.load(sb);
      } else {
        a.load(a.save());
        return { compared, lent: a.digestsLent };
      }
    }
  }
  return { compared, lent: a.digestsLent };
}

describe('task digests kept and lent by snapshots (Machine.mixTask) against digests taken afresh', () => {
  it(`name every state alike on random specs (${RUNS})`, () => {
    let compared = 0, lent = 0;
    fc.assert(
      fc.property(gen, fc.integer({ min: 1, max: 1 << 30 }), (g, seed) => {
        const spec = loadSpec(specText(g), 'random.yaml').spec!;
        const r = lockstep(spec, seed, 300);
        compared += r.compared;
        lent += r.lent;
      }),
      { seed: 0xd16e, numRuns: RUNS },
    );
    expect(compared).toBeGreaterThan(2000);
    expect(lent).toBeGreaterThan(1000);
  });

  for (const [name, spec] of [
    ['B2 on 4 harts (symmetric)', () => loadSpec(b2OnHarts(4), 'b2.yaml').spec!],
    ['v-b1-three-harts', () => librarySpec('v-b1-three-harts')],
    ['v-d1-rv64-patcher', () => librarySpec('v-d1-rv64-patcher')],
    ['v-kprobe-arm-stop-machine', () => librarySpec('v-kprobe-arm-stop-machine')],
    ['v-b2-interrupts-no-preempt', () => librarySpec('v-b2-interrupts-no-preempt')],
    ['g4-fence-i-without-observing-the-write@ir3-fetch', () => librarySpec('g4-fence-i-without-observing-the-write@ir3-fetch')],
  ] as const) {
    it(`name every state alike (${name})`, () => {
      const s = spec();
      let lent = 0;
      for (const seed of [1, 2, 3]) lent += lockstep(s, seed, 600).lent;
      expect(lent).toBeGreaterThan(100);
    });
  }
});
