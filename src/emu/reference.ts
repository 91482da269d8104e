/**
 * The reference interpreter: no code cache, no translation, no lo/hi register tricks — every
 * step fetches, decodes and executes with a plain switch on Insn.op over BigInt registers,
 * written straight from the ISA manual. It is slow on purpose and exists to audit the compiled
 * Hart (STYLE.md §8): tests run the same programs on both and compare.
 * It shares Memory (the thing under test there is instruction semantics, not paging).
 */
import type { Insn } from '../isa/types.js';
import { decode } from '../isa/decode.js';
import type { MemFault, Memory } from './memory.js';
import type { StopReason } from './hart.js';

const MASK64 = (1n << 64n) - 1n;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);

export class ReferenceHart {
  readonly x = new Array<bigint>(32).fill(0n);
  pc = 0;
  retired = 0;

  constructor(readonly mem: Memory, readonly id = 0) {}

  getReg(i: number): bigint {
    return i === 0 ? 0n : this.x[i];
  }
  setReg(i: number, v: bigint): void {
    if (i !== 0) this.x[i] = s64(v);
  }

  run(budget: number): StopReason {
    for (let n = 0; n < budget; n++) {
      const s = this.step();
      if (s.kind !== 'budget') return s;
    }
    return { kind: 'budget', pc: this.pc };
  }

  step(): StopReason {
    const m = this.mem;
    m.actor = this.id;
    m.fault = null;
    const pc = this.pc;
    const bits = m.fetchInsn(pc);
    if (bits < 0) {
      const f = m.fault as MemFault | null;
      m.fault = null;
      return { kind: 'fetch-fault', pc, addr: f?.addr ?? pc, detail: f?.cause ?? 'unmapped' };
    }
    const insn = decode(bits);
    if (!insn) return { kind: 'illegal', pc, bits };
    const stop = this.exec(insn);
    const f = m.fault as MemFault | null;
    if (f) {
      m.fault = null;
      this.pc = pc;
      return { kind: f.kind === 'write' ? 'store-fault' : 'load-fault', pc, addr: f.addr, detail: f.cause };
    }
    if (stop) return stop;
    return { kind: 'budget', pc: this.pc };
  }

  private load(a: bigint, size: number, signed: boolean): bigint {
    const addr = Number(s64(a));
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) {
      const b = this.mem.load8(addr + k);
      if (this.mem.fault) return 0n;
      v = (v << 8n) | BigInt(b);
    }
    return signed ? BigInt.asIntN(size * 8, v) : v;
  }

  private store(a: bigint, size: number, v: bigint): void {
    const addr = Number(s64(a));
    const u = u64(v);
    const lo = Number(u & 0xffffffffn) | 0, hi = Number(u >> 32n) | 0;
    // One access of the full width (all-or-nothing, and one provenance id), like the hardware.
    if (size === 1) this.mem.store8(addr, lo & 0xff);
    else if (size === 2) this.mem.store16(addr, lo & 0xffff);
    else if (size === 4) this.mem.store32(addr, lo);
    else this.mem.store64(addr, lo, hi);
  }

  private exec(i: Insn): StopReason | undefined {
    const pc = this.pc;
    const X = (n: number) => this.getReg(n);
    const a = X(i.rs1), b = X(i.rs2), imm = BigInt(i.imm);
    let next = pc + i.size;
    let rd: bigint | undefined;
    switch (i.op) {
      case 'lui': rd = imm; break;
      case 'auipc': rd = BigInt(pc) + imm; break;
      case 'jal': rd = BigInt(next); next = pc + i.imm; break;
      case 'jalr': { const t = s64(a + imm) & ~1n; rd = BigInt(next); next = Number(t); break; }
      case 'beq': if (a === b) next = pc + i.imm; break;
      case 'bne': if (a !== b) next = pc + i.imm; break;
      case 'blt': if (a < b) next = pc + i.imm; break;
      case 'bge': if (a >= b) next = pc + i.imm; break;
      case 'bltu': if (u64(a) < u64(b)) next = pc + i.imm; break;
      case 'bgeu': if (u64(a) >= u64(b)) next = pc + i.imm; break;
      case 'lb': rd = this.load(a + imm, 1, true); break;
      case 'lh': rd = this.load(a + imm, 2, true); break;
      case 'lw': rd = this.load(a + imm, 4, true); break;
      case 'ld': rd = this.load(a + imm, 8, true); break;
      case 'lbu': rd = this.load(a + imm, 1, false); break;
      case 'lhu': rd = this.load(a + imm, 2, false); break;
      case 'lwu': rd = this.load(a + imm, 4, false); break;
      case 'sb': this.store(a + imm, 1, b); break;
      case 'sh': this.store(a + imm, 2, b); break;
      case 'sw': this.store(a + imm, 4, b); break;
      case 'sd': this.store(a + imm, 8, b); break;
      case 'addi': rd = a + imm; break;
      case 'slti': rd = a < imm ? 1n : 0n; break;
      case 'sltiu': rd = u64(a) < u64(imm) ? 1n : 0n; break;
      case 'xori': rd = a ^ imm; break;
      case 'ori': rd = a | imm; break;
      case 'andi': rd = a & imm; break;
      case 'slli': rd = a << BigInt(i.imm & 63); break;
      case 'srli': rd = u64(a) >> BigInt(i.imm & 63); break;
      case 'srai': rd = a >> BigInt(i.imm & 63); break;
      case 'add': rd = a + b; break;
      case 'sub': rd = a - b; break;
      case 'sll': rd = a << (b & 63n); break;
      case 'slt': rd = a < b ? 1n : 0n; break;
      case 'sltu': rd = u64(a) < u64(b) ? 1n : 0n; break;
      case 'xor': rd = a ^ b; break;
      case 'srl': rd = u64(a) >> (b & 63n); break;
      case 'sra': rd = a >> (b & 63n); break;
      case 'or': rd = a | b; break;
      case 'and': rd = a & b; break;
      case 'addiw': rd = s32(a + imm); break;
      case 'slliw': rd = s32(a << BigInt(i.imm & 31)); break;
      case 'srliw': rd = s32(u32(a) >> BigInt(i.imm & 31)); break;
      case 'sraiw': rd = s32(a) >> BigInt(i.imm & 31); break;
      case 'addw': rd = s32(a + b); break;
      case 'subw': rd = s32(a - b); break;
      case 'sllw': rd = s32(a << (b & 31n)); break;
      case 'srlw': rd = s32(u32(a) >> (b & 31n)); break;
      case 'sraw': rd = s32(a) >> (b & 31n); break;
      case 'mul': rd = a * b; break;
      case 'mulh': rd = (a * b) >> 64n; break;
      case 'mulhsu': rd = (a * u64(b)) >> 64n; break;
      case 'mulhu': rd = (u64(a) * u64(b)) >> 64n; break;
      case 'div': rd = b === 0n ? -1n : a === -(1n << 63n) && b === -1n ? a : a / b; break;
      case 'divu': rd = b === 0n ? -1n : u64(a) / u64(b); break;
      case 'rem': rd = b === 0n ? a : a === -(1n << 63n) && b === -1n ? 0n : a % b; break;
      case 'remu': rd = b === 0n ? a : u64(a) % u64(b); break;
      case 'mulw': rd = s32(a * b); break;
      case 'divw': { const x = s32(a), y = s32(b); rd = y === 0n ? -1n : x === -(1n << 31n) && y === -1n ? x : s32(x / y); break; }
      case 'divuw': { const x = u32(a), y = u32(b); rd = y === 0n ? -1n : s32(x / y); break; }
      case 'remw': { const x = s32(a), y = s32(b); rd = y === 0n ? x : x === -(1n << 31n) && y === -1n ? 0n : s32(x % y); break; }
      case 'remuw': { const x = u32(a), y = u32(b); rd = y === 0n ? s32(x) : s32(x % y); break; }
      case 'fence': case 'fence.i': break;
      case 'ecall': this.pc = next; this.retired++; return { kind: 'ecall', pc };
      case 'ebreak': return { kind: 'ebreak', pc };
      case 'csrrw': case 'csrrs': case 'csrrc': case 'csrrwi': case 'csrrsi': case 'csrrci': {
        const writes = i.op === 'csrrw' || i.op === 'csrrwi' || ((i.op === 'csrrs' || i.op === 'csrrc') ? i.rs1 !== 0 : i.imm !== 0);
        if (![0xc00, 0xc01, 0xc02].includes(i.csr) || writes) return { kind: 'illegal', pc, bits: i.bits };
        rd = BigInt(this.retired);
        break;
      }
      default: {
        const amo = this.amo(i, a, b);
        if (amo === 'misaligned') return { kind: 'misaligned', pc, addr: Number(a) };
        if (amo === undefined) return { kind: 'illegal', pc, bits: i.bits, detail: `no semantics for ${i.op}` };
        rd = amo;
      }
    }
    if (this.mem.fault) return undefined;
    if (rd !== undefined) this.setReg(i.rd, rd & MASK64);
    this.pc = next;
    this.retired++;
    return undefined;
  }

  /** LR/SC/AMO: the new rd, 'misaligned', or undefined if i is not an A-extension op. */
  private amo(i: Insn, a: bigint, b: bigint): bigint | 'misaligned' | undefined {
    const m = /^(lr|sc|amo\w+)\.(w|d)$/.exec(i.op);
    if (!m) return undefined;
    const size = m[2] === 'w' ? 4 : 8;
    const addr = Number(s64(a));
    if (addr % size !== 0) return 'misaligned';
    if (m[1] === 'lr') {
      const v = this.load(a, size, true);
      if (!this.mem.fault) this.mem.reserve(this.id, addr, size);
      return v;
    }
    if (m[1] === 'sc') {
      if (!this.mem.takeReservation(this.id, addr, size)) return 1n;
      this.store(a, size, b);
      return 0n;
    }
    const old = this.load(a, size, true);
    if (this.mem.fault) return 0n;
    const w = (v: bigint) => (size === 4 ? s32(v) : s64(v));
    const uw = (v: bigint) => (size === 4 ? u32(v) : u64(v));
    const bb = w(b);
    let nv: bigint;
    switch (m[1]) {
      case 'amoswap': nv = bb; break;
      case 'amoadd': nv = old + bb; break;
      case 'amoxor': nv = old ^ bb; break;
      case 'amoand': nv = old & bb; break;
      case 'amoor': nv = old | bb; break;
      case 'amomin': nv = old < bb ? old : bb; break;
      case 'amomax': nv = old > bb ? old : bb; break;
      case 'amominu': nv = uw(old) < uw(bb) ? old : bb; break;
      case 'amomaxu': nv = uw(old) > uw(bb) ? old : bb; break;
      default: return undefined;
    }
    this.store(a, size, nv);
    return old;
  }
}
