/**
 * Partial-order reduction with sleep sets (Godefroid, "Partial-Order Methods for the
 * Verification of Concurrent Systems", LNCS 1032, 1996, ch. 5), in its form for a search with
 * a visited set: each stored state keeps the sleep set it was last explored with, and a state
 * reached again with a sleep set that is not a superset is explored again for the
 * transitions it slept on before and does not now (the stored set becomes the intersection).
 * docs/semantics.md, "Partial-order reduction", says why this is sound, how it composes with
 * symmetry and the visited set's cost rule, and what it is not used with.
 *
 * Independence is decided on footprints (Model.footprint): two transitions commute when they
 * are on different harts and of different tasks, not both synchronise on kernel state, no
 * byte one writes is read or written by the other, and they are not both writes (every
 * patch write takes the next write id, so two writes never commute as states). A kernel
 * action's footprint names the memory it depends on (model/sched.ts: every patchable byte
 * where it is not modelled byte by byte).
 */
import type { Footprint, Model, Transition } from '../model/model.js';

type Renumbering = ReturnType<Model['canonicalMaps']>;

/** A transition asleep in a state, with the footprint it had where it was explored. */
export interface Asleep {
  readonly t: Transition;
  readonly fp: Footprint;
}

/** Sleep masks are 32-bit: a state with more transitions keeps no sleep set (explores all). */
const MAX_SLEEP_TRANSITIONS = 31;

function overlaps(a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]): boolean {
  for (const [lo, hi] of a) for (const [lo2, hi2] of b) if (lo < hi2 && lo2 < hi) return true;
  return false;
}

export function independent(a: Asleep, t: Transition, fp: Footprint): boolean {
  if (a.t.hart === t.hart) return false;
  if (a.t.task >= 0 && a.t.task === t.task) return false;
  if (a.fp.kernel.length > 0 && fp.kernel.length > 0) return false;
  if (a.fp.writes.length > 0 && fp.writes.length > 0) return false;
  return !overlaps(a.fp.writes, fp.reads) && !overlaps(a.fp.reads, fp.writes);
}

const KIND = { step: 0, switch: 1, irq: 2, ipi: 3 } as const;

/**
 * Each transition's rank among the state's transitions when they are named up to symmetry
 * (`maps`: the renumbering of the state's canonical fingerprint; null when the search keys
 * states by their exact fingerprint): the bit a sleep mask gives it. Equal for the
 * corresponding transitions of every state with the same key. Null when there are too many
 * for a mask.
 */
export function sleepRanks(trans: readonly Transition[], maps: Renumbering | null): Int8Array | null {
  if (trans.length > MAX_SLEEP_TRANSITIONS) return null;
  const hart = (h: number) => (maps ? maps.hart[h] : h);
  const task = (t: number) => (t < 0 ? 0 : (maps ? maps.task[t] : t) + 1);
  const ids = trans.map((t) => ((KIND[t.kind] * 64 + hart(t.hart)) * 1024 + task(t.task)) * 4096 + t.choice);
  const order = trans.map((_, i) => i).sort((x, y) => ids[x] - ids[y]);
  const ranks = new Int8Array(trans.length);
  order.forEach((i, r) => (ranks[i] = r));
  return ranks;
}

/** The sleep mask (by rank) of the transitions of `trans` whose tokens are asleep. */
export function sleepMask(trans: readonly Transition[], ranks: Int8Array, asleep: readonly Asleep[]): number {
  let mask = 0;
  for (let i = 0; i < trans.length; i++) {
    const tok = trans[i].token;
    if (asleep.some((a) => a.t.token === tok)) mask |= 1 << ranks[i];
  }
  return mask;
}

/** Indices of `trans` whose rank bit is in `mask`, as an index mask. */
export function indexMask(ranks: Int8Array, mask: number): number {
  let out = 0;
  for (let i = 0; i < ranks.length; i++) if ((mask >>> ranks[i]) & 1) out |= 1 << i;
  return out;
}
