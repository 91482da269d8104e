/**
 * Judging one finished pass through a site (DESIGN §4 mixed-target and wild-jump site-exit):
 * given, per executed instruction, the mask of site versions it matches, and where control went.
 * Pure: the model supplies the masks and keeps the passes (model/passes.ts).
 */
import type { Site, Spec } from '../spec/types.js';
import type { Violation } from './violation.js';
import { classifyPass, PassInsn } from './passes.js';

export type PassVerdict =
  | null
  /** Consistent only with a patch operation still open: judge again when it closes. */
  | { defer: true }
  | { defer: false; violation: Omit<Violation, 'task' | 'hart'> };

export interface PassExit {
  insns: PassInsn[];
  masks: number[];
  /** The instruction that left the site was a jump (jal/jalr). */
  jump: boolean;
  /** pc of that instruction and where control went. */
  pc: number;
  next: number;
  /** A call out of the site whose return address is inside it (the pass is suspended). */
  suspend: boolean;
  /** The pass read bytes of a patch operation still open on the site. */
  open: boolean;
}

export function judgePass(spec: Spec, site: Site, e: PassExit, name: (addr: number) => string): PassVerdict {
  const cls = classifyPass({ insns: e.insns, resumeAt: null }, e.masks);
  if (!cls && e.open) return e.suspend ? null : { defer: true };
  const legit = site.targets.includes(e.next);
  if (cls && e.suspend && legit && cls.kind !== 'auipc-jalr' && cls.kind !== 'nop-jalr') return null;
  if (cls && spec.properties['mixed-target']) {
    // Only nops, of different versions, then the fall-through: nothing the pass did depends on
    // which version each came from (addi x0, x0, 0 and c.nop; any write to x0 is a hint nop).
    const fallThrough = e.next === site.base + site.size && !e.jump;
    if (fallThrough && e.insns.every((r) => r.op === 'addi' && r.rd === 0)) {
      return {
        defer: false,
        violation: {
          property: 'mixed-target', kind: 'nops', site: site.name, pc: cls.pc, versions: cls.versions, benign: !spec.strictMixes,
          message: `nops of different versions in site ${site.name} (versions ${cls.versions.join(' and ')}), falling through: ${spec.strictMixes ? 'fails under properties.mixed-target: strict' : 'benign (reported, not failing)'}`,
        },
      };
    }
    return {
      defer: false,
      violation: {
        property: 'mixed-target',
        kind: cls.kind,
        site: site.name,
        pc: cls.pc,
        target: e.jump ? e.next : undefined,
        landing: e.jump ? (legit ? 'benign' : 'wild') : undefined,
        versions: cls.versions,
        legitimate: site.targets,
        message: `${cls.kind} mix in site ${site.name}: ${cls.describe} (versions ${cls.versions.join(' and ')})${e.jump ? `, jumps to ${name(e.next)}: ${legit ? 'a legitimate target (benign)' : 'no legitimate target (wild)'}` : ''}`,
      },
    };
  }
  if (!cls && !legit && spec.properties['wild-jump']) {
    return {
      defer: false,
      violation: { property: 'wild-jump', kind: 'site-exit', site: site.name, pc: e.pc, target: e.next, legitimate: site.targets, message: `control leaves site ${site.name} from ${name(e.pc)} to ${name(e.next)}, which is not one of its targets (${site.targets.map((x) => name(x)).join(', ')})` },
    };
  }
  return null;
}
