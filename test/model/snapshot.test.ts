import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import { Machine } from '../../src/model/machine.js';

/**
 * save()/load() must bring back exactly the saved state: the fingerprint and every task's
 * registers (including harts the snapshot shares with earlier ones, see Machine.cpuSnap), also
 * when a snapshot is loaded several times and the last load takes it over.
 */
function load(file: string) {
  const r = loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p), resolvePath: (p) => resolve(dirname(file), p) });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.spec;
}

function regsOf(m: Machine): string {
  return m.cpus.map((c) => `${c.pc}:${Array.from(c.r).join(',')}`).join('|');
}

/** xorshift32, seeded: the walks are reproducible. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('machine snapshots', () => {
  for (const name of ['v-b1-three-harts', 'd1-616-jalr-toggle-preempt-full', 'v-d1-rv64-patcher', 'v-b2-interrupts-no-preempt']) {
    it(`restore the saved state exactly (${name})`, () => {
      const m = new Machine(load(`specs/${name}.yaml`));
      const rand = rng(7);
      // Walk depth-first by hand: at each level save, run a random suffix, come back, compare.
      const stack: { snap: ReturnType<Machine['save']>; fp: string; regs: string; uses: number }[] = [];
      let checked = 0;
      for (let step = 0; step < 400; step++) {
        const trans = m.transitions();
        if (stack.length > 0 && (trans.length === 0 || rand() < 0.15)) {
          const top = stack[stack.length - 1];
          top.uses++;
          const last = top.uses >= 3;
          m.load(top.snap, last);
          if (last) stack.pop();
          expect(m.fingerprint()).toBe(top.fp);
          expect(regsOf(m)).toBe(top.regs);
          checked++;
          continue;
        }
        if (trans.length === 0) break;
        if (stack.length === 0 || rand() < 0.5) stack.push({ snap: m.save(), fp: m.fingerprint(), regs: regsOf(m), uses: 0 });
        const out = m.apply(trans[Math.floor(rand() * trans.length)]);
        if (out.kind !== 'continue') {
          const top = stack.pop();
          if (!top) break;
          m.load(top.snap, true);
          expect(m.fingerprint()).toBe(top.fp);
          expect(regsOf(m)).toBe(top.regs);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    });
  }
});
