/**
 * Instruction-fetch models as plug-ins, chosen once per spec (TinyEMU picks its CPU class once;
 * nothing in the hot loop re-tests the variant). A model says which write times a hart's
 * atomic fetch of [addr, addr+n) may observe (the explorer's choices) and what a fetch leaves
 * behind for later fetches. docs/semantics.md states each model's rules.
 */
import type { Core } from '../core.js';

export interface FetchModel {
  readonly name: 'coherent' | 'fence.i';
  /** Whether a fetch can have more than one view (otherwise views() is always [latest]). */
  readonly choices: boolean;
  /** Distinct write times hart h may see [addr, addr+n) at, latest first; length >= 1. */
  views(k: Core, h: number, addr: number, n: number): number[];
  /** Hart h fetched c = content of [addr, addr+n) as of time T. */
  fetched(k: Core, h: number, addr: number, n: number, T: number, c: { bytes: number[]; wids: number[] }): void;
}

/** fence.i on hart h: every write so far becomes visible to its fetches; the fetch buffer is dropped. */
export function fenceI(k: Core, h: number): void {
  const hs = k.st.harts[h];
  hs.floor = k.mem.writeSeq;
  hs.raised = [];
  hs.buf = null;
}
