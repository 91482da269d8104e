/**
 * Remote fence.i by IPI (flush_icache_all's IPI path) or by SBI (sbi_remote_fence_i: the
 * firmware interrupts each target in M-mode, whatever its sstatus.SIE): the sender marks the
 * target harts pending and may wait; each target runs fence.i when it takes the IPI (a
 * transition of its own: by IPI only while its task has IRQs on, by SBI also with IRQs off).
 * A sender waiting for a firmware delivery to hart x lists it in ipiWait as sbiWait(x) = -(x + 1).
 */
import type { Core } from '../core.js';
import { acquireAndFence, fenceI } from '../fetch/fetch-model.js';
import { join } from '../fetch/causal.js';
import { note } from '../trace.js';

export type IpiTargets = number[] | 'others' | 'all';

/** The ipiWait entry of a wait for a firmware (SBI) remote fence.i on hart x. */
export const sbiWait = (x: number): number => -(x + 1);
/** The hart an ipiWait entry waits for. */
export const waitedHart = (e: number): number => (e < 0 ? -e - 1 : e);

export function sendIpi(k: Core, ti: number, h: number, harts: IpiTargets, wait: boolean, firmware = false): void {
  const all = Array.from({ length: k.spec.harts }, (_, x) => x);
  const targets = harts === 'others' ? all.filter((x) => x !== h) : harts === 'all' ? all : harts;
  const known = k.st.harts[h].known;
  for (const x of targets) {
    if (x === h) fenceI(k, h);
    else {
      // The kernel orders its earlier stores before the IPI (smp_mb before sending): the
      // target's fence.i must see what the sender knew.
      const hx = k.ownHart(x);
      hx.ipiPending = true;
      hx.ipiClock = hx.ipiClock ? join(hx.ipiClock, known) : known;
    }
  }
  if (wait) k.ownTask(ti).ipiWait = targets.filter((x) => x !== h).map((x) => (firmware ? sbiWait(x) : x));
  const others = targets.filter((x) => x !== h);
  const how = firmware ? 'SBI remote fence.i' : 'remote fence.i IPI';
  note(k, h, ti, 'service', others.length ? `${how} to hart ${others.join(', ')}${wait ? ', waiting' : ''}` : `${how}: no other hart to send it to`);
}

/** Hart h takes its pending IPI: fence.i, and every task waiting for h stops waiting for it. */
export function takeIpi(k: Core, h: number): void {
  acquireAndFence(k, h, k.st.harts[h].ipiClock);
  const hs = k.ownHart(h);
  hs.ipiClock = null;
  hs.ipiPending = false;
  const sbi = sbiWait(h);
  const tasks = k.st.tasks;
  for (let i = 0; i < tasks.length; i++) {
    const w = tasks[i].ipiWait;
    if (w.some((x) => x === h || x === sbi)) k.ownTask(i).ipiWait = w.filter((x) => x !== h && x !== sbi);
  }
  note(k, h, hs.task, 'ipi', 'IPI: remote fence.i');
}

/** Whether hart h can take its pending IPI now. */
export function ipiDeliverable(k: Core, h: number): boolean {
  const hs = k.st.harts[h];
  if (!hs.ipiPending) return false;
  const t = hs.task >= 0 ? k.st.tasks[hs.task] : null;
  if (!t || (!t.irqsOff && !t.partial && !t.irq && !t.trap)) return true;
  // The firmware's M-mode interrupt is not masked by sstatus.SIE (not taken between the two
  // fetch events of one instruction: the model cannot restart it).
  const sbi = sbiWait(h);
  return !t.partial && k.st.tasks.some((w) => w.ipiWait.includes(sbi));
}
