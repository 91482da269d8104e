/**
 * mixed-target (DESIGN.md §4): one pass of a task through a site must execute instructions
 * that all belong to one version of the site. A pass starts when the task enters the site and
 * ends when control leaves it; it survives preemption (it belongs to the task), and a call out
 * of the site whose return address lies inside it suspends the pass until the task comes back
 * there (the old 16-byte entry: `jalr` to the trampoline, then `ld ra` at f+12).
 */

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
const REG = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

/**
 * Classifies a pass given, per executed instruction, the bitmask of site versions whose bytes
 * it equals. Returns null when some version is consistent with every instruction.
 */
export function classifyPass(pass: PassState, masks: number[]): PassClass | null {
  let running = -1;
  for (let i = 0; i < masks.length; i++) {
    const next = running & masks[i];
    if (next !== 0) {
      running = next;
      continue;
    }
    const insn = pass.insns[i];
    const before = running === -1 ? masks[i] : running;
    const mine = masks[i] === 0 ? -1 : lowest(masks[i]);
    if (insn.op === 'jalr') {
      let writer = -1;
      for (let j = i - 1; j >= 0; j--) {
        if (pass.insns[j].rd === insn.rs1 && insn.rs1 !== 0) { writer = j; break; }
      }
      const base = REG[insn.rs1];
      if (writer >= 0 && pass.insns[writer].op === 'auipc') {
        const va = lowest(masks[writer]);
        return { kind: 'auipc-jalr', versions: [va, mine], pc: insn.pc, describe: `jalr (version ${mine}) uses ${base} from auipc of version ${va}` };
      }
      if (writer < 0) {
        return { kind: 'nop-jalr', versions: [lowest(before), mine], pc: insn.pc, describe: `jalr (version ${mine}) uses ${base} that no auipc of this pass wrote (version ${lowest(before)} ran there)` };
      }
    }
    if (LOADS.has(insn.op) && insn.rd === 1) {
      return { kind: 'stale-ra', versions: [lowest(before), mine], pc: insn.pc, describe: `ra restored by version ${mine} after version ${lowest(before)} ran the start of the site` };
    }
    return { kind: 'mixed', versions: [lowest(before), mine], pc: insn.pc, describe: `instruction at offset ${insn.off} is version ${mine} after version ${lowest(before)}` };
  }
  return null;
}
