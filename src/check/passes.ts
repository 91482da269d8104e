/**
 * mixed-target (DESIGN.md §4): one pass of a task through a site must execute instructions
 * that all belong to one version of the site. A pass starts when the task enters the site and
 * ends when control leaves it; it survives preemption (it belongs to the task), and a call out
 * of the site whose return address lies inside it suspends the pass until the task comes back
 * there (the old 16-byte entry: `jalr` to the trampoline, then `ld ra` at f+12).
 */
import { ABI_NAMES } from '../isa/regs.js';

export interface PassInsn {
  /** Offset in the site. */
  off: number;
  pc: number;
  bytes: number[];
  /** Write id of each byte (0: the initial image). */
  wids: number[];
  op: string;
  rd: number;
  rs1: number;
}

export interface PassState {
  insns: PassInsn[];
  /** Suspended by a call out of the site: resumes only at this address. */
  resumeAt: number | null;
}

export interface PassClass {
  kind: 'auipc-jalr' | 'nop-jalr' | 'stale-ra' | 'mixed';
  /** [a version of the part before, a version of the instruction that breaks consistency]. */
  versions: number[];
  /** The instruction that breaks consistency. */
  pc: number;
  describe: string;
}

const lowest = (mask: number): number => 31 - Math.clz32(mask & -mask);

const LOADS = new Set(['lb', 'lbu', 'lh', 'lhu', 'lw', 'lwu', 'ld']);
const REG = ABI_NAMES;

/**
 * Classifies a pass given, per executed instruction, the bitmask of site versions whose bytes
 * it equals. Returns null when some version is consistent with every instruction. Otherwise
 * the most specific pattern found, in this order: a `jalr` on a base register from an `auipc`
 * of another version (auipc-jalr); a `jalr` on a base register nothing in the pass wrote, after
 * instructions of another version (nop-jalr); a load into `ra` after instructions of another
 * version, i.e. a restore whose save did not run (stale-ra); else the first instruction that
 * breaks consistency (mixed).
 */
export function classifyPass(pass: PassState, masks: number[]): PassClass | null {
  let all = -1;
  for (const m of masks) all &= m;
  if (all !== 0) return null;
  const insns = pass.insns;
  // Running intersection of the masks before each instruction (-1: nothing before).
  const before: number[] = [];
  let run = -1;
  for (let i = 0; i < masks.length; i++) {
    before.push(run);
    run &= masks[i];
  }
  const mineOf = (i: number) => (masks[i] === 0 ? -1 : lowest(masks[i]));
  const writerOf = (i: number, reg: number) => {
    for (let j = i - 1; j >= 0; j--) if (insns[j].rd === reg && reg !== 0) return j;
    return -1;
  };
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (insn.op !== 'jalr') continue;
    const w = writerOf(i, insn.rs1);
    if (w >= 0 && insns[w].op === 'auipc' && (masks[w] & masks[i]) === 0) {
      const va = lowest(masks[w]);
      const vj = mineOf(i);
      return { kind: 'auipc-jalr', versions: [va, vj], pc: insn.pc, describe: `jalr (version ${vj}) uses ${REG[insn.rs1]} from auipc of version ${va}` };
    }
  }
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (insn.op !== 'jalr' || writerOf(i, insn.rs1) >= 0 || before[i] === -1 || (before[i] & masks[i]) !== 0) continue;
    const vb = lowest(before[i] === 0 ? masks[0] : before[i]);
    return { kind: 'nop-jalr', versions: [vb, mineOf(i)], pc: insn.pc, describe: `jalr (version ${mineOf(i)}) uses ${REG[insn.rs1]} that no auipc of this pass wrote (version ${vb} ran before it)` };
  }
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (!LOADS.has(insn.op) || insn.rd !== 1 || before[i] === -1 || (before[i] & masks[i]) !== 0) continue;
    const vb = lowest(before[i] === 0 ? masks[0] : before[i]);
    return { kind: 'stale-ra', versions: [vb, mineOf(i)], pc: insn.pc, describe: `ra restored by version ${mineOf(i)} after version ${vb} ran the start of the site (its save did not run)` };
  }
  for (let i = 0; i < insns.length; i++) {
    if (before[i] === -1 || (before[i] & masks[i]) !== 0) continue;
    const vb = lowest(before[i] === 0 ? masks[0] : before[i]);
    return { kind: 'mixed', versions: [vb, mineOf(i)], pc: insns[i].pc, describe: `instruction at offset ${insns[i].off} is version ${mineOf(i)} after version ${vb}` };
  }
  // Every prefix consistent but the whole not (cannot happen: kept for completeness).
  return { kind: 'mixed', versions: [], pc: insns[insns.length - 1].pc, describe: 'no version has all the executed instructions' };
}
