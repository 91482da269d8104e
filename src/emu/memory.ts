/**
 * Sparse, paged, little-endian guest memory over signed-64 addresses (see src/isa/types.ts:
 * the kernel's 0xffffffff80000000 is the JS number -0x80000000).
 *
 * Contracts the emulator and the checker rely on:
 * - Accesses never throw for guest reasons. A load/store/fetch that touches an unmapped page or
 *   lacks the permission sets `fault` (a MemFault value) and returns 0 / does nothing; the hart
 *   turns that into a StopReason.
 * - Snapshot/restore are copy-on-write at page granularity, and so is the page map: `snapshot()`
 *   copies no bytes and no map; the first store to a page after a snapshot or restore clones
 *   that page (and the map, once).
 *   `fingerprint()` hashes page contents, caching each page's hash until the page is written.
 * - Provenance (DESIGN.md §3): bytes of regions marked patchable remember the id of the store
 *   that last wrote them. Stores elsewhere cost nothing extra: pages with provenance, pages
 *   holding translated code, and everything while an access hook or an LR reservation is live,
 *   are kept out of the store fast path (the "write TLB"), so the fast path is only ever taken
 *   for plain data pages.
 * - LR/SC (ISA manual, "Load-Reserved/Store-Conditional"): each hart may hold one reservation;
 *   a store by any *other* hart that overlaps the reserved bytes breaks it.
 *
 * Longer than ~400 lines on purpose: the TLBs, copy-on-write, provenance and reservations
 * all sit on the load/store fast path and share private fields; splitting them would put a call
 * (or a getter) on every guest access.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_SIZE - 1;
const TLB_SIZE = 256;
const TLB_MASK = TLB_SIZE - 1;

export const PERM_R = 1;
export const PERM_W = 2;
export const PERM_X = 4;

export type AccessKind = 'read' | 'write' | 'fetch';

/** Why an access failed: a value, never an exception. */
export interface MemFault {
  kind: AccessKind;
  addr: number;
  size: number;
  /** 'unmapped' or 'permission' (page mapped without R/W/X for this access). */
  cause: 'unmapped' | 'permission';
}

/**
 * One memory access as the checker observes it (only delivered while a hook is installed).
 * `value` is the bytes read or written, as an unsigned bigint of `size` bytes. `writeId` is the
 * provenance id given to a store that touched patchable bytes (0 otherwise).
 */
export interface MemAccess {
  kind: 'read' | 'write';
  addr: number;
  size: number;
  value: bigint;
  hart: number;
  writeId: number;
}
export type AccessHook = (access: MemAccess) => void;

export class Page {
  constructor(
    readonly bytes: Uint8Array,
    public perm: number,
    /** Copy-on-write generation: a page whose epoch differs from Memory.epoch is shared. */
    public epoch: number,
    /** Per-byte write ids, for pages overlapping a patchable region; null elsewhere. */
    public prov: Int32Array | null,
    /** Bitmap of patchable bytes within this page (null: none). */
    public patchable: Uint8Array | null,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  readonly view: DataView;
  /** Bumped by every store that takes the slow path (all stores to pages holding code). */
  version = 0;
  /** Set when the emulator translated code from this page: keeps stores on the slow path. */
  hasCode = false;
  /** Cached content hash for fingerprint() (two 32-bit lanes); hash 0 = not computed since the last store. */
  hash = 0;
  hash2 = 0;

  clone(epoch: number): Page {
    const p = new Page(this.bytes.slice(), this.perm, epoch, this.prov ? this.prov.slice() : null, this.patchable ? this.patchable.slice() : null);
    p.hash = this.hash;
    p.hash2 = this.hash2;
    p.hasCode = this.hasCode;
    p.version = this.version;
    return p;
  }
}

/** The page sums of Memory.fingerprintLanes, as mixPage adds each page in. */
const LANES = new Int32Array(2);

/** Adds page pn's lanes to LANES (pages combine by addition: order-independent); an all-zero page counts as never touched. */
function mixPage(p: Page, pn: number): void {
  if (p.hash === 0) hashPage(p);
  if (p.hash === ZERO_PAGE_HASH) return;
  const lo = pn | 0, hi = Math.floor(pn / 4294967296) | 0;
  LANES[0] = (LANES[0] + fmix32(p.hash ^ Math.imul(lo, 0x9e3779b1) ^ hi)) | 0;
  LANES[1] = (LANES[1] + fmix32(p.hash2 ^ Math.imul(lo ^ 0x5bd1e995, 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35))) | 0;
}

/** A restorable image of memory: shares pages with the live memory until either side writes. */
export interface MemSnapshot {
  readonly pages: ReadonlyMap<number, Page>;
  readonly regions: readonly { lo: number; hi: number; perm: number }[];
  readonly writeSeq: number;
  readonly reservations: ReadonlyArray<Reservation | null>;
}

export interface Reservation {
  addr: number;
  size: number;
}

/** Page number of a signed-64 address (floor division keeps negative addresses right). */
function pageOf(addr: number): number {
  return Math.floor(addr / PAGE_SIZE);
}

/** Hash of a page that is all zeros with no provenance: it equals an untouched mapped page. */
const ZERO_PAGE_HASH = 2;

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Two independent 32-bit lanes over the page's permissions, words and provenance ids. Each
 * step is a bijection of the lane for a given input (xor, odd multiply, xorshift, add), so no
 * two pages that differ in one word can meet on the way; the lanes are finalised with fmix32.
 * (A step that mixes the old lane back in non-bijectively shrinks the reachable hash space
 * with every word: seen as real collisions between pages differing in one word.)
 */
function hashPage(p: Page): void {
  const w = new Int32Array(p.bytes.buffer, p.bytes.byteOffset, PAGE_SIZE >> 2);
  let a = 0x811c9dc5 ^ p.perm, b = 0x9e3779b9 ^ p.perm;
  let any = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    any |= x;
    a = Math.imul(a ^ x, 0x01000193); a ^= a >>> 15;
    b = Math.imul(b ^ x, 0x5bd1e995) + i; b ^= b >>> 13;
  }
  if (p.prov) {
    for (let i = 0; i < p.prov.length; i++) {
      const x = p.prov[i];
      if (x === 0) continue;
      any = 1;
      a = Math.imul(a ^ (x + i * 0x10001), 0x01000193); a ^= a >>> 15;
      b = Math.imul(b ^ x, 0x5bd1e995) + i; b ^= b >>> 13;
    }
  }
  if (any === 0) {
    p.hash = ZERO_PAGE_HASH;
    p.hash2 = ZERO_PAGE_HASH;
    return;
  }
  p.hash = fmix32(a) | 1; // odd: never 0 ("not computed") nor ZERO_PAGE_HASH
  p.hash2 = fmix32(b ^ 0x6b43a9b5);
}

/** Backing of the shared zero pages: never written (a store materialises a private page). */
const ZERO_BYTES = new Uint8Array(PAGE_SIZE);

export class Memory {
  private pages = new Map<number, Page>();
  /**
   * Whether a snapshot holds `pages` itself: snapshot and restore share the map instead of
   * copying it, and the first store that changes it copies it (ownPages), so a transition
   * that stores nothing copies no map.
   */
  private pagesShared = false;
  /** The reservations list is a snapshot's too (copy-on-write, as the page map). */
  private reservationsShared = false;
  /** Mapped ranges of page numbers [lo, hi); replaced, never mutated, so snapshots can share it. */
  private regions: readonly { lo: number; hi: number; perm: number }[] = [];
  /** Shared all-zero pages (one per permission set) standing for untouched mapped pages. */
  private readonly zeroPages = new Map<number, Page>();
  /**
   * Copy-on-write generation: pages whose epoch equals it are owned by the live memory (no
   * snapshot shares them), so stores write them in place. Read-only for everyone else.
   */
  epoch = 1;
  /**
   * Read TLB: page number -> readable page. Public so translated code can inline the hit path
   * (compile.ts); entry e holds page number rKey[e] (NaN: empty), e = page number & 255.
   */
  readonly rKey = new Float64Array(TLB_SIZE).fill(NaN);
  readonly rPage: (Page | null)[] = new Array(TLB_SIZE).fill(null);
  /** Write TLB: only plain data pages owned by the current epoch (see the class comment). */
  readonly wKey = new Float64Array(TLB_SIZE).fill(NaN);
  readonly wPage: (Page | null)[] = new Array(TLB_SIZE).fill(null);
  /** Exec TLB: page number -> executable page. */
  private readonly xKey = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly xPage: (Page | null)[] = new Array(TLB_SIZE).fill(null);

  /** The last failed access, or null. Callers clear it before an instruction. */
  fault: MemFault | null = null;
  /** Set by any store into a page holding translated code; translated blocks exit on it. */
  codeWritten = false;
  /**
   * Bumped whenever executable bytes may have changed (a store to a code page, poke, map,
   * restore): translated blocks built under the current epoch need no re-validation.
   */
  codeEpoch = 0;
  /** The hart on whose behalf accesses are made (set by Hart before executing). */
  actor = 0;
  /** Last provenance id handed out; each store touching patchable bytes gets the next. */
  writeSeq = 0;
  /** Write id of the most recent store that touched patchable bytes (0 if the last did not). */
  lastWriteId = 0;
  private hook: AccessHook | null = null;
  /** Per-hart LR reservations, indexed by hart id. */
  private reservations: (Reservation | null)[] = [];
  private anyReservation = false;

  // ---- mapping -------------------------------------------------------------------------

  /**
   * Maps [addr, addr+size) with the given permissions (pages already present gain perm).
   * Mapping is lazy: untouched pages read as zero from a shared read-only page and are only
   * materialised by the first store, so a huge .bss, stack or brk costs nothing until used,
   * and snapshots only copy pages that exist.
   */
  map(addr: number, size: number, perm: number): void {
    if (size <= 0) return;
    const lo = pageOf(addr), hi = pageOf(addr + size - 1) + 1;
    this.regions = [...this.regions, { lo, hi, perm }];
    for (const [pn, p] of this.pages) {
      if (pn >= lo && pn < hi && (p.perm | perm) !== p.perm) this.own(pn).perm |= perm;
    }
    this.codeEpoch++;
    this.flushTlb();
  }

  /** Maps a region and fills it with `data` (the rest of `size` stays zero). */
  load(addr: number, data: Uint8Array, size: number, perm: number): void {
    this.map(addr, Math.max(size, data.length), perm);
    this.poke(addr, data);
  }

  isMapped(addr: number): boolean {
    return this.lookup(pageOf(addr)) !== undefined;
  }

  permAt(addr: number): number {
    return this.lookup(pageOf(addr))?.perm ?? 0;
  }

  /** The page for pn: materialised, or the shared zero page of a mapped region, or undefined. */
  private lookup(pn: number): Page | undefined {
    const p = this.pages.get(pn);
    if (p !== undefined) return p;
    let perm = 0;
    for (const r of this.regions) if (pn >= r.lo && pn < r.hi) perm |= r.perm;
    if (perm === 0) return undefined;
    let z = this.zeroPages.get(perm);
    if (!z) {
      z = new Page(ZERO_BYTES, perm, -1, null, null);
      this.zeroPages.set(perm, z);
    }
    return z;
  }

  /**
   * Marks [addr, addr+size) patchable: its bytes start with write id 0 (the loaded image) and
   * every later store records its id per byte. The region must be mapped.
   */
  markPatchable(addr: number, size: number): void {
    for (let a = addr; a < addr + size; a++) {
      const pn = pageOf(a);
      const p = this.own(pn);
      if (!p.prov) p.prov = new Int32Array(PAGE_SIZE);
      if (!p.patchable) p.patchable = new Uint8Array(PAGE_SIZE);
      p.patchable[a & PAGE_MASK] = 1;
    }
    this.flushTlb();
  }

  /** Id of the store that last wrote the byte at addr (0: the initial image or not patchable). */
  provenance(addr: number): number {
    const p = this.lookup(pageOf(addr));
    return p?.prov ? p.prov[addr - pageOf(addr) * PAGE_SIZE] : 0;
  }

  isPatchable(addr: number): boolean {
    const p = this.lookup(pageOf(addr));
    return p?.patchable ? p.patchable[addr - pageOf(addr) * PAGE_SIZE] === 1 : false;
  }

  // ---- hooks and reservations ---------------------------------------------------------

  /**
   * Installs (or with null removes) the access hook. While installed, every data load and
   * store (not instruction fetches) is delivered to it, after it took effect.
   */
  setAccessHook(hook: AccessHook | null): void {
    this.hook = hook;
    this.flushTlb();
  }

  /** The reservations, to change: copied first if a snapshot holds them (copy-on-write). */
  private ownReservations(): (Reservation | null)[] {
    if (this.reservationsShared) {
      this.reservations = this.reservations.slice();
      this.reservationsShared = false;
    }
    return this.reservations;
  }

  reserve(hart: number, addr: number, size: number): void {
    this.ownReservations()[hart] = { addr, size };
    this.anyReservation = true;
    this.flushWriteTlb();
  }

  /** True if hart still holds a reservation covering [addr, addr+size). Clears it either way. */
  takeReservation(hart: number, addr: number, size: number): boolean {
    const r = this.reservations[hart];
    if (r) this.ownReservations()[hart] = null;
    this.anyReservation = this.reservations.some((x) => x !== null && x !== undefined);
    return !!r && r.addr === addr && r.size >= size;
  }

  reservationOf(hart: number): Reservation | null {
    return this.reservations[hart] ?? null;
  }

  clearReservation(hart: number): void {
    if (this.reservations[hart]) this.ownReservations()[hart] = null;
    this.anyReservation = this.reservations.some((x) => x !== null && x !== undefined);
  }

  // ---- TLB plumbing -------------------------------------------------------------------

  // A flush empties only the entries filled since the last one (a TLB holds a handful of
  // pages, and a search flushes at every restore): `used` lists them, `n` counts them.
  private readonly rUsed = new Uint8Array(TLB_SIZE);
  private rN = 0;
  private readonly xUsed = new Uint8Array(TLB_SIZE);
  private xN = 0;
  private readonly wUsed = new Uint8Array(TLB_SIZE);
  private wN = 0;

  private flushTlb(): void {
    if (this.rN === TLB_SIZE) this.rKey.fill(NaN);
    else for (let i = 0; i < this.rN; i++) this.rKey[this.rUsed[i]] = NaN;
    this.rN = 0;
    if (this.xN === TLB_SIZE) this.xKey.fill(NaN);
    else for (let i = 0; i < this.xN; i++) this.xKey[this.xUsed[i]] = NaN;
    this.xN = 0;
    this.flushWriteTlb();
  }

  private flushWriteTlb(): void {
    if (this.wN === TLB_SIZE) this.wKey.fill(NaN);
    else for (let i = 0; i < this.wN; i++) this.wKey[this.wUsed[i]] = NaN;
    this.wN = 0;
  }

  /** The page map, to change: copied first if a snapshot holds it. */
  private ownPages(): Map<number, Page> {
    if (this.pagesShared) {
      this.pages = new Map(this.pages);
      this.pagesShared = false;
    }
    return this.pages;
  }

  /** The page for a store, owned by the current epoch (cloned if shared with a snapshot). */
  private own(pn: number): Page {
    let p = this.pages.get(pn);
    if (p === undefined) {
      const z = this.lookup(pn);
      if (!z) throw new Error(`host bug: store to unmapped page ${pn}`);
      p = new Page(new Uint8Array(PAGE_SIZE), z.perm, this.epoch, null, null);
      this.ownPages().set(pn, p);
      const e = pn & TLB_MASK;
      if (this.rKey[e] === pn) this.rPage[e] = p;
      if (this.xKey[e] === pn) this.xPage[e] = p;
      if (this.wKey[e] === pn) this.wKey[e] = NaN;
    } else if (p.epoch !== this.epoch) {
      p = p.clone(this.epoch);
      this.ownPages().set(pn, p);
      const e = pn & TLB_MASK;
      if (this.rKey[e] === pn) this.rPage[e] = p;
      if (this.xKey[e] === pn) this.xPage[e] = p;
      if (this.wKey[e] === pn) this.wKey[e] = NaN;
    }
    return p;
  }

  /** Readable page for pn, or null (and the fault is recorded by the caller). */
  private readPage(pn: number): Page | null {
    const p = this.lookup(pn);
    if (!p || !(p.perm & PERM_R)) return null;
    if (!this.hook) {
      const e = pn & TLB_MASK;
      if (this.rN < TLB_SIZE) this.rUsed[this.rN++] = e; // TLB_SIZE: flushed whole
      this.rKey[e] = pn;
      this.rPage[e] = p;
    }
    return p;
  }

  /** Executable page holding pc, or null. Used by the hart's fetch and block translator. */
  execPage(pn: number): Page | null {
    const e = pn & TLB_MASK;
    if (this.xKey[e] === pn) return this.xPage[e];
    const p = this.lookup(pn);
    if (!p || !(p.perm & PERM_X)) return null;
    if (this.xN < TLB_SIZE) this.xUsed[this.xN++] = e;
    this.xKey[e] = pn;
    this.xPage[e] = p;
    return p;
  }

  /** Marks a page as holding translated code: its stores leave the fast path and bump version. */
  noteCode(p: Page): void {
    if (!p.hasCode) {
      p.hasCode = true;
      this.flushWriteTlb();
    }
  }

  private setFault(kind: AccessKind, addr: number, size: number): void {
    const p = this.lookup(pageOf(addr));
    const cause = p ? 'permission' : 'unmapped';
    if (!this.fault) this.fault = { kind, addr, size, cause };
  }

  // ---- loads --------------------------------------------------------------------------

  /** Unsigned byte. */
  load8(addr: number): number {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    if (this.rKey[e] === pn) return this.rPage[e]!.bytes[addr - pn * PAGE_SIZE];
    return this.loadSlow(addr, 1) & 0xff;
  }
  /** Unsigned halfword. */
  load16(addr: number): number {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    const off = addr - pn * PAGE_SIZE;
    if (this.rKey[e] === pn && off <= PAGE_SIZE - 2) return this.rPage[e]!.view.getUint16(off, true);
    return this.loadSlow(addr, 2) & 0xffff;
  }
  /** Signed word (int32). */
  load32(addr: number): number {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    const off = addr - pn * PAGE_SIZE;
    if (this.rKey[e] === pn && off <= PAGE_SIZE - 4) return this.rPage[e]!.view.getInt32(off, true);
    return this.loadSlow(addr, 4) | 0;
  }
  /** Doubleword into dst[i] (low word) and dst[i+1] (high word). */
  load64(addr: number, dst: Int32Array, i: number): void {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    const off = addr - pn * PAGE_SIZE;
    if (this.rKey[e] === pn && off <= PAGE_SIZE - 8) {
      const v = this.rPage[e]!.view;
      dst[i] = v.getInt32(off, true);
      dst[i + 1] = v.getInt32(off + 4, true);
      return;
    }
    const lo = this.loadSlow(addr, 4, 8);
    if (this.fault) return;
    const hi = this.loadSlow(addr + 4, 4, 8, addr);
    dst[i] = lo;
    dst[i + 1] = hi;
  }

  /**
   * Byte-wise load of up to 4 bytes (a 64-bit access is two halves). Records the fault for the
   * whole access (`whole` bytes at `start`) and notifies the hook once per whole access.
   */
  private loadSlow(addr: number, size: number, whole = size, start = addr): number {
    let v = 0;
    for (let k = 0; k < size; k++) {
      const a = addr + k;
      const pn = pageOf(a);
      const p = this.readPage(pn);
      if (!p) {
        this.setFault('read', start, whole);
        return 0;
      }
      v |= p.bytes[a - pn * PAGE_SIZE] << (8 * k);
    }
    if (this.hook && start + whole === addr + size) {
      const value = whole === 8
        ? (BigInt(v >>> 0) << 32n) | BigInt(this.peekU32(start))
        : BigInt(size === 4 ? v >>> 0 : v);
      this.hook({ kind: 'read', addr: start, size: whole, value, hart: this.actor, writeId: 0 });
    }
    return v;
  }

  private peekU32(addr: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const a = addr + k;
      const p = this.lookup(pageOf(a));
      v |= (p ? p.bytes[a - pageOf(a) * PAGE_SIZE] : 0) << (8 * k);
    }
    return v >>> 0;
  }

  // ---- stores -------------------------------------------------------------------------

  store8(addr: number, v: number): void {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    if (this.wKey[e] === pn) { this.wPage[e]!.bytes[addr - pn * PAGE_SIZE] = v; return; }
    this.storeSlow(addr, 1, v, 0);
  }
  store16(addr: number, v: number): void {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    const off = addr - pn * PAGE_SIZE;
    if (this.wKey[e] === pn && off <= PAGE_SIZE - 2) { this.wPage[e]!.view.setUint16(off, v, true); return; }
    this.storeSlow(addr, 2, v, 0);
  }
  store32(addr: number, v: number): void {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    const off = addr - pn * PAGE_SIZE;
    if (this.wKey[e] === pn && off <= PAGE_SIZE - 4) { this.wPage[e]!.view.setInt32(off, v, true); return; }
    this.storeSlow(addr, 4, v, 0);
  }
  store64(addr: number, lo: number, hi: number): void {
    const pn = pageOf(addr);
    const e = pn & TLB_MASK;
    const off = addr - pn * PAGE_SIZE;
    if (this.wKey[e] === pn && off <= PAGE_SIZE - 8) {
      const view = this.wPage[e]!.view;
      view.setInt32(off, lo, true);
      view.setInt32(off + 4, hi, true);
      return;
    }
    this.storeSlow(addr, 8, lo, hi);
  }

  /**
   * The one store path that does everything: permission check for all bytes first (a store
   * is all-or-nothing), copy-on-write, provenance ids, reservation breaking, code-page
   * versioning, the hook. Fills the write TLB only for plain data pages.
   */
  private storeSlow(addr: number, size: number, lo: number, hi: number): void {
    for (let k = 0; k < size; k++) {
      const p = this.lookup(pageOf(addr + k));
      if (!p || !(p.perm & PERM_W)) {
        this.setFault('write', addr, size);
        return;
      }
    }
    let writeId = 0;
    for (let k = 0; k < size; k++) {
      const a = addr + k;
      const pn = pageOf(a);
      const p = this.own(pn);
      const off = a - pn * PAGE_SIZE;
      p.bytes[off] = (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
      p.hash = 0;
      p.version++;
      if (p.hasCode) { this.codeWritten = true; this.codeEpoch++; }
      if (p.patchable && p.patchable[off]) {
        if (writeId === 0) writeId = ++this.writeSeq;
        p.prov![off] = writeId;
      }
    }
    this.lastWriteId = writeId;
    if (this.anyReservation) this.breakReservations(addr, size);
    const pn = pageOf(addr);
    const p = this.pages.get(pn)!;
    if (!this.hook && !this.anyReservation && !p.prov && !p.hasCode && pageOf(addr + size - 1) === pn) {
      const e = pn & TLB_MASK;
      if (this.wN < TLB_SIZE) this.wUsed[this.wN++] = e;
      this.wKey[e] = pn;
      this.wPage[e] = p;
    }
    if (this.hook) {
      const value = size === 8
        ? (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)
        : BigInt((size === 4 ? lo : lo & ((1 << (8 * size)) - 1)) >>> 0);
      this.hook({ kind: 'write', addr, size, value, hart: this.actor, writeId });
    }
  }

  private breakReservations(addr: number, size: number): void {
    for (let h = 0; h < this.reservations.length; h++) {
      const r = this.reservations[h];
      if (r && h !== this.actor && addr < r.addr + r.size && r.addr < addr + size) this.ownReservations()[h] = null;
    }
    this.anyReservation = this.reservations.some((x) => x !== null && x !== undefined);
  }

  // ---- fetch --------------------------------------------------------------------------

  /** Instruction parcel (16 bits) at addr, or -1 with `fault` set if not executable. */
  fetch16(addr: number): number {
    const pn = pageOf(addr);
    const p = this.execPage(pn);
    if (!p) {
      this.setFault('fetch', addr, 2);
      return -1;
    }
    const off = addr - pn * PAGE_SIZE;
    if (off <= PAGE_SIZE - 2) return p.view.getUint16(off, true);
    const p2 = this.execPage(pn + 1);
    if (!p2) {
      this.setFault('fetch', addr, 2);
      return -1;
    }
    return p.bytes[off] | (p2.bytes[0] << 8);
  }

  /**
   * The instruction at addr: a 16-bit parcel, or the 32-bit word when the parcel's low two
   * bits are 11 (ISA manual, "Expanded Instruction-Length Encoding"). -1 on a fetch fault.
   */
  fetchInsn(addr: number): number {
    const lo = this.fetch16(addr);
    if (lo < 0 || (lo & 3) !== 3) return lo;
    const hi = this.fetch16(addr + 2);
    if (hi < 0) return -1;
    return (lo | (hi << 16)) >>> 0;
  }

  // ---- host-side access (loaders, the checker's patch writes, tests) ---------------------

  /** Copies bytes in, ignoring permissions (loader use). Pages must be mapped. */
  poke(addr: number, data: Uint8Array): void {
    for (let k = 0; k < data.length; k++) {
      const a = addr + k;
      const pn = pageOf(a);
      const p = this.own(pn);
      p.bytes[a - pn * PAGE_SIZE] = data[k];
      p.hash = 0;
      p.version++;
    }
    this.codeEpoch++;
  }

  /** Reads bytes, ignoring permissions; unmapped bytes read as 0. */
  peek(addr: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    for (let k = 0; k < size; k++) {
      const a = addr + k;
      const p = this.lookup(pageOf(a));
      if (p) out[k] = p.bytes[a - pageOf(a) * PAGE_SIZE];
    }
    return out;
  }

  /**
   * A guest-visible store of 1, 2, 4 or 8 bytes on behalf of `hart` (the checker's
   * declarative patch writes use this so they get provenance ids, break reservations and
   * reach the hook exactly like a store instruction). Returns the fault, or null.
   */
  store(addr: number, size: 1 | 2 | 4 | 8, value: bigint, hart = this.actor): MemFault | null {
    const saved = this.actor;
    this.actor = hart;
    this.fault = null;
    const v = BigInt.asUintN(64, value);
    this.storeSlow(addr, size, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0);
    this.actor = saved;
    const f = this.fault;
    this.fault = null;
    return f;
  }

  // ---- snapshot / restore / fingerprint -----------------------------------------------------

  /** O(pages): shares every page with the live memory until one side writes it. */
  snapshot(): MemSnapshot {
    const snap: MemSnapshot = {
      pages: this.pages,
      regions: this.regions,
      writeSeq: this.writeSeq,
      reservations: this.reservations, // shared: ownReservations copies them before a change
    };
    this.pagesShared = true;
    this.reservationsShared = true;
    this.epoch++;
    this.flushWriteTlb();
    return snap;
  }

  restore(snap: MemSnapshot): void {
    this.pages = snap.pages as Map<number, Page>; // shared: ownPages copies it before a change
    this.pagesShared = true;
    this.reservationsShared = true;
    this.regions = snap.regions;
    this.writeSeq = snap.writeSeq;
    this.reservations = snap.reservations as (Reservation | null)[]; // shared: ownReservations copies them before a change
    this.anyReservation = this.reservations.some((r) => r !== null);
    this.epoch++;
    this.codeEpoch++;
    this.fault = null;
    this.flushTlb();
  }

  /**
   * A 64-bit content hash (as 16 hex digits) of the mapped regions and every page's address,
   * permissions, bytes and provenance ids. Equal memories give equal fingerprints whatever the
   * history (an all-zero page counts the same whether it was ever touched or not).
   */
  fingerprint(): string {
    const [a, b] = this.fingerprintLanes();
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }

  /**
   * fingerprint() as its two 32-bit lanes (no text: the model mixes them into its own hash).
   * `holder`: the LR reservations as if the reservation of holder[i] were i's (new -> old
   * number: the symmetric image's, model/symmetry.ts).
   */
  fingerprintLanes(holder: readonly number[] | null = null): [number, number] {
    this.flushWriteTlb(); // pages in the write TLB may have been written without clearing hash
    let a = 0, b = 0;
    for (const r of this.regions) {
      a = fmix32(a ^ r.lo ^ Math.imul(r.hi, 0x27d4eb2d) ^ (r.perm << 28));
      b = fmix32(b ^ Math.floor(r.lo / 4294967296) ^ Math.imul(Math.floor(r.hi / 4294967296), 0x165667b1));
    }
    // Pages combine by addition (order-independent): each page's lanes are mixed with its number first.
    // Map.forEach: no entry pair made per page, as a for-of over the map makes.
    LANES[0] = 0;
    LANES[1] = 0;
    this.pages.forEach(mixPage);
    a = fmix32(a ^ LANES[0]);
    b = fmix32(b ^ LANES[1] ^ 0x27d4eb2f);
    // LR reservations (ISA manual, "Load-Reserved/Store-Conditional"): whether a later sc succeeds.
    if (!this.anyReservation) return [a, b];
    for (let h = 0, n = holder ? holder.length : this.reservations.length; h < n; h++) {
      const r = this.reservations[holder ? holder[h] : h];
      if (!r) continue;
      a = fmix32(a ^ Math.imul(h + 1, 0x9e3779b1) ^ (r.addr | 0));
      b = fmix32(b ^ Math.floor(r.addr / 4294967296) ^ (r.size << 8) ^ h);
    }
    return [a, b];
  }

  /** Number of mapped pages (for statistics and the benchmark). */
  get pageCount(): number {
    return this.pages.size;
  }
}
