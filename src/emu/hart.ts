/**
 * A RISC-V hart (RV64IMAC + Zicsr + Zifencei, user mode) over a Memory.
 *
 * The API the checker and `run` use:
 * - `pc` (signed-64 JS number), `getReg(i)` / `setReg(i, v)` as bigint (x0 reads 0, writes ignored);
 * - `step()`: fetch, decode and execute one instruction; `run(budget)`: up to `budget`
 *   instructions through translated blocks; both return a StopReason value;
 * - `execute(insn)`: execute an instruction the CALLER fetched (the checker's stale and torn
 *   fetch models), as if it were at `pc`, with the same compiled code as step/run;
 * - `snapshot()` / `restore()` / `fingerprint()` of the hart's architectural state.
 * Memory accesses are observed through Memory.setAccessHook (which also keeps every access on
 * the memory's slow path, so `run` pays nothing while no hook is installed).
 * Guest events (ecall, ebreak, illegal instruction, faults) are StopReason values; nothing
 * guest-caused throws.
 *
 * After 'ecall' the instruction has retired and pc points past it (the environment performs
 * the call and resumes with run/step). After every other stop, pc still points at the
 * stopping instruction, which has not retired.
 *
 * Just over 400 lines: the dispatch loop, the block cache and snapshot/restore share the
 * register file and the cache; they are one unit on the hot path.
 */
import { ABI_NAMES } from '../isa/regs.js';
import type { Insn } from '../isa/types.js';
import { decode } from '../isa/decode.js';
import { Memory, MemFault, Page, PAGE_SIZE } from './memory.js';
import { compileBlock, compileInsn, compileInsns, CompiledFn, endsBlock, isCompiled, Slot } from './compile.js';

export type StopKind =
  | 'budget' | 'ecall' | 'ebreak' | 'illegal' | 'fetch-fault' | 'load-fault' | 'store-fault' | 'misaligned';

/** Why step/run/execute returned. `addr` for faults and misaligned accesses, `bits` for illegal. */
export interface StopReason {
  kind: StopKind;
  pc: number;
  addr?: number;
  /** The instruction's encoding (illegal instructions). */
  bits?: number;
  /** Fault cause or other detail ('unmapped', 'permission', 'CSR 0x300 is not accessible'). */
  detail?: string;
}

/** The architectural state of a hart (registers as lo/hi words, pc, retired count). */
export interface HartState {
  /** The register file's int32 pairs, as a plain array (making a small typed array costs ~6x copying into one). */
  readonly r: readonly number[];
  readonly pc: number;
  readonly retired: number;
  /** A slot for its owner to keep what it derives from these registers (the model: their digests); the hart never reads it. */
  memo: number[] | null;
}

/** A translated block: where it was built from, so it is only used while those bytes stand. */
interface Block {
  /** Its address (the key of Hart.blocks and of its slot in Hart.recent). */
  pc: number;
  fn: CompiledFn;
  /**
   * Instructions in the region: an upper bound of what one pass retires. A region that loops
   * re-checks the budget (Hart.limit) before every further pass, so run() never overshoots.
   */
  count: number;
  /** The bytes it was built from: [pc + spanLo, pc + spanLo + bytes.length). */
  spanLo: number;
  bytes: Uint8Array;
  page: Page;
  version: number;
  /** Memory.codeEpoch when last validated. */
  epoch: number;
  /** The block that followed this one last time (a one-entry chain cache). */
  nextPc: number;
  next: Block | null;
}

const MAX_BLOCK = 128;
/** Slots of Hart.recent (a power of two). */
const RECENT = 1024;
const BRANCH_OPS = new Set(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']);
/**
 * A block is translated on its HOT-th visit; colder code runs as per-instruction closures.
 * Translating costs far more than running once (new Function + V8 compile), so code that
 * runs once or twice (start-up, the random-sequence harness) is not worth a block.
 */
const HOT = 3;

const decodeCache = new Map<number, Insn | null>();
/** decode() memoised by bits (the table lookup allocates an Insn per call). */
export function decodeCached(bits: number): Insn | undefined {
  let d = decodeCache.get(bits);
  if (d === undefined) {
    d = decode(bits) ?? null;
    decodeCache.set(bits, d);
  }
  return d ?? undefined;
}

export class Hart {
  /** x[i] = (r[2i] low word, r[2i+1] high word); r[64..65] absorb writes to x0. */
  readonly r = new Int32Array(66);
  /** Scratch words for helpers (AMO old values, loads into x0). */
  readonly scratch = new Int32Array(2);
  pc = 0;
  /** Instructions retired (the value of the instret/cycle/time counters). */
  retired = 0;
  /** Set by generated code when an instruction stops the hart (read and cleared by the API). */
  stop: StopReason | null = null;
  /** run()'s retire limit: translated loops check it on every back edge. */
  limit = 0;
  private blocks = new Map<number, Block>();
  /**
   * A direct-mapped cache in front of `blocks`, by the pc's low bits: run() tries it when the
   * chain cache misses (a return, a branch taken the other way), before the Map. An entry is
   * used under the Map's own test (its epoch is the memory's code epoch), so a block replaced
   * in the Map, whose epoch stays stale, is never used from here.
   */
  private readonly recent: (Block | undefined)[] = new Array(RECENT);
  /** Whether the instruction step() last executed ends a basic block. */
  private endedBlock = false;
  /** Visits of addresses that have no block yet (see HOT). */
  private heat = new Map<number, number>();
  /** Use translated blocks in run() (false: run() steps one compiled instruction at a time). */
  useBlocks: boolean;

  constructor(readonly mem: Memory, readonly id = 0, opts: { blocks?: boolean } = {}) {
    this.useBlocks = opts.blocks ?? true;
  }

  getReg(i: number): bigint {
    if (i === 0) return 0n;
    return (BigInt(this.r[2 * i + 1]) << 32n) | BigInt(this.r[2 * i] >>> 0);
  }

  setReg(i: number, v: bigint): void {
    if (i === 0) return;
    const u = BigInt.asUintN(64, v);
    this.r[2 * i] = Number(u & 0xffffffffn) | 0;
    this.r[2 * i + 1] = Number(u >> 32n) | 0;
  }

  /** Register i as a JS number (exact for values in the +-2^53 range: addresses, small ints). */
  getRegNum(i: number): number {
    return i === 0 ? 0 : this.r[2 * i + 1] * 4294967296 + (this.r[2 * i] >>> 0);
  }

  /** Executes an instruction fetched by the caller, as the instruction at `pc`. */
  execute(insn: Insn): StopReason | undefined {
    const m = this.mem;
    m.fault = null;
    m.actor = this.id;
    this.stop = null;
    this.pc = compileInsn(insn)(this, this.r, m, this.pc);
    if (this.stop !== null || m.fault !== null) return this.takeStop();
    return undefined;
  }

  /** Fetches, decodes and executes one instruction. 'budget' means it retired normally. */
  step(): StopReason {
    const pc = this.pc;
    const m = this.mem;
    m.fault = null;
    const bits = m.fetchInsn(pc);
    if (bits < 0) return this.fetchFault(pc, m.fault);
    const insn = decodeCached(bits);
    if (!insn) return { kind: 'illegal', pc, bits };
    this.endedBlock = endsBlock(insn);
    if (!isCompiled(insn.bits)) this.compileAhead(pc);
    return this.execute(insn) ?? { kind: 'budget', pc: this.pc };
  }

  /** Runs up to `budget` instructions. Returns 'budget' when they all retired without event. */
  run(budget: number): StopReason {
    const m = this.mem;
    const r = this.r;
    m.actor = this.id;
    m.fault = null;
    this.stop = null;
    const limit = this.retired + budget;
    this.limit = limit;
    let prev: Block | null = null;
    // The pc lives in a local between blocks; this.pc is written before anything reads it
    // (step(), a stop, the return).
    let pc: number = this.pc;
    for (;;) {
      const left = limit - this.retired;
      if (left <= 0) {
        this.pc = pc;
        return { kind: 'budget', pc };
      }
      let blk: Block | null = null;
      if (prev !== null && prev.nextPc === pc && prev.next!.epoch === m.codeEpoch) {
        blk = prev.next;
      } else if (this.useBlocks) {
        const slot: number = (pc >>> 1) & (RECENT - 1);
        const e: Block | undefined = this.recent[slot];
        if (e !== undefined && e.pc === pc && e.epoch === m.codeEpoch) blk = e;
        else if ((blk = this.block(pc)) !== null) this.recent[slot] = blk;
        if (prev !== null && blk !== null) {
          prev.nextPc = pc;
          prev.next = blk;
        }
      }
      if (blk === null || blk.count > left) {
        // Cold (or too long for the budget left): step to the end of this basic block, so
        // that heat, and later translation, only ever start at block entries.
        prev = null;
        this.pc = pc;
        for (;;) {
          const s = this.step();
          if (s.kind !== 'budget') return s;
          if (this.endedBlock || this.retired >= limit) break;
        }
        pc = this.pc;
        continue;
      }
      pc = blk.fn(this, r, m, pc);
      if (this.stop !== null || m.fault !== null) {
        this.pc = pc;
        return this.takeStop();
      }
      prev = blk;
    }
  }

  private fetchFault(pc: number, f: MemFault | null): StopReason {
    this.mem.fault = null;
    return { kind: 'fetch-fault', pc, addr: f?.addr ?? pc, detail: f?.cause ?? 'unmapped' };
  }

  private takeStop(): StopReason {
    const m = this.mem;
    const f = m.fault;
    const s = this.stop;
    m.fault = null;
    this.stop = null;
    if (s) return s;
    const kind = f!.kind === 'write' ? 'store-fault' : f!.kind === 'read' ? 'load-fault' : 'fetch-fault';
    return { kind, pc: this.pc, addr: f!.addr, detail: f!.cause };
  }

  /** The valid translated block at pc (built or re-validated on demand), or null. */
  private block(pc: number): Block | null {
    const blk = this.blocks.get(pc);
    if (blk !== undefined && blk.epoch === this.mem.codeEpoch) return blk;
    const pn = Math.floor(pc / PAGE_SIZE);
    const page = this.mem.execPage(pn);
    if (!page) return null;
    if (blk) {
      if (blk.page === page && blk.version === page.version) {
        blk.epoch = this.mem.codeEpoch;
        return blk;
      }
      // The page was written (or replaced by a snapshot restore): reuse only if the bytes stand.
      const off = pc - pn * PAGE_SIZE + blk.spanLo;
      const cur = page.bytes.subarray(off, off + blk.bytes.length);
      let same = cur.length === blk.bytes.length;
      for (let k = 0; same && k < cur.length; k++) same = cur[k] === blk.bytes[k];
      if (same) {
        blk.page = page;
        blk.version = page.version;
        blk.epoch = this.mem.codeEpoch;
        this.mem.noteCode(page);
        return blk;
      }
    }
    if (!blk) {
      const visits = (this.heat.get(pc) ?? 0) + 1;
      if (visits < HOT) {
        this.heat.set(pc, visits);
        return null;
      }
      this.heat.delete(pc);
    }
    const built = this.build(pc, pn, page);
    if (built) this.blocks.set(pc, built);
    else this.blocks.delete(pc);
    return built;
  }

  /**
   * Translates a region starting at pc: straight-line code, continuing through conditional
   * branches on their fall-through side and through unconditional jumps (`j`) to targets in
   * the same page, until an indirect jump, a call, ecall/ebreak, an illegal encoding, the page
   * end or MAX_BLOCK instructions. Every path through it is a prefix of the slot sequence, so
   * a slot's index is the number of instructions retired before it on any path.
   */
  private build(pc: number, pn: number, page: Page): Block | null {
    const base = pn * PAGE_SIZE;
    const slots: Slot[] = [];
    const seen = new Set<number>();
    let off = 0;
    let key = '';
    let lo = 0, hi = 0; // byte span of the region, relative to pc
    while (slots.length < MAX_BLOCK && !seen.has(off)) {
      const a = pc + off - base;
      if (a < 0 || a + 2 > PAGE_SIZE) break;
      let bits = page.bytes[a] | (page.bytes[a + 1] << 8);
      let size = 2;
      if ((bits & 3) === 3) {
        if (a + 4 > PAGE_SIZE) break; // straddles the page: left to step()
        bits = (bits | (page.bytes[a + 2] << 16) | (page.bytes[a + 3] << 24)) >>> 0;
        size = 4;
      }
      const insn = decodeCached(bits);
      if (!insn) break; // illegal: left to step(), which reports it
      const slot: Slot = { off, insn, bits };
      slots.push(slot);
      seen.add(off);
      lo = Math.min(lo, off);
      hi = Math.max(hi, off + size);
      key += `${off}:${bits.toString(36)},`;
      if (!endsBlock(insn)) { off += size; continue; }
      if (slots.length >= MAX_BLOCK) break;
      if (insn.op === 'beq' || insn.op === 'bne' || insn.op === 'blt' || insn.op === 'bge' || insn.op === 'bltu' || insn.op === 'bgeu') {
        // A backward branch to code not yet in the region, whose fall-through path does not
        // come back to the region's start but whose taken path does: the back edge of an
        // enclosing loop. Follow the taken side (the fall-through exits), so the region
        // carries the enclosing loop's tail and head and runs into its own start again
        // without a dispatch (the matrix product's j loop around its k loop).
        const target = off + insn.imm;
        const ta = pc + target - base;
        if (insn.imm < 0 && !seen.has(target) && ta >= 0 && ta + 2 <= PAGE_SIZE &&
            !this.reachesStart(pc, page, off + size, seen, MAX_BLOCK - slots.length) &&
            this.reachesStart(pc, page, target, seen, MAX_BLOCK - slots.length)) {
          slot.taken = true;
          off = target;
          continue;
        }
        if (seen.has(off + size)) break;
        slot.continues = true;
        off += size;
        continue;
      }
      if (insn.op === 'jal' && insn.rd === 0) {
        const target = off + insn.imm;
        const ta = pc + target - base;
        if (target === 0 || seen.has(target) || ta < 0 || ta + 2 > PAGE_SIZE) break;
        slot.continues = true;
        off = target;
        continue;
      }
      break;
    }
    if (slots.length === 0) return null;
    // A trailing slot marked `continues` whose successor was not taken in: it must exit.
    const last = slots[slots.length - 1];
    if (last.continues && (slots.length >= MAX_BLOCK || seen.has(last.off + (last.insn!.size)) || last.insn!.op === 'jal')) {
      // re-decide: the successor is outside the region
      last.continues = false;
    }
    if (last.taken) last.taken = false; // its target was not taken in: both sides exit
    const endOff = last.off + last.insn!.size;
    this.mem.noteCode(page);
    const startOff = pc - base;
    return {
      pc,
      fn: compileBlock(key + (last.continues ? '+' : ''), slots, endOff),
      count: slots.length,
      spanLo: lo,
      bytes: page.bytes.slice(startOff + lo, startOff + hi),
      page,
      version: page.version,
      epoch: this.mem.codeEpoch,
      nextPc: NaN,
      next: null,
    };
  }

  /**
   * Whether the path build() would follow from offset `off` (fall-throughs, `j`) runs into
   * the region's start (offset 0) within `budget` instructions, inside the page and without
   * meeting an instruction already in the region.
   */
  private reachesStart(pc: number, page: Page, off: number, seen: ReadonlySet<number>, budget: number): boolean {
    const base = Math.floor(pc / PAGE_SIZE) * PAGE_SIZE;
    const visited = new Set<number>();
    for (let n = 0; n < budget; n++) {
      if (off === 0) return true;
      if (seen.has(off) || visited.has(off)) return false;
      visited.add(off);
      const a = pc + off - base;
      if (a < 0 || a + 4 > PAGE_SIZE) return false;
      let bits = page.bytes[a] | (page.bytes[a + 1] << 8);
      if ((bits & 3) === 3) bits = (bits | (page.bytes[a + 2] << 16) | (page.bytes[a + 3] << 24)) >>> 0;
      const insn = decodeCached(bits);
      if (!insn) return false;
      if (insn.op === 'jal' && insn.rd === 0) off += insn.imm;
      else if (!endsBlock(insn) || BRANCH_OPS.has(insn.op)) off += insn.size;
      else return false;
    }
    return false;
  }

  /** Compiles the closures of the instructions from pc to the end of its basic block, in one go. */
  private compileAhead(pc: number): void {
    const insns: Insn[] = [];
    for (let a = pc; insns.length < 32; ) {
      const bits = this.mem.fetchInsn(a);
      if (bits < 0) break;
      const insn = decodeCached(bits);
      if (!insn) break;
      insns.push(insn);
      if (endsBlock(insn)) break;
      a += insn.size;
    }
    this.mem.fault = null;
    compileInsns(insns);
  }

  /** Drops translated blocks (they are re-validated by bytes anyway; this frees memory). */
  flushBlocks(): void {
    this.blocks.clear();
    this.recent.fill(undefined);
    this.heat.clear();
  }

  snapshot(): HartState {
    const src = this.r;
    const r = new Array<number>(src.length);
    for (let i = 0; i < src.length; i++) r[i] = src[i];
    return { r, pc: this.pc, retired: this.retired, memo: null };
  }

  restore(s: HartState): void {
    const r = this.r, src = s.r;
    for (let i = 0; i < src.length; i++) r[i] = src[i]; // a loop: set() from a plain array is slower
    this.pc = s.pc;
    this.retired = s.retired;
    this.stop = null;
  }

  /** Hash of pc and x1..x31 (not the retired count, so equal states from different paths match). */
  fingerprint(): string {
    let a = Math.imul((this.pc | 0) ^ 0x9e3779b9, 0x85ebca6b), b = Math.floor(this.pc / 4294967296) | 0;
    for (let i = 2; i < 64; i++) {
      a = Math.imul(a ^ this.r[i], 0x01000193) ^ (a >>> 13);
      b = (b + Math.imul(this.r[i] ^ i, 0xc2b2ae35)) | 0;
    }
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }
}

/** Names of the integer registers in the ABI (x0..x31), for register dumps. */
export const REG_NAMES = ABI_NAMES;
