/**
 * The atomic fetch unit and the fetch buffer (fetch.atomic M, DESIGN §3): at pc a hart
 * atomically fetches the bytes up to the next M boundary; the next sequential instructions
 * may execute from those bytes while they cover them. The explorer's number of fetch choices
 * for a task's next step follows from them and from the fetch model.
 */
import type { Core } from '../core.js';

export function chunkEnd(k: Core, addr: number): number {
  const M = k.spec.fetch.atomic;
  return (Math.floor(addr / M) + 1) * M;
}

export function bufferServes(k: Core, h: number, ti: number, pc: number): boolean {
  const b = k.st.harts[h].buf;
  if (!b || b.task !== ti || pc < b.start || pc + 2 > b.start + b.bytes.length) return false;
  const lo = b.bytes[pc - b.start];
  const len = (lo & 3) === 3 ? 4 : 2;
  return pc + len <= b.start + b.bytes.length;
}

/** Number of fetch choices of the next step of task ti on hart h (1 unless stale fetches). */
export function fetchChoices(k: Core, ti: number, h: number): number {
  if (!k.fetch.choices) return 1;
  const kind = k.layout.taskKinds[ti];
  if (kind === 'patcher' || (kind === 'stopper' && !k.st.sm?.fnStarted)) return 1;
  const t = k.st.tasks[ti];
  const pc = k.cpus[ti].pc;
  if (t.partial) {
    const start = chunkEnd(k, t.partial.pc);
    return k.fetch.views(k, h, start, k.spec.fetch.atomic).length;
  }
  if (!k.layout.isPatchable(pc, 4) || bufferServes(k, h, ti, pc)) return 1;
  const end = chunkEnd(k, pc);
  return k.fetch.views(k, h, pc, end - pc).length;
}
