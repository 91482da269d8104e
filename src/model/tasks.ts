/**
 * Tasks and preemption: when a task is at a boundary (between calls, before it starts), when
 * the task on a hart may be switched out (freely, or as a preemption that counts against the
 * bound), when a step of it is enabled, and how it finishes.
 */
import type { Core } from './core.js';
import { DRIVER_RET } from './layout.js';
import { ALL_HARTS } from './state.js';

export function taskDone(k: Core, i: number): boolean {
  const st = k.st.tasks[i].status;
  return st === 'done' || st === 'inactive';
}

export function stepEnabled(k: Core, ti: number): boolean {
  const t = k.st.tasks[ti];
  if (t.status !== 'running' || t.ipiWait.length) return false;
  if (k.layout.taskKinds[ti] !== 'stopper') return true;
  const sm = k.st.sm;
  if (!sm) return false;
  switch (t.ip) {
    case 0: return true;
    case 1: return sm.phase === 'flush' || (sm.phase === 'run' && (sm.runner === t.hart || sm.runner === ALL_HARTS));
    case 2: return true;
    default: return sm.flushed.length === k.spec.harts;
  }
}

export function atBoundary(k: Core, ti: number): boolean {
  const kind = k.layout.taskKinds[ti];
  const t = k.st.tasks[ti];
  if (kind === 'caller') return k.cpus[ti].pc === DRIVER_RET && !t.irq;
  if (kind === 'code') return t.started === 0;
  if (kind === 'patcher') return t.ip === 0;
  return false;
}

/** Whether the task on hart h may be switched out now: 'free', 'preempt' (counts), or null. */
export function switchable(k: Core, h: number): 'free' | 'preempt' | null {
  const cur = k.st.harts[h].task;
  if (cur < 0) return 'free';
  const t = k.st.tasks[cur];
  if (k.layout.taskKinds[cur] === 'stopper') return null;
  if (t.partial || t.ipiWait.length || t.irq || t.trap) return null;
  if (atBoundary(k, cur)) return 'free';
  const p = k.spec.preemption;
  if (p === 'voluntary' && t.voluntary) return 'free';
  if (p === 'full' && t.preempt === 0 && !t.irqsOff && threadPreemptCount(k, cur) === 0) return 'preempt';
  return null;
}

/**
 * With `objects:`, current_thread_info()->preempt_count of task ti: the int in its task area
 * that real code's inline preempt_disable() increments (6.12's __patch_insn_write); 0 otherwise.
 */
export function threadPreemptCount(k: Core, ti: number): number {
  const at = preemptCountBytes(k, ti);
  if (!at) return 0;
  const b = k.mem.peek(at[0], 4);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
}

/** The bytes threadPreemptCount reads, [from, to); null without `objects:`. */
export function preemptCountBytes(k: Core, ti: number): [number, number] | null {
  const area = k.layout.taskArea;
  if (!area.length) return null;
  const at = area[ti] + k.spec.kernel!.thread.preemptCount;
  return [at, at + 4];
}

/**
 * kernel.trap-rewind: the trap-return path moves a task resumed inside a patch site back to the
 * site's first instruction (its pass starts again), as the three-step patching proposal's
 * exception-return fixup does. Returns whether it moved the task.
 */
export function rewindIntoSite(k: Core, ti: number): boolean {
  if (!k.spec.trapRewind) return false;
  const cpu = k.cpus[ti];
  const s = k.layout.siteAt(cpu.pc);
  if (s < 0 || cpu.pc === k.spec.sites[s].base) return false;
  cpu.pc = k.spec.sites[s].base;
  k.ownTask(ti).passes[s] = undefined;
  return true;
}

export function finish(k: Core, ti: number, h: number): void {
  const t = k.ownTask(ti);
  t.status = k.layout.taskKinds[ti] === 'stopper' ? 'inactive' : 'done';
  t.passes = [];
  k.ownHart(h).task = -1;
}
