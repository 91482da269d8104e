/**
 * The vocabulary the semantic units (rv64i.ts, rv64m.ts, rv64a.ts, zicsr.ts, zifencei.ts) are
 * written in, and the runtime helpers their generated code calls.
 *
 * A semantic unit is one function per base op (`Insn.op`) that returns the JavaScript source
 * of that instruction, specialised to its operands. compile.ts glues units into a function
 * (one instruction, or a straight-line block ending at the first control transfer) with
 * `new Function`, once per distinct encoding: operands become constants, x0 reads become 0,
 * x0 writes go to a sink, so V8 sees straight-line integer code.
 *
 * Register representation (chosen by measurement, docs/performance.md): one Int32Array `r`
 * of 66 entries; x[i] is r[2i] (low word) and r[2i+1] (high word); r[64], r[65] are the sink
 * for writes to x0. r[0] and r[1] are never written, so x0 always reads 0.
 *
 * Names in scope of generated code: h (the Hart), r (its registers), m (its Memory), pc0 (the
 * address of the block's first instruction), H (the helpers below).
 */
import type { Insn } from '../isa/types.js';
import type { Memory } from './memory.js';

/** Where one instruction sits in the function being generated. */
export interface Gen {
  /** Expression for this instruction's address. */
  pc: string;
  /** Expression for the address after it (pc + size). */
  next: string;
  /** Instructions of the block before this one (they have retired when this one runs). */
  k: number;
  /** Source that leaves the function: `retired` instructions of the block retired, continue at `pcExpr`. */
  exit(retired: number, pcExpr: string): string;
  /**
   * The function goes on with this instruction's successor on the path the translator
   * followed (a conditional branch's fall-through, an unconditional jump's target), so the
   * unit must not exit on that path.
   */
  continues: boolean;
  /**
   * A conditional branch whose TAKEN side is followed: the function goes on with the branch
   * target, so the unit exits only when the branch falls through.
   */
  taken: boolean;
}

/** A semantic unit: the source of one instruction. */
export type Unit = (i: Insn, g: Gen) => string;

export const TWO32 = 4294967296;

/**
 * How generated code names registers. 'array': straight from r[] (one-instruction functions).
 * 'locals': each register the block touches lives in two JS locals (lN, hN) loaded once at
 * entry and written back in the one epilogue all exits leave through, so V8 keeps hot
 * registers in machine registers.
 * compile.ts sets the mode and reads back which registers the units touched.
 */
export const regs = { locals: false, used: new Set<number>(), written: new Set<number>(), cacheOf: new Map<string, number>() };

/**
 * The page cache of a load (`kind` 'r') or store ('w') through base register rs1 in a
 * translated block: locals khN, klN (the page's high address word and low page-base word) and
 * dN (its DataView), kept across the iterations of the block's loop (rv64i.ts `access`). The
 * sites of one kind through one base register share it (a function's stores to its stack
 * frame, a struct's fields): the hit test checks the page whatever filled it, so sharing only
 * decides which accesses hit. Read caches are filled only from TLB hits on pages the memory's
 * current copy-on-write epoch owns, and write caches from the write TLB, so no store during the
 * block can replace the page object behind one. Returns undefined outside translated blocks.
 */
export function pageCache(rs1: number, kind: 'r' | 'w'): number | undefined {
  if (!regs.locals) return undefined;
  const key = `${kind}${rs1}`;
  let c = regs.cacheOf.get(key);
  if (c === undefined) regs.cacheOf.set(key, (c = regs.cacheOf.size));
  return c;
}

const touch = (n: number): void => { regs.used.add(n); };

/** Low/high word of a source register. */
export const lo = (n: number): string => (n === 0 ? '0' : regs.locals ? (touch(n), `l${n}`) : `r[${2 * n}]`);
export const hi = (n: number): string => (n === 0 ? '0' : regs.locals ? (touch(n), `h${n}`) : `r[${2 * n + 1}]`);
/** Index of the destination's low word in r (the sink for x0), for helpers that write r. */
export const dst = (n: number): number => {
  if (n !== 0) { regs.written.add(n); touch(n); }
  return n === 0 ? 64 : 2 * n;
};
/** Instructions retired before the current block (a local in translated blocks). */
export const retired = (): string => (regs.locals ? 'R' : 'h.retired');
/** After a helper wrote rd in r[]: refresh its locals. */
export const reload = (n: number): string => (n === 0 || !regs.locals ? '' : `l${n}=r[${2 * n}];h${n}=r[${2 * n + 1}];`);

function assign(rd: number, l: string, h: string): string {
  regs.written.add(rd);
  touch(rd);
  return regs.locals ? `l${rd}=${l};h${rd}=${h};` : `r[${2 * rd}]=${l};r[${2 * rd + 1}]=${h};`;
}

/** Writes rd from a low and a high int32 expression (both evaluated before either write). */
export function set(rd: number, loExpr: string, hiExpr: string): string {
  if (rd === 0) return '';
  return `{const l_=(${loExpr}),h_=(${hiExpr});${assign(rd, 'l_', 'h_')}}`;
}
/** Writes rd from a 32-bit result, sign-extended (the *W forms, lw). */
export function set32(rd: number, expr: string): string {
  if (rd === 0) return '';
  return `{const l_=(${expr})|0;${assign(rd, 'l_', 'l_>>31')}}`;
}
/** Writes rd from a JS number holding a signed 64-bit value in the +-2^53 range (addresses). */
export function setNum(rd: number, expr: string): string {
  if (rd === 0) return '';
  return `{const v_=${expr};${assign(rd, 'v_|0', `Math.floor(v_/${TWO32})|0`)}}`;
}
/** rs1 + imm as a JS number (an effective address). */
export function addr(rs1: number, imm: number): string {
  if (rs1 === 0) return `${imm}`;
  return `(${hi(rs1)}*${TWO32}+(${lo(rs1)}>>>0)+${imm})`;
}
/** The immediate's low and high words, as constants. */
export const immLo = (imm: number): number => imm | 0;
export const immHi = (imm: number): number => (imm < 0 ? -1 : 0);

// ---- runtime helpers (H.*) -------------------------------------------------------------

const M32 = 0xffffffffn;

function toBig(l: number, h: number): bigint {
  return (BigInt(h) << 32n) | BigInt(l >>> 0);
}
function putBig(r: Int32Array, d: number, v: bigint): void {
  r[d] = Number(v & M32) | 0;
  r[d + 1] = Number((v >> 32n) & M32) | 0;
}

/** High 32 bits of the unsigned 64-bit product of two 32-bit words (16-bit limbs, exact in doubles). */
export function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid = a1 * b0 + a0 * b1 + ((a0 * b0) >>> 16);
  return (a1 * b1 + Math.floor(mid / 65536)) | 0;
}

export const helpers = {
  /** Scratch for 64-bit loads that miss the TLB. */
  t64: new Int32Array(2),
  /**
   * High 64 bits of the 128-bit product; kind 0 signed x signed, 1 signed x unsigned,
   * 2 unsigned. Unsigned high part from four 32x32 partial products (exact in doubles), then
   * the usual signed correction: mulh(a,b) = mulhu(a,b) - (a<0 ? b : 0) - (b<0 ? a : 0).
   */
  mulh(r: Int32Array, d: number, al: number, ah: number, bl: number, bh: number, kind: number): void {
    const a0 = al >>> 0, a1 = ah >>> 0, b0 = bl >>> 0, b1 = bh >>> 0;
    const mid = (mulhu32(a0, b0) >>> 0) + (Math.imul(a0, b1) >>> 0) + (Math.imul(a1, b0) >>> 0);
    const low = (Math.imul(a1, b1) >>> 0) + (mulhu32(a0, b1) >>> 0) + (mulhu32(a1, b0) >>> 0) + Math.floor(mid / TWO32);
    let l = low | 0;
    let h = ((mulhu32(a1, b1) >>> 0) + Math.floor(low / TWO32)) | 0;
    if (kind <= 1 && ah < 0) { const t = (l - bl) | 0; h = (h - bh - ((l >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; l = t; }
    if (kind === 0 && bh < 0) { const t = (l - al) | 0; h = (h - ah - ((l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; l = t; }
    r[d] = l;
    r[d + 1] = h;
  },
  /**
   * kind 0 div, 1 rem, 2 divu, 3 remu (ISA manual, M chapter, table "Semantics for division
   * by zero and division overflow"): x/0 = -1 (all ones), x%0 = x, INT64_MIN/-1 = INT64_MIN,
   * INT64_MIN%-1 = 0. Exact double arithmetic for int32 operands and for divisors below 2^20
   * (two-step long division, every intermediate < 2^53); BigInt otherwise.
   */
  div(r: Int32Array, d: number, al: number, ah: number, bl: number, bh: number, kind: number): void {
    const signed = kind < 2;
    const isRem = kind === 1 || kind === 3;
    // |dividend| < 2^52 and a nonzero divisor that fits in 32 bits (signed, or unsigned for
    // divu/remu): one double division. |a/b| < 2^52/|b|, so its rounding error is below
    // 2^52/|b| * 2^-53 = 0.5/|b|, while a non-integer quotient lies at least 1/|b| from every
    // integer: Math.trunc of the rounded quotient is exact, and so is a - q*b (|q*b| <= |a|).
    // (INT64_MIN / -1 never gets here: its dividend is out of range.)
    if (ah >= -0x100000 && ah < 0x100000 && bl !== 0 && (signed ? bh === bl >> 31 : bh === 0 && ah >= 0)) {
      const a = ah * TWO32 + (al >>> 0);
      const b = signed ? bl : bl >>> 0;
      const q = Math.trunc(a / b);
      const v = isRem ? a - q * b : q;
      r[d] = v | 0;
      r[d + 1] = Math.floor(v / TWO32) | 0;
      return;
    }
    if (signed && ah === al >> 31 && bh === bl >> 31 && bl !== 0) {
      const q = isRem ? al % bl : Math.trunc(al / bl); // exact: int32 operands (INT32_MIN/-1 = 2^31 fits)
      r[d] = q | 0;
      r[d + 1] = q < 0 ? -1 : 0;
      return;
    }
    const negA = signed && ah < 0, negB = signed && bh < 0;
    // magnitudes as unsigned (hi, lo) words
    let aL = al, aH = ah, bL = bl, bH = bh;
    if (negA) { aL = (-al) | 0; aH = (~ah + (al === 0 ? 1 : 0)) | 0; }
    if (negB) { bL = (-bl) | 0; bH = (~bh + (bl === 0 ? 1 : 0)) | 0; }
    const bU = bL >>> 0;
    if (bH === 0 && bU !== 0 && bU < 0x100000 && !(negB && bU === 1 && negA && aH === -0x80000000 && aL === 0)) {
      const aHU = aH >>> 0;
      const qh = Math.floor(aHU / bU);
      const t = (aHU - qh * bU) * TWO32 + (aL >>> 0);
      let ql = Math.floor(t / bU);
      let rem = t - ql * bU;
      if (rem < 0) { ql--; rem += bU; } else if (rem >= bU) { ql++; rem -= bU; }
      let l: number, h: number;
      if (isRem) { l = rem | 0; h = 0; if (negA) { const nl = (-l) | 0; h = (~h + (l === 0 ? 1 : 0)) | 0; l = nl; } }
      else { l = ql | 0; h = qh | 0; if (negA !== negB) { const nl = (-l) | 0; h = (~h + (l === 0 ? 1 : 0)) | 0; l = nl; } }
      r[d] = l;
      r[d + 1] = h;
      return;
    }
    let a = toBig(al, ah), b = toBig(bl, bh);
    if (!signed) { a = BigInt.asUintN(64, a); b = BigInt.asUintN(64, b); }
    let v: bigint;
    if (b === 0n) v = isRem ? a : -1n;
    else if (signed && b === -1n && a === -(1n << 63n)) v = isRem ? 0n : a;
    else v = isRem ? a % b : a / b; // BigInt division truncates toward zero, as RISC-V does
    putBig(r, d, BigInt.asIntN(64, v));
  },
  divw(x: number, y: number): number {
    if (y === 0) return -1;
    if (x === -0x80000000 && y === -1) return x;
    return (x / y) | 0;
  },
  divuw(x: number, y: number): number {
    if (y === 0) return -1;
    return ((x >>> 0) / (y >>> 0)) | 0;
  },
  remw(x: number, y: number): number {
    if (y === 0) return x;
    if (y === -1) return 0;
    return x % y | 0;
  },
  remuw(x: number, y: number): number {
    if (y === 0) return x;
    return ((x >>> 0) % (y >>> 0)) | 0;
  },
  /** sll/srl/sra by a register amount (low 6 bits count). kind 0 sll, 1 srl, 2 sra. */
  shift(r: Int32Array, d: number, l: number, h: number, s: number, kind: number): void {
    s &= 63;
    if (s === 0) { r[d] = l; r[d + 1] = h; return; }
    if (kind === 0) {
      if (s < 32) { r[d + 1] = (h << s) | (l >>> (32 - s)); r[d] = l << s; }
      else { r[d + 1] = l << (s - 32); r[d] = 0; }
    } else if (kind === 1) {
      if (s < 32) { r[d] = (l >>> s) | (h << (32 - s)); r[d + 1] = (h >>> s) | 0; }
      else { r[d] = (h >>> (s - 32)) | 0; r[d + 1] = 0; }
    } else {
      if (s < 32) { r[d] = (l >>> s) | (h << (32 - s)); r[d + 1] = h >> s; }
      else { r[d] = h >> (s - 32); r[d + 1] = h >> 31; }
    }
  },
};

export type Helpers = typeof helpers;

/** What generated code needs of a hart (hart.ts implements it). */
export interface HartCore {
  r: Int32Array;
  mem: Memory;
  retired: number;
  id: number;
}
