import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadSpec } from '../../src/spec/load.js';
import { explore, replay } from '../../src/explore/explore.js';

/** The B1 layout: FC, FRC and f (8-byte t0 site), plus whatever tasks a test needs. */
const FC = 'auipc t0, 0xff5c0\njalr t0, 1984(t0)\n';
const FRC = 'auipc t0, 0xff5c1\njalr t0, -1900(t0)\n';
const NOPS = 'nop\nnop\n';

function spec(over: Record<string, unknown>, opts: { initial?: string; odd?: boolean; data?: boolean } = {}) {
  const s = {
    harts: 2,
    kernel: { preemption: 'none' },
    fetch: { atomic: 4, coherence: 'coherent' },
    memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  nop\n  jr t0\n' },
      { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: 'ftrace_regs_caller:\n  nop\n  jr t0\n' },
      { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: `${opts.odd ? '.option rvc\nc.nop\n.option norvc\n' : ''}f:\n${opts.initial ?? FC}addi a0, a0, 1\nret\n` },
      ...(opts.data ? [{ name: 'counter', kind: 'data', at: '0xffffffff81000000', size: 8 }] : []),
    ],
    sites: [{ name: 'f', at: 'f', size: 8, targets: ['ftrace_caller', 'ftrace_regs_caller'] }],
    tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: [{ write: { at: 'f', asm: FRC } }] },
    ],
    ...over,
  };
  const r = loadSpec(stringify(s), 'test.yaml');
  if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n'));
  return r.spec;
}

const run = (s: ReturnType<typeof spec>, naive = false) => explore(s, { strategy: 'bounded', naive, maxStates: 200_000 });
const kinds = (r: ReturnType<typeof run>) => r.findings.map((f) => `${f.violation.property}/${f.violation.kind}`).sort();

describe('fetch.atomic (operational Ziccif)', () => {
  it('M=4, one aligned sd without stop_machine: a hart fetches auipc and jalr separately (B3)', () => {
    const r = run(spec({}));
    expect(kinds(r)).toEqual(['mixed-target/auipc-jalr']);
  });

  it('M=8 and an 8-aligned pair written by one sd: each instruction is still its own fetch, so the pair mixes (C2, preemption none)', () => {
    const r = run(spec({ fetch: { atomic: 8, coherence: 'coherent' } }));
    expect(kinds(r)).toEqual(['mixed-target/auipc-jalr']);
    expect(r.findings[0].preemptions).toBe(0);
  });

  it('M=8 but preemption full: a preemption between them discards the fetch buffer', () => {
    const r = run(spec({ fetch: { atomic: 8, coherence: 'coherent' }, kernel: { preemption: 'full' }, tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'other', hart: 0, call: 'ftrace_caller', regs: { t0: 'f+8' } },
      { name: 'patcher', hart: 1, patch: [{ write: { at: 'f', asm: FRC } }] },
    ] }));
    expect(kinds(r)).toContain('mixed-target/auipc-jalr');
  });

  it('M=2: a 4-byte instruction is two fetch events; 2-byte stores tear it (nop -> jalr)', () => {
    const mk = () => spec({ fetch: { atomic: 2, coherence: 'coherent' }, tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: [{ write: { at: 'f', asm: FC, stores: 2 } }] },
    ] }, { initial: NOPS });
    const r = run(mk());
    expect(kinds(r)).toContain('torn-instruction/torn');
    const torn = r.findings.find((f) => f.violation.property === 'torn-instruction')!;
    const rep = replay(mk(), torn.schedule);
    expect(rep.violation).toEqual(torn.violation);
    // With M=4 and aligned 4-byte stores no instruction can tear (the pair can still mix).
    const r4 = run(spec({ tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: [{ write: { at: 'f', asm: FC, stores: 4 } }] },
    ] }, { initial: NOPS }));
    expect(kinds(r4)).not.toContain('torn-instruction/torn');
    expect(kinds(r4)).toContain('mixed-target/nop-jalr');
  });

  it('copy_to_kernel_nofault splitting: 8 bytes at a 2-aligned site are four sh, and M=4 tears', () => {
    const s = spec({ tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: [{ write: { at: 'f', asm: FC } }] },
    ] }, { odd: true, initial: NOPS });
    const write = s.tasks[1].kind === 'patcher' ? s.tasks[1].steps[0] : undefined;
    expect(write && write.op === 'write' && write.stores).toEqual([2, 2, 2, 2]);
    const r = run(s);
    expect(kinds(r)).toContain('torn-instruction/torn');
  });
});

describe('fetch.coherence: fence.i (stale fetches chosen by the explorer)', () => {
  const sm = (flush: string) => [{ stop_machine: { steps: [{ write: { at: 'f', asm: FRC } }], flush } }];
  it('without fence.i after the patch, a later call may fetch a stale auipc and a fresh jalr', () => {
    const r = run(spec({ fetch: { atomic: 4, coherence: 'fence.i' }, tasks: [
      { name: 'caller', hart: 0, call: 'f', times: 2 },
      { name: 'patcher', hart: 1, patch: sm('none') },
    ] }));
    expect(kinds(r)).toContain('mixed-target/auipc-jalr');
    const f = r.findings.find((x) => x.violation.kind === 'auipc-jalr')!;
    expect(f.schedule).toMatch(/\/\d/); // a stale view was chosen
    expect(f.preemptions).toBe(0);
  });

  it('with every stopper running fence.i before it exits, the same is safe', () => {
    const r = run(spec({ fetch: { atomic: 4, coherence: 'fence.i' }, tasks: [
      { name: 'caller', hart: 0, call: 'f', times: 2 },
      { name: 'patcher', hart: 1, patch: sm('fence.i') },
    ] }));
    expect(r.verdict).toBe('safe');
    expect(r.complete).toBe(true);
  });
});

describe('preemption, stop_machine, deadlock', () => {
  const sm = [{ stop_machine: { steps: [{ write: { at: 'f', asm: FRC } }] } }];
  it('B4: enabling nop,nop -> auipc,jalr under preemption full: nop then jalr on a stale t0', () => {
    const r = run(spec({ kernel: { preemption: 'full' }, tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: [{ stop_machine: { steps: [{ write: { at: 'f', asm: FC } }] } }] },
    ] }, { initial: NOPS }));
    expect(kinds(r)).toContain('mixed-target/nop-jalr');
  });

  it('the stop_machine body runs on the hart whose stopper arrives last, not always the patcher\'s (patch_text_cb)', () => {
    const s = spec({ tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: sm },
    ] });
    const storeHarts = new Set<number>();
    // Every schedule, by its replay (the space is small: preemption none, one call).
    const todo: string[][] = [[]];
    while (todo.length) {
      const sched = todo.pop()!;
      const r = replay(s, sched.join('.'));
      const arrivals = r.trace.filter((e) => e.kind === 'service' && e.text?.startsWith('stopper arrives'));
      for (const e of r.trace.filter((x) => x.kind === 'store')) {
        storeHarts.add(e.hart);
        expect(e.hart).toBe(arrivals[arrivals.length - 1].hart);
      }
      for (const t of r.next) todo.push([...sched, t]);
    }
    expect([...storeHarts].sort()).toEqual([0, 1]);
  });

  it('voluntary preemption: only at cond_resched, so stop_machine waits for the call to end', () => {
    const r = run(spec({ kernel: { preemption: 'voluntary' }, tasks: [
      { name: 'caller', hart: 0, call: 'f', times: 2 },
      { name: 'patcher', hart: 1, patch: sm },
    ] }));
    expect(r.verdict).toBe('safe');
  });

  it('a remote fence.i IPI inside stop_machine waits on harts spinning with IRQs off (F1)', () => {
    const r = run(spec({ tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: [{ stop_machine: { steps: [{ write: { at: 'f', asm: FRC } }, 'flush_icache_all'] } }] },
    ] }));
    expect([...new Set(kinds(r))]).toEqual(['deadlock/ipi']);
    expect(r.findings[0].violation.message).toMatch(/waits for a remote fence\.i IPI on hart \d, which has interrupts off/);
  });

  it('a caller that keeps IRQs off can still be gathered at a task boundary; one that never ends cannot', () => {
    const r = run(spec({ harts: 1, tasks: [
      { name: 'spinner', hart: 0, entry: 'spin' },
      { name: 'patcher', hart: 0, patch: sm },
    ], memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  nop\n  jr t0\n' },
      { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: 'ftrace_regs_caller:\n  nop\n  jr t0\nspin:\n  li a7, 3\n  ecall\n  li a7, 10\n  ecall\n' },
      { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: `f:\n${FC}addi a0, a0, 1\nret\n` },
    ] }));
    // The spinner disables IRQs and exits: a task boundary, so stop_machine proceeds.
    expect(r.verdict).toBe('safe');
  });
});

/**
 * A caller of f on hart 0 and an RV64 patcher (`patcher_main`, in `code` after FRC) on hart 1;
 * f at 0xffffffff80a4bf30 starts with `entry`.
 */
function rv64PatcherSpec(code: string, entry: string, preemption: string) {
  return spec({ kernel: { preemption }, memory: [
    { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  nop\n  jr t0\n' },
    { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: code },
    { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: `f:\n${entry}addi a0, a0, 1\nret\n` },
  ], tasks: [
    { name: 'caller', hart: 0, call: 'f' },
    { name: 'patcher', hart: 1, entry: 'patcher_main' },
  ] });
}

describe('RV64 patcher through ecall services', () => {
  it('stop_machine(fn) with fn storing the new pair and patch_done: same verdicts as declarative B1/B2', () => {
    const code = `ftrace_regs_caller:\n  nop\n  jr t0\npatcher_main:\n  la a0, patch_fn\n  li a1, 0\n  li a7, 8\n  ecall\n  ret\npatch_fn:\n  la t1, f\n  li t2, 0x894282e7ff5c1297\n  sd t2, 0(t1)\n  li a7, 9\n  ecall\n  ret\n`;
    const mk = (preemption: string) => rv64PatcherSpec(code, FC, preemption);
    expect(kinds(run(mk('full')))).toContain('mixed-target/auipc-jalr');
    expect(run(mk('none')).verdict).toBe('safe');
  });
});

describe('RV64 patcher: stores before patch_done belong to the version it declares', () => {
  // f at 0xffffffff80a4bf30; patcher code in the FRC region. `words` are [offset, 32-bit word].
  const rv64 = (initial: string, words: [number, number][], preemption = 'none') => {
    const stores = words.map(([off, w]) => `  li t2, ${w}\n  sw t2, ${off}(t1)\n`).join('');
    const code = `ftrace_regs_caller:\n  nop\n  jr t0\npatcher_main:\n  la t1, f\n${stores}  li a7, 9\n  ecall\n  ret\n`;
    return rv64PatcherSpec(code, initial, preemption);
  };
  const AUIPC_FC = 0xff5c0297;
  const JALR_FC = 0x7c0282e7;

  it('one sw of the jalr behind an unchanged auipc (D1): fetched before patch_done, it is the pending version: safe', () => {
    const r = run(rv64('auipc t0, 0xff5c0\nnop\n', [[4, JALR_FC]]));
    expect(kinds(r)).toEqual([]);
    expect(r.verdict).toBe('safe');
    expect(r.complete).toBe(true);
  });

  it('two sw into one site: the same findings as the declarative write split [4, 4]', () => {
    const decl = run(spec({ tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, patch: [{ write: { at: 'f', asm: FC, stores: [4, 4] } }] },
    ] }, { initial: NOPS }));
    const code = run(rv64(NOPS, [[0, AUIPC_FC], [4, JALR_FC]]));
    // The new auipc before the old nop is consistent with the operation's content after its
    // first store only: the pass is judged again when patch_done declares the whole version.
    expect(kinds(decl)).toContain('mixed-target/mixed');
    expect(kinds(code)).toEqual(kinds(decl));
    const mixed = code.findings.find((f) => f.violation.kind === 'mixed')!;
    expect(mixed.violation.versions).toEqual([1, 0]);
  });

  it('stores after the last patch_done form an operation that ends with the task', () => {
    const withDone = run(rv64(NOPS, [[0, AUIPC_FC], [4, JALR_FC]]));
    // The same patcher without its ecall: drop `li a7, 9; ecall` from its code.
    const noDone = spec({ kernel: { preemption: 'none' }, memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  nop\n  jr t0\n' },
      { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: `ftrace_regs_caller:\n  nop\n  jr t0\npatcher_main:\n  la t1, f\n  li t2, ${AUIPC_FC}\n  sw t2, 0(t1)\n  li t2, ${JALR_FC}\n  sw t2, 4(t1)\n  ret\n` },
      { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: `f:\n${NOPS}addi a0, a0, 1\nret\n` },
    ], tasks: [
      { name: 'caller', hart: 0, call: 'f' },
      { name: 'patcher', hart: 1, entry: 'patcher_main' },
    ],
    assertions: [{ name: 'the operation is version 1', site: { name: 'f', version: 1 } }] });
    expect(kinds(run(noDone))).toEqual(kinds(withDone));
  });
});

describe('wild jumps and assertions', () => {
  it('a consistent but miscomputed encoding is caught without any race (site-exit)', () => {
    // hi for FC with lo for FRC: always wrong, even alone.
    const r = run(spec({ harts: 1, tasks: [{ name: 'caller', hart: 0, call: 'f' }] }, { initial: 'auipc t0, 0xff5c0\njalr t0, -1900(t0)\n' }));
    expect(kinds(r)).toEqual(['wild-jump/site-exit']);
    expect(r.findings[0].preemptions).toBe(0);
  });

  it('assertions on final memory, registers and site versions', () => {
    const s = spec({ assertions: [
      { name: 'a0 counts one call', register: { task: 'caller', reg: 'a0', equals: 1 } },
      { name: 'site ends on FRC', site: { name: 'f', version: 1 } },
      { name: 'wrong on purpose', memory: { at: 'f', size: 4, equals: 0x13 } },
    ], harts: 2 });
    const r = run(s);
    const props = r.findings.map((f) => f.violation.message);
    expect(props.some((m) => m.includes("'wrong on purpose' failed"))).toBe(true);
    expect(props.some((m) => m.includes("'a0 counts one call'"))).toBe(false);
    expect(props.some((m) => m.includes("'site ends on FRC'"))).toBe(false);
  });

  it('shared data accesses are visible: an interrupt handler racing a counter update', () => {
    const s = spec({ kernel: { preemption: 'none', interrupts: { handler: 'irq', max: 1 } }, harts: 1, memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  la t1, counter\n  ld t2, 0(t1)\n  addi t2, t2, 1\n  sd t2, 0(t1)\n  jr t0\nirq:\n  la t1, counter\n  ld t2, 0(t1)\n  addi t2, t2, 1\n  sd t2, 0(t1)\n  ret\n' },
      { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: 'ftrace_regs_caller:\n  nop\n  jr t0\n' },
      { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: `f:\n${FC}addi a0, a0, 1\nret\n` },
      { name: 'counter', kind: 'data', at: '0xffffffff81000000', size: 8 },
    ], tasks: [{ name: 'caller', hart: 0, call: 'f' }], assertions: [{ name: 'both increments land', memory: { at: 'counter', equals: 2 } }] });
    const r = run(s);
    // Handler saves/restores t1/t2 through the task's context, but the read-modify-write of
    // the trampoline can be interrupted between ld and sd: a lost update, and the run without
    // an interrupt ends with 1.
    expect(kinds(r)).toEqual(['assertion/assertion']);
  });
});

describe('livelock: an execution that can run forever', () => {
  const poller = (preemption: string) => spec({ kernel: { preemption }, memory: [
    { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  nop\n  jr t0\npoll:\n  la t1, flag\n1:\n  ld t2, 0(t1)\n  beqz t2, 1b\n  ret\n' },
    { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: 'ftrace_regs_caller:\n  nop\n  jr t0\n' },
    { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: `f:\n${FC}addi a0, a0, 1\nret\n` },
    { name: 'flag', kind: 'data', at: '0xffffffff81000000', size: 8 },
  ], tasks: [
    { name: 'poller', hart: 0, entry: 'poll' },
    { name: 'patcher', hart: 1, patch: [{ stop_machine: { steps: [{ write: { at: 'f', asm: FRC } }] } }] },
  ] });

  it('without preemption, a task polling forever keeps stop_machine from gathering its hart', () => {
    const r = run(poller('none'));
    expect(kinds(r)).toEqual(['deadlock/livelock']);
    expect(r.findings[0].violation.message).toMatch(/stop_machine never gathers hart 0/);
  });

  it('with preemption the stopper takes the hart: the poller alone spinning is no livelock of the patch', () => {
    const r = run(poller('full'));
    // The poller never ends either way (its flag is never set): the only cycles left are
    // the poller spinning after stop_machine completed.
    expect(r.findings.every((f) => !/stop_machine never gathers/.test(f.violation.message))).toBe(true);
  });
});

describe('properties can be switched off', () => {
  it('mixed-target off: B3 then reports the wild jump it causes; both off: safe', () => {
    const r1 = run(spec({ properties: { 'mixed-target': false } }));
    expect([...new Set(kinds(r1))]).toEqual(['wild-jump/not-code']);
    const r2 = run(spec({ properties: { 'mixed-target': false, 'wild-jump': false } }));
    expect(r2.verdict).toBe('safe');
    expect(r2.complete).toBe(true);
  });
});
