import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import { signature } from '../../src/check/violation.js';

/**
 * Soundness of the default reduction (state fingerprints): over random small specs, the
 * reduced search finds exactly the violation signatures and final states of --naive.
 */

const VERSIONS = {
  fc: 'auipc t0, 0xff5c0\njalr t0, 1984(t0)',
  frc: 'auipc t0, 0xff5c1\njalr t0, -1900(t0)',
  nop: 'nop\nnop',
};
type V = keyof typeof VERSIONS;

interface Gen {
  harts: number;
  preemption: 'none' | 'voluntary' | 'full';
  interrupts: boolean;
  atomic: 2 | 4 | 8;
  coherence: 'coherent' | 'fence.i';
  odd: boolean;
  initial: V;
  callers: { hart: number; times: number }[];
  patcherHart: number;
  writes: V[];
  stopMachine: boolean;
  after: 'none' | 'fence.i' | 'flush_icache_all';
}

function specText(g: Gen): string {
  const write = (w: V) => ({ write: { at: 'f', asm: VERSIONS[w] + '\n' } });
  const writes = g.writes.map(write);
  const patch: unknown[] = g.stopMachine ? [{ stop_machine: { steps: writes } }] : writes;
  if (g.after !== 'none') patch.push(g.after);
  return stringify({
    harts: g.harts,
    kernel: { preemption: g.preemption, interrupts: g.interrupts },
    fetch: { atomic: g.atomic, coherence: g.coherence },
    memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  jr t0\n' },
      { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: 'ftrace_regs_caller:\n  jr t0\n' },
      { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', asm: `${g.odd ? 'c.nop\n' : ''}f:\n${VERSIONS[g.initial]}\naddi a0, a0, 1\nret\n` },
    ],
    sites: [{ name: 'f', at: 'f', size: 8, targets: ['ftrace_caller', 'ftrace_regs_caller'] }],
    tasks: [
      ...g.callers.map((c, i) => ({ name: `c${i}`, hart: c.hart, call: 'f', times: c.times })),
      { name: 'patcher', hart: g.patcherHart, patch },
    ],
  });
}

const version = fc.constantFrom<V>('fc', 'frc', 'nop');
const gen: fc.Arbitrary<Gen> = fc
  .record({
    harts: fc.integer({ min: 1, max: 2 }),
    preemption: fc.constantFrom('none', 'voluntary', 'full') as fc.Arbitrary<Gen['preemption']>,
    interrupts: fc.boolean(),
    atomic: fc.constantFrom(2, 4, 8) as fc.Arbitrary<2 | 4 | 8>,
    coherence: fc.constantFrom('coherent', 'fence.i') as fc.Arbitrary<Gen['coherence']>,
    odd: fc.boolean(),
    initial: version,
    callers: fc.array(fc.record({ hart: fc.integer({ min: 0, max: 1 }), times: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 1 }),
    patcherHart: fc.integer({ min: 0, max: 1 }),
    writes: fc.array(version, { minLength: 1, maxLength: 2 }),
    stopMachine: fc.boolean(),
    after: fc.constantFrom('none', 'fence.i', 'flush_icache_all') as fc.Arbitrary<Gen['after']>,
  })
  .map((g) => ({
    ...g,
    callers: g.callers.map((c) => ({ ...c, hart: c.hart % g.harts })),
    patcherHart: g.patcherHart % g.harts,
  }))
  // Keep the naive search small: at most two calls in all.
  .filter((g) => g.callers.reduce((a, c) => a + c.times, 0) <= 2);

describe('reduction is sound (fast-check, seeded)', () => {
  it('reduced and naive searches agree on violations and final states', () => {
    let compared = 0;
    let withViolations = 0;
    fc.assert(
      fc.property(gen, (g) => {
        const text = specText(g);
        const loaded = loadSpec(text, 'random.yaml');
        if (!loaded.spec) throw new Error(`generator made a bad spec: ${loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ')}\n${text}`);
        const opts = { strategy: 'bounded' as const, collectFinals: true, maxStates: 15_000 };
        const naive = explore(loaded.spec, { ...opts, naive: true });
        if (!naive.complete) return; // too big to compare exhaustively: skip
        const reduced = explore(loaded.spec, { ...opts, naive: false });
        expect(reduced.complete).toBe(true);
        const sigs = (r: typeof naive) => r.findings.map((f) => signature(f.violation)).sort();
        expect(sigs(reduced)).toEqual(sigs(naive));
        expect([...reduced.finals!].sort()).toEqual([...naive.finals!].sort());
        // (The bound at which each search is exhausted may differ: the naive search also
        // reaches states again at a higher cost, which the visited set skips.)
        compared++;
        if (reduced.findings.length) withViolations++;
      }),
      { seed: 0x5eed, numRuns: 30 },
    );
    console.log(`naive vs reduced: ${compared} specs compared, ${withViolations} with violations`);
    expect(compared).toBeGreaterThan(15);
    expect(withViolations).toBeGreaterThan(3);
    expect(withViolations).toBeLessThan(compared);
  });
});

describe('random walks', () => {
  it('are reproducible from the seed and find B1 without proving anything', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync('specs/b1-stop-machine-preempt-full.yaml', 'utf8');
    const spec = loadSpec(text, 'b1.yaml').spec!;
    const a = explore(spec, { strategy: 'random', naive: false, executions: 300, seed: 42 });
    const b = explore(spec, { strategy: 'random', naive: false, executions: 300, seed: 42 });
    expect(a.findings.map((f) => f.schedule)).toEqual(b.findings.map((f) => f.schedule));
    expect(a.verdict).toBe('unsafe');
    expect(a.complete).toBe(false);
    const safe = explore(loadSpec(text, 'b1.yaml', { overrides: ['kernel.preemption=none'] }).spec!, { strategy: 'random', naive: false, executions: 100 });
    expect(safe.verdict).toBe('inconclusive');
  });
});
