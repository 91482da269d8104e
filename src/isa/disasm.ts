/**
 * Disassembler: GNU objdump -d text (binutils 2.40, default aliases) for RV64IMAC + Zicsr +
 * Zifencei, derived from the instruction table. The no-aliases form of every entry comes from
 * its `syntax`; the alias choice below follows binutils' riscv-opc.c order (the first matching
 * entry wins), including its habit of printing RVC and immediate forms under the register-form
 * name (`c.addi16sp` -> `add sp,sp,-16`, `slli` -> `sll a0,a0,0x3`).
 *
 * disassemble() also reproduces objdump's address comments (`# 10ca8`): riscv-dis.c remembers
 * the value each auipc/lui/c.lui wrote to a register, and the next address-forming use of that
 * register as a base (addi, addiw, jalr, load, store offset) prints the address it forms; gp-
 * relative and x0-relative uses print too. That state lives across instructions, as in objdump.
 *
 * Just over 400 lines: objdump's alias rules and operand printing are one table-driven unit.
 */
import type { Insn } from './types.js';
import { decode } from './decode.js';
import { lookup } from './decode.js';
import { ALIASES, AliasField, AliasSpec, TABLE, InsnSpec, syntaxOperands } from './table.js';
import { ABI_NAMES, insnLength, parcelAt, wordAt } from './regs.js';

const BY_NAME = new Map<string, InsnSpec>(TABLE.map((e) => [e.name, e]));
/** objdump's aliases per entry, in priority order. */
const ALIASES_OF = new Map<string, AliasSpec[]>();
for (const a of ALIASES) if (a.objdump) ALIASES_OF.set(a.of, [...(ALIASES_OF.get(a.of) ?? []), a]);
import { CSR_NAMES } from './csr.js';
import { hexAddr } from './elf.js';

const X = ABI_NAMES;
const RA = 1;
const GP = 3;
const TP = 4;

export interface DisasmOptions {
  /** Renders a code or data address after its hex form, e.g. ` <fib+0x8>`; default: nothing. */
  symbolize?: (address: number) => string;
  /** Value of __global_pointer$, for gp-relative address comments (objdump reads the symbol). */
  gp?: number;
  /** No symbol table at all: objdump then prints addresses as `0x1f0` instead of `1f0 <sym>`. */
  noSymbols?: boolean;
  /** objdump -M no-aliases: every instruction under its table name and syntax. */
  noAliases?: boolean;
}

export interface DisasmLine {
  address: number;
  size: number;
  /** The encoding as one little-endian hex number (what `objdump -d` shows for 2/4-byte units). */
  hex: string;
  /** objdump's display chunk for the encoding column (bytes per group), when not the size itself. */
  chunk?: 1 | 2 | 4;
  /** Mnemonic, then a tab and the operands when there are any, then any `# address` comment. */
  text: string;
  insn?: Insn;
}

/** Per-stream state of objdump's address tracking (riscv-dis.c `struct riscv_private_data`). */
export class AddressTracker {
  hi: (number | undefined)[] = new Array(32).fill(undefined);
  printAddr: number | undefined;
  constructor(readonly gp?: number) {}

  /** riscv-dis.c maybe_print_address(): decide whether this base+offset forms a printable address. */
  use(base: number, offset: number, wide: boolean): void {
    let a: number;
    const h = this.hi[base];
    if (h !== undefined) {
      a = (base !== 0 ? h : 0) + offset;
      this.hi[base] = undefined;
    } else if (base === GP && this.gp !== undefined) a = this.gp + offset;
    else if (base === TP || base === 0) a = offset;
    else return;
    if (wide) a = a | 0; // (int32_t) of the address, as addiw forms it
    this.printAddr = a;
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function fenceSet(bits: number): string {
  if (bits === 0) return 'unknown';
  return (bits & 8 ? 'i' : '') + (bits & 4 ? 'o' : '') + (bits & 2 ? 'r' : '') + (bits & 1 ? 'w' : '');
}

function csrName(csr: number): string {
  return CSR_NAMES.get(csr) ?? hex(csr);
}

/**
 * Bits of an encoding that standard software must zero (fields "reserved for future use" in
 * ISA ch. 2.7 and 6): the ISA tells implementations to ignore them, so decode() accepts them,
 * but objdump recognises only the canonical encodings and prints the rest as `.4byte`.
 */
const RESERVED_ZERO: Readonly<Record<string, number>> = {
  fence: 0xf00f8f80, // fm, rs1, rd
  'fence.tso': 0x000f8f80, // rs1, rd
  'fence.i': 0xffff8f80, // imm, rs1, rd
};

/** Whether objdump disassembles this decoded instruction (canonical encoding). */
function canonical(insn: Insn): boolean {
  const rz = RESERVED_ZERO[insn.name];
  return rz === undefined || ((insn.bits & rz) >>> 0) === 0;
}

interface Rendered {
  mnemonic: string;
  operands: string;
}

/**
 * One instruction as objdump prints it. `target` renders a branch/jump target; `track`, when
 * given, is objdump's address tracker (see AddressTracker), updated as objdump updates it.
 * RVC forms print as binutils' C aliases do: the expansion under its register-form name
 * (`add sp,sp,-16`), except HINTs with rd=x0, which keep their c. name.
 */
function render(i: Insn, pc: number, target: (a: number) => string, track?: AddressTracker, noAliases = false): Rendered {
  const r = (mnemonic: string, operands = ''): Rendered => ({ mnemonic, operands });
  const rd = X[i.rd];
  const rs1 = X[i.rs1];
  const rs2 = X[i.rs2];
  const imm = i.imm;
  const use = (base: number, offset: number, wide = false) => track?.use(base, offset, wide);
  const setHi = (value: number) => {
    if (track) track.hi[i.rd] = value;
  };
  const mem = (reg: string) => `${imm}(${reg})`;

  if (i.size === 4) return render32(i, pc, target, track, noAliases);
  if (noAliases) return renderRvc(i, pc, target, track);
  switch (i.name) {
    // ---- C: objdump prints the expansion's register-form name, except for HINTs with rd=x0.
    case 'c.addi4spn':
      return r('add', `${rd},sp,${imm}`);
    case 'c.lw': case 'c.ld': case 'c.lwsp': case 'c.ldsp':
      return r(i.op, `${rd},${mem(rs1)}`);
    case 'c.sw': case 'c.sd': case 'c.swsp': case 'c.sdsp':
      return r(i.op, `${rs2},${mem(rs1)}`);
    case 'c.addi':
      if (i.rd === 0) return imm === 0 ? r('nop') : r('c.nop', `${imm}`);
      use(i.rd, imm);
      return r('add', `${rd},${rd},${imm}`);
    case 'c.addiw':
      if (imm === 0) return r('sext.w', `${rd},${rd}`);
      use(i.rd, imm, true);
      return r('addw', `${rd},${rd},${imm}`);
    case 'c.li':
      return i.rd === 0 ? r('c.li', `${rd},${imm}`) : r('li', `${rd},${imm}`);
    case 'c.addi16sp':
      return r('add', `sp,sp,${imm}`);
    case 'c.lui':
      setHi(imm);
      return r(i.rd === 0 ? 'c.lui' : 'lui', `${rd},${hex((imm / 4096) & 0xfffff)}`);
    case 'c.srli': case 'c.srai':
      return r(i.op.replace('i', ''), `${rd},${rd},${hex(imm)}`);
    case 'c.slli':
      return i.rd === 0 ? r('c.slli', `${rd},${hex(imm)}`) : r('sll', `${rd},${rd},${hex(imm)}`);
    case 'c.srli64': case 'c.srai64': case 'c.slli64':
      return r(i.name, rd);
    case 'c.andi':
      return r('and', `${rd},${rd},${imm}`);
    case 'c.sub': case 'c.xor': case 'c.or': case 'c.and': case 'c.subw': case 'c.addw':
      return r(i.op, `${rd},${rd},${rs2}`);
    case 'c.j':
      return r('j', target(pc + imm));
    case 'c.beqz': case 'c.bnez':
      return r(i.op + 'z', `${rs1},${target(pc + imm)}`);
    case 'c.jr':
      return i.rs1 === RA ? r('ret') : r('jr', rs1);
    case 'c.jalr':
      return r('jalr', rs1);
    case 'c.mv':
      return i.rd === 0 ? r('c.mv', `${rd},${rs2}`) : r('mv', `${rd},${rs2}`);
    case 'c.add':
      return i.rd === 0 ? r('c.add', `${rd},${rs2}`) : r('add', `${rd},${rd},${rs2}`);
    case 'c.ebreak':
      return r('ebreak');
  }
  throw new Error(`no rendering for ${i.name}`);
}

/**
 * A 32-bit instruction: the first alias of ALIASES whose fixed fields match, else the entry's
 * own syntax. Address tracking follows riscv-dis.c's operand cases: a `mem` operand consults
 * the tracker (twice for jalr, whose 'o' and 's' operands both do), an `imm` operand of addi or
 * addiw with rs1 != x0 does (addiw sign-extending from 32 bits), and a lone rs1 of a jalr does.
 */
function render32(i: Insn, pc: number, target: (a: number) => string, track?: AddressTracker, noAliases = false): Rendered {
  const spec = BY_NAME.get(i.name)!;
  const field = (f: AliasField): number => (f === 'rd' ? i.rd : f === 'rs1' ? i.rs1 : f === 'rs2' ? i.rs2 : f === 'imm' ? i.imm : f === 'csr' ? i.csr : f === 'pred' ? i.pred : i.succ);
  // binutils' `unimp` (csrrw x0, cycle, x0) is an instruction entry, not an alias: -M no-aliases prints it too.
  const candidates = noAliases ? (i.bits === 0xc0001073 ? ALIASES_OF.get('csrrw')!.filter((a) => a.name === 'unimp') : []) : ALIASES_OF.get(i.name) ?? [];
  const al = candidates.find((a) => Object.entries(a.fixed).every(([f, v]) => field(f as AliasField) === v));
  const operands = al ? al.operands : syntaxOperands(spec.syntax);
  let mnemonic = al ? al.name : i.name;
  if (spec.aqrl) mnemonic += i.aq && i.rl ? '.aqrl' : i.aq ? '.aq' : i.rl ? '.rl' : '';
  if (track) {
    if (i.name === 'lui') track.hi[i.rd] = i.imm;
    else if (i.name === 'auipc') track.hi[i.rd] = pc + i.imm;
    for (const o of operands) {
      if (o === 'mem') {
        track.use(i.rs1, i.imm, false);
        if (i.name === 'jalr') track.use(i.rs1, i.imm, false);
      } else if (o === 'imm' && (i.name === 'addi' || i.name === 'addiw') && i.rs1 !== 0) {
        track.use(i.rs1, i.imm, i.name === 'addiw');
      } else if (o === 'rs1' && i.name === 'jalr' && operands.length === 1) {
        track.use(i.rs1, i.imm, false);
      }
    }
  }
  const text = operands.map((o): string => {
    switch (o) {
      case 'rd': return X[i.rd];
      case 'rs1': return X[i.rs1];
      case 'rs2': return X[i.rs2];
      case 'imm': case 'zimm': return `${i.imm}`;
      case 'shamt': return hex(i.imm);
      case 'uimm20': return hex((i.imm / 4096) & 0xfffff);
      case 'target': return target(pc + i.imm);
      case 'mem': return `${i.imm}(${X[i.rs1]})`;
      case '(rs1)': return `(${X[i.rs1]})`;
      case 'csr': return csrName(i.csr);
      case 'pred': return fenceSet(i.pred);
      case 'succ': return fenceSet(i.succ);
    }
  });
  return { mnemonic, operands: text.join(',') };
}

/** objdump's rendering of an encoding it cannot disassemble. */
function dataDirective(bits: number, size: 2 | 4): string {
  return `${size === 2 ? '.2byte' : '.4byte'}\t${hex(bits >>> 0)}`;
}

/** An RVC instruction under its own name and syntax (objdump -M no-aliases). */
function renderRvc(i: Insn, pc: number, target: (a: number) => string, track?: AddressTracker): Rendered {
  const spec = BY_NAME.get(i.name)!;
  if (track) {
    // riscv-dis.c: c.lui records its value; c.addi/c.addiw with rd != x0 consult the tracker.
    if (i.name === 'c.lui') track.hi[i.rd] = i.imm;
    else if (i.name === 'c.addi' && i.rd !== 0) track.use(i.rd, i.imm, false);
    else if (i.name === 'c.addiw' && i.rd !== 0) track.use(i.rd, i.imm, true);
  }
  const rd = X[i.rd];
  let operands: string;
  switch (spec.syntax) {
    case 'rd,sp,imm': operands = `${rd},sp,${i.imm}`; break;
    case 'rd,imm(rs1)': operands = `${rd},${i.imm}(${X[i.rs1]})`; break;
    case 'rs2,imm(rs1)': operands = `${X[i.rs2]},${i.imm}(${X[i.rs1]})`; break;
    case 'rd,imm': operands = `${rd},${i.imm}`; break;
    case 'rd,cuimm': operands = `${rd},${hex((i.imm / 4096) & 0xfffff)}`; break;
    case 'sp,imm': operands = `sp,${i.imm}`; break;
    case 'rd,cshamt': operands = `${rd},${hex(i.imm)}`; break;
    case 'rd': operands = rd; break;
    case 'rd,rs2': operands = `${rd},${X[i.rs2]}`; break;
    case 'rs1': operands = X[i.rs1]; break;
    case 'rs1,target': operands = `${X[i.rs1]},${target(pc + i.imm)}`; break;
    case 'target': operands = target(pc + i.imm); break;
    default: operands = '';
  }
  return { mnemonic: i.name, operands };
}

function join(x: Rendered): string {
  return x.operands ? `${x.mnemonic}\t${x.operands}` : x.mnemonic;
}

/**
 * One instruction as `objdump -d` prints it after the encoding column (mnemonic, tab,
 * operands), without address comments or symbol annotations. Targets are absolute hex.
 */
export function formatInsn(insn: Insn, pc: number): string {
  if (!canonical(insn)) return dataDirective(insn.bits, insn.size);
  return join(render(insn, pc, hexAddr));
}

/** Mnemonic and operands of an encoding (undecodable ones as objdump's .2byte/.4byte). */
export function formatBits(bits: number, pc: number): string {
  const insn = decode(bits);
  if (insn) return formatInsn(insn, pc);
  return unknownText(bits);
}

/**
 * Privileged instructions objdump names although this ISA (user-level RV64IMAC) does not
 * execute them: decode() leaves them illegal, the disassembler still shows what kernel code
 * such as an idle loop's `wfi` is.
 */
const PRIVILEGED: Readonly<Record<number, string>> = {
  0x10500073: 'wfi', 0x30200073: 'mret', 0x10200073: 'sret', 0x7b200073: 'dret',
};

function unknownText(bits: number, noAliases = false): string {
  if ((bits & 3) === 3 && PRIVILEGED[bits >>> 0]) return PRIVILEGED[bits >>> 0];
  if ((bits & 3) === 3 && ((bits & 0xfe007fff) >>> 0) === 0x12000073) {
    // sfence.vma rs1, rs2 (privileged spec 4.2.1), printed with its zero operands elided
    const rs1 = (bits >>> 15) & 31;
    const rs2 = (bits >>> 20) & 31;
    return rs2 !== 0 ? `sfence.vma\t${X[rs1]},${X[rs2]}` : rs1 !== 0 ? `sfence.vma\t${X[rs1]}` : 'sfence.vma';
  }
  if ((bits & 0xffff) === 0) return noAliases ? 'c.unimp' : 'unimp'; // the all-zero parcel
  // c.addi16sp with nzimm=0 is reserved (ISA ch. 16.5), but binutils' match_c_addi16sp only checks rd.
  if ((bits & 0xffff) === 0x6101) return noAliases ? 'c.addi16sp\tsp,0' : 'add\tsp,sp,0';
  return (bits & 3) === 3 ? dataDirective(bits, 4) : dataDirective(bits & 0xffff, 2);
}

/**
 * Disassembles a run of code as objdump -d does: instruction by instruction, with address
 * comments tracked across the run. A trailing odd byte or incomplete instruction is printed
 * as a .byte/.2byte directive.
 */
export function disassemble(bytes: Uint8Array, address: number, opts: DisasmOptions = {}, track = new AddressTracker(opts.gp)): DisasmLine[] {
  const lines: DisasmLine[] = [];
  for (let off = 0; off < bytes.length; ) {
    const line = disassembleOne(bytes, off, address + off, opts, track);
    lines.push(line);
    off += line.size;
  }
  return lines;
}

/** The one instruction at `bytes[off]` (at `pc`), as disassemble() prints it. */
export function disassembleOne(bytes: Uint8Array, off: number, pc: number, opts: DisasmOptions, track: AddressTracker): DisasmLine {
  const sym = opts.symbolize ?? (() => '');
  const target = opts.noSymbols ? (a: number) => `0x${hexAddr(a)}` : (a: number) => `${hexAddr(a)}${sym(a)}`;
  if (off + 2 > bytes.length) {
    return { address: pc, size: 1, hex: bytes[off].toString(16).padStart(2, '0'), text: `.byte\t${hex(bytes[off])}` };
  }
  const parcel = parcelAt(bytes, off);
  const len = insnLength(parcel);
  if (len > 4 && off + len <= bytes.length) return longEncoding(bytes.subarray(off, off + len), pc);
  let size: 2 | 4 = len === 4 ? 4 : 2;
  if (size === 4 && off + 4 > bytes.length) size = 2;
  const bits = size === 4 ? wordAt(bytes, off) : parcel;
  const hexWord = bits.toString(16).padStart(size * 2, '0');
  const insn = size === 4 || (parcel & 3) !== 3 ? decode(bits) : undefined;
  let text: string;
  if (insn && canonical(insn)) {
    track.printAddr = undefined;
    text = join(render(insn, pc, target, track, opts.noAliases));
    if (track.printAddr !== undefined) text += ` # ${target(track.printAddr)}`;
  } else if (size === 2 && (parcel & 3) === 3) {
    text = dataDirective(parcel, 2); // a reserved length encoding, or a 32-bit one cut off
  } else {
    text = unknownText(bits, opts.noAliases);
  }
  return { address: pc, size, hex: hexWord, text, insn: insn && canonical(insn) ? insn : undefined };
}

/**
 * objdump's address column width for a section ending at `end`: leading zeros of the 16-digit
 * address are skipped in groups of four (binutils objdump.c disassemble_section).
 */
export function addressWidth(start: number, end: number): number {
  const full = hexAddr(end).padStart(16, '0');
  let zeros = 0;
  while (zeros < 16 && full[zeros] === '0') zeros++;
  if (zeros === 16 && start !== 0) return 16;
  const skip = zeros === 0 ? 0 : (zeros - 1) & ~3;
  return 16 - skip;
}

/** Renders a line exactly as objdump -d: address, tab, encoding column, tab, text. */
export function objdumpLine(line: DisasmLine, width: number): string {
  const addr = (a: number) => hexAddr(a).padStart(width, '0').replace(/^0+(?=.)/, (z) => ' '.repeat(z.length));
  // objdump.c disassemble_bytes: the encoding in chunks (each followed by a space) padded to
  // 8 bytes per line (6 for single bytes), continuation lines for longer encodings.
  const chunk = line.chunk ?? (line.size % 4 === 0 ? 4 : line.size === 1 ? 1 : 2);
  const perLine = chunk === 1 ? 6 : 8;
  const digits = line.hex; // little-endian bytes, most significant first per chunk
  const groups: string[] = [];
  if (line.size <= 4) groups.push(digits);
  else {
    const bytes = digits.match(/../g)!; // digits hold the bytes in memory order for long encodings
    for (let k = 0; k < bytes.length; k += chunk) groups.push(bytes.slice(k, k + chunk).reverse().join(''));
  }
  const perLineGroups = perLine / chunk;
  const first = groups.slice(0, perLineGroups);
  let col = first.map((g) => `${g} `).join('');
  for (let k = first.length; k < perLineGroups; k++) col += ' '.repeat(chunk * 2 + 1);
  let out = `${addr(line.address)}:\t${col}\t${line.text}`;
  for (let k = perLineGroups; k < groups.length; k += perLineGroups) {
    out += `\n${addr(line.address + k * chunk)}:\t${groups.slice(k, k + perLineGroups).map((g) => `${g} `).join('')}`;
  }
  return out;
}

/** An encoding longer than 32 bits (none of ours): `.8byte` or a `.byte` list, as objdump prints it. */
function longEncoding(b: Uint8Array, pc: number): DisasmLine {
  const memHex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  let text: string;
  if (b.length === 8) {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
    text = `.8byte\t0x${v.toString(16)}`;
  } else {
    text = `.byte\t${Array.from(b, (x) => `0x${x.toString(16).padStart(2, '0')}`).join(', ')}`;
  }
  return { address: pc, size: b.length, hex: memHex, chunk: b.length % 4 === 0 ? 4 : 2, text };
}

/** The table entry name (`-M no-aliases` mnemonic) of an encoding, or undefined. */
export function mnemonicOf(bits: number): string | undefined {
  return lookup(bits)?.name;
}
