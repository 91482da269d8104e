/**
 * Interrupts (kernel.interrupts): entry saves the task's registers and open passes and runs the
 * handler (or nothing: a timer tick); returning to IRQ_RET restores them. The handler's passes
 * through sites are its own.
 */
import type { Core } from '../core.js';
import { IRQ_RET } from '../layout.js';
import { clonePasses } from '../state.js';
import { atBoundary, rewindIntoSite } from '../tasks.js';
import { toArray } from '../sites/ledger.js';
import { note } from '../trace.js';

export function irqDeliverable(k: Core, h: number): boolean {
  const ir = k.spec.interrupts;
  const st = k.st;
  const cur = st.harts[h].task;
  if (!ir.enabled || cur < 0 || st.harts[h].irqs >= ir.max || !ir.harts.includes(h)) return false;
  const t = st.tasks[cur];
  const kind = k.layout.taskKinds[cur];
  return (kind === 'caller' || kind === 'code') && t.status === 'running' && !t.irqsOff && !t.partial && !t.irq && !t.trap && !t.ipiWait.length && !atBoundary(k, cur);
}

export function enterIrq(k: Core, h: number): void {
  const hs = k.ownHart(h);
  hs.irqs++;
  const ti = hs.task;
  const handler = k.spec.interrupts.handler;
  if (handler !== undefined) {
    const t = k.ownTask(ti);
    const cpu = k.cpus[ti];
    t.irq = { regs: toArray(cpu.r), pc: cpu.pc, passes: t.passes };
    t.passes = [];
    cpu.pc = handler;
    cpu.setReg(1, BigInt(IRQ_RET));
  }
  note(k, h, ti, 'irq', handler !== undefined ? 'interrupt: handler runs' : 'interrupt (timer tick)');
}

/** The handler returned to IRQ_RET: the interrupted context comes back. */
export function returnFromIrq(k: Core, ti: number, h: number): void {
  const t = k.ownTask(ti);
  const cpu = k.cpus[ti];
  cpu.r.set(t.irq!.regs);
  cpu.pc = t.irq!.pc;
  t.passes = clonePasses(t.irq!.passes); // the saved passes are shared with snapshots
  t.irq = null;
  note(k, h, ti, 'irq', 'return from interrupt');
  if (rewindIntoSite(k, ti)) note(k, h, ti, 'note', 'trap return rewinds the task to the start of the site');
}
