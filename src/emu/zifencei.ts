/**
 * Zifencei (ISA manual, chapter "Zifencei"). Code is cached by its bytes, and a block that
 * stores into code ends right after the store, so every fetch already sees the latest bytes:
 * FENCE.I has nothing left to do here. The checker's stale-fetch model (fetch.coherence:
 * fence.i) sees the instruction itself through Hart.execute() and acts on it there.
 */
import type { Unit } from './sem.js';

export const zifencei: Record<string, Unit> = {
  'fence.i': () => '',
};
