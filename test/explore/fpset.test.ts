import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FpSet } from '../../src/explore/fpset.js';
import { MapVisited } from '../../src/explore/visited.js';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import { readFileSync } from 'node:fs';

/** The compact visited set against the Map it replaces: same answers on every sequence. */
describe('FpSet', () => {
  it('answers offer() exactly as the Map reference on random sequences (with growth)', () => {
    fc.assert(
      // Costs and depths past what a slot keeps (COST_CAP, DEPTH_CAP) saturate alike in both.
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 120, max: 140 })), fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 500, max: 520 }))), { maxLength: 3000 }), (ops) => {
        const a = new FpSet(1 << 24, 16);
        const b = new MapVisited();
        for (const [k, cost, depth] of ops) {
          const fp = String.fromCharCode(k & 0xffff, k >>> 16, (k * 7) & 0xffff, 0x5a5a);
          expect(a.offer(fp, cost, depth)).toBe(b.offer(fp, cost, depth));
          expect(a.size).toBe(b.size);
        }
      }),
      { seed: 7, numRuns: 100 },
    );
  });

  it('answers offerSleep() as the Map reference, and under a bound a visit again for transitions awake now raises the stored cost', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 15 }), fc.boolean()), { maxLength: 2000 }), (ops) => {
        const a = new FpSet(1 << 24, 16);
        const b = new MapVisited();
        for (const [k, cost, depth, sleep, bounded] of ops) {
          const fp = String.fromCharCode(k, 0, 0x1234, 0x5a5a);
          expect(a.storedSleep(fp, cost, depth)).toBe(b.storedSleep(fp, cost, depth));
          expect(a.offerSleep(fp, cost, depth, sleep, bounded)).toBe(b.offerSleep(fp, cost, depth, sleep, bounded));
        }
      }),
      { seed: 11, numRuns: 100 },
    );
    for (const v of [new FpSet(1 << 20, 16), new MapVisited()]) {
      const fp = String.fromCharCode(1, 2, 3, 4), fp2 = String.fromCharCode(5, 6, 7, 8);
      // Stored at 1 preemption with transitions 0 and 1 asleep; reached at 3 with 1 awake: that
      // one is explored with two preemptions less budget left...
      for (const x of [fp, fp2]) expect(v.offerSleep(x, 1, 5, 0b11, true)).toBe(-1);
      expect(v.offerSleep(fp, 3, 5, 0b01, true)).toBe(0b10);
      // ...so an arrival at 2 with 1 asleep is entered again whole, where unbounded it is pruned.
      expect(v.offerSleep(fp, 2, 5, 0b11, true)).toBe(-1);
      expect(v.offerSleep(fp2, 3, 5, 0b01, false)).toBe(0b10);
      expect(v.offerSleep(fp2, 2, 5, 0b11, false)).toBe(0);
    }
  });

  it('holds 10 bytes a slot, at most 16 bytes a state once past its first size, and says when its memory budget is full', () => {
    const s = new FpSet(10 * 8192, 16); // room for 8192 slots: 6144 states at 3/4 load
    let i = 0;
    while (s.offer(String.fromCharCode(i & 0xffff, i >>> 16, 1, 2), 0, 0)) i++;
    expect(s.full).toBe(true);
    expect(s.size).toBe(s.capacity);
    expect(s.capacity).toBe(6144);
    // Growing by a fifth keeps it between 5/8 and 3/4 full: 13.3 to 16 bytes a state.
    const t = new FpSet();
    let worst = 0;
    for (let k = 0; k < 300_000; k++) {
      t.offer(String.fromCharCode(k & 0xffff, k >>> 16, 3, 4), 0, 0);
      if (t.size > 4096 * 0.75) worst = Math.max(worst, t.bytes / t.size);
    }
    expect(t.size).toBe(300_000);
    expect(worst).toBeLessThanOrEqual(16);
    expect(worst).toBeGreaterThan(15.9);
  });

  it('the library gives the same results with either visited set', () => {
    for (const f of ['v-b1-three-harts', 'd1-616-jalr-toggle-preempt-full', 'v-d1-migrating-caller', 'g4-fence-i-without-observing-the-write']) {
      const file = `specs/${f}.yaml`;
      const spec = loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p) }).spec!;
      const a = explore(spec, { strategy: 'bounded', naive: false, visited: 'fpset' });
      const b = explore(spec, { strategy: 'bounded', naive: false, visited: 'map' });
      expect({ ...a, stats: { ...a.stats, ms: 0, rate: 0 } }).toEqual({ ...b, stats: { ...b.stats, ms: 0, rate: 0 } });
    }
  });

  it('a full table stops the search with a limit (exit 3 in the CLI), not a crash', () => {
    const file = 'specs/v-b1-three-harts.yaml';
    // Each caller calls f twice: 4,166 states, more than the smallest table (4,096 slots) holds.
    const spec = loadSpec(readFileSync(file, 'utf8').replace(/    call: f\n/g, '    call: f\n    times: 2\n'), file).spec!;
    const r = explore(spec, { strategy: 'exhaustive', naive: false, maxMemory: 0.01, symmetry: false });
    expect(r.verdict === 'inconclusive' || r.verdict === 'unsafe').toBe(true);
    expect(r.limit).toMatch(/visited set full/);
  });
});
