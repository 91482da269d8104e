/**
 * The one grammar of transition tokens (explore/schedule.ts joins them into schedules):
 *   h0      hart 0 runs one visible action of its task (and the invisible run after it)
 *   h0/2    the same, taking fetch view 2 (a stale value under fetch.coherence: fence.i)
 *   h0>t3   hart 0 switches to task 3 (preemption, a task boundary, or a stopper taking it),
 *           which then runs one visible action (h0>t3/1: with fetch view 1)
 *   i0      an interrupt arrives on hart 0
 *   p1      hart 1 takes a pending remote fence.i IPI
 */
import type { Transition } from './model.js';

export const TOKEN = /^(?:h\d+(?:>t\d+)?(?:\/\d+)?|i\d+|p\d+)$/;

export function tokenOf(kind: Transition['kind'], hart: number, task: number, choice: number): string {
  switch (kind) {
    case 'irq': return `i${hart}`;
    case 'ipi': return `p${hart}`;
    case 'switch': return choice === 0 ? `h${hart}>t${task}` : `h${hart}>t${task}/${choice}`;
    default: return choice === 0 ? `h${hart}` : `h${hart}/${choice}`;
  }
}
