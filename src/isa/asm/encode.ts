/**
 * Encoding one instruction from operand values with a table entry, and choosing the compressed
 * form GNU as would choose (gas/config/tc-riscv.c riscv_ip over opcodes/riscv-opc.c, 2.40):
 * with RVC on, the first RVC form in the entry's `compressed` list whose operand constraints
 * hold. HINT encodings (Unprivileged ISA ch. 16.7) are never chosen implicitly.
 */
import { TABLE, InsnSpec, RegField, insertImm, insertReg, immRange, CompressForm } from '../table.js';
import { regName } from '../regs.js';
import { decode } from '../decode.js';
import type { Insn } from '../types.js';
import { AsmError, AsmErrorCode } from './errors.js';

/** Operand values of one instruction, before table lookup. */
export type Ops = Pick<Insn, 'rd' | 'rs1' | 'rs2' | 'imm' | 'csr' | 'aq' | 'rl' | 'pred' | 'succ'>;

export const zeroOps = (): Ops => ({ rd: 0, rs1: 0, rs2: 0, imm: 0, csr: 0, aq: false, rl: false, pred: 0, succ: 0 });

export const BY_NAME = new Map<string, InsnSpec>(TABLE.map((e) => [e.name, e]));

/** Why an entry cannot encode some operands: the error's code, its message, the field at fault. */
export interface EncodeFailure {
  code: AsmErrorCode;
  message: string;
  field: 'reg' | 'imm' | 'encoding';
}

/** Whether register `reg` can go in field `f` (`rd`: the instruction's destination, for 'rd' fields). */
export function fitsReg(f: RegField | undefined, reg: number, rd: number): boolean {
  if (f === undefined) return reg === 0;
  if (typeof f === 'number') return reg === f;
  if (f === 'rd') return reg === rd;
  return f.prime ? reg >= 8 && reg <= 15 : true;
}

/** Encodes `o` with one table entry, or says which constraint the operands violate first. */
export function encodeWith(spec: InsnSpec, o: Ops): number | EncodeFailure {
  let bits = spec.match;
  for (const [f, reg] of [[spec.rd, o.rd], [spec.rs1, o.rs1], [spec.rs2, o.rs2]] as const) {
    if (f === undefined || typeof f === 'number' || f === 'rd') continue;
    const v = insertReg(f, reg);
    if (v === undefined) return { code: 'bad-register', field: 'reg', message: `register ${regName(reg)} not allowed here (x8..x15 only)` };
    bits |= v;
  }
  if (spec.imm) {
    const r = immRange(spec.imm);
    if (o.imm < r.min || o.imm > r.max) return { code: 'out-of-range', field: 'imm', message: `immediate ${o.imm} out of range ${r.min}..${r.max}` };
    if (o.imm % r.align !== 0) return { code: 'misaligned', field: 'imm', message: `immediate ${o.imm} is not a multiple of ${r.align}` };
    bits |= insertImm(spec.imm, o.imm);
  }
  if (spec.csr) bits |= (o.csr & 0xfff) << 20;
  if (spec.aqrl) bits |= (o.aq ? 1 << 26 : 0) | (o.rl ? 1 << 25 : 0);
  if (spec.fence && spec.name === 'fence') bits |= ((o.pred & 15) << 24) | ((o.succ & 15) << 20);
  bits >>>= 0;
  // Only RVC entries can be reached here with an excluded pattern (fence's fm field is no operand).
  const hit = spec.exclude.find((x) => ((bits & x.mask) >>> 0) === x.match >>> 0);
  if (hit) return { code: 'reserved-encoding', field: 'encoding', message: `${spec.name}: ${hit.why}` };
  return bits;
}

/** encodeWith, failing the statement at `col` when the operands do not fit. */
export function encodeAt(spec: InsnSpec, o: Ops, col: number): number {
  const bits = encodeWith(spec, o);
  if (typeof bits !== 'number') throw new AsmError(bits.code, bits.message, col, bits.field);
  return bits;
}

/** Little-endian bytes of an encoding. */
export function le(bits: number, size: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < size; k++) out.push((bits >>> (8 * k)) & 0xff);
  return out;
}

/** The 4-byte encoding of a base entry, failing the statement at `col` when the operands do not fit. */
export function emit32(name: string, o: Ops, col: number): number[] {
  return le(encodeAt(BY_NAME.get(name)!, o, col), 4);
}

/** Whether a parcel is an RVC HINT (ISA ch. 16.7), which gas never picks implicitly. */
function isHint(spec: InsnSpec, o: Ops): boolean {
  switch (spec.name) {
    case 'c.addi': return (o.rd === 0) !== (o.imm === 0); // c.nop is rd=0 with imm=0 only
    case 'c.li': case 'c.lui': case 'c.mv': case 'c.add': return o.rd === 0;
    case 'c.slli': return o.rd === 0 || o.imm === 0;
    case 'c.srli': case 'c.srai': return o.imm === 0;
    default: return spec.name.endsWith('64');
  }
}

/** The base operands as the compressed form reads them (CompressForm.operands); undefined: the form does not apply. */
function mapOperands(form: CompressForm, o: Ops): Ops | undefined {
  switch (form.operands) {
    case undefined: return o;
    case 'commuted': return { ...o, rs1: o.rs2, rs2: o.rs1 };
    case 'mv': return o.imm === 0 && o.rs1 !== 0 ? { ...o, rs2: o.rs1, rs1: 0 } : undefined;
  }
}

/**
 * The compressed encoding gas would pick for a base instruction, if any; `only` restricts the
 * candidates to the forms a pseudo-instruction's own riscv-opc.c entries offer (`li` only has
 * c.li). `hintsOk`: the mnemonic's entry also takes the imm=0 HINT (AliasSpec.rvcHint).
 */
export function compress(name: string, o: Ops, only?: readonly string[], hintsOk = false): number | undefined {
  for (const form of BY_NAME.get(name)?.compressed ?? []) {
    if (only && !only.includes(form.c)) continue;
    const spec = BY_NAME.get(form.c)!;
    const ops = mapOperands(form, o);
    if (!ops) continue;
    if (!fitsReg(spec.rd, ops.rd, ops.rd) || !fitsReg(spec.rs1, ops.rs1, ops.rd) || !fitsReg(spec.rs2, ops.rs2, ops.rd)) continue;
    if (!spec.imm && ops.imm !== 0) continue;
    if (hintsOk ? ops.rd === 0 : isHint(spec, ops)) continue;
    const bits = encodeWith(spec, ops);
    if (typeof bits === 'number') return bits;
  }
  return undefined;
}

/**
 * The inverse of decode(): the encoding of a table entry with the given operand fields
 * (missing fields are 0), or a message saying why it has none. For building patched
 * instructions from a decoded one (`{ ...decode(w)!, imm: newOffset }`). The result always
 * decodes back to exactly these fields.
 */
export function encodeInsn(fields: Pick<Insn, 'name'> & Partial<Omit<Insn, 'name'>>): number | string {
  const spec = BY_NAME.get(fields.name);
  if (!spec) return `unknown instruction '${fields.name}'`;
  const o: Ops = { ...zeroOps(), ...fields };
  const bits = encodeWith(spec, o);
  if (typeof bits !== 'number') return bits.message;
  const back = decode(bits);
  for (const k of ['rd', 'rs1', 'rs2', 'imm', 'csr', 'aq', 'rl', 'pred', 'succ'] as const) {
    if (!back || back[k] !== o[k]) return `${spec.name} cannot encode ${k}=${o[k]}${back ? ` (it would be ${back[k]})` : ''}`;
  }
  return bits;
}
