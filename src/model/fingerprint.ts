/**
 * The one function that names a machine state (Machine.fingerprint, and the canonical
 * fingerprint of model/symmetry.ts over a permuted state): memory with provenance and LR
 * reservations, the pc and registers of every task whose registers still matter, the model
 * state. A 64-bit hash (collisions: ~n^2/2^65 for n states).
 */
import type { Core } from './core.js';
import { Hasher, hashState, mixAll, Renaming, State } from './state.js';

const NO_DEAD: readonly number[] = [];

/**
 * The version of the fingerprint function: one more each time the fingerprint of some state
 * changes (2: tasks hashed through their digests). Checkpoints and shard files hold
 * fingerprints, so they are bound to it (cli/checkpoint.ts, cli/shard.ts).
 */
export const FINGERPRINT_FORMAT = 2;

/** Whether task i's registers are part of the state: it is live, or an assertion reads them once it is done. */
export function regsHashed(k: Core, regsRead: readonly boolean[], i: number): boolean {
  const s = k.st.tasks[i].status;
  return (s !== 'done' && s !== 'inactive') || regsRead[i];
}

/** Registers x1..x31 straight from the hart's int32 pairs, with the `dead` ones as zero. */
export function mixRegs(h: Hasher, r: ArrayLike<number>, dead: readonly number[]): void {
  let from = 2;
  for (const x of dead) {
    mixAll(h, r, from, 2 * x);
    h.mix(0);
    h.mix(0);
    from = 2 * x + 2;
  }
  mixAll(h, r, from, 64);
}

/** The digest of registers x1..x31 (`dead` ones as zero): two hash words, mixed into a fingerprint in their place. */
export function regsDigest(r: ArrayLike<number>, dead: readonly number[]): [number, number] {
  const h = new Hasher();
  mixRegs(h, r, dead);
  return [h.a, h.b];
}

/**
 * The fingerprint with the tasks in the order `order` (position -> task; null: as they are)
 * and the model state `st` renumbered by R (model/symmetry.ts; null: as it is). `deadOf[task]`:
 * registers of that task hashed as zero (model/symmetry.ts; none for the plain fingerprint).
 */
export function machineFingerprint(k: Core, regsRead: readonly boolean[], st: State, order: readonly number[] | null = null, deadOf: readonly (readonly number[])[] | null = null, R: Renaming | null = null): string {
  const h = new Hasher();
  const [ma, mb] = k.mem.fingerprintLanes(order);
  h.mix(ma);
  h.mix(mb);
  for (let n = 0; n < k.cpus.length; n++) {
    const o = order ? order[n] : n;
    if (!regsHashed(k, regsRead, o)) {
      h.mix(0x2d);
      continue;
    }
    const c = k.cpus[o];
    h.mix(c.pc | 0);
    h.mix(Math.floor(c.pc / 4294967296) | 0);
    k.hashRegs(h, o, deadOf ? deadOf[o] : NO_DEAD);
  }
  hashState(h, st, R, st === k.st ? k : null);
  return h.text();
}
