/**
 * Knowledge: what each hart's fetches may no longer miss after a fence.i. The Zifencei chapter
 * of the ISA manual: FENCE.I orders the hart's earlier explicit loads and stores — and so the
 * writes they observed — before its later instruction fetches; it makes no other hart's writes
 * visible. A hart's causal past is its own patch writes, the knowledge carried by every value
 * its loads read (the writer's causal past when it stored it), and what the kernel's
 * synchronisation hands over (an IPI's sender, stop_machine's runner). Data memory is
 * sequentially consistent in this model, so a writer's program order is part of what it passes on.
 *
 * Leaving out a happens-before edge only lowers floors (more stale fetches: more behaviours),
 * so the edges not modelled (a task migrating through the runqueue lock, wake-ups) cost
 * precision, never soundness.
 */
import type { Core } from '../core.js';
import type { Clock } from '../state.js';

/** The least upper bound of two knowledge vectors (a itself when b adds nothing). */
export function join(a: Clock, b: Clock | null): Clock {
  if (!b) return a;
  let out: number[] | null = null;
  for (let i = 0; i < b.length; i++) {
    if (b[i] > a[i]) {
      if (!out) out = a.slice();
      out[i] = b[i];
    }
  }
  return out ?? a;
}

/** Hart h makes patch write `id`: its knowledge now includes it; returns that knowledge (the write's clock). */
export function ownWrite(k: Core, h: number, id: number): Clock {
  const c = k.st.harts[h].known.slice();
  c[h] = Math.max(c[h], id);
  k.ownHart(h).known = c;
  return c;
}

/** Hart h loaded [addr, addr+n): it learns what the writers of the bytes it read knew. */
export function observe(k: Core, h: number, addr: number, n: number): void {
  const st = k.st;
  let known = st.harts[h].known;
  for (let a = addr; a < addr + n; a++) {
    if (k.layout.isPatchable(a)) {
      const wid = k.mem.provenance(a);
      if (wid === 0) continue;
      for (let i = st.writes.length - 1; i >= 0; i--) {
        if (st.writes[i].id === wid) {
          known = join(known, st.writes[i].clock);
          break;
        }
      }
    } else {
      const d = st.dclk;
      for (let i = 0; i < d.length; i++) if (d[i][0] === a) known = join(known, d[i][1]);
    }
  }
  if (known !== st.harts[h].known) k.ownHart(h).known = known; // join returns its first argument when nothing is new
}

/** Hart h stored to shared data [addr, addr+n): a later load of these bytes learns h's knowledge. */
export function publish(k: Core, h: number, addr: number, n: number): void {
  const known = k.st.harts[h].known;
  let d = k.st.dclk as [number, Clock][]; // copied below before any change
  let copied = false;
  for (let a = addr; a < addr + n; a++) {
    if (!k.layout.isShared(a, 1) && !k.layout.onStack(a)) continue; // a stack: Layout.otherStack
    if (!copied) {
      d = d.slice(); // entries are shared with snapshots: replace the array, never an entry in place
      copied = true;
    }
    const i = d.findIndex((e) => e[0] === a);
    if (i >= 0) d[i] = [a, known];
    else {
      // Sorted by address: the same set of entries always hashes the same.
      let j = d.length;
      while (j > 0 && d[j - 1][0] > a) j--;
      d.splice(j, 0, [a, known]);
    }
  }
  if (copied) k.st.dclk = d;
}
