/**
 * Pseudo-instructions that are macros rather than aliases (GNU as riscv-opc.c INSN_MACRO
 * entries and tc-riscv.c macro()): li with any 64-bit constant, la/lla, call/tail, the
 * `lw rd, symbol` / `sw rs, symbol, tmp` forms, and the few fixed encodings gas knows by name
 * (unimp, c.unimp, pause, c.nop with an immediate, sbreak, scall). Aliases that stand for one
 * table entry with fixed fields are table data (table.ts ALIASES), not here.
 */
import { insertImm } from '../table.js';
import { fail } from './errors.js';
import { S64 } from './expr.js';
import type { Operand, Stmt } from './lex.js';
import { BY_NAME, Ops, emit32, le, zeroOps } from './encode.js';
import { Context, num, reg, want } from './operands.js';

/** li's expansion (gas tc-riscv.c load_const): lui/addiw for 32-bit values, else recursive shift. */
function loadConst(rd: number, value: bigint, out: [string, Ops][]): void {
  const lower = BigInt.asIntN(12, value);
  let upper = S64(value - lower);
  if (value !== BigInt.asIntN(32, value)) {
    let shift = 12n;
    while (((upper >> shift) & 1n) === 0n) shift++;
    upper = S64(upper) >> shift;
    loadConst(rd, upper, out);
    out.push(['slli', { ...zeroOps(), rd, rs1: rd, imm: Number(shift) }]);
    if (lower !== 0n) out.push(['addi', { ...zeroOps(), rd, rs1: rd, imm: Number(lower) }]);
    return;
  }
  let hiReg = 0;
  if (upper !== 0n) {
    const u = BigInt.asUintN(32, upper) >> 12n;
    out.push(['lui', { ...zeroOps(), rd, imm: Number(BigInt.asIntN(20, u)) * 4096 }]);
    hiReg = rd;
  }
  if (lower !== 0n || hiReg === 0) out.push(['addiw', { ...zeroOps(), rd, rs1: hiReg, imm: Number(lower) }]);
}

/** auipc reg, %pcrel_hi(target) followed by the low-part user (8 bytes, never compressed). */
function pcrelPair(cx: Context, reg: number, target: Operand, low: (lo: number) => number[]): number[] {
  const v = cx.expr(target);
  const delta = v.v - cx.pc;
  if (!v.unknown && (delta < -(2n ** 31n) - 2048n || delta >= 2n ** 31n - 2048n)) {
    fail('out-of-range', target.col, `target out of range of auipc (offset ${delta})`);
  }
  const lo = Number(BigInt.asIntN(12, delta));
  const hi = Number(BigInt.asIntN(20, ((delta - BigInt(lo)) >> 12n) & 0xfffffn));
  cx.pcrelHi.set(cx.pc, { target: v.v });
  return [...emit32('auipc', { ...zeroOps(), rd: reg, imm: hi * 4096 }, target.col), ...low(lo)];
}

/** The bytes of a macro pseudo-instruction; undefined if the statement is none (then it is an entry or alias). */
export function pseudo(cx: Context, st: Stmt, rvc: boolean): number[] | undefined {
  const a = st.args;
  const op = st.op!;
  const R = (i: number) => reg(cx, a[i]);
  const base = (name: string, o: Partial<Ops>, only?: readonly string[]) => cx.emitBase(name, { ...zeroOps(), ...o }, rvc, st.opCol, only);
  switch (op) {
    case 'li': {
      want(cx, 2);
      const rd = R(0);
      const v = cx.expr(a[1]);
      // gas: "illegal operands" for a symbol; an address needs la/lla (a fixed 8-byte pair).
      if (v.local || v.external) fail('syntax', a[1].col, 'li needs a constant; use la or lla to load an address');
      if (v.unknown) return [0, 0];
      if (v.v >= -2048n && v.v <= 2047n) return base('addi', { rd, imm: Number(v.v) }, ['c.li']);
      const seq: [string, Ops][] = [];
      loadConst(rd, v.v, seq);
      return seq.flatMap(([name, o]) => cx.emitBase(name, o, rvc, st.opCol));
    }
    case 'la': case 'lla': {
      want(cx, 2);
      const rd = R(0);
      return pcrelPair(cx, rd, a[1], (lo) => emit32('addi', { ...zeroOps(), rd, rs1: rd, imm: lo }, st.opCol));
    }
    case 'call': case 'tail': {
      want(cx, [1, 2]);
      // gas riscv-opc.c: `call sym` links and addresses through ra; `call rd, sym` and `tail`
      // address through t1.
      const link = op === 'tail' ? 0 : a.length === 2 ? R(0) : 1;
      const tmp = op === 'call' && a.length === 1 ? 1 : 6;
      return pcrelPair(cx, tmp, a[a.length - 1], (lo) => emit32('jalr', { ...zeroOps(), rd: link, rs1: tmp, imm: lo }, st.opCol));
    }
    case 'unimp': want(cx, 0); return rvc ? [0, 0] : le(0xc0001073, 4);
    case 'c.unimp': want(cx, 0); return [0, 0];
    // PAUSE (Zihintpause) is `fence w,0`; GNU as needs _zihintpause for it, we accept it as the hint.
    case 'pause': want(cx, 0); return le(0x0100000f, 4);
    case 'c.nop': want(cx, [0, 1]); return le(0x0001 | (a.length ? insertImm(BY_NAME.get('c.addi')!.imm!, num(cx, a[0], -32n, 31n)) : 0), 2);
    case 'sbreak': want(cx, 0); return base('ebreak', {});
    case 'scall': want(cx, 0); return emit32('ecall', zeroOps(), st.opCol);
    case 'lb': case 'lh': case 'lw': case 'ld': case 'lbu': case 'lhu': case 'lwu': {
      // `lw rd, symbol`: auipc rd, %pcrel_hi(symbol); lw rd, %pcrel_lo(.)(rd)
      if (a.length !== 2 || /\(\s*[A-Za-z0-9]+\s*\)$/.test(a[1].text)) return undefined;
      const rd = R(0);
      return pcrelPair(cx, rd, a[1], (lo) => emit32(op, { ...zeroOps(), rd, rs1: rd, imm: lo }, st.opCol));
    }
    case 'sb': case 'sh': case 'sw': case 'sd': {
      // `sw rs2, symbol, temp`
      if (a.length !== 3) return undefined;
      const rs2 = R(0);
      const tmp = R(2);
      return pcrelPair(cx, tmp, a[1], (lo) => emit32(op, { ...zeroOps(), rs2, rs1: tmp, imm: lo }, st.opCol));
    }
  }
  return undefined;
}
