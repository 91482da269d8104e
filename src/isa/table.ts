/**
 * The one instruction table of RV64IMAC + Zicsr + Zifencei. The decoder (decode.ts), the
 * disassembler (disasm.ts) and the assembler (asm/) are all derived from it, and
 * test/isa/table.test.ts proves no two entries overlap and that the compression and relaxation
 * data below name entries that exist and mean what they say.
 *
 * Each entry gives the encoding as match/mask plus `exclude` patterns: encodings that match
 * match/mask but belong elsewhere — reserved encodings (RVC chapter, "Reserved" cells of the
 * opcode map: c.addi4spn with nzuimm=0, c.lui/c.addi16sp with nzimm=0, c.lwsp/c.ldsp/c.addiw
 * with rd=0, c.jr with rs1=0) or another entry's territory (c.addi16sp inside c.lui's funct3).
 * An encoding decodes as entry E iff (bits & E.mask) === E.match and it matches none of E.exclude.
 *
 * HINTs (RVC chapter, table "RVC HINT instructions") are legal and decode to their base op with
 * rd = x0 or a zero shift/immediate; they are not excluded. Names follow GNU objdump
 * `-M no-aliases` (binutils 2.40 riscv-opc.c), including the RV64 shift-by-zero hints that
 * binutils names c.slli64/c.srli64/c.srai64.
 *
 * Longer than 400 lines on purpose: it is the one table (entries, aliases, compression and
 * relaxation data) that the decoder, disassembler, assembler and their tests all read, and the
 * overlap proof is over all of it.
 */

import { insnSize } from './regs.js';

export type Extension = 'I' | 'M' | 'A' | 'C' | 'Zicsr' | 'Zifencei';

/** What an instruction does, coarsely: lets the emulator's random tests and the checker select entries. */
export type InsnKind =
  | 'alu' // register/immediate arithmetic, lui, auipc
  | 'load'
  | 'store'
  | 'amo' // lr, sc and AMOs
  | 'branch'
  | 'jump' // jal, jalr and their compressed forms
  | 'system' // ecall, ebreak
  | 'csr'
  | 'fence'; // fence, fence.tso, fence.i

/**
 * A register operand: read from an instruction field (`at` = lowest bit of a 5-bit field, or of
 * a 3-bit RVC field naming x8..x15 when `prime`), or implicit (a fixed register number, e.g. sp
 * for c.addi4spn), or 'rd' when the field doubles as the destination (c.addi: rd = rs1).
 */
export type RegField = { at: number; prime?: boolean } | number | 'rd';

/**
 * An immediate scattered over the encoding. Each piece places instruction bits
 * [at + imm.length - 1 .. at] (listed from the highest instruction bit down) at the given
 * immediate bit positions. `signed`: sign-extend from the highest immediate bit. Unlisted
 * low immediate bits are zero (branch offsets, scaled RVC offsets, U-type's low 12 bits).
 */
export interface ImmField {
  pieces: { at: number; bits: number[] }[];
  signed: boolean;
}

/** Operand syntax of the entry's no-aliases form, as GNU as reads it and objdump -M no-aliases prints it. */
export type Syntax =
  | 'rd,rs1,rs2'
  | 'rd,rs1,imm'
  | 'rd,rs1,shamt'
  | 'rd,imm(rs1)'
  | 'rs2,imm(rs1)'
  | 'rs1,rs2,target'
  | 'rd,uimm20' // lui/auipc: printed as the 20-bit field in hex
  | 'rd,target'
  | 'rd,rs2,(rs1)'
  | 'rd,(rs1)'
  | 'rd,csr,rs1'
  | 'rd,csr,zimm'
  | 'pred,succ'
  | ''
  // RVC no-aliases forms
  | 'rd,sp,imm' // c.addi4spn
  | 'rd,imm' // c.addi, c.addiw, c.li, c.andi
  | 'rd,cuimm' // c.lui: the 6-bit field (nzimm[17:12]) in hex, as objdump prints it
  | 'sp,imm' // c.addi16sp
  | 'rd,cshamt' // c.slli/c.srli/c.srai: shift amount in hex
  | 'rd' // c.slli64 & co
  | 'rd,rs2' // c.mv, c.add, c.sub, ...
  | 'rs1' // c.jr, c.jalr
  | 'rs1,target' // c.beqz, c.bnez
  | 'target'; // c.j

export interface InsnSpec {
  /** Mnemonic as objdump -M no-aliases prints it (without .aq/.rl suffixes, which come from aq/rl). */
  name: string;
  /** The base op that executes it (see Insn.op in types.ts). */
  op: string;
  ext: Extension;
  kind: InsnKind;
  /** Changes control flow or traps to the environment (branches, jumps, ecall, ebreak). */
  control: boolean;
  size: 2 | 4;
  match: number;
  mask: number;
  /** Encodings matching match/mask that are NOT this instruction (reserved, or another entry's). */
  exclude: { match: number; mask: number; why: string }[];
  rd?: RegField;
  rs1?: RegField;
  rs2?: RegField;
  imm?: ImmField;
  /** Zicsr: the csr field is bits 31:20. */
  csr?: boolean;
  /** A extension: aq = bit 26, rl = bit 25. */
  aqrl?: boolean;
  /** fence: pred = bits 27:24, succ = bits 23:20. */
  fence?: boolean;
  syntax: Syntax;
  /**
   * The RVC forms GNU as tries for this base instruction, in riscv-opc.c order: the first whose
   * operand constraints the operands meet is emitted (attached below, see COMPRESSED).
   */
  compressed?: readonly CompressForm[];
  /** A conditional branch: the one on the inverse condition, for relaxation (see INVERSE). */
  inverse?: string;
}

/** One compressed form of a base instruction. */
export interface CompressForm {
  /** The RVC entry's name. */
  c: string;
  /**
   * How the base operands become the RVC entry's. Default: unchanged. 'commuted': rs1 and rs2
   * swapped (riscv-opc.c lists both orders of a commutative op). 'mv': `addi rd, rs1, 0` with
   * rs1 != x0 read as `c.mv rd, rs1`, whose expansion `add rd, x0, rs1` computes the same.
   */
  operands?: 'commuted' | 'mv';
}

// ---------------------------------------------------------------------------------------------
// Immediate layouts (RISC-V Unprivileged ISA, ch. 2.3 "Immediate Encoding Variants" and
// ch. 16.2-16.8 for RVC).

const range = (hi: number, lo: number): number[] => {
  const r: number[] = [];
  for (let i = hi; i >= lo; i--) r.push(i);
  return r;
};

const I_IMM: ImmField = { signed: true, pieces: [{ at: 20, bits: range(11, 0) }] };
const S_IMM: ImmField = { signed: true, pieces: [{ at: 25, bits: range(11, 5) }, { at: 7, bits: range(4, 0) }] };
const B_IMM: ImmField = {
  signed: true,
  pieces: [{ at: 31, bits: [12] }, { at: 25, bits: range(10, 5) }, { at: 8, bits: range(4, 1) }, { at: 7, bits: [11] }],
};
const U_IMM: ImmField = { signed: true, pieces: [{ at: 12, bits: range(31, 12) }] };
const J_IMM: ImmField = {
  signed: true,
  pieces: [{ at: 31, bits: [20] }, { at: 21, bits: range(10, 1) }, { at: 20, bits: [11] }, { at: 12, bits: range(19, 12) }],
};
const SHAMT6: ImmField = { signed: false, pieces: [{ at: 20, bits: range(5, 0) }] };
const SHAMT5: ImmField = { signed: false, pieces: [{ at: 20, bits: range(4, 0) }] };
const ZIMM: ImmField = { signed: false, pieces: [{ at: 15, bits: range(4, 0) }] };

// RVC
const C_ADDI4SPN: ImmField = { signed: false, pieces: [{ at: 5, bits: [5, 4, 9, 8, 7, 6, 2, 3] }] };
const C_LW: ImmField = { signed: false, pieces: [{ at: 10, bits: [5, 4, 3] }, { at: 5, bits: [2, 6] }] };
const C_LD: ImmField = { signed: false, pieces: [{ at: 10, bits: [5, 4, 3] }, { at: 5, bits: [7, 6] }] };
const C_IMM6: ImmField = { signed: true, pieces: [{ at: 12, bits: [5] }, { at: 2, bits: range(4, 0) }] };
const C_LUI: ImmField = { signed: true, pieces: [{ at: 12, bits: [17] }, { at: 2, bits: range(16, 12) }] };
const C_ADDI16SP: ImmField = { signed: true, pieces: [{ at: 12, bits: [9] }, { at: 2, bits: [4, 6, 8, 7, 5] }] };
const C_SHAMT: ImmField = { signed: false, pieces: [{ at: 12, bits: [5] }, { at: 2, bits: range(4, 0) }] };
const C_J: ImmField = { signed: true, pieces: [{ at: 2, bits: [11, 4, 9, 8, 10, 6, 7, 3, 2, 1, 5] }] };
const C_B: ImmField = { signed: true, pieces: [{ at: 10, bits: [8, 4, 3] }, { at: 2, bits: [7, 6, 2, 1, 5] }] };
const C_LWSP: ImmField = { signed: false, pieces: [{ at: 12, bits: [5] }, { at: 2, bits: [4, 3, 2, 7, 6] }] };
const C_LDSP: ImmField = { signed: false, pieces: [{ at: 12, bits: [5] }, { at: 2, bits: [4, 3, 8, 7, 6] }] };
const C_SWSP: ImmField = { signed: false, pieces: [{ at: 7, bits: [5, 4, 3, 2, 7, 6] }] };
const C_SDSP: ImmField = { signed: false, pieces: [{ at: 7, bits: [5, 4, 3, 8, 7, 6] }] };

// Register fields
const RD: RegField = { at: 7 };
const RS1: RegField = { at: 15 };
const RS2: RegField = { at: 20 };
const CRD: RegField = { at: 7 }; // rd/rs1 of CR/CI formats (bits 11:7)
const CRS2: RegField = { at: 2 }; // rs2 of CR/CSS (bits 6:2)
const CRDP: RegField = { at: 2, prime: true }; // rd' / rs2' (bits 4:2)
const CRS1P: RegField = { at: 7, prime: true }; // rs1' / rd' (bits 9:7)
const SP = 2;
const RA = 1;

// Field masks used by exclusions
const C_RD_MASK = 0x0f80; // bits 11:7
const C_RS2_MASK = 0x007c; // bits 6:2
const C_IMM6_MASK = 0x107c; // bits 12, 6:2

// ---------------------------------------------------------------------------------------------

type Base = Omit<InsnSpec, 'exclude' | 'size' | 'control'> & { exclude?: InsnSpec['exclude']; control?: boolean };

const entries: InsnSpec[] = [];
function add(e: Base): void {
  entries.push({
    exclude: [],
    control: e.kind === 'branch' || e.kind === 'jump' || e.kind === 'system',
    size: insnSize(e.match),
    ...e,
  });
}

// RV64I (ch. 2 and 4)
add({ name: 'lui', op: 'lui', ext: 'I', kind: 'alu', match: 0x37, mask: 0x7f, rd: RD, imm: U_IMM, syntax: 'rd,uimm20' });
add({ name: 'auipc', op: 'auipc', ext: 'I', kind: 'alu', match: 0x17, mask: 0x7f, rd: RD, imm: U_IMM, syntax: 'rd,uimm20' });
add({ name: 'jal', op: 'jal', ext: 'I', kind: 'jump', match: 0x6f, mask: 0x7f, rd: RD, imm: J_IMM, syntax: 'rd,target' });
add({ name: 'jalr', op: 'jalr', ext: 'I', kind: 'jump', match: 0x67, mask: 0x707f, rd: RD, rs1: RS1, imm: I_IMM, syntax: 'rd,imm(rs1)' });
for (const [name, f3] of [['beq', 0], ['bne', 1], ['blt', 4], ['bge', 5], ['bltu', 6], ['bgeu', 7]] as const) {
  add({ name, op: name, ext: 'I', kind: 'branch', match: 0x63 | (f3 << 12), mask: 0x707f, rs1: RS1, rs2: RS2, imm: B_IMM, syntax: 'rs1,rs2,target' });
}
for (const [name, f3] of [['lb', 0], ['lh', 1], ['lw', 2], ['ld', 3], ['lbu', 4], ['lhu', 5], ['lwu', 6]] as const) {
  add({ name, op: name, ext: 'I', kind: 'load', match: 0x03 | (f3 << 12), mask: 0x707f, rd: RD, rs1: RS1, imm: I_IMM, syntax: 'rd,imm(rs1)' });
}
for (const [name, f3] of [['sb', 0], ['sh', 1], ['sw', 2], ['sd', 3]] as const) {
  add({ name, op: name, ext: 'I', kind: 'store', match: 0x23 | (f3 << 12), mask: 0x707f, rs1: RS1, rs2: RS2, imm: S_IMM, syntax: 'rs2,imm(rs1)' });
}
for (const [name, f3] of [['addi', 0], ['slti', 2], ['sltiu', 3], ['xori', 4], ['ori', 6], ['andi', 7]] as const) {
  add({ name, op: name, ext: 'I', kind: 'alu', match: 0x13 | (f3 << 12), mask: 0x707f, rd: RD, rs1: RS1, imm: I_IMM, syntax: 'rd,rs1,imm' });
}
for (const [name, f3, f6] of [['slli', 1, 0], ['srli', 5, 0], ['srai', 5, 0x10]] as const) {
  add({ name, op: name, ext: 'I', kind: 'alu', match: 0x13 | (f3 << 12) | (f6 << 26), mask: 0xfc00707f, rd: RD, rs1: RS1, imm: SHAMT6, syntax: 'rd,rs1,shamt' });
}
for (const [name, f3, f7] of [
  ['add', 0, 0], ['sub', 0, 0x20], ['sll', 1, 0], ['slt', 2, 0], ['sltu', 3, 0],
  ['xor', 4, 0], ['srl', 5, 0], ['sra', 5, 0x20], ['or', 6, 0], ['and', 7, 0],
] as const) {
  add({ name, op: name, ext: 'I', kind: 'alu', match: 0x33 | (f3 << 12) | (f7 << 25), mask: 0xfe00707f, rd: RD, rs1: RS1, rs2: RS2, syntax: 'rd,rs1,rs2' });
}
add({ name: 'addiw', op: 'addiw', ext: 'I', kind: 'alu', match: 0x1b, mask: 0x707f, rd: RD, rs1: RS1, imm: I_IMM, syntax: 'rd,rs1,imm' });
for (const [name, f3, f7] of [['slliw', 1, 0], ['srliw', 5, 0], ['sraiw', 5, 0x20]] as const) {
  add({ name, op: name, ext: 'I', kind: 'alu', match: 0x1b | (f3 << 12) | (f7 << 25), mask: 0xfe00707f, rd: RD, rs1: RS1, imm: SHAMT5, syntax: 'rd,rs1,shamt' });
}
for (const [name, f3, f7] of [['addw', 0, 0], ['subw', 0, 0x20], ['sllw', 1, 0], ['srlw', 5, 0], ['sraw', 5, 0x20]] as const) {
  add({ name, op: name, ext: 'I', kind: 'alu', match: 0x3b | (f3 << 12) | (f7 << 25), mask: 0xfe00707f, rd: RD, rs1: RS1, rs2: RS2, syntax: 'rd,rs1,rs2' });
}
// FENCE.TSO is fm=1000, pred=succ=RW (ch. 2.7); other fm values are reserved and execute as a
// plain fence, so `fence` keeps them. PAUSE (fence w,0) is a fence HINT; objdump prints it as a
// fence unless Zihintpause is enabled, so it is no entry of its own (asm/pseudo.ts knows the mnemonic).
add({ name: 'fence', op: 'fence', ext: 'I', kind: 'fence', match: 0x0f, mask: 0x707f, fence: true, syntax: 'pred,succ', exclude: [{ match: 0x8330000f, mask: 0xfff0707f, why: 'that is fence.tso' }] });
add({ name: 'fence.tso', op: 'fence', ext: 'I', kind: 'fence', match: 0x8330000f, mask: 0xfff0707f, fence: true, syntax: '' });
add({ name: 'ecall', op: 'ecall', ext: 'I', kind: 'system', match: 0x00000073, mask: 0xffffffff, syntax: '' });
add({ name: 'ebreak', op: 'ebreak', ext: 'I', kind: 'system', match: 0x00100073, mask: 0xffffffff, syntax: '' });

// M (ch. 13)
for (const [name, f3] of [['mul', 0], ['mulh', 1], ['mulhsu', 2], ['mulhu', 3], ['div', 4], ['divu', 5], ['rem', 6], ['remu', 7]] as const) {
  add({ name, op: name, ext: 'M', kind: 'alu', match: 0x33 | (f3 << 12) | (1 << 25), mask: 0xfe00707f, rd: RD, rs1: RS1, rs2: RS2, syntax: 'rd,rs1,rs2' });
}
for (const [name, f3] of [['mulw', 0], ['divw', 4], ['divuw', 5], ['remw', 6], ['remuw', 7]] as const) {
  add({ name, op: name, ext: 'M', kind: 'alu', match: 0x3b | (f3 << 12) | (1 << 25), mask: 0xfe00707f, rd: RD, rs1: RS1, rs2: RS2, syntax: 'rd,rs1,rs2' });
}

// A (ch. 14): aq/rl are free bits of every entry.
for (const [suffix, f3] of [['w', 2], ['d', 3]] as const) {
  add({ name: `lr.${suffix}`, op: `lr.${suffix}`, ext: 'A', kind: 'amo', match: 0x2f | (f3 << 12) | (0x02 << 27), mask: 0xf9f0707f, rd: RD, rs1: RS1, aqrl: true, syntax: 'rd,(rs1)' });
  for (const [base, f5] of [
    ['sc', 0x03], ['amoswap', 0x01], ['amoadd', 0x00], ['amoxor', 0x04], ['amoand', 0x0c], ['amoor', 0x08],
    ['amomin', 0x10], ['amomax', 0x14], ['amominu', 0x18], ['amomaxu', 0x1c],
  ] as const) {
    const name = `${base}.${suffix}`;
    add({ name, op: name, ext: 'A', kind: 'amo', match: 0x2f | (f3 << 12) | (f5 << 27), mask: 0xf800707f, rd: RD, rs1: RS1, rs2: RS2, aqrl: true, syntax: 'rd,rs2,(rs1)' });
  }
}

// Zicsr (ch. 7), Zifencei (ch. 6)
for (const [name, f3] of [['csrrw', 1], ['csrrs', 2], ['csrrc', 3]] as const) {
  add({ name, op: name, ext: 'Zicsr', kind: 'csr', match: 0x73 | (f3 << 12), mask: 0x707f, rd: RD, rs1: RS1, csr: true, syntax: 'rd,csr,rs1' });
}
for (const [name, f3] of [['csrrwi', 5], ['csrrsi', 6], ['csrrci', 7]] as const) {
  add({ name, op: name, ext: 'Zicsr', kind: 'csr', match: 0x73 | (f3 << 12), mask: 0x707f, rd: RD, imm: ZIMM, csr: true, syntax: 'rd,csr,zimm' });
}
add({ name: 'fence.i', op: 'fence.i', ext: 'Zifencei', kind: 'fence', match: 0x100f, mask: 0x707f, syntax: '' });

// C (ch. 16, RV64C). Quadrant 0.
add({ name: 'c.addi4spn', op: 'addi', ext: 'C', kind: 'alu', match: 0x0000, mask: 0xe003, rd: CRDP, rs1: SP, imm: C_ADDI4SPN, syntax: 'rd,sp,imm',
  exclude: [{ match: 0x0000, mask: 0xffe3, why: 'nzuimm=0 is reserved' }] }); // includes the all-zero parcel
add({ name: 'c.lw', op: 'lw', ext: 'C', kind: 'load', match: 0x4000, mask: 0xe003, rd: CRDP, rs1: CRS1P, imm: C_LW, syntax: 'rd,imm(rs1)' });
add({ name: 'c.ld', op: 'ld', ext: 'C', kind: 'load', match: 0x6000, mask: 0xe003, rd: CRDP, rs1: CRS1P, imm: C_LD, syntax: 'rd,imm(rs1)' });
add({ name: 'c.sw', op: 'sw', ext: 'C', kind: 'store', match: 0xc000, mask: 0xe003, rs2: CRDP, rs1: CRS1P, imm: C_LW, syntax: 'rs2,imm(rs1)' });
add({ name: 'c.sd', op: 'sd', ext: 'C', kind: 'store', match: 0xe000, mask: 0xe003, rs2: CRDP, rs1: CRS1P, imm: C_LD, syntax: 'rs2,imm(rs1)' });
// Quadrant 1.
add({ name: 'c.addi', op: 'addi', ext: 'C', kind: 'alu', match: 0x0001, mask: 0xe003, rd: CRD, rs1: 'rd', imm: C_IMM6, syntax: 'rd,imm' }); // c.nop and HINTs included
add({ name: 'c.addiw', op: 'addiw', ext: 'C', kind: 'alu', match: 0x2001, mask: 0xe003, rd: CRD, rs1: 'rd', imm: C_IMM6, syntax: 'rd,imm',
  exclude: [{ match: 0x2001, mask: 0xe003 | C_RD_MASK, why: 'rd=x0 is reserved' }] });
add({ name: 'c.li', op: 'addi', ext: 'C', kind: 'alu', match: 0x4001, mask: 0xe003, rd: CRD, rs1: 0, imm: C_IMM6, syntax: 'rd,imm' });
add({ name: 'c.addi16sp', op: 'addi', ext: 'C', kind: 'alu', match: 0x6101, mask: 0xef83, rd: SP, rs1: SP, imm: C_ADDI16SP, syntax: 'sp,imm',
  exclude: [{ match: 0x6101, mask: 0xe003 | C_RD_MASK | C_IMM6_MASK, why: 'nzimm=0 is reserved' }] });
add({ name: 'c.lui', op: 'lui', ext: 'C', kind: 'alu', match: 0x6001, mask: 0xe003, rd: CRD, imm: C_LUI, syntax: 'rd,cuimm',
  exclude: [{ match: 0x6001, mask: 0xe003 | C_IMM6_MASK, why: 'nzimm=0 is reserved' }, { match: 0x6101, mask: 0xe003 | C_RD_MASK, why: 'rd=sp is c.addi16sp' }] });
add({ name: 'c.srli', op: 'srli', ext: 'C', kind: 'alu', match: 0x8001, mask: 0xec03, rd: CRS1P, rs1: 'rd', imm: C_SHAMT, syntax: 'rd,cshamt', exclude: [{ match: 0x8001, mask: 0xec03 | C_IMM6_MASK, why: 'shamt=0 is c.srli64' }] });
add({ name: 'c.srli64', op: 'srli', ext: 'C', kind: 'alu', match: 0x8001, mask: 0xfc7f, rd: CRS1P, rs1: 'rd', syntax: 'rd' });
add({ name: 'c.srai', op: 'srai', ext: 'C', kind: 'alu', match: 0x8401, mask: 0xec03, rd: CRS1P, rs1: 'rd', imm: C_SHAMT, syntax: 'rd,cshamt', exclude: [{ match: 0x8401, mask: 0xec03 | C_IMM6_MASK, why: 'shamt=0 is c.srai64' }] });
add({ name: 'c.srai64', op: 'srai', ext: 'C', kind: 'alu', match: 0x8401, mask: 0xfc7f, rd: CRS1P, rs1: 'rd', syntax: 'rd' });
add({ name: 'c.andi', op: 'andi', ext: 'C', kind: 'alu', match: 0x8801, mask: 0xec03, rd: CRS1P, rs1: 'rd', imm: C_IMM6, syntax: 'rd,imm' });
for (const [name, op, b12, f2] of [
  ['c.sub', 'sub', 0, 0], ['c.xor', 'xor', 0, 1], ['c.or', 'or', 0, 2], ['c.and', 'and', 0, 3],
  ['c.subw', 'subw', 1, 0], ['c.addw', 'addw', 1, 1], // b12=1, f2=2,3: reserved
] as const) {
  add({ name, op, ext: 'C', kind: 'alu', match: 0x8c01 | (b12 << 12) | (f2 << 5), mask: 0xfc63, rd: CRS1P, rs1: 'rd', rs2: CRDP, syntax: 'rd,rs2' });
}
add({ name: 'c.j', op: 'jal', ext: 'C', kind: 'jump', match: 0xa001, mask: 0xe003, rd: 0, imm: C_J, syntax: 'target' });
add({ name: 'c.beqz', op: 'beq', ext: 'C', kind: 'branch', match: 0xc001, mask: 0xe003, rs1: CRS1P, rs2: 0, imm: C_B, syntax: 'rs1,target' });
add({ name: 'c.bnez', op: 'bne', ext: 'C', kind: 'branch', match: 0xe001, mask: 0xe003, rs1: CRS1P, rs2: 0, imm: C_B, syntax: 'rs1,target' });
// Quadrant 2.
add({ name: 'c.slli', op: 'slli', ext: 'C', kind: 'alu', match: 0x0002, mask: 0xe003, rd: CRD, rs1: 'rd', imm: C_SHAMT, syntax: 'rd,cshamt', exclude: [{ match: 0x0002, mask: 0xe003 | C_IMM6_MASK, why: 'shamt=0 is c.slli64' }] });
add({ name: 'c.slli64', op: 'slli', ext: 'C', kind: 'alu', match: 0x0002, mask: 0xf07f, rd: CRD, rs1: 'rd', syntax: 'rd' });
add({ name: 'c.lwsp', op: 'lw', ext: 'C', kind: 'load', match: 0x4002, mask: 0xe003, rd: CRD, rs1: SP, imm: C_LWSP, syntax: 'rd,imm(rs1)',
  exclude: [{ match: 0x4002, mask: 0xe003 | C_RD_MASK, why: 'rd=x0 is reserved' }] });
add({ name: 'c.ldsp', op: 'ld', ext: 'C', kind: 'load', match: 0x6002, mask: 0xe003, rd: CRD, rs1: SP, imm: C_LDSP, syntax: 'rd,imm(rs1)',
  exclude: [{ match: 0x6002, mask: 0xe003 | C_RD_MASK, why: 'rd=x0 is reserved' }] });
add({ name: 'c.jr', op: 'jalr', ext: 'C', kind: 'jump', match: 0x8002, mask: 0xf07f, rd: 0, rs1: CRD, syntax: 'rs1',
  exclude: [{ match: 0x8002, mask: 0xffff, why: 'rs1=x0 is reserved' }] });
add({ name: 'c.mv', op: 'add', ext: 'C', kind: 'alu', match: 0x8002, mask: 0xf003, rd: CRD, rs1: 0, rs2: CRS2, syntax: 'rd,rs2',
  exclude: [{ match: 0x8002, mask: 0xf003 | C_RS2_MASK, why: 'rs2=x0 is c.jr' }] });
add({ name: 'c.ebreak', op: 'ebreak', ext: 'C', kind: 'system', match: 0x9002, mask: 0xffff, syntax: '' });
add({ name: 'c.jalr', op: 'jalr', ext: 'C', kind: 'jump', match: 0x9002, mask: 0xf07f, rd: RA, rs1: CRD, syntax: 'rs1',
  exclude: [{ match: 0x9002, mask: 0xffff, why: 'rs1=x0 is c.ebreak' }] });
add({ name: 'c.add', op: 'add', ext: 'C', kind: 'alu', match: 0x9002, mask: 0xf003, rd: CRD, rs1: 'rd', rs2: CRS2, syntax: 'rd,rs2',
  exclude: [{ match: 0x9002, mask: 0xf003 | C_RS2_MASK, why: 'rs2=x0 is c.jalr/c.ebreak' }] });
add({ name: 'c.swsp', op: 'sw', ext: 'C', kind: 'store', match: 0xc002, mask: 0xe003, rs2: CRS2, rs1: SP, imm: C_SWSP, syntax: 'rs2,imm(rs1)' });
add({ name: 'c.sdsp', op: 'sd', ext: 'C', kind: 'store', match: 0xe002, mask: 0xe003, rs2: CRS2, rs1: SP, imm: C_SDSP, syntax: 'rs2,imm(rs1)' });

// ---------------------------------------------------------------------------------------------
// Compression and relaxation (GNU as 2.40: opcodes/riscv-opc.c, gas/config/tc-riscv.c).

/**
 * The RVC forms gas tries per base mnemonic, in riscv-opc.c order (the order matters:
 * `addi sp, sp, 16` fits c.addi and c.addi16sp, and gas picks c.addi). `beq`/`bne` name the
 * form branch relaxation starts from; `jal` has none on RV64 (c.jal is RV32-only; `j` offers
 * c.j through its alias entry). Aliases narrow these lists with AliasSpec.rvc.
 */
const COMPRESSED: Record<string, readonly CompressForm[]> = {
  addi: [{ c: 'c.addi4spn' }, { c: 'c.mv', operands: 'mv' }, { c: 'c.addi' }, { c: 'c.addi16sp' }, { c: 'c.li' }],
  addiw: [{ c: 'c.addiw' }],
  lui: [{ c: 'c.lui' }],
  add: [{ c: 'c.add' }, { c: 'c.add', operands: 'commuted' }, { c: 'c.mv' }],
  sub: [{ c: 'c.sub' }],
  xor: [{ c: 'c.xor' }, { c: 'c.xor', operands: 'commuted' }],
  or: [{ c: 'c.or' }, { c: 'c.or', operands: 'commuted' }],
  and: [{ c: 'c.and' }, { c: 'c.and', operands: 'commuted' }],
  subw: [{ c: 'c.subw' }],
  addw: [{ c: 'c.addw' }, { c: 'c.addw', operands: 'commuted' }],
  andi: [{ c: 'c.andi' }],
  slli: [{ c: 'c.slli' }],
  srli: [{ c: 'c.srli' }],
  srai: [{ c: 'c.srai' }],
  lw: [{ c: 'c.lwsp' }, { c: 'c.lw' }],
  ld: [{ c: 'c.ldsp' }, { c: 'c.ld' }],
  sw: [{ c: 'c.swsp' }, { c: 'c.sw' }],
  sd: [{ c: 'c.sdsp' }, { c: 'c.sd' }],
  ebreak: [{ c: 'c.ebreak' }],
  beq: [{ c: 'c.beqz' }],
  bne: [{ c: 'c.bnez' }],
};

/**
 * Relaxation partners: a conditional branch whose target is out of range becomes the inverse
 * branch over a `jal x0, target` (tc-riscv.c RELAX_BRANCH, md_convert_frag_branch).
 */
const INVERSE: Record<string, string> = { beq: 'bne', bne: 'beq', blt: 'bge', bge: 'blt', bltu: 'bgeu', bgeu: 'bltu' };

for (const e of entries) {
  if (COMPRESSED[e.name]) e.compressed = COMPRESSED[e.name];
  if (INVERSE[e.name]) e.inverse = INVERSE[e.name];
}

/** Every instruction of RV64IMAC + Zicsr + Zifencei, as data. */
export const TABLE: readonly InsnSpec[] = entries;

/** Whether `bits` encodes `spec` (match/mask and no exclusion). */
export function matches(spec: InsnSpec, bits: number): boolean {
  if (((bits & spec.mask) >>> 0) !== spec.match >>> 0) return false;
  for (const x of spec.exclude) if (((bits & x.mask) >>> 0) === x.match >>> 0) return false;
  return true;
}

/** Extracts an immediate field from an encoding. */
export function extractImm(f: ImmField, bits: number): number {
  let v = 0;
  let top = 0;
  for (const p of f.pieces) {
    const n = p.bits.length;
    for (let i = 0; i < n; i++) {
      const b = p.bits[i];
      if (b > top) top = b;
      if ((bits >>> (p.at + n - 1 - i)) & 1) v += 2 ** b;
    }
  }
  if (f.signed && v >= 2 ** top) v -= 2 ** (top + 1);
  return v;
}

/** Places an immediate into the encoding's fields (bits outside the fields are not checked here). */
export function insertImm(f: ImmField, value: number): number {
  let bits = 0;
  const u = value < 0 ? value + 2 ** 32 : value; // all immediates fit 32 bits
  for (const p of f.pieces) {
    const n = p.bits.length;
    for (let i = 0; i < n; i++) {
      if (Math.floor(u / 2 ** p.bits[i]) & 1) bits |= 1 << (p.at + n - 1 - i);
    }
  }
  return bits >>> 0;
}

/** The representable immediates of a field: [min, max] and the required alignment (low zero bits). */
const rangeCache = new WeakMap<ImmField, { min: number; max: number; align: number }>();

export function immRange(f: ImmField): { min: number; max: number; align: number } {
  let r = rangeCache.get(f);
  if (!r) rangeCache.set(f, (r = computeRange(f)));
  return r;
}

function computeRange(f: ImmField): { min: number; max: number; align: number } {
  const all = f.pieces.flatMap((p) => p.bits);
  const top = Math.max(...all);
  const low = Math.min(...all);
  // Fields with holes (none in this ISA) would need more than a range; every layout here is contiguous.
  if (f.signed) return { min: -(2 ** top), max: 2 ** top - 2 ** low, align: 2 ** low };
  return { min: 0, max: 2 ** (top + 1) - 2 ** low, align: 2 ** low };
}

/** Reads a register operand of an encoding; `rd` is the already-read destination for 'rd' fields. */
export function extractReg(f: RegField | undefined, bits: number, rd: number): number {
  if (f === undefined) return 0;
  if (typeof f === 'number') return f;
  if (f === 'rd') return rd;
  return f.prime ? ((bits >>> f.at) & 7) + 8 : (bits >>> f.at) & 31;
}

/** Places a register into its field; returns undefined if an RVC 3-bit field cannot name it. */
export function insertReg(f: RegField, reg: number): number | undefined {
  if (typeof f === 'number' || f === 'rd') return 0;
  if (f.prime) return reg >= 8 && reg <= 15 ? (reg - 8) << f.at : undefined;
  return (reg & 31) << f.at;
}

// ---------------------------------------------------------------------------------------------
// Aliases: other names for a 32-bit entry with some fields fixed (GNU as / objdump's riscv-opc.c
// INSN_ALIAS entries). The disassembler prints the first alias, in this order, whose fixed
// fields match (objdump's default); the assembler reads every alias (plus the assembler-only
// ones), choosing among same-named aliases by operand shape. Pseudo-instructions that expand to
// several instructions (li with large values, la, call, tail) are macros in asm/pseudo.ts, not aliases.

/** An operand of an alias or entry, in source order. */
export type OperandKind =
  | 'rd' | 'rs1' | 'rs2'
  | 'imm' // decimal immediate
  | 'shamt' // shift amount, printed in hex
  | 'zimm' // csr*i's 5-bit immediate
  | 'uimm20' // lui/auipc's 20-bit field, printed in hex
  | 'target' // pc-relative target, printed as an absolute address
  | 'mem' // imm(rs1)
  | '(rs1)'
  | 'csr'
  | 'pred' | 'succ';

export type AliasField = 'rd' | 'rs1' | 'rs2' | 'imm' | 'csr' | 'pred' | 'succ';

export interface AliasSpec {
  name: string;
  /** The table entry it stands for. */
  of: string;
  /** Fields the alias fixes. */
  fixed: Partial<Record<AliasField, number>>;
  operands: OperandKind[];
  /** objdump prints it by default (false: the assembler reads it, objdump never prints it). */
  objdump: boolean;
  /**
   * Compressed forms GNU as may choose for it (riscv-opc.c lists them per mnemonic); undefined:
   * those of the entry itself.
   */
  rvc?: readonly string[];
  /** gas's compressed entry for it also takes the imm=0 HINT (`add a0,a0,0` is c.addi a0,0). */
  rvcHint?: boolean;
}

const alias = (name: string, of: string, fixed: AliasSpec['fixed'], operands: OperandKind[], more: Partial<AliasSpec> = {}): AliasSpec =>
  ({ name, of, fixed, operands, objdump: true, ...more });
const asmOnly = { objdump: false };

export const ALIASES: readonly AliasSpec[] = [
  alias('nop', 'addi', { rd: 0, rs1: 0, imm: 0 }, [], { rvc: ['c.addi'] }),
  alias('li', 'addi', { rs1: 0 }, ['rd', 'imm'], { rvc: ['c.li'] }),
  alias('mv', 'addi', { imm: 0 }, ['rd', 'rs1'], { rvc: ['c.mv'] }),
  // binutils 2.40 prints (and gas reads) the immediate forms under the register-form name
  alias('add', 'addi', {}, ['rd', 'rs1', 'imm'], { rvc: ['c.addi', 'c.addi16sp', 'c.addi4spn'], rvcHint: true }),
  alias('slt', 'slti', {}, ['rd', 'rs1', 'imm'], asmOnly),
  alias('seqz', 'sltiu', { imm: 1 }, ['rd', 'rs1'], { rvc: [] }),
  alias('sltu', 'sltiu', {}, ['rd', 'rs1', 'imm'], asmOnly),
  alias('not', 'xori', { imm: -1 }, ['rd', 'rs1'], { rvc: [] }),
  alias('xor', 'xori', {}, ['rd', 'rs1', 'imm']),
  alias('or', 'ori', {}, ['rd', 'rs1', 'imm']),
  alias('zext.b', 'andi', { imm: 255 }, ['rd', 'rs1'], { rvc: [] }),
  alias('and', 'andi', {}, ['rd', 'rs1', 'imm']),
  alias('sll', 'slli', {}, ['rd', 'rs1', 'shamt']),
  alias('srl', 'srli', {}, ['rd', 'rs1', 'shamt']),
  alias('sra', 'srai', {}, ['rd', 'rs1', 'shamt']),
  alias('sext.w', 'addiw', { imm: 0 }, ['rd', 'rs1'], { rvc: ['c.addiw'] }),
  alias('addw', 'addiw', {}, ['rd', 'rs1', 'imm']),
  alias('sllw', 'slliw', {}, ['rd', 'rs1', 'shamt']),
  alias('srlw', 'srliw', {}, ['rd', 'rs1', 'shamt']),
  alias('sraw', 'sraiw', {}, ['rd', 'rs1', 'shamt']),
  alias('neg', 'sub', { rs1: 0 }, ['rd', 'rs2'], { rvc: [] }),
  alias('negw', 'subw', { rs1: 0 }, ['rd', 'rs2'], { rvc: [] }),
  alias('sltz', 'slt', { rs2: 0 }, ['rd', 'rs1'], { rvc: [] }),
  alias('sgtz', 'slt', { rs1: 0 }, ['rd', 'rs2'], { rvc: [] }),
  alias('snez', 'sltu', { rs1: 0 }, ['rd', 'rs2'], { rvc: [] }),
  alias('beqz', 'beq', { rs2: 0 }, ['rs1', 'target'], { rvc: ['c.beqz'] }),
  alias('bnez', 'bne', { rs2: 0 }, ['rs1', 'target'], { rvc: ['c.bnez'] }),
  alias('bltz', 'blt', { rs2: 0 }, ['rs1', 'target'], { rvc: [] }),
  alias('bgtz', 'blt', { rs1: 0 }, ['rs2', 'target'], { rvc: [] }),
  alias('blez', 'bge', { rs1: 0 }, ['rs2', 'target'], { rvc: [] }),
  alias('bgez', 'bge', { rs2: 0 }, ['rs1', 'target'], { rvc: [] }),
  alias('bgt', 'blt', {}, ['rs2', 'rs1', 'target'], { ...asmOnly, rvc: [] }),
  alias('ble', 'bge', {}, ['rs2', 'rs1', 'target'], { ...asmOnly, rvc: [] }),
  alias('bgtu', 'bltu', {}, ['rs2', 'rs1', 'target'], { ...asmOnly, rvc: [] }),
  alias('bleu', 'bgeu', {}, ['rs2', 'rs1', 'target'], { ...asmOnly, rvc: [] }),
  alias('j', 'jal', { rd: 0 }, ['target'], { rvc: ['c.j'] }),
  alias('jal', 'jal', { rd: 1 }, ['target'], { rvc: [] }),
  alias('ret', 'jalr', { rd: 0, rs1: 1, imm: 0 }, [], { rvc: ['c.jr'] }),
  alias('jr', 'jalr', { rd: 0, imm: 0 }, ['rs1'], { rvc: ['c.jr'] }),
  alias('jr', 'jalr', { rd: 0 }, ['mem'], { rvc: [] }),
  alias('jalr', 'jalr', { rd: 1, imm: 0 }, ['rs1'], { rvc: ['c.jalr'] }),
  alias('jalr', 'jalr', { rd: 1 }, ['mem'], { rvc: [] }),
  alias('jalr', 'jalr', {}, ['rd', 'rs1', 'imm'], { ...asmOnly, rvc: [] }),
  alias('jalr', 'jalr', { imm: 0 }, ['rd', 'rs1'], { ...asmOnly, rvc: [] }),
  alias('fence', 'fence', { pred: 15, succ: 15 }, []),
  alias('unimp', 'csrrw', { rd: 0, rs1: 0, csr: 0xc00 }, []),
  alias('rdcycle', 'csrrs', { rs1: 0, csr: 0xc00 }, ['rd']),
  alias('rdtime', 'csrrs', { rs1: 0, csr: 0xc01 }, ['rd']),
  alias('rdinstret', 'csrrs', { rs1: 0, csr: 0xc02 }, ['rd']),
  alias('csrr', 'csrrs', { rs1: 0 }, ['rd', 'csr']),
  alias('csrw', 'csrrw', { rd: 0 }, ['csr', 'rs1']),
  alias('csrs', 'csrrs', { rd: 0 }, ['csr', 'rs1']),
  alias('csrc', 'csrrc', { rd: 0 }, ['csr', 'rs1']),
  alias('csrw', 'csrrwi', { rd: 0 }, ['csr', 'zimm']),
  alias('csrs', 'csrrsi', { rd: 0 }, ['csr', 'zimm']),
  alias('csrc', 'csrrci', { rd: 0 }, ['csr', 'zimm']),
  alias('csrwi', 'csrrwi', { rd: 0 }, ['csr', 'zimm'], asmOnly),
  alias('csrsi', 'csrrsi', { rd: 0 }, ['csr', 'zimm'], asmOnly),
  alias('csrci', 'csrrci', { rd: 0 }, ['csr', 'zimm'], asmOnly),
  alias('csrrw', 'csrrwi', {}, ['rd', 'csr', 'zimm']),
  alias('csrrs', 'csrrsi', {}, ['rd', 'csr', 'zimm']),
  alias('csrrc', 'csrrci', {}, ['rd', 'csr', 'zimm']),
];

/** Operands of an entry's own (no-aliases) syntax. */
export function syntaxOperands(syntax: Syntax): OperandKind[] {
  switch (syntax) {
    case 'rd,rs1,rs2': return ['rd', 'rs1', 'rs2'];
    case 'rd,rs1,imm': return ['rd', 'rs1', 'imm'];
    case 'rd,rs1,shamt': return ['rd', 'rs1', 'shamt'];
    case 'rd,imm(rs1)': return ['rd', 'mem'];
    case 'rs2,imm(rs1)': return ['rs2', 'mem'];
    case 'rs1,rs2,target': return ['rs1', 'rs2', 'target'];
    case 'rd,uimm20': return ['rd', 'uimm20'];
    case 'rd,target': return ['rd', 'target'];
    case 'rd,rs2,(rs1)': return ['rd', 'rs2', '(rs1)'];
    case 'rd,(rs1)': return ['rd', '(rs1)'];
    case 'rd,csr,rs1': return ['rd', 'csr', 'rs1'];
    case 'rd,csr,zimm': return ['rd', 'csr', 'zimm'];
    case 'pred,succ': return ['pred', 'succ'];
    default: return [];
  }
}
