/**
 * Instruction-fetch models as plug-ins, chosen once per spec (`fetch.model`; TinyEMU picks its
 * CPU class once, nothing in the hot loop re-tests the variant). Each instruction fetch from
 * patchable memory is its own event (an instruction crossing a `fetch.atomic` boundary is two);
 * a model says which write times the event may observe — the explorer's choices — and what it
 * leaves behind. The rules and the sentences of the ISA manual they implement: docs/semantics.md.
 *
 * | model       | floor of a fetch of byte b                                   | per-byte monotone |
 * |-------------|--------------------------------------------------------------|-------------------|
 * | base        | latest write to b in the hart's causal past at its last fence.i | no             |
 * | ziccid      | as base, and no older than what the hart last fetched at b    | yes              |
 * | ir-decode-w | as base (the operational model already orders fetches before later writes) | no |
 * | ir-decode   | as base                                                        | no               |
 * | ir3-fetch   | as base, and fence.i also raises it to what earlier fetches saw | across fence.i  |
 * | latest      | the latest write (stronger than the architecture: not a conforming hart) | —     |
 */
import type { Core } from '../core.js';
import { byteAt, contentAt } from '../sites/ledger.js';
import { join } from './causal.js';

export type FetchModelName = 'base' | 'ziccid' | 'ir-decode-w' | 'ir-decode' | 'ir3-fetch' | 'latest';

export interface FetchModel {
  readonly name: FetchModelName;
  /** Whether a fetch can have more than one view (otherwise views() is always [latest]). */
  readonly choices: boolean;
  /**
   * Writes become visible to fetches eventually (Ziccid): an execution that fetches an older
   * view forever is not one of the model's, so a livelock's cycle takes latest views only
   * (explore/scc.ts). Without it (base and the others), a hart may fetch a stale view forever.
   */
  readonly eventual: boolean;
  /**
   * Behaviours the architecture (under this model) allows that the operational model cannot
   * produce; printed with every verdict so a "safe" says what it covers. Undefined: none.
   */
  readonly unexplored?: string;
  /** Distinct write times at which hart h may fetch the instruction at [addr, addr+n), latest first; length >= 1. */
  views(k: Core, h: number, addr: number, n: number): number[];
  /**
   * views(k, h, addr, n)[min(choice, length - 1)], without building the list: the hot path of
   * every fetch (model/run.ts). views() is its reference (test/model/fetch-views.test.ts).
   */
  view(k: Core, h: number, addr: number, n: number, choice: number): number;
  /** views(k, h, addr, n).length, without building the list: the fetch choices of a step (unit.ts). */
  viewCount(k: Core, h: number, addr: number, n: number): number;
  /** Hart h fetched [addr, addr+n) as of time T (c: the bytes and their write ids). */
  fetched(k: Core, h: number, addr: number, n: number, T: number, c: { bytes: number[]; wids: number[] }): void;
  /** fence.i on hart h. */
  fenceI(k: Core, h: number): void;
}

function raise(list: [number, number][], a: number, T: number): void {
  const e = list.find((x) => x[0] === a);
  if (e) e[1] = Math.max(e[1], T);
  else if (T > 0) {
    // A map by address, kept sorted: the same floors always hash the same, whatever order the
    // bytes were fetched in (the order is never read).
    let j = list.length;
    while (j > 0 && list[j - 1][0] > a) j--;
    list.splice(j, 0, [a, T]);
  }
}

const raisedAt = (list: readonly (readonly [number, number])[], a: number): number => {
  for (let i = 0; i < list.length; i++) if (list[i][0] === a) return list[i][1];
  return 0;
};

/** The instruction an event's bytes hold (one parcel or two): views that differ only past it are one view. */
function insnKey(bytes: number[], n: number): number {
  const m = Math.min((bytes[0] & 3) === 3 ? 4 : 2, n);
  let key = 0;
  for (let i = m - 1; i >= 0; i--) key = key * 256 + bytes[i];
  return key + m * 4294967296; // exact in a double: the bytes, and how many
}

/** insnKey of the instruction at [addr, addr+n) as of time T, read byte by byte (no lists). */
function insnKeyAt(k: Core, addr: number, n: number, T: number): number {
  const b0 = byteAt(k, addr, T);
  const m = Math.min((b0 & 3) === 3 ? 4 : 2, n);
  let key = 0;
  for (let i = m - 1; i > 0; i--) key = key * 256 + byteAt(k, addr + i, T);
  return key * 256 + b0 + m * 4294967296;
}

/**
 * The distinct views of a fetch, latest first, in a scratch list that the next call reuses
 * (view and viewCount read it at once): the same times as views() without its three lists per
 * fetch, which were a quarter of all the search allocated (stale N=6).
 */
let scratch = new Float64Array(32), keys = new Float64Array(32);

interface Rules {
  name: Exclude<FetchModelName, 'latest'>;
  /** ziccid: a fetch never sees an older value at a byte than this hart's last fetch there; and writes become visible to fetches eventually (FetchModel.eventual). */
  monotone: boolean;
  /** ir3-fetch: fence.i orders the hart's earlier fetches before its later ones. */
  fenceOrdersFetches: boolean;
  unexplored?: string;
}

/** The floor of a fetch's views: the latest write to its bytes the hart must see. */
function floorOf(r: Rules, k: Core, h: number, addr: number, n: number): number {
  const hs = k.st.harts[h];
  const writes = k.st.writes;
  let floor = 0;
  for (let a = addr; a < addr + n; a++) {
    if (!k.layout.isPatchable(a)) continue;
    // The latest write to a that the hart knew of at its last fence.i.
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i];
      if (w.id > floor && a >= w.at && a < w.at + w.bytes.length && w.id <= hs.fenced[w.hart]) floor = w.id;
    }
    if (r.monotone || r.fenceOrdersFetches) floor = Math.max(floor, raisedAt(hs.raised, a));
  }
  return floor;
}

/**
 * Fills `scratch` with the distinct views of a fetch, latest first, and returns how many; 0
 * when the floor is the only write time (one view: the floor, not written to scratch).
 */
function distinctViews(r: Rules, k: Core, h: number, addr: number, n: number): number {
  const floor = floorOf(r, k, h, addr, n);
  const writes = k.st.writes;
  let count = 0, later = false;
  // Latest first: the writes after the floor from the last, then the floor itself.
  for (let i = writes.length; i >= 0; i--) {
    let T: number;
    if (i > 0) {
      const w = writes[i - 1];
      if (!(w.id > floor && w.at < addr + n && addr < w.at + w.bytes.length)) continue;
      T = w.id;
      later = true;
    } else if (!later) return 0;
    else T = floor;
    const key = insnKeyAt(k, addr, n, T);
    let seen = false;
    for (let j = 0; j < count && !seen; j++) seen = keys[j] === key;
    if (seen) continue;
    if (count === scratch.length) {
      scratch = grown(scratch);
      keys = grown(keys);
    }
    keys[count] = key;
    scratch[count++] = T;
  }
  return count;
}

function grown(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(2 * a.length);
  b.set(a);
  return b;
}

function causalModel(r: Rules): FetchModel {
  return {
    name: r.name,
    choices: true,
    eventual: r.monotone,
    unexplored: r.unexplored,
    views(k, h, addr, n) {
      const writes = k.st.writes;
      const floor = floorOf(r, k, h, addr, n);
      const times = [floor];
      for (let i = 0; i < writes.length; i++) {
        const w = writes[i];
        if (w.id > floor && w.at < addr + n && addr < w.at + w.bytes.length) times.push(w.id);
      }
      if (times.length === 1) return times; // one write time: one view
      // Distinct instructions only, latest first.
      const seen: number[] = [];
      const out: number[] = [];
      for (let i = times.length - 1; i >= 0; i--) {
        const key = insnKey(contentAt(k, addr, n, times[i]).bytes, n);
        if (!seen.includes(key)) {
          seen.push(key);
          out.push(times[i]);
        }
      }
      return out;
    },
    view(k, h, addr, n, choice) {
      const count = distinctViews(r, k, h, addr, n);
      return count === 0 ? floorOf(r, k, h, addr, n) : scratch[Math.min(choice, count - 1)];
    },
    viewCount(k, h, addr, n) {
      return Math.max(1, distinctViews(r, k, h, addr, n));
    },
    fetched(k, h, addr, n, T, c) {
      if (!r.monotone && !r.fenceOrdersFetches) return;
      const hs = k.ownHart(h);
      for (let a = addr; a < addr + n; a++) {
        if (!k.layout.isPatchable(a)) continue;
        // ziccid: the floor itself rises; ir3-fetch: remember the write the byte came from.
        if (r.monotone) raise(hs.raised, a, T);
        else raise(hs.seen, a, c.wids[a - addr]);
      }
    },
    fenceI(k, h) {
      const hs = k.ownHart(h);
      if (r.fenceOrdersFetches) {
        // The writes earlier fetches read are now ordered before later fetches, and with them
        // everything their writers knew (ir3-fetch: fence.i orders earlier fetches too).
        for (const [a, wid] of hs.seen) {
          raise(hs.raised, a, wid);
          const w = k.st.writes.find((x) => x.id === wid);
          if (w) hs.known = join(hs.known, w.clock);
        }
      }
      hs.fenced = hs.known;
    },
  };
}

const LATE = 'outcomes needing a fetch performed after the same hart\'s later';

export const FETCH_MODELS: Record<FetchModelName, FetchModel> = {
  base: causalModel({ name: 'base', monotone: false, fenceOrdersFetches: false, unexplored: `${LATE} loads or stores are not explored` }),
  ziccid: causalModel({ name: 'ziccid', monotone: true, fenceOrdersFetches: false, unexplored: `${LATE} loads or stores are not explored` }),
  'ir-decode-w': causalModel({ name: 'ir-decode-w', monotone: false, fenceOrdersFetches: false, unexplored: `${LATE} loads are not explored` }),
  'ir-decode': causalModel({ name: 'ir-decode', monotone: false, fenceOrdersFetches: false }),
  'ir3-fetch': causalModel({ name: 'ir3-fetch', monotone: false, fenceOrdersFetches: true, unexplored: `${LATE} loads or stores are not explored` }),
  latest: {
    name: 'latest',
    choices: false,
    eventual: true,
    unexplored: 'fetches always see the latest write: stronger than any conforming hart, so "safe" here is not a proof',
    views: (k) => [k.mem.writeSeq],
    view: (k) => k.mem.writeSeq,
    viewCount: () => 1,
    fetched(k, _h, addr, n, _T, c) {
      for (let i = 0; i < n; i++) c.wids[i] = k.mem.provenance(addr + i);
    },
    fenceI() {},
  },
};

/** fence.i on hart h under the spec's fetch model. */
export function fenceI(k: Core, h: number): void {
  k.fetch.fenceI(k, h);
}

/** Hart h acquires knowledge `c` (kernel synchronisation), then runs fence.i. */
export function acquireAndFence(k: Core, h: number, c: readonly number[] | null): void {
  k.ownHart(h).known = join(k.st.harts[h].known, c);
  k.fetch.fenceI(k, h);
}
