import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Hasher, hashState, Renaming } from '../../src/model/state.js';
import { permuteState } from '../../src/model/symmetry.js';
import { rng } from '../../src/explore/random.js';
import { gen, specText } from '../explore/random-spec.js';
import { librarySpec, randomWalks } from '../helpers/walks.js';
import { kernelObjectsMissing } from '../kernel/built.js';

/**
 * The canonical fingerprint hashes the model state under a renumbering of tasks and harts
 * without building the renumbered state (hashState with a Renaming). Its reference is the
 * renumbered state itself (permuteState) hashed plainly: over states reached by seeded random
 * walks, under random renumberings (any permutation of the tasks and of the harts, not only the
 * symmetries of the spec), the two hashes must be equal. The walks must also meet states the
 * renumbering changes, or the comparison would prove nothing.
 */
function shuffled(n: number, rand: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

const text = (f: (h: Hasher) => void) => {
  const h = new Hasher();
  f(h);
  return h.text();
};

/**
 * Random walks over `spec`; at sampled states, every renumbering compared. Returns [compared,
 * changed by the renumbering, states with a task waiting, of those with a wait for two or more
 * harts]. A task's ipiWait is a
 * set (kernel/ipi.ts): the state with each such list reversed must hash alike too (until
 * 2026-12-03 it hashed in its order, renamed, so the images of one state under a swap of the
 * harts it waits for hashed apart, and firmware waits, sbiWait(x) = -(x + 1), kept hart x).
 */
function compare(spec: Spec, seed: number): [number, number, number, number] {
  const rand = rng(seed);
  let compared = 0, moved = 0, waits = 0, multi = 0;
  randomWalks(spec, rand, { walks: 8, steps: 80, sample: 0.4 }, (m, walk, step) => {
    if (m.st.tasks.some((t) => t.ipiWait.length > 0)) waits++;
    if (m.st.tasks.some((t) => t.ipiWait.length > 1)) {
      multi++;
      const reversed = { ...m.st, tasks: m.st.tasks.map((t) => ({ ...t, ipiWait: [...t.ipiWait].reverse() })) };
      expect(text((h) => hashState(h, reversed)), `walk ${walk} step ${step}: ipiWait reversed`).toBe(text((h) => hashState(h, m.st)));
    }
    for (let k = 0; k < 3; k++) {
      const P = shuffled(m.st.tasks.length, rand);
      const H = shuffled(m.st.harts.length, rand);
      const Q: number[] = [], Hinv: number[] = [];
      P.forEach((n, o) => (Q[n] = o));
      H.forEach((n, o) => (Hinv[n] = o));
      const R: Renaming = { task: P, taskInv: Q, hart: H, hartInv: Hinv };
      const reference = text((h) => hashState(h, permuteState(m.st, P, H)));
      expect(text((h) => hashState(h, m.st, R)), `walk ${walk} step ${step}: P ${P} H ${H}`).toBe(reference);
      compared++;
      if (reference !== text((h) => hashState(h, m.st))) moved++;
    }
  });
  return [compared, moved, waits, multi];
}

describe('hashing under a renumbering', () => {
  const specs = ['v-b1-three-harts', 'd1-616-jalr-toggle-preempt-full', 'v-d1-rv64-patcher', 'v-b2-interrupts-no-preempt',
    'f1-stop-machine-ipi-fence-i-deadlock', 'v-d1-traced-irq-handler', 'b3-nosync-smp', 'elf-63-enable-modify-preempt-full',
    'g4-fence-i-without-observing-the-write@ir3-fetch', 'v-d1-no-ziccif@ziccid', 'v-kprobe-arm-stop-machine'];
  for (const [i, name] of specs.entries()) {
    it(`equals the hash of the renumbered state (${name})`, () => {
      const [compared, moved] = compare(librarySpec(name), 100 + i);
      expect(compared).toBeGreaterThan(20);
      expect(moved).toBeGreaterThan(0);
    });
  }

  // Waits by IPI and by the firmware (the kernel's own 6.1 code).
  const waiting = ['f1-stop-machine-ipi-fence-i-deadlock', 'kernel/k61-patch-text-cpumask-sbi', 'kernel/k61-make-call-stop-machine-sbi'];
  for (const [i, name] of waiting.entries()) {
    it.skipIf(name.startsWith('kernel/') && kernelObjectsMissing)(`equals the hash of the renumbered state, waits included, whatever their order (${name})`, () => {
      const [compared, moved, waits] = compare(librarySpec(name), 200 + i);
      expect(compared).toBeGreaterThan(20);
      expect(moved).toBeGreaterThan(0);
      expect(waits).toBeGreaterThan(0);
    });
  }

  it('equals the hash of the renumbered state on random specs (40 specs), waits for two harts whatever their order', () => {
    let compared = 0, moved = 0, multi = 0;
    fc.assert(
      fc.property(gen, fc.integer({ min: 1, max: 1 << 30 }), (g, seed) => {
        const r = loadSpec(specText(g), 'random.yaml');
        if (!r.spec) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
        const [c, mv, , mu] = compare(r.spec, seed);
        compared += c;
        moved += mv;
        multi += mu;
      }),
      { numRuns: 40, seed: 0x5a11 },
    );
    expect(compared).toBeGreaterThan(400);
    expect(moved).toBeGreaterThan(compared / 4);
    expect(multi).toBeGreaterThan(0);
  });
});
