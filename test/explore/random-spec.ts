/**
 * Random small specs for the soundness property tests (soundness.test.ts, symmetry.test.ts):
 * one or two sites of real encodings, every fetch model and granule, preemption models,
 * interrupts, stop_machine or not, flushes, shared data read by the callers, and callers that
 * spin on it (until the patcher sets it, or while it is set): cycles, judged for livelock.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';

const FC = 'ftrace_caller';
const PAIRS: Record<string, string> = {
  fc: 'auipc t0, %pcrel_hi(ftrace_caller)\njalr t0, %pcrel_lo(1b)(t0)',
  frc: 'auipc t0, %pcrel_hi(ftrace_regs_caller)\njalr t0, %pcrel_lo(1b)(t0)',
  nops: 'nop\nnop',
  cnops: 'c.nop\nc.nop\nc.nop\nc.nop',
  jal: 'jal t0, near\nnop',
};
const WORDS: Record<string, string> = {
  nop4: 'nop',
  cnop2: 'c.nop\nc.nop',
  jal: 'jal t0, near',
};
type Pair = keyof typeof PAIRS;
type Word = keyof typeof WORDS;

export interface Gen {
  harts: number;
  preemption: 'none' | 'voluntary' | 'full';
  interrupts: boolean;
  atomic: 2 | 4 | 8;
  model: 'base' | 'ziccid' | 'ir3-fetch' | 'ir-decode' | 'latest';
  odd: boolean;
  pair: { initial: Pair; writes: Pair[] };
  word: { initial: Word; writes: Word[] } | null;
  callers: { hart: number; times: number }[];
  patcherHart: number;
  stores: 'auto' | 2 | 4;
  stopMachine: boolean;
  after: 'none' | 'fence.i' | 'flush_icache_all';
  data: boolean;
  /**
   * With data: the caller spins on the flag until it is set, or while it is set (explore/scc.ts
   * judges the cycles); `twice`: two loads a turn, so two callers spinning in step trade places
   * (a cycle through a permuted image of a state, which gives symmetry up); `code`: the flag is
   * code instead, `j .+4` that the patcher turns into `j .`, and the caller runs it: a hart that
   * fetches the new code spins forever, whichever view it could take (explore/scc.ts: fairness
   * per agent, not per fetch view).
   */
  spin: 'none' | 'until-set' | 'while-set' | 'twice' | 'code';
}

/** Labels `1:` before each auipc so %pcrel_lo(1b) pairs with it, as GNU as wants. */
function labelled(asm: string): string {
  return asm.split('\n').map((l) => (l.startsWith('auipc') ? `1: ${l}` : l)).join('\n');
}

export function specText(g: Gen): string {
  const stores = g.stores === 'auto' ? undefined : g.stores;
  const writes: unknown[] = g.pair.writes.map((w) => ({ write: { at: 'f', asm: labelled(PAIRS[w]) + '\n', ...(stores ? { stores } : {}), rvc: w === 'cnops' } }));
  if (g.word) for (const w of g.word.writes) writes.push({ write: { at: 'g', asm: WORDS[w] + '\n', ...(stores ? { stores: Math.min(stores, 4) } : {}), rvc: w === 'cnop2' } });
  if (g.data) writes.push(g.spin === 'code' ? { write: { at: 'flag', asm: 'j .\n', rvc: false } } : { write: { at: 'flag', bytes: '01 00 00 00 00 00 00 00' } });
  const patch: unknown[] = g.stopMachine ? [{ stop_machine: { steps: writes } }] : writes;
  if (g.after !== 'none') patch.push(g.after);
  const text = [
    `${g.odd ? 'c.nop\n' : ''}f:`,
    labelled(PAIRS[g.pair.initial]),
    ...(g.word ? ['g:', WORDS[g.word.initial]] : []),
    ...(g.data && g.spin === 'code' ? ['la a2, flag', 'jalr t1, 0(a2)'] : []),
    ...(g.data && g.spin !== 'code' ? ['la a2, flag', '2: ld a1, 0(a2)', ...(g.spin === 'twice' ? ['ld a1, 0(a2)'] : []), ...(g.spin === 'none' ? [] : [`${g.spin === 'while-set' ? 'bnez' : 'beqz'} a1, 2b`])] : []),
    'addi a0, a0, 1',
    'ret',
    'near:', // a nearby trampoline a jal can reach (the kernel's are megabytes away)
    'jr t0',
  ].join('\n');
  return stringify({
    harts: g.harts,
    kernel: { preemption: g.preemption, interrupts: g.interrupts },
    fetch: { atomic: g.atomic, model: g.model },
    memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: `${FC}:\n  jr t0\n` },
      { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: 'ftrace_regs_caller:\n  jr t0\n' },
      // A literal in patchable memory the callers load (as CALL_OPS does) and the patcher rewrites.
      ...(g.data ? [{ name: 'd', kind: 'patchable', at: '0xffffffff81c00000', rvc: false, asm: g.spin === 'code' ? 'flag:\n  j .+4\n  jr t1\n' : 'flag: .dword 0\n' }] : []),
      { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: text + '\n' },
    ],
    sites: [
      { name: 'f', at: 'f', size: 8, targets: [FC, 'ftrace_regs_caller', 'near'] },
      ...(g.word ? [{ name: 'g', at: 'g', size: 4, targets: [FC, 'near'] }] : []),
    ],
    tasks: [
      ...g.callers.map((c, i) => ({ name: `c${i}`, hart: c.hart, call: 'f', times: c.times })),
      { name: 'patcher', hart: g.patcherHart, patch },
    ],
  });
}

export const pair = fc.constantFrom<Pair>('fc', 'frc', 'nops', 'cnops', 'jal');
export const word = fc.constantFrom<Word>('nop4', 'cnop2', 'jal');
export const gen: fc.Arbitrary<Gen> = fc
  .record({
    harts: fc.integer({ min: 2, max: 3 }),
    preemption: fc.constantFrom('none', 'voluntary', 'full') as fc.Arbitrary<Gen['preemption']>,
    interrupts: fc.boolean(),
    atomic: fc.constantFrom(2, 4, 8) as fc.Arbitrary<2 | 4 | 8>,
    model: fc.constantFrom('base', 'ziccid', 'ir3-fetch', 'ir-decode', 'latest') as fc.Arbitrary<Gen['model']>,
    odd: fc.boolean(),
    pair: fc.record({ initial: pair, writes: fc.array(pair, { minLength: 1, maxLength: 2 }) }),
    word: fc.option(fc.record({ initial: word, writes: fc.array(word, { minLength: 0, maxLength: 1 }) }), { nil: null }),
    callers: fc.array(fc.record({ hart: fc.integer({ min: 0, max: 2 }), times: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 2 }),
    patcherHart: fc.integer({ min: 0, max: 2 }),
    stores: fc.constantFrom('auto', 2, 4) as fc.Arbitrary<Gen['stores']>,
    stopMachine: fc.boolean(),
    after: fc.constantFrom('none', 'fence.i', 'flush_icache_all') as fc.Arbitrary<Gen['after']>,
    data: fc.boolean(),
    spin: fc.constantFrom('none', 'until-set', 'while-set', 'twice', 'code') as fc.Arbitrary<Gen['spin']>,
  })
  .map((g) => ({
    ...g,
    callers: g.callers.map((c) => ({ ...c, hart: c.hart % g.harts })),
    patcherHart: g.patcherHart % g.harts,
  }))
  // Keep the naive search small: at most two calls in all (one with three harts), two writes.
  .filter((g) => {
    const calls = g.callers.reduce((a, c) => a + c.times, 0);
    const writes = g.pair.writes.length + (g.word?.writes.length ?? 0) + (g.data ? 1 : 0);
    return calls <= (g.harts === 3 ? 1 : 2) && writes <= 2;
  });

/**
 * Specs with two identical callers on harts of their own and a patcher on a third (mostly
 * interchangeable: model/symmetry.ts); two calls in all keep the naive search of three harts small.
 */
export const symmetricGen: fc.Arbitrary<Gen> = gen.map((g) => ({
  ...g,
  harts: 3,
  callers: [{ hart: 0, times: 1 }, { hart: 1, times: 1 }],
  patcherHart: 2,
  pair: { ...g.pair, writes: g.pair.writes.slice(0, 1) },
  word: g.word && g.data ? null : g.word && { ...g.word, writes: [] },
}));

/** Three identical callers on harts 0-2 and the patcher on hart 3: runs of three tied members (model/symmetry.ts). */
export const threeCallerGen: fc.Arbitrary<Gen> = symmetricGen.map((g) => ({
  ...g,
  harts: 4,
  callers: [{ hart: 0, times: 1 }, { hart: 1, times: 1 }, { hart: 2, times: 1 }],
  patcherHart: 3,
}));
