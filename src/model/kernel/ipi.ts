/**
 * Remote fence.i by IPI (SBI remote fence.i / flush_icache_all's IPI path): the sender marks
 * the target harts pending and may wait; each target runs fence.i when it takes the IPI (a
 * transition of its own, possible only while its task has IRQs on).
 */
import type { Core } from '../core.js';
import { acquireAndFence, fenceI } from '../fetch/fetch-model.js';
import { join } from '../fetch/causal.js';
import { note } from '../trace.js';

export type IpiTargets = number[] | 'others' | 'all';

export function sendIpi(k: Core, ti: number, h: number, harts: IpiTargets, wait: boolean): void {
  const all = Array.from({ length: k.spec.harts }, (_, x) => x);
  const targets = harts === 'others' ? all.filter((x) => x !== h) : harts === 'all' ? all : harts;
  const known = k.st.harts[h].known;
  for (const x of targets) {
    if (x === h) fenceI(k, h);
    else {
      // The kernel orders its earlier stores before the IPI (smp_mb before sending): the
      // target's fence.i must see what the sender knew.
      const hx = k.st.harts[x];
      hx.ipiPending = true;
      hx.ipiClock = hx.ipiClock ? join(hx.ipiClock, known) : known;
    }
  }
  if (wait) k.st.tasks[ti].ipiWait = targets.filter((x) => x !== h);
  const others = targets.filter((x) => x !== h);
  note(k, h, ti, 'service', others.length ? `remote fence.i IPI to hart ${others.join(', ')}${wait ? ', waiting' : ''}` : 'remote fence.i: no other hart to send an IPI to');
}

/** Hart h takes its pending IPI: fence.i, and every task waiting for h stops waiting for it. */
export function takeIpi(k: Core, h: number): void {
  const hs = k.st.harts[h];
  acquireAndFence(k, h, hs.ipiClock);
  hs.ipiClock = null;
  hs.ipiPending = false;
  for (const t of k.st.tasks) t.ipiWait = t.ipiWait.filter((x) => x !== h);
  note(k, h, hs.task, 'ipi', 'IPI: remote fence.i');
}

/** Whether hart h can take its pending IPI now. */
export function ipiDeliverable(k: Core, h: number): boolean {
  const hs = k.st.harts[h];
  if (!hs.ipiPending) return false;
  const t = hs.task >= 0 ? k.st.tasks[hs.task] : null;
  return !t || (!t.irqsOff && !t.partial && !t.irq && !t.trap);
}
