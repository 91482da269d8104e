/**
 * A compact visited set (TLC's FPSet): an open-addressing hash table of 64-bit state
 * fingerprints in typed arrays, 12 bytes a slot — the fingerprint's two 32-bit words and one
 * word packing the fewest preemptions (6 bits) and fewest transitions (26 bits) the state was
 * explored with. It starts small and doubles, never past the capacity the memory budget
 * allows (fixed up front); when full it says so and the search stops with a limit (exit 3),
 * never an out-of-memory crash. Same offer() contract as MapVisited (visited.ts), which a
 * property test compares it with.
 */
import type { VisitedSet } from './visited.js';
import type { VisitedState } from './checkpoint.js';

const SLOT_BYTES = 12;
const MAX_LOAD = 0.75;
const DEPTH_BITS = 26;
const DEPTH_MAX = (1 << DEPTH_BITS) - 1;
const COST_MAX = 63;

export class FpSet implements VisitedSet {
  private a: Uint32Array;
  private b: Uint32Array;
  /** cost << 26 | depth, + 1 (0 marks an empty slot). */
  private meta: Uint32Array;
  private mask: number;
  /** Partial-order reduction (explore/por.ts): the sleep mask each state was last explored with (allocated on first use: 16 bytes a slot). */
  private sl: Uint32Array | null = null;
  private count = 0;
  /** Slots the memory budget allows (a power of two). */
  private readonly maxSlots: number;
  /** Set once an insertion found the table full at its largest size. */
  full = false;

  constructor(maxBytes = 256 * 1024 * 1024, initialSlots = 1 << 12) {
    let max = 1 << 12;
    while (max * 2 * SLOT_BYTES <= maxBytes && max < 1 << 30) max *= 2;
    this.maxSlots = max;
    const n = Math.min(initialSlots, max);
    this.a = new Uint32Array(n);
    this.b = new Uint32Array(n);
    this.meta = new Uint32Array(n);
    this.mask = n - 1;
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
    return (this.mask + 1) * (SLOT_BYTES + (this.sl ? 4 : 0));
  }

  /**
   * offer() with a sleep set (VisitedSet.offerSleep): -1 when the state is new or now cheaper
   * (explore it with `sleep`), else the mask of the transitions it slept on before and does
   * not now (0: prune), the stored mask becoming the intersection.
   */
  storedSleep(fp: string, cost: number, depth: number): number {
    const x = (fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, y = (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0;
    for (let i = (x ^ Math.imul(y, 0x9e3779b1)) & this.mask; ; i = (i + 1) & this.mask) {
      const cur = this.meta[i];
      if (cur === 0) return -1;
      if (this.a[i] !== x || this.b[i] !== y) continue;
      const prevCost = Math.floor((cur - 1) / (DEPTH_MAX + 1));
      const prevDepth = (cur - 1) % (DEPTH_MAX + 1);
      if (prevCost <= cost && (prevCost < cost || prevDepth <= depth)) return this.sl ? this.sl[i] : 0;
      return -1;
    }
  }

  offerSleep(fp: string, cost: number, depth: number, sleep: number): number {
    if (!this.sl) this.sl = new Uint32Array(this.meta.length);
    const x = (fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, y = (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0;
    let i = (x ^ Math.imul(y, 0x9e3779b1)) & this.mask;
    for (;;) {
      const cur = this.meta[i];
      if (cur === 0) break;
      if (this.a[i] === x && this.b[i] === y) {
        const prevCost = Math.floor((cur - 1) / (DEPTH_MAX + 1));
        const prevDepth = (cur - 1) % (DEPTH_MAX + 1);
        if (prevCost <= cost && (prevCost < cost || prevDepth <= depth)) {
          const stored = this.sl[i];
          this.sl[i] = stored & sleep;
          return (stored & ~sleep) >>> 0;
        }
        this.meta[i] = (Math.min(cost, COST_MAX) * (DEPTH_MAX + 1) + Math.min(depth, DEPTH_MAX)) + 1;
        this.sl[i] = sleep;
        return -1;
      }
      i = (i + 1) & this.mask;
    }
    if (!this.offerWords(x, y, cost, depth)) return 0; // full: the caller sees `full`
    // Inserted (maybe after a grow): find the slot again.
    let j = (x ^ Math.imul(y, 0x9e3779b1)) & this.mask;
    while (this.a[j] !== x || this.b[j] !== y || this.meta[j] === 0) j = (j + 1) & this.mask;
    this.sl[j] = sleep;
    return -1;
  }

  offer(fp: string, cost: number, depth: number): boolean {
    // fpWords without its pair: this runs for every successor the search computes.
    return this.offerWords((fp.charCodeAt(0) | (fp.charCodeAt(1) << 16)) >>> 0, (fp.charCodeAt(2) | (fp.charCodeAt(3) << 16)) >>> 0, cost, depth);
  }

  /** offer() of a fingerprint given as its two words. */
  offerWords(x: number, y: number, cost: number, depth: number): boolean {
    const m = (Math.min(cost, COST_MAX) * (DEPTH_MAX + 1) + Math.min(depth, DEPTH_MAX)) + 1;
    let i = (x ^ Math.imul(y, 0x9e3779b1)) & this.mask;
    for (;;) {
      const cur = this.meta[i];
      if (cur === 0) break;
      if (this.a[i] === x && this.b[i] === y) {
        const prevCost = Math.floor((cur - 1) / (DEPTH_MAX + 1));
        const prevDepth = (cur - 1) % (DEPTH_MAX + 1);
        // As MapVisited: pruned when reached before with fewer preemptions, or as few and no
        // more transitions.
        if (prevCost <= cost && (prevCost < cost || prevDepth <= depth)) return false;
        this.meta[i] = m;
        return true;
      }
      i = (i + 1) & this.mask;
    }
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
      if (this.mask + 1 >= this.maxSlots) {
        this.full = true;
        return false;
      }
      this.grow();
      return this.offerWords(x, y, cost, depth);
    }
    this.a[i] = x;
    this.b[i] = y;
    this.meta[i] = m;
    this.count++;
    return true;
  }

  keys(): Uint32Array {
    const out = new Uint32Array(this.count * 2);
    let k = 0;
    for (let i = 0; i < this.meta.length; i++) {
      if (this.meta[i] === 0) continue;
      out[k++] = this.a[i];
      out[k++] = this.b[i];
    }
    return out;
  }

  /** The table as plain arrays (a checkpoint). */
  export(): VisitedState {
    return { kind: 'fpset', a: this.a, b: this.b, meta: this.meta, count: this.count, full: this.full };
  }

  /** A table with a checkpoint's contents, within the same memory budget. */
  static restore(s: Extract<VisitedState, { kind: 'fpset' }>, maxBytes: number): FpSet {
    const t = new FpSet(maxBytes);
    const n = s.meta.length;
    if (n !== s.a.length || n !== s.b.length || n < 1 || (n & (n - 1)) !== 0 || n > t.maxSlots) throw new Error('not a usable checkpoint: its visited set does not fit the memory budget it was written with (give the same --max-memory)');
    t.a = s.a;
    t.b = s.b;
    t.meta = s.meta;
    t.mask = n - 1;
    t.count = s.count;
    t.full = s.full;
    return t;
  }

  private grow(): void {
    const { a, b, meta, sl } = this;
    const n = (this.mask + 1) * 2;
    this.a = new Uint32Array(n);
    this.b = new Uint32Array(n);
    this.meta = new Uint32Array(n);
    if (sl) this.sl = new Uint32Array(n);
    this.mask = n - 1;
    for (let j = 0; j < meta.length; j++) {
      if (meta[j] === 0) continue;
      let i = (a[j] ^ Math.imul(b[j], 0x9e3779b1)) & this.mask;
      while (this.meta[i] !== 0) i = (i + 1) & this.mask;
      this.a[i] = a[j];
      this.b[i] = b[j];
      this.meta[i] = meta[j];
      if (sl) this.sl![i] = sl[j];
    }
  }
}
