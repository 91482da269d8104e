import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';
import { kindOf } from '../../src/explore/orbit.js';
import type { Violation } from '../../src/check/violation.js';
import { specText, symmetricGen, threeCallerGen } from '../explore/random-spec.js';

/**
 * Symmetry reduction keys a state by its canonical fingerprint; that is sound only if states
 * with one canonical fingerprint behave alike: the same successors up to symmetry, through
 * transitions of the same costs, to the same kinds of violation (orbit.ts kindOf). The
 * partition test (canonical-form.test.ts) compares the canonical fingerprint with the least
 * over every order, which share the renaming; this one looks at behaviour instead: every state
 * of the whole (exact) graph of small symmetric random specs, its successors' canonical
 * fingerprints with their costs and outcomes, compared across all the states of one key.
 */
function successors(m: Machine, kind: (v: Violation) => string): { key: string; next: string } {
  const key = m.canonical();
  const snap = m.save();
  const out: string[] = [];
  for (const t of m.transitions()) {
    m.load(snap, false);
    const r = m.apply(t);
    if (r.kind === 'continue') {
      const benign = (r.benign ?? []).map(kind).sort().join(',');
      out.push(`${t.cost}:${m.canonical()}${benign ? `!${benign}` : ''}`);
    } else if (r.kind === 'violation') out.push(`${t.cost}:violation ${kind(r.violation)}`);
    else out.push(`${t.cost}:${r.kind}`);
  }
  m.load(snap, true);
  return { key, next: out.sort().join('\n') };
}

function bisimilar(spec: Spec, cap: number): { states: number; images: number } | null {
  const m = new Machine(spec);
  const kind = kindOf(m);
  const byKey = new Map<string, { next: string; fp: string }>();
  const seen = new Set<string>([m.fingerprint()]);
  const queue = [m.save()];
  let images = 0;
  while (queue.length) {
    if (seen.size > cap) return null;
    m.load(queue.pop()!, true);
    const fp = m.fingerprint();
    const s = successors(m, kind);
    const first = byKey.get(s.key);
    if (first) {
      if (first.fp !== fp) images++;
      expect(s.next, `states ${first.fp.slice(0, 16)}… and ${fp.slice(0, 16)}… share canonical ${s.key.slice(0, 16)}…`).toBe(first.next);
    } else byKey.set(s.key, { next: s.next, fp });
    const snap = m.save();
    for (const t of m.transitions()) {
      m.load(snap, false);
      if (m.apply(t).kind !== 'continue') continue;
      const f = m.fingerprint();
      if (seen.has(f)) continue;
      seen.add(f);
      queue.push(m.save());
    }
  }
  return { states: seen.size, images };
}

describe('states of one canonical fingerprint behave alike (whole graphs of random symmetric specs)', () => {
  for (const [name, arb, runs, cap] of [['two callers', symmetricGen, 20, 6_000], ['three callers', threeCallerGen, 8, 20_000]] as const) {
    it(`every state of a key: the same successors up to symmetry, costs and violation kinds (${name})`, () => {
      let specs = 0, images = 0;
      fc.assert(
        fc.property(arb, (g) => {
          const spec = loadSpec(specText(g), 'random.yaml').spec!;
          if (new Machine(spec).symmetric.length === 0) return;
          const r = bisimilar(spec, cap);
          if (!r) return;
          specs++;
          images += r.images;
        }),
        { seed: 0xb151, numRuns: runs },
      );
      expect(specs).toBeGreaterThan(runs / 4);
      expect(images).toBeGreaterThan(20);
    }, 300_000);
  }
});
