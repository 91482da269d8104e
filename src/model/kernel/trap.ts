/**
 * kprobes (arch/riscv/kernel/probes/kprobes.c): an armed probe is an ebreak (c.ebreak for a
 * 2-byte instruction) written over the probed instruction. The breakpoint trap saves the
 * task's registers, runs the probe's handler (the site's `trap`, RV64 code ending in ret), and
 * then single-steps the original instruction out of line — the instruction the site held
 * before any patch (version 0) at that pc, executed as if at its own address, as the kernel's
 * instruction simulation does — and the task goes on after it. Exceptions are taken with IRQs
 * off, so the handler is neither preempted nor interrupted.
 */
import { decodeCached } from '../../emu/hart.js';
import type { Core } from '../core.js';
import type { Outcome } from '../model.js';
import { TRAP_RET } from '../layout.js';
import { clonePasses } from '../state.js';
import { toArray } from '../sites/ledger.js';
import { note } from '../trace.js';
import { judge, violation } from '../passes.js';
import { readsOpenOp } from '../sites/ledger.js';

/** The ebreak at pc in site s traps: the handler runs next (a0 = pc). */
export function enterTrap(k: Core, ti: number, h: number, s: number, pc: number): void {
  const t = k.ownTask(ti);
  const cpu = k.cpus[ti];
  t.trap = { regs: toArray(cpu.r), pc, passes: t.passes };
  t.passes = [];
  cpu.pc = k.spec.sites[s].trap!;
  cpu.setReg(1, BigInt(TRAP_RET));
  cpu.setReg(10, BigInt(pc));
  note(k, h, ti, 'irq', `breakpoint in site ${k.spec.sites[s].name}: kprobe handler runs`);
}

/**
 * The handler returned: registers and passes come back, and the original instruction at the
 * probed pc runs out of line. Returns a violation if it cannot (the original is undecodable or
 * faults), else null with the task's pc after the instruction.
 */
export function leaveTrap(k: Core, ti: number, h: number): Outcome | null {
  const t = k.ownTask(ti);
  const cpu = k.cpus[ti];
  const saved = t.trap!;
  cpu.r.set(saved.regs);
  t.passes = clonePasses(saved.passes);
  t.trap = null;
  const s = k.layout.siteAt(saved.pc);
  const site = k.spec.sites[s];
  const v0 = k.st.versions[s][0];
  const off = saved.pc - site.base;
  const lo = v0[off] | ((v0[off + 1] ?? 0) << 8);
  const len = (lo & 3) === 3 ? 4 : 2;
  const bits = len === 4 ? (lo | ((v0[off + 2] ?? 0) << 16) | ((v0[off + 3] ?? 0) << 24)) >>> 0 : lo;
  const insn = decodeCached(bits);
  note(k, h, ti, 'irq', `kprobe returns: the original instruction at ${k.names.name(saved.pc)} runs out of line`);
  cpu.pc = saved.pc;
  if (!insn) return violation(k, { property: 'illegal-instruction', kind: 'illegal', site: site.name, pc: saved.pc, message: `the instruction a kprobe replaced at ${k.names.name(saved.pc)} is not a valid instruction (0x${bits.toString(16)})` }, ti, h);
  const stop = cpu.execute(insn);
  if (stop && stop.kind !== 'ecall') return violation(k, { property: 'fault', kind: stop.kind, pc: saved.pc, message: `${stop.kind} in the instruction a kprobe single-steps at ${k.names.name(saved.pc)}` }, ti, h);
  // Control leaving the site through the single-stepped instruction ends the pass (the
  // breakpoint counted in it; the out-of-line copy is the probe's, not a version's).
  const next = cpu.pc;
  const pass = t.passes[s];
  if (pass && (next < site.base || next >= site.base + site.size)) {
    const out = judge(k, ti, h, s, pass.insns, insn.op === 'jal' || insn.op === 'jalr', saved.pc, next, false, readsOpenOp(k, s, pass.insns));
    t.passes[s] = undefined;
    if (out) return out;
  }
  return null;
}
