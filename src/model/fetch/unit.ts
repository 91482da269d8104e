/**
 * The atomic fetch unit (fetch.atomic M, Ziccif): an instruction's bytes up to the next M
 * boundary are fetched atomically; an instruction crossing the boundary is two fetch events.
 * From it and the fetch model follows the number of fetch choices of a task's next step.
 */
import type { Core } from '../core.js';

export function chunkEnd(k: Core, addr: number): number {
  const M = k.spec.fetch.atomic;
  return (Math.floor(addr / M) + 1) * M;
}

/** Bytes of the first fetch event of an instruction at pc: up to 4, not past the unit's boundary. */
export function firstFetchBytes(k: Core, pc: number): number {
  return Math.min(chunkEnd(k, pc), pc + 4) - pc;
}

/** Number of fetch choices of the next step of task ti on hart h (1 unless stale fetches). */
export function fetchChoices(k: Core, ti: number, h: number): number {
  if (!k.fetch.choices) return 1;
  const kind = k.layout.taskKinds[ti];
  if (kind === 'patcher' || (kind === 'stopper' && !k.st.sm?.fnStarted)) return 1;
  const t = k.st.tasks[ti];
  if (t.partial) return k.fetch.viewCount(k, h, t.partial.pc + t.partial.bytes.length, 4 - t.partial.bytes.length);
  const pc = k.cpus[ti].pc;
  const n = firstFetchBytes(k, pc);
  if (!k.layout.isPatchable(pc, n)) return 1;
  return k.fetch.viewCount(k, h, pc, n);
}
