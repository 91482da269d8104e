/**
 * RV64I semantic units (ISA manual, chapters 2 "RV32I" and 4 "RV64I"), keyed by Insn.op.
 * Each returns the source of one instruction specialised to its operands (see sem.ts).
 */
import type { Insn } from '../isa/types.js';
import type { Gen } from './sem.js';
import { addr, dst, hi, immHi, immLo, lo, pageCache, reload, set, set32, setNum, TWO32, Unit } from './sem.js';

const u = (x: string): string => `(${x}>>>0)`;

/** 64-bit add of a register and an (lo, hi) pair of expressions. */
function add64(rd: number, rs1: number, bl: string, bh: string): string {
  if (rd === 0) return '';
  return `{const x_=${lo(rs1)},s_=(x_+${bl})|0;${set(rd, 's_', `(${hi(rs1)}+${bh}+((s_>>>0)<(x_>>>0)?1:0))|0`)}}`;
}

/** Signed and unsigned 64-bit less-than of (al,ah) and (bl,bh) as boolean expressions. */
const lt = (al: string, ah: string, bl: string, bh: string): string =>
  `(${ah}<${bh}||(${ah}===${bh}&&${u(al)}<${u(bl)}))`;
const ltu = (al: string, ah: string, bl: string, bh: string): string =>
  `(${u(ah)}<${u(bh)}||(${ah}===${bh}&&${u(al)}<${u(bl)}))`;

function branch(cond: (i: Insn) => string): Unit {
  return (i, g) => g.taken
    ? `if(!(${cond(i)}))${g.exit(g.k + 1, g.next)}`
    : `if(${cond(i)})${g.exit(g.k + 1, `${g.pc}+${i.imm}`)}${g.continues ? '' : g.exit(g.k + 1, g.next)}`;
}

/** Constant shifts (shamt 0..63), on (l, h) source words. */
function shiftConst(kind: 'sll' | 'srl' | 'sra', rd: number, l: string, h: string, s: number): string {
  if (s === 0) return set(rd, l, h);
  if (kind === 'sll') {
    if (s < 32) return set(rd, `${l}<<${s}`, `(${h}<<${s})|(${l}>>>${32 - s})`);
    return set(rd, '0', `${l}<<${s - 32}`);
  }
  if (kind === 'srl') {
    if (s < 32) return set(rd, `(${l}>>>${s})|(${h}<<${32 - s})`, `(${h}>>>${s})|0`);
    return set(rd, `(${h}>>>${s - 32})|0`, '0');
  }
  if (s < 32) return set(rd, `(${l}>>>${s})|(${h}<<${32 - s})`, `${h}>>${s}`);
  return set(rd, `${h}>>${s - 32}`, `${h}>>31`);
}

/*
 * Loads and stores inline the memory's TLB hit path (Memory.rKey/rPage, wKey/wPage): page
 * number, TLB entry, in-page offset, one DataView access. Misses, page-crossing accesses,
 * faults and every special page (code, provenance, hooks, reservations) take the Memory
 * method, which is the single implementation of the slow path.
 */
const PAGE = 4096;

type Width = 1 | 2 | 4;
const GET: Record<Width, string> = { 1: 'getUint8', 2: 'getUint16', 4: 'getInt32' };
const SET: Record<Width, string> = { 1: 'setUint8', 2: 'setUint16', 4: 'setInt32' };
const SLOW_LOAD: Record<Width, string> = { 1: 'load8', 2: 'load16', 4: 'load32' };
const SLOW_STORE: Record<Width, string> = { 1: 'store8', 2: 'store16', 4: 'store32' };

/**
 * Effective address a_ (an integer-valued double in +-2^53), in-page offset o_ and page base
 * b_, for the TLB path. ToInt32 keeps a_'s low 32 bits, so a_&4095 is the in-page offset and
 * (a_>>12)&255 the TLB entry even for negative (kernel) addresses.
 */
function tlb(a: string): string {
  return `const a_=${a},o_=a_&${PAGE - 1},b_=a_-o_;`;
}

/**
 * A load or store of `n` bytes through the TLB (`key`/`pages`: Memory.rKey/rPage or
 * wKey/wPage), running `body(view)` with o_ the in-page offset on a hit and `miss` otherwise.
 *
 * With a page cache c (translated blocks: one per base register and kind, sem.ts pageCache), the hit test is done on int32 words
 * alone: the cache holds the page's high address word kh_c and low page-base word kl_c, and
 * the access hits when rs1's high word is kh_c, the low word of rs1+imm lies in page kl_c,
 * and adding imm carried nothing into the high word (the same comparison of unsigned low
 * words as sltu). Only then is no double arithmetic needed. The cache is filled from TLB hits
 * on pages the current copy-on-write epoch owns (`owned`), so no store during the block can
 * replace the page object behind it.
 */
function access(rs1: number, imm: number, c: number | undefined, n: number, key: string, pages: string,
  owned: (page: string) => string, body: (d: string) => string, miss: string): string {
  const lim = n === 1 ? '' : `&&o_<=${PAGE - n}`;
  if (c === undefined || rs1 === 0) {
    return `{${tlb(addr(rs1, imm))}const e_=(a_>>12)&255;if(${key}[e_]===b_/${PAGE}${lim}){const d_=${pages}[e_].view;${body('d_')}}else{${miss}}}`;
  }
  const x = lo(rs1), y = hi(rs1);
  const carry = imm === 0 ? '' : imm > 0 ? '&&(s_>>>0)>=(q_>>>0)' : '&&(s_>>>0)<(q_>>>0)';
  return `{const q_=${x},s_=(q_+${imm | 0})|0,o_=s_&${PAGE - 1};` +
    `if(s_-o_===kl${c}&&${y}===kh${c}${carry}${lim}){${body(`d${c}`)}}else{` +
    `const a_=${y}*${TWO32}+(q_>>>0)+${imm},b_=a_-o_,e_=(a_>>12)&255;` +
    `if(${key}[e_]===b_/${PAGE}${lim}){const g_=${pages}[e_],d_=g_.view;${body('d_')}` +
    `if(${owned('g_')}){kl${c}=s_-o_;kh${c}=Math.floor(b_/${TWO32})|0;d${c}=d_;}}else{${miss}}}}`;
}

const readOwned = (g: string): string => `${g}.epoch===m.epoch`;
// write-TLB pages are always owned by the current epoch
const writeOwned = (): string => 'true';

function load(width: Width, fix: (v: string) => [string, string]): Unit {
  return (i, g) => {
    const [l, h] = fix('v_');
    return `{let v_;` +
      access(i.rs1, i.imm, pageCache(i.rs1, 'r'), width, 'rK', 'rP', readOwned, (d) => `v_=${d}.${GET[width]}(o_,true);`,
        `v_=m.${SLOW_LOAD[width]}(a_);if(m.fault!==null)${g.exit(g.k, g.pc)}`) +
      `${set(i.rd, l, h)}}`;
  };
}

function storeTail(g: Gen): string {
  return `if(m.fault!==null)${g.exit(g.k, g.pc)}if(m.codeWritten){m.codeWritten=false;${g.exit(g.k + 1, g.next)}}`;
}

function store(width: Width, value: (i: Insn) => string): Unit {
  return (i, g) =>
    `{const v_=${value(i)};` +
    access(i.rs1, i.imm, pageCache(i.rs1, 'w'), width, 'wK', 'wP', writeOwned, (d) => `${d}.${SET[width]}(o_,v_,true);`,
      `m.${SLOW_STORE[width]}(a_,v_);${storeTail(g)}`) + '}';
}

export const rv64i: Record<string, Unit> = {
  lui: (i) => set(i.rd, `${immLo(i.imm)}`, `${immHi(i.imm)}`),
  auipc: (i, g) => setNum(i.rd, `${g.pc}+${i.imm}`),
  jal: (i, g) => setNum(i.rd, g.next) + (g.continues ? '' : g.exit(g.k + 1, `${g.pc}+${i.imm}`)),
  // Target computed before rd is written (rd may equal rs1); bit 0 cleared (ISA 2.5.1).
  jalr: (i, g) =>
    `{const t_=${addr(i.rs1, i.imm)};const tg_=t_-((${lo(i.rs1)}+${i.imm})&1);` +
    `${setNum(i.rd, g.next)}${g.exit(g.k + 1, 'tg_')}}`,

  beq: branch((i) => `${lo(i.rs1)}===${lo(i.rs2)}&&${hi(i.rs1)}===${hi(i.rs2)}`),
  bne: branch((i) => `${lo(i.rs1)}!==${lo(i.rs2)}||${hi(i.rs1)}!==${hi(i.rs2)}`),
  blt: branch((i) => lt(lo(i.rs1), hi(i.rs1), lo(i.rs2), hi(i.rs2))),
  bge: branch((i) => `!${lt(lo(i.rs1), hi(i.rs1), lo(i.rs2), hi(i.rs2))}`),
  bltu: branch((i) => ltu(lo(i.rs1), hi(i.rs1), lo(i.rs2), hi(i.rs2))),
  bgeu: branch((i) => `!${ltu(lo(i.rs1), hi(i.rs1), lo(i.rs2), hi(i.rs2))}`),

  lb: load(1, (v) => [`(${v}<<24)>>24`, `${v}<<24>>31`]),
  lh: load(2, (v) => [`(${v}<<16)>>16`, `${v}<<16>>31`]),
  lw: load(4, (v) => [v, `${v}>>31`]),
  lbu: load(1, (v) => [v, '0']),
  lhu: load(2, (v) => [v, '0']),
  lwu: load(4, (v) => [v, '0']),
  ld: (i, g) =>
    `{let x_,y_;` +
    access(i.rs1, i.imm, pageCache(i.rs1, 'r'), 8, 'rK', 'rP', readOwned, (d) => `x_=${d}.getInt32(o_,true);y_=${d}.getInt32(o_+4,true);`,
      `m.load64(a_,H.t64,0);if(m.fault!==null)${g.exit(g.k, g.pc)}x_=H.t64[0];y_=H.t64[1];`) +
    `${set(i.rd, 'x_', 'y_')}}`,

  sb: store(1, (i) => `${lo(i.rs2)}&255`),
  sh: store(2, (i) => `${lo(i.rs2)}&65535`),
  sw: store(4, (i) => lo(i.rs2)),
  sd: (i, g) =>
    `{const v_=${lo(i.rs2)},w_=${hi(i.rs2)};` +
    access(i.rs1, i.imm, pageCache(i.rs1, 'w'), 8, 'wK', 'wP', writeOwned, (d) => `${d}.setInt32(o_,v_,true);${d}.setInt32(o_+4,w_,true);`,
      `m.store64(a_,v_,w_);${storeTail(g)}`) + '}',

  addi: (i) => {
    if (i.rs1 === 0) return set(i.rd, `${immLo(i.imm)}`, `${immHi(i.imm)}`);
    if (i.imm === 0) return set(i.rd, lo(i.rs1), hi(i.rs1));
    return add64(i.rd, i.rs1, `${immLo(i.imm)}`, `${immHi(i.imm)}`);
  },
  slti: (i) => set(i.rd, `${lt(lo(i.rs1), hi(i.rs1), `${immLo(i.imm)}`, `${immHi(i.imm)}`)}?1:0`, '0'),
  sltiu: (i) => set(i.rd, `${ltu(lo(i.rs1), hi(i.rs1), `${immLo(i.imm)}`, `${immHi(i.imm)}`)}?1:0`, '0'),
  xori: (i) => set(i.rd, `${lo(i.rs1)}^${immLo(i.imm)}`, `${hi(i.rs1)}^${immHi(i.imm)}`),
  ori: (i) => set(i.rd, `${lo(i.rs1)}|${immLo(i.imm)}`, `${hi(i.rs1)}|${immHi(i.imm)}`),
  andi: (i) => set(i.rd, `${lo(i.rs1)}&${immLo(i.imm)}`, `${hi(i.rs1)}&${immHi(i.imm)}`),
  slli: (i) => shiftConst('sll', i.rd, lo(i.rs1), hi(i.rs1), i.imm & 63),
  srli: (i) => shiftConst('srl', i.rd, lo(i.rs1), hi(i.rs1), i.imm & 63),
  srai: (i) => shiftConst('sra', i.rd, lo(i.rs1), hi(i.rs1), i.imm & 63),

  add: (i) => add64(i.rd, i.rs1, lo(i.rs2), hi(i.rs2)),
  sub: (i) =>
    i.rd === 0 ? '' :
    `{const x_=${lo(i.rs1)},y_=${lo(i.rs2)};${set(i.rd, '(x_-y_)|0', `(${hi(i.rs1)}-${hi(i.rs2)}-((x_>>>0)<(y_>>>0)?1:0))|0`)}}`,
  sll: (i) => `H.shift(r,${dst(i.rd)},${lo(i.rs1)},${hi(i.rs1)},${lo(i.rs2)},0);${reload(i.rd)}`,
  srl: (i) => `H.shift(r,${dst(i.rd)},${lo(i.rs1)},${hi(i.rs1)},${lo(i.rs2)},1);${reload(i.rd)}`,
  sra: (i) => `H.shift(r,${dst(i.rd)},${lo(i.rs1)},${hi(i.rs1)},${lo(i.rs2)},2);${reload(i.rd)}`,
  slt: (i) => set(i.rd, `${lt(lo(i.rs1), hi(i.rs1), lo(i.rs2), hi(i.rs2))}?1:0`, '0'),
  sltu: (i) => set(i.rd, `${ltu(lo(i.rs1), hi(i.rs1), lo(i.rs2), hi(i.rs2))}?1:0`, '0'),
  xor: (i) => set(i.rd, `${lo(i.rs1)}^${lo(i.rs2)}`, `${hi(i.rs1)}^${hi(i.rs2)}`),
  or: (i) => set(i.rd, `${lo(i.rs1)}|${lo(i.rs2)}`, `${hi(i.rs1)}|${hi(i.rs2)}`),
  and: (i) => set(i.rd, `${lo(i.rs1)}&${lo(i.rs2)}`, `${hi(i.rs1)}&${hi(i.rs2)}`),

  addiw: (i) => set32(i.rd, `${lo(i.rs1)}+${i.imm}`),
  slliw: (i) => set32(i.rd, `${lo(i.rs1)}<<${i.imm & 31}`),
  srliw: (i) => set32(i.rd, `${lo(i.rs1)}>>>${i.imm & 31}`),
  sraiw: (i) => set32(i.rd, `${lo(i.rs1)}>>${i.imm & 31}`),
  addw: (i) => set32(i.rd, `${lo(i.rs1)}+${lo(i.rs2)}`),
  subw: (i) => set32(i.rd, `${lo(i.rs1)}-${lo(i.rs2)}`),
  sllw: (i) => set32(i.rd, `${lo(i.rs1)}<<(${lo(i.rs2)}&31)`),
  srlw: (i) => set32(i.rd, `${lo(i.rs1)}>>>(${lo(i.rs2)}&31)`),
  sraw: (i) => set32(i.rd, `${lo(i.rs1)}>>(${lo(i.rs2)}&31)`),

  // A single hart in this emulator sees its own memory operations in program order, and the
  // checker models inter-hart visibility itself, so FENCE has nothing to do here.
  fence: () => '',
  // ECALL retires (the environment then continues after it); EBREAK does not.
  ecall: (_i, g) => `h.stop={kind:'ecall',pc:${g.pc}};${g.exit(g.k + 1, g.next)}`,
  ebreak: (_i, g) => `h.stop={kind:'ebreak',pc:${g.pc}};${g.exit(g.k, g.pc)}`,
};
