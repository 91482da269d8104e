/**
 * A compact visited set (TLC's FPSet): an open-addressing hash table of 64-bit state
 * fingerprints in typed arrays, 10 bytes a slot — the fingerprint's two 32-bit words and a
 * 16-bit word packing the fewest preemptions (7 bits) and fewest transitions (9 bits) the
 * state was explored with, each saturating as MapVisited's (visited.ts, COST_CAP, DEPTH_CAP). The table is kept between 5/8
 * and 3/4 full: it starts at 4,096 slots and grows by a fifth (any size, not a power of two:
 * a slot is found by multiplying the hash into the range), so a large search stores a state
 * in 13.3 to 16 bytes. It never grows past the capacity the memory budget allows (fixed up
 * front); when full it says so and the search stops with a limit (exit 3), never an
 * out-of-memory crash. Same offer() contract as MapVisited (visited.ts), which a property
 * test compares it with.
 */
import { COST_CAP, DEPTH_CAP, type VisitedSet } from './visited.js';
import type { VisitedState } from './checkpoint.js';

const SLOT_BYTES = 10;
const MAX_LOAD = 0.75;
const GROWTH = 1.2;
const INITIAL_SLOTS = 1 << 12;
/** DEPTH_CAP + 2 depths a cost: cost * 512 + depth + 1 fits 16 bits (0 marks an empty slot). */
export const DEPTHS = DEPTH_CAP + 2;

/** A slot's label word: (preemptions, transitions) packed, never 0. */
export const packed = (cost: number, depth: number) => Math.min(cost, COST_CAP) * DEPTHS + Math.min(depth, DEPTH_CAP) + 1;
/** Pruned when reached before with fewer preemptions, or as few and no more transitions (as MapVisited). */
/** The preemptions a label word keeps. */
const costOf = (cur: number) => Math.floor((cur - 1) / DEPTHS);
export const covers = (cur: number, cost: number, depth: number) => {
  const prevCost = costOf(cur), prevDepth = (cur - 1) % DEPTHS;
  const c = Math.min(cost, COST_CAP);
  return prevCost <= c && (prevCost < c || prevDepth <= Math.min(depth, DEPTH_CAP));
};

export class FpSet implements VisitedSet {
  private a: Uint32Array;
  private b: Uint32Array;
  /** packed(cost, depth); 0 marks an empty slot. */
  private meta: Uint16Array;
  private slots: number;
  /** Partial-order reduction (explore/por.ts): the sleep mask each state was last explored with (allocated on first use: 14 bytes a slot). */
  private sl: Uint32Array | null = null;
  private count = 0;
  /** Slots the memory budget allows. */
  private readonly maxSlots: number;
  /** Set once an insertion found the table full at its largest size. */
  full = false;

  constructor(maxBytes = 256 * 1024 * 1024, initialSlots = INITIAL_SLOTS) {
    this.maxSlots = Math.max(16, Math.min(Math.floor(maxBytes / SLOT_BYTES), 1 << 30));
    const n = Math.max(16, Math.min(initialSlots, this.maxSlots));
    this.a = new Uint32Array(n);
    this.b = new Uint32Array(n);
    this.meta = new Uint16Array(n);
    this.slots = n;
  }

  get size(): number {
    return this.count;
  }

  /** The most states this set can hold within its memory budget. */
  get capacity(): number {
    return Math.floor(this.maxSlots * MAX_LOAD);
  }

  /** Bytes the table takes now. */
  get bytes(): number {
    return this.slots * (SLOT_BYTES + (this.sl ? 4 : 0));
  }

  /** The slot of a fingerprint's two words: the slot holding them, or the empty slot where they would go. */
  private slot(x: number, y: number): number {
    const n = this.slots;
    // The range takes the high bits of the product: mix the words first, so that keys differing
    // only in low bits (as tests make them) still spread.
    let h = x ^ Math.imul(y, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    let i = Math.floor(((h >>> 0) * n) / 4294967296);
    while (this.meta[i] !== 0 && (this.a[i] !== x || this.b[i] !== y)) if (++i === n) i = 0;
    return i;
  }

  offer(fp: string, cost: number, depth: number): boolean {
    // fpWords without its pair: this runs for every successor the search computes.
    return this.offerWords((fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0, cost, depth);
  }

  /** offer() of a fingerprint given as its two words. */
  offerWords(x: number, y: number, cost: number, depth: number): boolean {
    const i = this.slot(x, y);
    const cur = this.meta[i];
    if (cur !== 0) {
      if (covers(cur, cost, depth)) return false;
      this.meta[i] = packed(cost, depth);
      return true;
    }
    return this.insert(i, x, y, cost, depth) >= 0;
  }

  /** Puts a new fingerprint in empty slot i (after growing the table if it is due); its slot, or -1 when the table is full. */
  private insert(i: number, x: number, y: number, cost: number, depth: number): number {
    if (this.count + 1 > this.slots * MAX_LOAD) {
      if (this.slots >= this.maxSlots) {
        this.full = true;
        return -1;
      }
      this.grow();
      i = this.slot(x, y);
    }
    this.a[i] = x;
    this.b[i] = y;
    this.meta[i] = packed(cost, depth);
    this.count++;
    return i;
  }

  has(fp: string): boolean {
    return this.meta[this.slot((fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0)] !== 0;
  }

  /** VisitedSet.storedSleep. */
  storedSleep(fp: string, cost: number, depth: number): number {
    const i = this.slot((fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0);
    const cur = this.meta[i];
    if (cur === 0 || !covers(cur, cost, depth)) return -1;
    return this.sl ? this.sl[i] : 0;
  }

  /**
   * VisitedSet.offerSleep: -1 when the state is new or now cheaper (explore it with `sleep`),
   * else the mask of the transitions it slept on before and does not now (0: prune), the
   * stored mask becoming the intersection; `bounded`: the stored cost raised as MapVisited's.
   */
  offerSleep(fp: string, cost: number, depth: number, sleep: number, bounded = false): number {
    if (!this.sl) this.sl = new Uint32Array(this.slots);
    const x = (fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, y = (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0;
    let i = this.slot(x, y);
    const cur = this.meta[i];
    if (cur !== 0) {
      if (covers(cur, cost, depth)) {
        const stored = this.sl[i];
        this.sl[i] = stored & sleep;
        const awake = (stored & ~sleep) >>> 0;
        if (bounded && awake !== 0 && costOf(cur) < Math.min(cost, COST_CAP)) this.meta[i] = packed(cost, depth);
        return awake;
      }
      this.meta[i] = packed(cost, depth);
      this.sl[i] = sleep;
      return -1;
    }
    i = this.insert(i, x, y, cost, depth);
    if (i < 0) return 0; // full: the caller sees `full`
    this.sl![i] = sleep;
    return -1;
  }

  keys(): Uint32Array {
    const out = new Uint32Array(this.count * 2);
    let k = 0;
    for (let i = 0; i < this.slots; i++) {
      if (this.meta[i] === 0) continue;
      out[k++] = this.a[i];
      out[k++] = this.b[i];
    }
    return out;
  }

  /** The table as plain arrays (a checkpoint). */
  export(): VisitedState {
    return { kind: 'fpset', a: this.a, b: this.b, meta: this.meta, ...(this.sl ? { sl: this.sl } : {}), count: this.count, full: this.full };
  }

  /** A table with a checkpoint's contents, within the same memory budget. */
  static restore(s: Extract<VisitedState, { kind: 'fpset' }>, maxBytes: number): FpSet {
    const t = new FpSet(maxBytes);
    const n = s.meta.length;
    const bad = () => new Error('not a usable checkpoint: its visited set does not fit the memory budget it was written with (give the same --max-memory)');
    if (n !== s.a.length || n !== s.b.length || (s.sl && n !== s.sl.length) || n < 16 || n > t.maxSlots) throw bad();
    const meta = Uint16Array.from(s.meta);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (s.meta[i] > 0xffff) throw bad();
      if (meta[i] !== 0) count++;
    }
    if (count !== s.count) throw bad();
    t.a = s.a;
    t.b = s.b;
    t.meta = meta;
    if (s.sl) t.sl = s.sl;
    t.slots = n;
    t.count = s.count;
    t.full = s.full;
    return t;
  }

  private grow(): void {
    const { a, b, meta, sl } = this;
    const n = Math.min(this.maxSlots, Math.floor(this.slots * GROWTH));
    this.a = new Uint32Array(n);
    this.b = new Uint32Array(n);
    this.meta = new Uint16Array(n);
    if (sl) this.sl = new Uint32Array(n);
    this.slots = n;
    for (let j = 0; j < meta.length; j++) {
      if (meta[j] === 0) continue;
      const i = this.slot(a[j], b[j]);
      this.a[i] = a[j];
      this.b[i] = b[j];
      this.meta[i] = meta[j];
      if (sl) this.sl![i] = sl[j];
    }
  }
}
