import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import { explore, replay } from '../../src/explore/explore.js';
import { signature } from '../../src/check/violation.js';
import { Machine } from '../../src/model/machine.js';
import { specText, symmetricGen } from './random-spec.js';
import { b2OnHarts } from '../helpers/b2-family.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

/**
 * Symmetry reduction (model/symmetry.ts) is sound: over random specs with two identical
 * callers on harts of their own and a patcher on a third (every fetch model, granule,
 * preemption model, interrupts, stop_machine or not, shared data), the search that explores
 * one state of each permutation agrees with the naive search (no visited set, no symmetry) and
 * with the search without symmetry on the verdict, on the set of violation signatures (each
 * member's: explore/orbit.ts gives a member the search reached only as another its group's witness), and on the final states up to permutation.
 * `SYMMETRY_RUNS=2000 npx vitest run test/explore/symmetry` runs more (bench/soundness.sh does).
 */
const RUNS = Number(process.env.SYMMETRY_RUNS ?? 30);



describe('symmetry reduction', () => {
  it(`agrees with the search without symmetry, and with the naive search where it fits, on random specs (${RUNS} specs)`, () => {
    let compared = 0, reduced = 0, withViolations = 0, withNaive = 0, skipped = 0;
    let statesSym = 0, statesPlain = 0, gaveUp = 0;
    fc.assert(
      fc.property(symmetricGen, (g) => {
        const text = specText(g);
        const loaded = loadSpec(text, 'random.yaml');
        if (!loaded.spec) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
        const spec = loaded.spec;
        // The reference: the same search without symmetry (itself checked against --naive by
        // soundness.test.ts), and --naive when it ends within a small budget.
        const plain = explore(spec, { strategy: 'exhaustive', naive: false, symmetry: false, collectFinals: true, maxStates: 15_000 });
        if (!plain.complete) {
          skipped++;
          return;
        }
        const sym = explore(spec, { strategy: 'exhaustive', naive: false, collectFinals: true });
        const bounded = explore(spec, { strategy: 'bounded', naive: false });
        const naive = explore(spec, { strategy: 'exhaustive', naive: true, maxStates: 10_000, collectFinals: true });
        const sigs = (r: typeof plain) => [...new Set(r.findings.map((f) => signature(f.violation)))].sort();
        const refs = naive.complete ? [plain, naive] : [plain];
        if (naive.complete) withNaive++;
        for (const ref of refs) {
          for (const r of [sym, bounded]) {
            expect(r.complete, text).toBe(true);
            expect(r.verdict, text).toBe(ref.verdict);
            expect(sigs(r), text).toEqual(sigs(ref));
          }
          // Each member's best witness costs what it costs without symmetry (explore/orbit.ts
          // gives every member its group's best, renamed), and replays to its own signature.
          const cost = (r: typeof plain) => new Map(r.findings.map((f) => [signature(f.violation), `${f.preemptions}/${f.steps}`]));
          const want = cost(ref);
          for (const [s, c] of cost(sym)) if (want.has(s)) expect(`${s} ${c}`, text).toBe(`${s} ${want.get(s)}`);
          for (const f of sym.findings) expect(signature(replay(spec, f.schedule).violation!), `${text}\n${f.schedule}`).toBe(signature(f.violation));
          // Final states up to permutation (collectFinals keys them by a true canonical form).
          expect([...sym.finals!].sort(), text).toEqual([...ref.finals!].sort());
        }
        expect(plain.stats.symmetry).toBeUndefined();
        if (sym.stats.symmetry) {
          reduced++;
          expect(sym.stats.symmetry).toEqual([['c0', 'c1']]);
          expect(sym.stats.states).toBeLessThanOrEqual(plain.stats.states);
        }
        // A cycle through a permuted image of a state (callers spinning in step): the search without symmetry, said so.
        if (sym.stats.symmetryAbandoned) {
          gaveUp++;
          expect(sym.stats.symmetry, text).toBeUndefined();
          expect(sym.stats.states, text).toBe(plain.stats.states);
        }
        statesSym += sym.stats.states;
        statesPlain += plain.stats.states;
        compared++;
        if (plain.findings.length) withViolations++;
      }),
      { seed: 0x5e_77, numRuns: RUNS },
    );
    console.log(`symmetry: ${compared} specs compared (${reduced} reduced, ${withViolations} with violations, ${withNaive} also against --naive, ${skipped} too large; given up on ${gaveUp}); states ${statesSym} with symmetry, ${statesPlain} without`);
    expect(compared).toBeGreaterThan(RUNS / 2);
    // Most specs qualify (torn-instruction on, no code reads sp), and some have findings.
    expect(reduced).toBeGreaterThan(compared / 2);
    expect(withViolations).toBeGreaterThan(compared / 10);
    expect(statesSym).toBeLessThan(statesPlain);
  }, Math.max(300_000, RUNS * 10_000));

  it('finds no group where the permutation might not be an automorphism, and says why', () => {
    const base = b2OnHarts(3);
    const sym = (text: string) => {
      const r = loadSpec(text, 's.yaml');
      if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; '));
      return new Machine(r.spec).symmetry;
    };
    expect(sym(base).groups.map((g) => g.tasks)).toEqual([[0, 1]]);
    expect(sym(base).dead).toEqual([2]); // their stacks: sp differs, and no instruction reads it
    // f's body reads sp: the stacks' addresses could matter.
    expect(sym(base.replace('addi    a0, a0, 1       # the function body', 'addi    a0, sp, 1')).why[0]).toMatch(/may read x2/);
    // A different call count, or another hart allowed: not interchangeable.
    expect(sym(base.replace('    call: f\n    times: 2\n  - name: caller1', '    call: f\n    times: 1\n  - name: caller1')).groups).toEqual([]);
    expect(sym(base.replace('  - name: patcher\n    hart: 2\n', '  - name: patcher\n    hart: [1, 2]\n')).why[0]).toMatch(/another task may run on their harts/);
  });

  it('a user sees the groups in the report, and --no-symmetry explores every permutation with the same verdict', async () => {
    const text = b2OnHarts(4);
    const dir = mkdtempSync(join(tmpdir(), 'ftr-sym-'));
    const file = join(dir, 'b2-four-harts.yaml');
    writeFileSync(file, text);
    const run = async (...args: string[]) => {
      const io = bufferIo();
      const code = await main(['check', file, '--exhaustive', '--no-timing', ...args], io);
      return { code, out: io.out };
    };
    const a = await run();
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/symmetry: caller ~ caller1 ~ caller2 are interchangeable/);
    const b = await run('--no-symmetry');
    expect(b.code).toBe(0);
    expect(b.out).not.toMatch(/symmetry:/);
    const states = (s: string) => Number(/(\d+) states \(/.exec(s)![1]);
    expect(states(a.out)).toBeLessThan(states(b.out) / 3);
    const j = JSON.parse((await run('--format', 'json')).out.split('\n')[0]);
    rmSync(dir, { recursive: true, force: true });
    expect(j.stats.symmetry).toEqual([['caller', 'caller1', 'caller2']]);
  });
});
