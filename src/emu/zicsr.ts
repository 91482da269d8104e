/**
 * Zicsr semantic units (ISA manual, chapter "Zicsr"; counters from "Zicntr"). User mode can
 * read cycle (0xC00), time (0xC01) and instret (0xC02); all three count retired instructions,
 * which keeps runs deterministic (the checker replays schedules exactly). Any other CSR, or a
 * write to one of these read-only counters, is an illegal instruction, as on hardware.
 */
import type { Insn } from '../isa/types.js';
import { retired, setNum, Unit } from './sem.js';

export const USER_COUNTERS: ReadonlySet<number> = new Set([0xc00, 0xc01, 0xc02]);

/** Whether this CSR instruction writes its CSR (csrrs/csrrc with x0 and the zimm=0 forms do not). */
export function csrWrites(i: Insn): boolean {
  switch (i.op) {
    case 'csrrw': case 'csrrwi': return true;
    case 'csrrs': case 'csrrc': return i.rs1 !== 0;
    default: return i.imm !== 0; // csrrsi, csrrci
  }
}

const csr: Unit = (i, g) => {
  if (!USER_COUNTERS.has(i.csr) || csrWrites(i)) {
    return `h.stop={kind:'illegal',pc:${g.pc},bits:${i.bits},detail:'CSR 0x${i.csr.toString(16)} ${USER_COUNTERS.has(i.csr) ? 'is read-only' : 'is not accessible'}'};${g.exit(g.k, g.pc)}`;
  }
  return setNum(i.rd, `${retired()}+${g.k}`);
};

export const zicsr: Record<string, Unit> = {
  csrrw: csr, csrrs: csr, csrrc: csr, csrrwi: csr, csrrsi: csr, csrrci: csr,
};
