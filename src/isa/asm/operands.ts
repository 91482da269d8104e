/**
 * What a statement handler (the driver's instruction path, pseudo.ts, relax.ts, directives.ts)
 * sees of the assembler, and the operand readers built on it: registers, `imm(reg)`, CSRs,
 * fence sets, operand counts and branch targets. Every reader fails the statement with the
 * code of what it found wrong.
 */
import { InsnSpec, RegField, AliasSpec, OperandKind, immRange } from '../table.js';
import { regNumber, regName } from '../regs.js';
import { CSR_NUMBERS } from '../csr.js';
import { fail } from './errors.js';
import type { Operand, Stmt } from './lex.js';
import type { Value } from './expr.js';
import { Ops, zeroOps } from './encode.js';

/** The assembler's state for the statement being assembled (implemented by assembler.ts). */
export interface Context {
  readonly stmt: Stmt;
  /** Address of the statement's first byte. */
  readonly pc: bigint;
  /** Labels of this block (addresses from this pass so far, else the previous one). */
  readonly labels: ReadonlyMap<string, bigint>;
  /** .equ/.set symbols. */
  readonly equs: ReadonlyMap<string, Value>;
  /** Sets a .equ/.set symbol at the current statement (and `changed` if its value moved). */
  defineEqu(name: string, v: Value): void;
  /** Symbols defined outside the block (AsmOptions.symbols). */
  readonly external: ReadonlyMap<string, number>;
  /** Set when a value the layout depends on moved: the driver runs another pass. */
  changed: boolean;
  /** Relaxation level each statement (by index) reached in earlier passes; levels only grow. */
  readonly grown: Map<number, number>;
  /** This pass's `%pcrel_hi(target)` instructions by their address, for %pcrel_lo. */
  readonly pcrelHi: Map<bigint, { target: bigint }>;
  /** Evaluates an operand; a %hi/%lo/%pcrel_* of a symbol keeps the statement at full size. */
  expr(o: Operand): Value;
  /** Emits a base instruction, compressed when RVC is on and gas would compress it (encode.ts compress). */
  emitBase(name: string, o: Ops, rvc: boolean, col: number, only?: readonly string[], hintsOk?: boolean): number[];
}

/** An integer in [min, max] (0 while a symbol in it is still unknown). */
export function num(cx: Context, o: Operand, min: bigint, max: bigint): number {
  const v = cx.expr(o);
  if (v.unknown) return 0;
  if (v.v < min || v.v > max) fail('out-of-range', o.col, `immediate ${v.v} out of range ${min}..${max}`);
  return Number(v.v);
}

/** An immediate as a JS number: any value a double holds exactly (the entry checks its range). */
export function safeImm(cx: Context, x: Operand): number {
  const v = cx.expr(x);
  if (v.unknown) return 0;
  if (v.v > BigInt(Number.MAX_SAFE_INTEGER) || v.v < BigInt(Number.MIN_SAFE_INTEGER)) fail('out-of-range', x.col, `immediate ${v.v} out of range`);
  return Number(v.v);
}

export function reg(cx: Context, o: Operand | undefined): number {
  if (!o) fail('syntax', endCol(cx), 'missing register');
  const r = regNumber(o.text.toLowerCase());
  if (r === undefined) fail('bad-register', o.col, `expected register, got '${o.text}'`);
  return r;
}

/** The column just after the statement's last operand (where a missing one would go). */
export function endCol(cx: Context): number {
  const a = cx.stmt.args;
  if (a.length === 0) return cx.stmt.opCol + (cx.stmt.op?.length ?? 0);
  const last = a[a.length - 1];
  return last.col + last.text.length;
}

/** Requires one of the given operand counts. */
export function want(cx: Context, n: number | number[]): void {
  const counts = Array.isArray(n) ? n : [n];
  const st = cx.stmt;
  const got = st.args.length;
  if (counts.includes(got)) return;
  const max = Math.max(...counts);
  if (got > max) fail('operand-count', st.args[max].col, `too many operands for '${st.op}' (expected ${counts.join(' or ')})`);
  fail('operand-count', endCol(cx), `missing operand for '${st.op}' (expected ${counts.join(' or ')})`);
}

/** `imm(reg)` or `(reg)` (a bare `imm` is no memory operand: gas would read a symbol pseudo). */
export function memOperand(o: Operand): { imm: Operand; base: number } {
  const m = /^(.*)\(\s*([A-Za-z0-9]+)\s*\)$/.exec(o.text);
  if (!m) fail('syntax', o.col, `expected offset(register), got '${o.text}'`);
  const base = regNumber(m[2].toLowerCase());
  if (base === undefined) fail('bad-register', o.col + o.text.lastIndexOf('(') + 1, `expected register, got '${m[2]}'`);
  const immText = m[1].trim();
  return { imm: { text: immText === '' ? '0' : immText, col: o.col }, base };
}

/** A CSR by name (csr.ts) or number; a bare name that is no CSR and no symbol is an unknown CSR. */
export function csr(cx: Context, o: Operand): number {
  const n = CSR_NUMBERS.get(o.text.toLowerCase());
  if (n !== undefined) return n;
  const name = o.text.trim();
  if (/^[A-Za-z_.$][A-Za-z0-9_.$]*$/.test(name) && !cx.equs.has(name) && !cx.external.has(name)) {
    fail('unknown-symbol', o.col, `unknown CSR '${name}'`);
  }
  const v = cx.expr(o);
  if (v.unknown) return 0;
  if (v.v < 0n || v.v > 0xfffn) fail('out-of-range', o.col, `CSR number ${v.v} out of range 0..4095`);
  return Number(v.v);
}

/** `(reg)` or `0(reg)`: the address operand of lr/sc/AMOs. */
export function addrReg(cx: Context, o: Operand | undefined): number {
  if (!o) fail('syntax', endCol(cx), 'missing address operand');
  const m = /^(?:0\s*)?\(\s*([A-Za-z0-9]+)\s*\)$/.exec(o.text);
  if (!m) fail('syntax', o.col, `expected (register), got '${o.text}'`);
  return reg(cx, { text: m[1], col: o.col + o.text.indexOf(m[1]) });
}

/**
 * A branch/jump target: absolute address -> offset from pc, checked against the entry's
 * immediate (its range and 2-byte alignment). 0 while the target is unknown.
 */
export function target(cx: Context, o: Operand, spec: InsnSpec): { offset: number; value: Value } {
  const v = cx.expr(o);
  const off = Number(v.v - cx.pc);
  if (v.unknown) return { offset: 0, value: v };
  if (off % 2 !== 0) fail('misaligned', o.col, 'branch target misaligned');
  const r = immRange(spec.imm!);
  if (off < r.min || off > r.max + 1) fail('out-of-range', o.col, `branch target out of range (offset ${off}, allowed ${r.min}..${r.max})`);
  return { offset: off, value: v };
}

/** Whether operand text has the shape of an operand kind (to choose among same-named forms). */
export function fitsShape(kind: OperandKind, text: string): boolean {
  const isReg = regNumber(text.toLowerCase()) !== undefined;
  switch (kind) {
    case 'rd': case 'rs1': case 'rs2': return isReg;
    case 'mem': return /\(\s*[A-Za-z0-9]+\s*\)$/.test(text);
    case '(rs1)': return /^(0\s*)?\(\s*[A-Za-z0-9]+\s*\)$/.test(text);
    case 'pred': case 'succ': return /^[iorw]+$/i.test(text);
    case 'csr': return !isReg;
    default: return !isReg && !/^\(\s*[A-Za-z0-9]+\s*\)$/.test(text);
  }
}

/** A fence's predecessor or successor set (`iorw` letters) as its 4 bits. */
function fenceBits(s: string): number | undefined {
  if (!/^[iorw]+$/.test(s)) return undefined;
  let v = 0;
  for (const c of s) v |= c === 'i' ? 8 : c === 'o' ? 4 : c === 'r' ? 2 : 1;
  return v;
}

/**
 * Parses the statement's operands of the given kinds (a 32-bit entry's syntax or an alias's)
 * over the alias's `fixed` fields. `immAt`: the column of the immediate, for encoding errors.
 */
export function parseOperands(cx: Context, kinds: OperandKind[], fixed: AliasSpec['fixed']): { o: Ops; target?: Operand; immAt?: number } {
  const a = cx.stmt.args;
  const o: Ops = { ...zeroOps(), ...fixed };
  let tgt: Operand | undefined;
  let immAt: number | undefined;
  const immOf = (x: Operand) => {
    immAt = x.col;
    return safeImm(cx, x);
  };
  kinds.forEach((k, n) => {
    const x = a[n];
    switch (k) {
      case 'rd': o.rd = reg(cx, x); break;
      case 'rs1': o.rs1 = reg(cx, x); break;
      case 'rs2': o.rs2 = reg(cx, x); break;
      case 'imm': case 'shamt': o.imm = immOf(x); break;
      case 'zimm': immAt = x.col; o.imm = num(cx, x, 0n, 31n); break;
      case 'uimm20': {
        immAt = x.col;
        const v = num(cx, x, 0n, 0xfffffn);
        o.imm = (v >= 0x80000 ? v - 0x100000 : v) * 4096;
        break;
      }
      case 'target': tgt = x; break;
      case 'mem': {
        const m = memOperand(x);
        o.rs1 = m.base;
        o.imm = immOf(m.imm);
        break;
      }
      case '(rs1)': o.rs1 = addrReg(cx, x); break;
      case 'csr': o.csr = csr(cx, x); break;
      case 'pred': case 'succ': {
        const v = fenceBits(x.text.toLowerCase());
        if (v === undefined) fail('syntax', x.col, `expected fence set (i, o, r, w), got '${x.text}'`);
        o[k] = v;
        break;
      }
    }
  });
  return { o, target: tgt, immAt };
}

/** Parses the operands of an explicit c.* mnemonic per its entry's syntax. */
export function explicitOperands(cx: Context, spec: InsnSpec): Ops {
  const st = cx.stmt;
  const a = st.args;
  const o = zeroOps();
  const implicit = (f: RegField | undefined) => (typeof f === 'number' ? f : 0);
  const sp = (x: Operand) => { if (reg(cx, x) !== 2) fail('bad-register', x.col, "expected 'sp'"); };
  o.rs1 = implicit(spec.rs1);
  o.rd = implicit(spec.rd);
  o.rs2 = implicit(spec.rs2);
  switch (spec.syntax) {
    case 'rd,imm(rs1)': case 'rs2,imm(rs1)': {
      want(cx, 2);
      if (spec.syntax === 'rd,imm(rs1)') o.rd = reg(cx, a[0]);
      else o.rs2 = reg(cx, a[0]);
      const m = memOperand(a[1]);
      o.rs1 = m.base;
      o.imm = safeImm(cx, m.imm);
      if (typeof spec.rs1 === 'number' && m.base !== spec.rs1) fail('bad-register', a[1].col, `'${spec.name}' takes its base in ${regName(spec.rs1)}`);
      break;
    }
    case '': want(cx, 0); break;
    case 'rd,sp,imm': want(cx, 3); o.rd = reg(cx, a[0]); sp(a[1]); o.rs1 = 2; o.imm = safeImm(cx, a[2]); break;
    case 'rd,imm': want(cx, 2); o.rd = reg(cx, a[0]); if (spec.rs1 === 'rd') o.rs1 = o.rd; o.imm = safeImm(cx, a[1]); break;
    case 'rd,cuimm': {
      want(cx, 2);
      o.rd = reg(cx, a[0]);
      const v = num(cx, a[1], 0n, 0xfffffn);
      o.imm = (v >= 0x80000 ? v - 0x100000 : v) * 4096;
      break;
    }
    case 'sp,imm': want(cx, 2); sp(a[0]); o.imm = safeImm(cx, a[1]); break;
    case 'rd,cshamt': want(cx, 2); o.rd = reg(cx, a[0]); o.rs1 = o.rd; o.imm = safeImm(cx, a[1]); break;
    case 'rd': want(cx, 1); o.rd = reg(cx, a[0]); o.rs1 = o.rd; break;
    case 'rd,rs2': want(cx, 2); o.rd = reg(cx, a[0]); if (spec.rs1 === 'rd') o.rs1 = o.rd; o.rs2 = reg(cx, a[1]); break;
    case 'rs1': want(cx, 1); o.rs1 = reg(cx, a[0]); break;
    case 'rs1,target': want(cx, 2); o.rs1 = reg(cx, a[0]); o.imm = target(cx, a[1], spec).offset; break;
    case 'target': want(cx, 1); o.imm = target(cx, a[0], spec).offset; break;
    default: fail('syntax', st.opCol, `cannot assemble '${spec.name}'`);
  }
  return o;
}
