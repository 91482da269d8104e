/**
 * Traces as plain data: what each transition did, recorded only while replaying a witness
 * (core.trace non-null). api/witness.ts turns them into the Witness that reports render.
 */
import type { Insn } from '../isa/types.js';
import { ABI_NAMES } from '../isa/regs.js';
import type { Core } from './core.js';
import { versionOfWrite } from './sites/ledger.js';

/** One executed instruction or kernel action. */
export interface TraceEvent {
  hart: number;
  task: string;
  kind: 'insn' | 'service' | 'switch' | 'irq' | 'ipi' | 'store' | 'note';
  pc?: number;
  bits?: number;
  size?: number;
  insn?: Insn;
  /** Per fetched byte: write id and the site version it belongs to (undefined: immutable). */
  fetched?: { addr: number; wid: number; version?: number }[];
  /** Registers that matter: auipc result, jalr target. */
  regs?: { name: string; value: bigint }[];
  text?: string;
  site?: string;
  /** A patch write (declarative store, or an RV64 store to patchable memory): its id and, in a site, the version it makes. */
  write?: { id: number; site?: string; version?: number };
  /** A load of shared data or patchable memory: what it read (the destination's value) and the write ids of patchable bytes. */
  load?: { addr: number; size: number; value: bigint; wids?: number[] };
}

export function note(k: Core, h: number, ti: number, kind: TraceEvent['kind'], text: string): void {
  if (k.trace) k.trace.push({ hart: h, task: ti >= 0 ? k.layout.taskNames[ti] : '-', kind, text });
}

export function fetchedInfo(k: Core, pc: number, n: number, wids: number[]): TraceEvent['fetched'] {
  const out: NonNullable<TraceEvent['fetched']> = [];
  const s = k.layout.siteAt(pc);
  for (let i = 0; i < n; i++) {
    const addr = pc + i;
    if (!k.layout.isPatchable(addr)) { out.push({ addr, wid: 0 }); continue; }
    out.push({ addr, wid: wids[i], version: s >= 0 ? versionOfWrite(k, s, wids[i]) : undefined });
  }
  return out;
}

/**
 * Records an instruction. `before` is the value of rs1 read before an executed instruction ran
 * (it may also be its rd); omitted for one that is not executed (torn, illegal): then the
 * registers are still those it would read, and a jalr's target is the one it would compute.
 */
export function traceInsn(k: Core, ti: number, h: number, pc: number, bits: number, len: number, insn: Insn | undefined, wids: number[], before?: bigint): void {
  if (!k.trace) return;
  const cpu = k.cpus[ti];
  const regs: { name: string; value: bigint }[] = [];
  const executed = before !== undefined;
  if (insn?.op === 'auipc' && insn.rd && executed) regs.push({ name: ABI_NAMES[insn.rd], value: cpu.getReg(insn.rd) });
  if (insn?.op === 'jalr') {
    const base = executed ? before : cpu.getReg(insn.rs1);
    // jalr: target = (rs1 + imm) & ~1 (RISC-V unprivileged ISA, 2.5.1).
    const target = executed ? BigInt(cpu.pc) : BigInt.asIntN(64, (base + BigInt(insn.imm)) & ~1n);
    regs.push({ name: 'target', value: target }, { name: ABI_NAMES[insn.rs1], value: base });
  }
  const s = k.layout.siteAt(pc);
  k.trace.push({ hart: h, task: k.layout.taskNames[ti], kind: 'insn', pc, bits, size: len, insn, fetched: k.layout.isPatchable(pc, len) ? fetchedInfo(k, pc, len, wids) : undefined, regs, site: s >= 0 ? k.spec.sites[s].name : undefined });
}
