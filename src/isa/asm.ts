/**
 * Assembler for GNU as syntax, RV64IMAC + Zicsr + Zifencei, driven by the instruction table.
 *
 * It assembles one block at a known base address (a flat image, no object file): every label
 * and every symbol given in `opts.symbols` has an address, so %hi/%lo/%pcrel_* and call/tail/la
 * are resolved here as the linker would resolve GNU as's relocations for the same block linked
 * at `base` with -mno-relax.
 *
 * Compression follows GNU as 2.40 (gas/config/tc-riscv.c and opcodes/riscv-opc.c): with RVC on,
 * an instruction is emitted as the first compressed form whose operand constraints it meets;
 * HINT encodings are never chosen implicitly (an explicit c.* mnemonic can still write one).
 * Branches and jumps to labels of this block are relaxed as gas relaxes them: c.beqz/c.bnez/c.j
 * when the target is in range; to a symbol from `opts.symbols` (another section, for gas) they
 * keep their full size.
 *
 * Errors are values: AsmDiagnostic with line and column; nothing is thrown for bad input.
 */
import { TABLE, InsnSpec, RegField, insertImm, insertReg, immRange, ALIASES, AliasSpec, OperandKind, syntaxOperands } from './table.js';
import { ABI_NAMES, regNumber } from './regs.js';
import { CSR_NUMBERS } from './csr.js';
import { decode } from './decode.js';
import type { Insn } from './types.js';

export interface AsmOptions {
  /** Address of the first byte (signed 64-bit, see types.ts). */
  base: number;
  /** Start with RVC enabled (`.option rvc`), default true. */
  rvc?: boolean;
  /** Symbols defined outside this block (e.g. other regions of a spec). */
  symbols?: ReadonlyMap<string, number>;
  /** For diagnostics: file name, line of the source's first line, column of its first character. */
  file?: string;
  line?: number;
  column?: number;
}

export interface AsmDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  /** A stable class of the error, for tools and tests (the message is for people). */
  code: AsmErrorCode;
}

export type AsmErrorCode =
  | 'unknown-mnemonic'
  | 'unknown-symbol'
  | 'out-of-range'
  | 'misaligned'
  | 'reserved-encoding'
  | 'bad-register'
  | 'operand-count'
  | 'redefined'
  | 'directive'
  | 'syntax';

/** Error classes by message, most specific first. */
const ERROR_CODES: readonly [RegExp, AsmErrorCode][] = [
  [/^unknown mnemonic|needs the C extension/, 'unknown-mnemonic'],
  [/^unknown (symbol|local label|CSR)|^%pcrel_lo: no auipc/, 'unknown-symbol'],
  [/out of range|does not fit|not in range/, 'out-of-range'],
  [/misaligned|not a multiple of/, 'misaligned'],
  [/is reserved|^c\.[a-z0-9]+: /, 'reserved-encoding'],
  [/^register .* not allowed|^expected register|takes its base in|^expected 'sp'/, 'bad-register'],
  [/^(missing|too many) operand/, 'operand-count'],
  [/already defined/, 'redefined'],
  [/^unknown (directive|\.option)|^\.option pop/, 'directive'],
];

export interface AsmLine {
  /** Byte offset from base. */
  offset: number;
  size: number;
  /** Source line (in the file's numbering, see AsmOptions.line). */
  line: number;
}

export interface AsmResult {
  bytes: Uint8Array;
  /** Labels and .equ/.set symbols defined by the block (numeric local labels excluded). */
  symbols: Map<string, number>;
  /** One entry per emitted instruction or data directive, in address order. */
  lines: AsmLine[];
  diagnostics: AsmDiagnostic[];
}

// ---------------------------------------------------------------------------------------------
// Mnemonics

const BY_NAME = new Map<string, InsnSpec>(TABLE.map((e) => [e.name, e]));

// ---------------------------------------------------------------------------------------------
// Lexing: statements with labels and comma-separated operands, each with its column.

interface Operand {
  text: string;
  col: number; // 1-based column within the line
}

interface Stmt {
  line: number; // 1-based within the source
  labels: { name: string; col: number }[];
  op?: string;
  opCol: number;
  args: Operand[];
  /** Filled during layout. */
  index: number;
}

class AsmError {
  constructor(readonly message: string, readonly col: number) {}
}

function splitArgs(text: string, col0: number): Operand[] {
  const out: Operand[] = [];
  let depth = 0;
  let start = 0;
  let inStr = false;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (i === text.length || (c === ',' && depth === 0)) {
      const raw = text.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      out.push({ text: raw.trim(), col: col0 + start + lead });
      start = i + 1;
    }
  }
  if (out.length === 1 && out[0].text === '') return [];
  return out;
}

/** Removes a `#` comment (outside strings and character constants). */
function stripComment(line: string): string {
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === "'" && i + 1 < line.length) i += line[i + 1] === '\\' ? 2 : 1;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

/** Splits a line at `;` (gas's statement separator for RISC-V) outside strings. */
function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === ';') {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function lex(source: string): Stmt[] {
  const stmts: Stmt[] = [];
  const lines = source.split(/\r?\n/);
  lines.forEach((full, li) => {
    const text = stripComment(full);
    // ';' separates statements on one line (gas line_separator_chars for RISC-V).
    let pos = 0;
    for (const piece of splitStatements(text)) {
      const stmt: Stmt = { line: li + 1, labels: [], opCol: 0, args: [], index: 0 };
      let rest = piece;
      let col = pos + 1;
      for (;;) {
        const m = /^(\s*)([A-Za-z_.$][A-Za-z0-9_.$]*|\d+)\s*:(?!=)/.exec(rest);
        if (!m) break;
        stmt.labels.push({ name: m[2], col: col + m[1].length });
        col += m[0].length;
        rest = rest.slice(m[0].length);
      }
      const m = /^(\s*)(\S+)(\s*)(.*)$/.exec(rest);
      if (m) {
        const opCol = col + m[1].length;
        // `name = expr` is `.set name, expr`
        const eq = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=\s*(.*)$/.exec(rest.trim());
        if (eq && !m[2].startsWith('.')) {
          stmt.op = '.set';
          stmt.opCol = opCol;
          stmt.args = [{ text: eq[1], col: opCol }, { text: eq[2].trim(), col: opCol + rest.trim().indexOf('=') + 1 }];
        } else {
          stmt.op = m[2].toLowerCase();
          stmt.opCol = opCol;
          stmt.args = splitArgs(m[4], opCol + m[2].length + m[3].length);
        }
      }
      if (stmt.op || stmt.labels.length) stmts.push(stmt);
      pos += piece.length + 1;
    }
  });
  stmts.forEach((s, i) => (s.index = i));
  return stmts;
}

// ---------------------------------------------------------------------------------------------
// Expressions: gas's integer expressions over 64 bits, with symbols, `.`, numeric local
// labels (1b/1f), %hi/%lo/%pcrel_hi/%pcrel_lo.

interface Value {
  v: bigint;
  /** Depends on a label of this block (gas: a symbol in this section, relaxable). */
  local: boolean;
  /** Depends on a symbol from opts.symbols (gas: another section/undefined; never relaxed). */
  external: boolean;
  /** First unknown symbol, when the value is not yet (or never) known. */
  unknown?: string;
  /** A %hi/%lo/%pcrel_* of a symbol: gas emits a relocation, so no compressed form is chosen. */
  reloc?: boolean;
}

type Reloc = 'hi' | 'lo' | 'pcrel_hi' | 'pcrel_lo';

interface EvalCtx {
  pc: bigint;
  lookup(name: string, col: number): Value;
  numeric(ref: string, col: number): Value;
  /** %pcrel_lo(label): the low part of the %pcrel_hi at `label`. */
  pcrelLo(label: Value, col: number): Value;
  /** Records that the instruction at pc carries %pcrel_hi(target). */
  pcrelHi(target: Value): void;
}

const constant = (v: bigint): Value => ({ v, local: false, external: false });
const S64 = (v: bigint) => BigInt.asIntN(64, v);

class ExprParser {
  private i = 0;
  constructor(private readonly s: string, private readonly col0: number, private readonly ctx: EvalCtx) {}

  static eval(s: string, col: number, ctx: EvalCtx): { value: Value } {
    const p = new ExprParser(s, col, ctx);
    const value = p.parseBinary(0);
    p.ws();
    if (p.i < s.length) throw new AsmError(`unexpected '${s.slice(p.i)}' in expression`, col + p.i);
    return { value };
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private static readonly PREC: Record<string, number> = {
    '|': 1, '^': 2, '&': 3, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6, '<<': 4, '>>': 4,
  };

  private peekOp(): string | undefined {
    this.ws();
    const two = this.s.slice(this.i, this.i + 2);
    if (two === '<<' || two === '>>') return two;
    const c = this.s[this.i];
    return c !== undefined && '|^&+-*/%'.includes(c) ? c : undefined;
  }

  parseBinary(minPrec: number): Value {
    let left = this.parseUnary();
    for (;;) {
      const op = this.peekOp();
      if (!op) return left;
      const prec = ExprParser.PREC[op];
      if (prec <= minPrec) return left;
      const at = this.i;
      this.i += op.length;
      const right = this.parseBinary(prec);
      left = this.apply(op, left, right, at);
    }
  }

  private apply(op: string, a: Value, b: Value, at: number): Value {
    const unknown = a.unknown ?? b.unknown;
    let v: bigint;
    switch (op) {
      case '+': v = a.v + b.v; break;
      case '-': v = a.v - b.v; break;
      case '*': v = a.v * b.v; break;
      case '/': if (b.v === 0n) { if (unknown) { v = 0n; break; } throw new AsmError('division by zero', this.col0 + at); } v = a.v / b.v; break;
      case '%': if (b.v === 0n) { if (unknown) { v = 0n; break; } throw new AsmError('division by zero', this.col0 + at); } v = a.v % b.v; break;
      case '<<': v = a.v << (b.v & 63n); break;
      case '>>': v = a.v >> (b.v & 63n); break;
      case '&': v = a.v & b.v; break;
      case '|': v = a.v | b.v; break;
      default: v = a.v ^ b.v;
    }
    // label - label (same block) is a constant, as in gas.
    const local = op === '-' && a.local && b.local ? false : a.local || b.local;
    return { v: S64(v), local, external: a.external || b.external, unknown, reloc: a.reloc || b.reloc };
  }

  private parseUnary(): Value {
    this.ws();
    const c = this.s[this.i];
    if (c === '-' || c === '~' || c === '+' || c === '!') {
      this.i++;
      const x = this.parseUnary();
      const v = c === '-' ? -x.v : c === '~' ? ~x.v : c === '!' ? (x.v === 0n ? 1n : 0n) : x.v;
      return { ...x, v: S64(v) };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Value {
    this.ws();
    const start = this.i;
    const rest = this.s.slice(this.i);
    if (rest.startsWith('(')) {
      this.i++;
      const v = this.parseBinary(0);
      this.ws();
      if (this.s[this.i] !== ')') throw new AsmError("expected ')'", this.col0 + this.i);
      this.i++;
      return v;
    }
    const rel = /^%(hi|lo|pcrel_hi|pcrel_lo)\s*\(/.exec(rest);
    if (rel) {
      this.i += rel[0].length;
      const inner = this.parseBinary(0);
      this.ws();
      if (this.s[this.i] !== ')') throw new AsmError("expected ')'", this.col0 + this.i);
      this.i++;
      return this.relocate(rel[1] as Reloc, inner, start);
    }
    if (rest.startsWith('%')) throw new AsmError(`unknown relocation '${/^%\w*/.exec(rest)![0]}'`, this.col0 + start);
    const num = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)([bf])?(?![\w.$])/.exec(rest);
    if (num) {
      this.i += num[0].length;
      if (num[2]) return this.ctx.numeric(num[0], this.col0 + start);
      const t = num[1];
      const v = /^0[0-7]+$/.test(t) ? BigInt('0o' + t.slice(1)) : BigInt(t);
      return constant(S64(v));
    }
    const chr = /^'(\\.|[^\\])'?/.exec(rest);
    if (chr) {
      this.i += chr[0].length;
      const ch = chr[1].length === 2 ? ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[chr[1][1]] ?? chr[1][1] : chr[1];
      return constant(BigInt(ch.charCodeAt(0)));
    }
    const id = /^[A-Za-z_.$][A-Za-z0-9_.$]*/.exec(rest);
    if (id) {
      this.i += id[0].length;
      if (id[0] === '.') return { v: this.ctx.pc, local: true, external: false };
      return this.ctx.lookup(id[0], this.col0 + start);
    }
    if (rest.length === 0) throw new AsmError('missing expression', this.col0 + start);
    throw new AsmError(`bad expression '${rest}'`, this.col0 + start);
  }

  private relocate(kind: Reloc, x: Value, at: number): Value {
    const plain = { local: false, external: false, unknown: x.unknown, reloc: x.local || x.external || x.unknown !== undefined };
    switch (kind) {
      case 'hi': return { ...plain, v: ((x.v + 0x800n) >> 12n) & 0xfffffn };
      case 'lo': return { ...plain, v: BigInt.asIntN(12, x.v) };
      case 'pcrel_hi':
        this.ctx.pcrelHi(x);
        return { ...plain, v: ((x.v - this.ctx.pc + 0x800n) >> 12n) & 0xfffffn };
      default: return this.ctx.pcrelLo(x, this.col0 + at);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Operand values of one instruction, before table lookup. */
type Ops = Pick<Insn, 'rd' | 'rs1' | 'rs2' | 'imm' | 'csr' | 'aq' | 'rl' | 'pred' | 'succ'>;

const zeroOps = (): Ops => ({ rd: 0, rs1: 0, rs2: 0, imm: 0, csr: 0, aq: false, rl: false, pred: 0, succ: 0 });

function fitsReg(f: RegField | undefined, reg: number, rd: number): boolean {
  if (f === undefined) return reg === 0;
  if (typeof f === 'number') return reg === f;
  if (f === 'rd') return reg === rd;
  return f.prime ? reg >= 8 && reg <= 15 : true;
}

function immText(spec: InsnSpec): string {
  const r = immRange(spec.imm!);
  return `${r.min}..${r.max}`;
}

/** Encodes `ops` with one table entry; returns the message of the first constraint violated. */
function encodeWith(spec: InsnSpec, o: Ops): number | string {
  let bits = spec.match;
  for (const [f, reg] of [[spec.rd, o.rd], [spec.rs1, o.rs1], [spec.rs2, o.rs2]] as const) {
    if (f === undefined || typeof f === 'number' || f === 'rd') continue;
    const v = insertReg(f, reg);
    if (v === undefined) return `register ${ABI_NAMES[reg]} not allowed here (x8..x15 only)`;
    bits |= v;
  }
  if (spec.imm) {
    const r = immRange(spec.imm);
    if (o.imm < r.min || o.imm > r.max) return `immediate ${o.imm} out of range ${immText(spec)}`;
    if (o.imm % r.align !== 0) return `immediate ${o.imm} is not a multiple of ${r.align}`;
    bits |= insertImm(spec.imm, o.imm);
  }
  if (spec.csr) bits |= (o.csr & 0xfff) << 20;
  if (spec.aqrl) bits |= (o.aq ? 1 << 26 : 0) | (o.rl ? 1 << 25 : 0);
  if (spec.fence && spec.name === 'fence') bits |= ((o.pred & 15) << 24) | ((o.succ & 15) << 20);
  bits >>>= 0;
  const hit = spec.exclude.find((x) => ((bits & x.mask) >>> 0) === x.match >>> 0);
  if (hit) return `${spec.name}: ${hit.why}`;
  return bits;
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

/**
 * GNU as's compressed candidates per base instruction, in riscv-opc.c order. Each maps the
 * base operands to the compressed entry's operands (commuted forms for commutative ops).
 */
const COMPRESS: Record<string, { c: string; map?: (o: Ops) => Ops | undefined }[]> = {
  addi: [
    { c: 'c.addi4spn' },
    { c: 'c.mv', map: (o) => (o.imm === 0 && o.rs1 !== 0 ? { ...o, rs2: o.rs1, rs1: 0 } : undefined) },
    { c: 'c.addi' },
    { c: 'c.addi16sp' },
    { c: 'c.li' },
  ],
  addiw: [{ c: 'c.addiw' }],
  lui: [{ c: 'c.lui' }],
  add: [
    { c: 'c.add' },
    { c: 'c.add', map: (o) => ({ ...o, rs1: o.rs2, rs2: o.rs1 }) },
    { c: 'c.mv' },
  ],
  sub: [{ c: 'c.sub' }],
  xor: [{ c: 'c.xor' }, { c: 'c.xor', map: (o) => ({ ...o, rs1: o.rs2, rs2: o.rs1 }) }],
  or: [{ c: 'c.or' }, { c: 'c.or', map: (o) => ({ ...o, rs1: o.rs2, rs2: o.rs1 }) }],
  and: [{ c: 'c.and' }, { c: 'c.and', map: (o) => ({ ...o, rs1: o.rs2, rs2: o.rs1 }) }],
  subw: [{ c: 'c.subw' }],
  addw: [{ c: 'c.addw' }, { c: 'c.addw', map: (o) => ({ ...o, rs1: o.rs2, rs2: o.rs1 }) }],
  andi: [{ c: 'c.andi' }],
  slli: [{ c: 'c.slli' }],
  srli: [{ c: 'c.srli' }],
  srai: [{ c: 'c.srai' }],
  lw: [{ c: 'c.lwsp' }, { c: 'c.lw' }],
  ld: [{ c: 'c.ldsp' }, { c: 'c.ld' }],
  sw: [{ c: 'c.swsp' }, { c: 'c.sw' }],
  sd: [{ c: 'c.sdsp' }, { c: 'c.sd' }],
  ebreak: [{ c: 'c.ebreak' }],
};

/**
 * Tries the compressed forms gas would pick for a base instruction; `only` restricts them to
 * the forms a pseudo-instruction's own riscv-opc.c entries offer (`li` only has c.li).
 */
function compress(name: string, o: Ops, only?: readonly string[], hintsOk = false): number | undefined {
  for (const cand of COMPRESS[name] ?? []) {
    if (only && !only.includes(cand.c)) continue;
    const spec = BY_NAME.get(cand.c)!;
    const ops = cand.map ? cand.map(o) : o;
    if (!ops) continue;
    if (!fitsReg(spec.rd, ops.rd, ops.rd) || !fitsReg(spec.rs1, ops.rs1, ops.rd) || !fitsReg(spec.rs2, ops.rs2, ops.rd)) continue;
    if (!spec.imm && ops.imm !== 0) continue;
    if (hintsOk ? ops.rd === 0 : isHint(spec, ops)) continue;
    const bits = encodeWith(spec, ops);
    if (typeof bits === 'number') return bits;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The assembler proper

interface PcrelHi {
  target: bigint;
}

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

/** The aliases the assembler reads, by name, in table order. */
const ASM_ALIASES = new Map<string, AliasSpec[]>();
for (const a of ALIASES) ASM_ALIASES.set(a.name, [...(ASM_ALIASES.get(a.name) ?? []), a]);

/** Whether operand text has the shape of an operand kind (to choose among same-named forms). */
function fitsShape(kind: OperandKind, text: string): boolean {
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

const FENCE_BITS = (s: string): number | undefined => {
  if (!/^[iorw]+$/.test(s)) return undefined;
  let v = 0;
  for (const c of s) v |= c === 'i' ? 8 : c === 'o' ? 4 : c === 'r' ? 2 : 1;
  return v;
};

export function assemble(source: string, opts: AsmOptions): AsmResult {
  return new Assembler(source, opts).run();
}

class Assembler {
  private readonly file: string;
  private readonly lineBase: number;
  private readonly colBase: number;
  private readonly external: ReadonlyMap<string, number>;
  private stmts: Stmt[] = [];
  /** Label addresses from the previous pass (and the current one as it proceeds). */
  private labels = new Map<string, bigint>();
  private equs = new Map<string, Value>();
  /** Numeric label definitions: name -> [statement index, address][] in order. */
  private numeric = new Map<string, { stmt: number; addr: bigint }[]>();
  private numericNow = new Map<string, { stmt: number; addr: bigint }[]>();
  /** Statements that needed their long form in a previous pass (relaxation only grows). */
  private grown = new Map<number, number>();
  private pcrelHi = new Map<bigint, PcrelHi>();
  private diagnostics: AsmDiagnostic[] = [];
  private report = false;
  private stmt!: Stmt;
  private pc = 0n;
  private changed = false;
  /** The current statement has a relocated operand (%lo(sym), ...): it keeps its full size. */
  private relocated = false;

  constructor(private readonly source: string, private readonly opts: AsmOptions) {
    this.file = opts.file ?? '<asm>';
    this.lineBase = opts.line ?? 1;
    this.colBase = opts.column ?? 1;
    this.external = opts.symbols ?? new Map();
  }

  private diag(line: number, col: number, message: string): void {
    const code = ERROR_CODES.find(([re]) => re.test(message))?.[1] ?? 'syntax';
    const d = { file: this.file, line: this.lineBase + line - 1, column: line === 1 ? this.colBase + col - 1 : col, message, code };
    // An operand evaluated twice (range check, then encoding) reports once.
    if (this.diagnostics.some((x) => x.line === d.line && x.column === d.column && x.message === d.message)) return;
    this.diagnostics.push(d);
  }

  run(): AsmResult {
    this.stmts = lex(this.source);
    let result: { bytes: number[]; lines: AsmLine[] } = { bytes: [], lines: [] };
    // Pass 0 tolerates forward references; later passes use the previous pass's addresses and
    // report unknown symbols. Passes repeat until no label moved and no branch grew.
    for (let pass = 0; pass < 16; pass++) {
      this.report = pass > 0;
      this.changed = false;
      this.diagnostics = [];
      this.pcrelHi = new Map();
      result = this.pass();
      if (!this.changed) break;
    }
    const symbols = new Map<string, number>();
    for (const [k, v] of this.labels) if (!/^\d+$/.test(k)) symbols.set(k, Number(v));
    for (const [k, v] of this.equs) if (!v.unknown) symbols.set(k, Number(v.v));
    this.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    return { bytes: Uint8Array.from(result.bytes), symbols, lines: result.lines, diagnostics: this.diagnostics };
  }

  private define(name: string, addr: bigint): void {
    const old = this.labels.get(name);
    if (old !== undefined && old !== addr) this.changed = true;
    this.labels.set(name, addr);
  }

  private pass(): { bytes: number[]; lines: AsmLine[] } {
    const base = BigInt(this.opts.base);
    const bytes: number[] = [];
    const lines: AsmLine[] = [];
    const rvcStack: boolean[] = [];
    let rvc = this.opts.rvc ?? true;
    const seenLabels = new Set<string>();
    const numericSeen = new Map<string, { stmt: number; addr: bigint }[]>();
    this.numericNow = numericSeen;
    for (const st of this.stmts) {
      this.stmt = st;
      this.pc = base + BigInt(bytes.length);
      for (const l of st.labels) {
        if (/^\d+$/.test(l.name)) {
          const list = numericSeen.get(l.name) ?? [];
          list.push({ stmt: st.index, addr: this.pc });
          numericSeen.set(l.name, list);
          continue;
        }
        if (seenLabels.has(l.name) || this.equs.has(l.name)) this.diag(st.line, l.col, `symbol '${l.name}' is already defined`);
        else if (this.external.has(l.name)) this.diag(st.line, l.col, `symbol '${l.name}' is already defined outside this block`);
        seenLabels.add(l.name);
        this.define(l.name, this.pc);
      }
      if (!st.op) continue;
      const start = bytes.length;
      this.relocated = false;
      try {
        if (st.op.startsWith('.')) {
          const r = this.directive(st, bytes, rvc, rvcStack);
          if (r !== undefined) rvc = r;
        } else {
          for (const b of this.instruction(st, rvc)) bytes.push(b);
        }
      } catch (e) {
        if (!(e instanceof AsmError)) throw e;
        this.diag(st.line, e.col, e.message);
      }
      if (bytes.length > start) lines.push({ offset: start, size: bytes.length - start, line: this.lineBase + st.line - 1 });
    }
    // Numeric labels: compare with the previous pass for convergence.
    for (const [k, list] of numericSeen) {
      const old = this.numeric.get(k);
      if (old && (old.length !== list.length || old.some((x, i) => x.addr !== list[i].addr))) this.changed = true;
    }
    this.numeric = numericSeen;
    return { bytes, lines };
  }

  // ---- expressions

  private ctx(): EvalCtx {
    return {
      pc: this.pc,
      lookup: (name, col) => {
        const equ = this.equs.get(name);
        if (equ) return equ;
        const l = this.labels.get(name);
        if (l !== undefined) return { v: l, local: true, external: false };
        const x = this.external.get(name);
        if (x !== undefined) return { v: BigInt(x), local: false, external: true };
        if (this.report) return this.missing(`unknown symbol '${name}'`, col);
        this.changed = true;
        return { v: 0n, local: true, external: false, unknown: name };
      },
      numeric: (ref, col) => {
        const name = ref.slice(0, -1);
        const dir = ref.slice(-1);
        // Backward references see this pass's definitions, forward ones the previous pass's.
        const cur = this.stmt.index;
        const list = (dir === 'b' ? this.numericNow.get(name) : this.numeric.get(name)) ?? [];
        // Definitions are in statement order: binary search for the first one after `cur`.
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (list[mid].stmt <= cur) lo = mid + 1;
          else hi = mid;
        }
        const hit = dir === 'b' ? list[lo - 1] : list[lo];
        if (!hit) {
          if (this.report) return this.missing(`unknown local label '${ref}'`, col);
          this.changed = true;
          return { v: this.pc, local: true, external: false, unknown: ref };
        }
        return { v: hit.addr, local: true, external: false };
      },
      pcrelLo: (label, col) => {
        const hi = this.pcrelHi.get(label.v);
        if (!hi) {
          if (this.report && !label.unknown) throw new AsmError('%pcrel_lo: no auipc with %pcrel_hi at that label', col);
          this.changed = true;
          return { v: 0n, local: false, external: false, unknown: label.unknown ?? '%pcrel_lo' };
        }
        return { v: BigInt.asIntN(12, hi.target - label.v), local: false, external: false, reloc: true };
      },
      pcrelHi: (target) => {
        this.pcrelHi.set(this.pc, { target: target.v });
      },
    };
  }

  /**
   * An unknown symbol in a reporting pass: the diagnostic is recorded and the statement still
   * takes the size it would have with the symbol defined in another block (an external
   * symbol: full-size branches), so a caller's layout does not shift around the error.
   */
  private missing(message: string, col: number): Value {
    this.diag(this.stmt.line, col, message);
    return { v: this.pc, local: false, external: true };
  }

  private expr(o: Operand): Value {
    if (o.text === '') throw new AsmError('missing operand', o.col);
    const v = ExprParser.eval(o.text, o.col, this.ctx()).value;
    if (v.reloc) this.relocated = true;
    return v;
  }

  private num(o: Operand, min: bigint, max: bigint): number {
    const v = this.expr(o);
    if (v.unknown) return 0;
    if (v.v < min || v.v > max) throw new AsmError(`immediate ${v.v} out of range ${min}..${max}`, o.col);
    return Number(v.v);
  }

  // ---- operands

  private reg(o: Operand | undefined, what = 'register'): number {
    if (!o) throw new AsmError(`missing ${what}`, this.endCol());
    const r = regNumber(o.text.toLowerCase());
    if (r === undefined) throw new AsmError(`expected ${what}, got '${o.text}'`, o.col);
    return r;
  }

  private endCol(): number {
    const a = this.stmt.args;
    if (a.length === 0) return this.stmt.opCol + (this.stmt.op?.length ?? 0);
    const last = a[a.length - 1];
    return last.col + last.text.length;
  }

  private want(n: number | number[]): void {
    const counts = Array.isArray(n) ? n : [n];
    const got = this.stmt.args.length;
    if (counts.includes(got)) return;
    const max = Math.max(...counts);
    if (got > max) throw new AsmError(`too many operands for '${this.stmt.op}' (expected ${counts.join(' or ')})`, this.stmt.args[max].col);
    throw new AsmError(`missing operand for '${this.stmt.op}' (expected ${counts.join(' or ')})`, this.endCol());
  }

  /** `imm(reg)`, `(reg)` or `imm` (then base x0 is not allowed: gas would need a symbol pseudo). */
  private memOperand(o: Operand): { imm: Operand; base: number } {
    const m = /^(.*)\(\s*([A-Za-z0-9]+)\s*\)$/.exec(o.text);
    if (!m) throw new AsmError(`expected offset(register), got '${o.text}'`, o.col);
    const base = regNumber(m[2].toLowerCase());
    if (base === undefined) throw new AsmError(`expected register, got '${m[2]}'`, o.col + o.text.lastIndexOf('(') + 1);
    const immText = m[1].trim();
    return { imm: { text: immText === '' ? '0' : immText, col: o.col }, base };
  }

  private csr(o: Operand): number {
    const n = CSR_NUMBERS.get(o.text.toLowerCase());
    if (n !== undefined) return n;
    const name = o.text.trim();
    if (/^[A-Za-z_.$][A-Za-z0-9_.$]*$/.test(name) && !this.equs.has(name) && !this.external.has(name)) {
      throw new AsmError(`unknown CSR '${name}'`, o.col);
    }
    const v = this.expr(o);
    if (v.unknown) return 0;
    if (v.v < 0n || v.v > 0xfffn) throw new AsmError(`CSR number ${v.v} out of range 0..4095`, o.col);
    return Number(v.v);
  }

  /** A branch/jump target: absolute address -> offset from pc, checked for range and alignment. */
  private target(o: Operand, bits: number): { offset: number; value: Value } {
    const v = this.expr(o);
    const off = Number(v.v - this.pc);
    if (v.unknown) return { offset: 0, value: v };
    if (off % 2 !== 0) throw new AsmError('branch target misaligned', o.col);
    const lim = 2 ** (bits - 1);
    if (off < -lim || off >= lim) throw new AsmError(`branch target out of range (offset ${off}, allowed ${-lim}..${lim - 2})`, o.col);
    return { offset: off, value: v };
  }

  // ---- instructions

  private emit32(name: string, o: Ops, col: number): number[] {
    const spec = BY_NAME.get(name)!;
    const bits = encodeWith(spec, o);
    if (typeof bits === 'string') throw new AsmError(bits, col);
    return le(bits, 4);
  }

  /** Emits a base instruction, compressed when RVC is on and gas would compress it. */
  private emitBase(name: string, o: Ops, rvc: boolean, col: number, only?: readonly string[], hintsOk = false): number[] {
    if (rvc && !this.relocated) {
      const c = compress(name, o, only, hintsOk);
      if (c !== undefined) return le(c, 2);
    }
    return this.emit32(name, o, col);
  }

  private instruction(st: Stmt, rvc: boolean): number[] {
    const op = st.op!;
    const a = st.args;
    const argCol = (i: number) => a[i]?.col ?? this.endCol();

    // AMO ordering suffixes
    const amo = /^((?:lr|sc|amo[a-z]+)\.[wd])((?:\.aqrl|\.aq|\.rl)?)$/.exec(op);
    if (amo && BY_NAME.has(amo[1])) {
      const spec = BY_NAME.get(amo[1])!;
      const o = zeroOps();
      o.aq = amo[2] === '.aq' || amo[2] === '.aqrl';
      o.rl = amo[2] === '.rl' || amo[2] === '.aqrl';
      if (spec.syntax === 'rd,(rs1)') {
        this.want(2);
        o.rd = this.reg(a[0]);
        o.rs1 = this.addrReg(a[1]);
      } else {
        this.want(3);
        o.rd = this.reg(a[0]);
        o.rs2 = this.reg(a[1]);
        o.rs1 = this.addrReg(a[2]);
      }
      return this.emit32(spec.name, o, st.opCol);
    }

    const pseudo = this.pseudo(st, rvc);
    if (pseudo) return pseudo;

    const spec = BY_NAME.get(op);
    if (spec && spec.size === 2) {
      const o = this.operands(spec, st);
      const bits = encodeWith(spec, o);
      if (typeof bits === 'string') throw new AsmError(bits, argCol(spec.imm ? a.length - 1 : 0));
      if (!rvc) throw new AsmError(`'${op}' needs the C extension (.option rvc)`, st.opCol);
      return le(bits, 2);
    }
    // The entry itself, then its aliases (table.ts ALIASES), whichever the operands fit.
    type Form = { kinds: OperandKind[]; of: InsnSpec; fixed: AliasSpec['fixed']; rvc?: readonly string[]; rvcHint?: boolean; alias: boolean };
    const forms: Form[] = [];
    if (spec) forms.push({ kinds: syntaxOperands(spec.syntax), of: spec, fixed: {}, alias: false });
    for (const al of ASM_ALIASES.get(op) ?? []) forms.push({ kinds: al.operands, of: BY_NAME.get(al.of)!, fixed: al.fixed, rvc: al.rvc, rvcHint: al.rvcHint, alias: true });
    if (forms.length === 0) throw new AsmError(`unknown mnemonic '${op}'`, st.opCol);
    const form = forms.find((f) => f.kinds.length === a.length && f.kinds.every((k, n) => fitsShape(k, a[n].text)))
      ?? forms.find((f) => f.kinds.length === a.length) ?? forms[0];
    if (form.kinds.length !== a.length) this.want(forms.map((f) => f.kinds.length).filter((n, k, all) => all.indexOf(n) === k));
    const { o, target, immAt } = this.parseOperands(form.kinds, form.fixed);
    const name = form.of.name;
    const compressible = form.alias ? (form.rvc ?? []).some((c) => c === 'c.beqz' || c === 'c.bnez' || c === 'c.j') : name === 'beq' || name === 'bne';
    if (form.of.kind === 'branch' || name === 'jal') return this.branch(name, o, rvc, target, compressible);
    if (name === 'jalr') {
      // gas compresses only the one-register forms (jr rs, jalr rs, ret), never `jalr rd, imm(rs)`.
      const c = rvc && form.rvc?.length && o.rs1 !== 0 ? BY_NAME.get(form.rvc[0])! : undefined;
      if (c && o.imm === 0) return le(c.match | (o.rs1 << 7), 2);
      return this.emit32('jalr', o, immAt ?? st.opCol);
    }
    try {
      return this.emitBase(name, o, rvc, st.opCol, form.alias ? form.rvc : undefined, form.rvcHint);
    } catch (e) {
      if (e instanceof AsmError && /immediate/.test(e.message) && immAt !== undefined) throw new AsmError(e.message, immAt);
      throw e;
    }
  }

  /** Parses operands of the given kinds (a 32-bit entry's syntax or an alias's) over `fixed` fields. */
  private parseOperands(kinds: OperandKind[], fixed: AliasSpec['fixed']): { o: Ops; target?: Operand; immAt?: number } {
    const a = this.stmt.args;
    const o: Ops = { ...zeroOps(), ...fixed };
    let target: Operand | undefined;
    let immAt: number | undefined;
    const immOf = (x: Operand) => {
      immAt = x.col;
      const v = this.expr(x);
      if (v.unknown) return 0;
      if (v.v > BigInt(Number.MAX_SAFE_INTEGER) || v.v < BigInt(Number.MIN_SAFE_INTEGER)) throw new AsmError(`immediate ${v.v} out of range`, x.col);
      return Number(v.v);
    };
    kinds.forEach((k, n) => {
      const x = a[n];
      switch (k) {
        case 'rd': o.rd = this.reg(x); break;
        case 'rs1': o.rs1 = this.reg(x); break;
        case 'rs2': o.rs2 = this.reg(x); break;
        case 'imm': case 'shamt': o.imm = immOf(x); break;
        case 'zimm': immAt = x.col; o.imm = this.num(x, 0n, 31n); break;
        case 'uimm20': {
          immAt = x.col;
          const v = this.num(x, 0n, 0xfffffn);
          o.imm = (v >= 0x80000 ? v - 0x100000 : v) * 4096;
          break;
        }
        case 'target': target = x; break;
        case 'mem': {
          const m = this.memOperand(x);
          o.rs1 = m.base;
          o.imm = immOf(m.imm);
          break;
        }
        case '(rs1)': o.rs1 = this.addrReg(x); break;
        case 'csr': o.csr = this.csr(x); break;
        case 'pred': case 'succ': {
          const v = FENCE_BITS(x.text.toLowerCase());
          if (v === undefined) throw new AsmError(`expected fence set (i, o, r, w), got '${x.text}'`, x.col);
          o[k] = v;
          break;
        }
      }
    });
    return { o, target, immAt };
  }

  private addrReg(o: Operand | undefined): number {
    if (!o) throw new AsmError('missing address operand', this.endCol());
    const m = /^(?:0\s*)?\(\s*([A-Za-z0-9]+)\s*\)$/.exec(o.text);
    if (!m) throw new AsmError(`expected (register), got '${o.text}'`, o.col);
    return this.reg({ text: m[1], col: o.col + o.text.indexOf(m[1]) });
  }

  /** Parses the operands of an explicit c.* mnemonic per its entry's syntax. */
  private operands(spec: InsnSpec, st: Stmt): Ops {
    const a = st.args;
    const o = zeroOps();
    const immOf = (x: Operand) => {
      const v = this.expr(x);
      if (v.unknown) return 0;
      if (v.v > BigInt(Number.MAX_SAFE_INTEGER) || v.v < BigInt(Number.MIN_SAFE_INTEGER)) throw new AsmError(`immediate ${v.v} out of range`, x.col);
      return Number(v.v);
    };
    const implicit = (f: RegField | undefined) => (typeof f === 'number' ? f : 0);
    o.rs1 = implicit(spec.rs1);
    o.rd = implicit(spec.rd);
    o.rs2 = implicit(spec.rs2);
    switch (spec.syntax) {
      case 'rd,imm(rs1)': case 'rs2,imm(rs1)': {
        this.want(2);
        if (spec.syntax === 'rd,imm(rs1)') o.rd = this.reg(a[0]);
        else o.rs2 = this.reg(a[0]);
        const m = this.memOperand(a[1]);
        o.rs1 = m.base;
        o.imm = immOf(m.imm);
        if (typeof spec.rs1 === 'number' && m.base !== spec.rs1) throw new AsmError(`'${spec.name}' takes its base in ${ABI_NAMES[spec.rs1]}`, a[1].col);
        break;
      }
      case '': this.want(0); break;
      // RVC explicit forms
      case 'rd,sp,imm': this.want(3); o.rd = this.reg(a[0]); if (this.reg(a[1]) !== 2) throw new AsmError("expected 'sp'", a[1].col); o.rs1 = 2; o.imm = immOf(a[2]); break;
      case 'rd,imm': this.want(2); o.rd = this.reg(a[0]); if (spec.rs1 === 'rd') o.rs1 = o.rd; o.imm = immOf(a[1]); break;
      case 'rd,cuimm': {
        this.want(2);
        o.rd = this.reg(a[0]);
        const v = this.num(a[1], 0n, 0xfffffn);
        o.imm = (v >= 0x80000 ? v - 0x100000 : v) * 4096;
        break;
      }
      case 'sp,imm': this.want(2); if (this.reg(a[0]) !== 2) throw new AsmError("expected 'sp'", a[0].col); o.imm = immOf(a[1]); break;
      case 'rd,cshamt': this.want(2); o.rd = this.reg(a[0]); o.rs1 = o.rd; o.imm = immOf(a[1]); break;
      case 'rd': this.want(1); o.rd = this.reg(a[0]); o.rs1 = o.rd; break;
      case 'rd,rs2': this.want(2); o.rd = this.reg(a[0]); if (spec.rs1 === 'rd') o.rs1 = o.rd; o.rs2 = this.reg(a[1]); break;
      case 'rs1': this.want(1); o.rs1 = this.reg(a[0]); break;
      case 'rs1,target': {
        this.want(2);
        o.rs1 = this.reg(a[0]);
        o.imm = this.target(a[1], 9).offset;
        break;
      }
      case 'target': this.want(1); o.imm = this.target(a[0], 12).offset; break;
      default: throw new AsmError(`cannot assemble '${spec.name}'`, st.opCol);
    }
    return o;
  }

  /**
   * Branches and jumps to a target, relaxed as gas relaxes them (tc-riscv.c RELAX_BRANCH) when
   * the target is a label of this block: level 0 the compressed form (c.beqz/c.bnez/c.j, when
   * RVC is on and the mnemonic has one), level 1 the 32-bit form, level 2 (conditional
   * branches) the inverted branch over a `jal x0` (compressed when it can be). Levels only grow
   * from pass to pass. A target from opts.symbols (for gas, another section) keeps level 1.
   */
  private branch(name: string, o: Ops, rvc: boolean, targetOp: Operand | undefined, compressible = false): number[] {
    if (!targetOp) throw new AsmError('missing branch target', this.endCol());
    const v = this.expr(targetOp);
    const off = Number(v.v - this.pc);
    const cname = name === 'jal' ? 'c.j' : name === 'beq' ? 'c.beqz' : name === 'bne' ? 'c.bnez' : undefined;
    const cspec = cname ? BY_NAME.get(cname)! : undefined;
    const cfits = (spec: InsnSpec, ops: Ops) => fitsReg(spec.rs1, ops.rs1, ops.rd) && fitsReg(spec.rs2, ops.rs2, ops.rd) && (spec.name !== 'c.j' || ops.rd === 0);
    const relaxable = v.local && !v.external;
    const minLevel = rvc && compressible && cspec && relaxable && cfits(cspec, o) ? 0 : 1;
    const idx = this.stmt.index;
    let level = Math.max(minLevel, this.grown.get(idx) ?? 0);
    const inRange = (lvl: number) => {
      if (v.unknown) return true;
      if (lvl === 0) { const r = immRange(cspec!.imm!); return off >= r.min && off <= r.max; }
      if (lvl === 1) return name === 'jal' ? off >= -(2 ** 20) && off < 2 ** 20 : off >= -4096 && off < 4096;
      return true;
    };
    const maxLevel = relaxable && name !== 'jal' ? 2 : 1;
    while (level < maxLevel && !inRange(level)) level++;
    if (level > (this.grown.get(idx) ?? minLevel)) {
      this.grown.set(idx, level);
      this.changed = true;
    }
    if (!v.unknown && off % 2 !== 0) throw new AsmError('branch target misaligned', targetOp.col);
    if (level === 0) {
      if (v.unknown) return [0, 0];
      const bits = encodeWith(cspec!, { ...o, imm: off });
      if (typeof bits === 'string') throw new AsmError(bits, targetOp.col);
      return le(bits, 2);
    }
    if (level === 1) {
      if (v.unknown) return [0, 0, 0, 0];
      const t = this.target(targetOp, name === 'jal' ? 21 : 13);
      return this.emit32(name, { ...o, imm: t.offset }, targetOp.col);
    }
    // Level 2: `b<inverse> rs1, rs2, 1f; jal x0, target; 1:`
    const inverse = ({ beq: 'bne', bne: 'beq', blt: 'bge', bge: 'blt', bltu: 'bgeu', bgeu: 'bltu' } as Record<string, string>)[name];
    const ispec = BY_NAME.get(inverse === 'beq' ? 'c.beqz' : inverse === 'bne' ? 'c.bnez' : '')!;
    const short = rvc && ispec !== undefined && cfits(ispec, o);
    const skip = short ? 6 : 8;
    const first = short ? encodeWith(ispec, { ...o, imm: skip }) : encodeWith(BY_NAME.get(inverse)!, { ...o, imm: skip });
    if (typeof first === 'string') throw new AsmError(first, targetOp.col);
    const jpc = this.pc + BigInt(short ? 2 : 4);
    const joff = Number(v.v - jpc);
    if (v.unknown) return new Array(skip).fill(0);
    if (joff < -(2 ** 20) || joff >= 2 ** 20) throw new AsmError(`branch target out of range (offset ${off}, allowed -1048576..1048574)`, targetOp.col);
    return [...le(first, short ? 2 : 4), ...le(encodeWith(BY_NAME.get('jal')!, { ...zeroOps(), imm: joff }) as number, 4)];
  }

  /** Pseudo-instructions (gas riscv-opc.c aliases and macros). Returns undefined if `op` is none. */
  private pseudo(st: Stmt, rvc: boolean): number[] | undefined {
    const a = st.args;
    const op = st.op!;
    const R = (i: number) => this.reg(a[i]);
    const base = (name: string, o: Partial<Ops>, only?: readonly string[]) => this.emitBase(name, { ...zeroOps(), ...o }, rvc, st.opCol, only);
    switch (op) {
      case 'li': {
        this.want(2);
        const rd = R(0);
        const v = this.expr(a[1]);
        // gas: "illegal operands" for a symbol; an address needs la/lla (a fixed 8-byte pair).
        if (v.local || v.external) throw new AsmError('li needs a constant; use la or lla to load an address', a[1].col);
        if (v.unknown) return [0, 0];
        if (v.v >= -2048n && v.v <= 2047n) return base('addi', { rd, imm: Number(v.v) }, ['c.li']);
        const seq: [string, Ops][] = [];
        loadConst(rd, v.v, seq);
        return seq.flatMap(([name, o]) => this.emitBase(name, o, rvc, st.opCol));
      }
      case 'la': case 'lla': {
        this.want(2);
        const rd = R(0);
        return this.pcrelPair(rd, a[1], (lo) => this.emit32('addi', { ...zeroOps(), rd, rs1: rd, imm: lo }, st.opCol));
      }
      case 'call': case 'tail': {
        this.want([1, 2]);
        // gas riscv-opc.c: `call sym` links and addresses through ra; `call rd, sym` and `tail`
        // address through t1.
        const link = op === 'tail' ? 0 : a.length === 2 ? R(0) : 1;
        const tmp = op === 'call' && a.length === 1 ? 1 : 6;
        return this.pcrelPair(tmp, a[a.length - 1], (lo) => this.emit32('jalr', { ...zeroOps(), rd: link, rs1: tmp, imm: lo }, st.opCol));
      }
      case 'unimp': this.want(0); return rvc ? [0, 0] : le(0xc0001073, 4);
      case 'c.unimp': this.want(0); return [0, 0];
      // PAUSE (Zihintpause) is `fence w,0`; GNU as needs _zihintpause for it, we accept it as the hint.
      case 'pause': this.want(0); return le(0x0100000f, 4);
      case 'c.nop': this.want([0, 1]); return le(0x0001 | (a.length ? insertImm(BY_NAME.get('c.addi')!.imm!, this.num(a[0], -32n, 31n)) : 0), 2);
      case 'sbreak': this.want(0); return base('ebreak', {});
      case 'scall': this.want(0); return this.emit32('ecall', zeroOps(), st.opCol);
      case 'lb': case 'lh': case 'lw': case 'ld': case 'lbu': case 'lhu': case 'lwu': {
        // `lw rd, symbol`: auipc rd, %pcrel_hi(symbol); lw rd, %pcrel_lo(.)(rd)
        if (a.length !== 2 || /\(\s*[A-Za-z0-9]+\s*\)$/.test(a[1].text)) return undefined;
        const rd = R(0);
        return this.pcrelPair(rd, a[1], (lo) => this.emit32(op, { ...zeroOps(), rd, rs1: rd, imm: lo }, st.opCol));
      }
      case 'sb': case 'sh': case 'sw': case 'sd': {
        // `sw rs2, symbol, temp`
        if (a.length !== 3) return undefined;
        const rs2 = R(0);
        const tmp = R(2);
        return this.pcrelPair(tmp, a[1], (lo) => this.emit32(op, { ...zeroOps(), rs2, rs1: tmp, imm: lo }, st.opCol));
      }
    }
    return undefined;
  }

  /** auipc reg, %pcrel_hi(target) followed by the low-part user (8 bytes, never compressed). */
  private pcrelPair(reg: number, target: Operand, low: (lo: number) => number[]): number[] {
    const v = this.expr(target);
    const delta = v.v - this.pc;
    if (!v.unknown && (delta < -(2n ** 31n) - 2048n || delta >= 2n ** 31n - 2048n)) {
      throw new AsmError(`target out of range of auipc (offset ${delta})`, target.col);
    }
    const lo = Number(BigInt.asIntN(12, delta));
    const hi = Number(BigInt.asIntN(20, ((delta - BigInt(lo)) >> 12n) & 0xfffffn));
    this.pcrelHi.set(this.pc, { target: v.v });
    return [...this.emit32('auipc', { ...zeroOps(), rd: reg, imm: hi * 4096 }, target.col), ...low(lo)];
  }

  // ---- directives

  private directive(st: Stmt, out: number[], rvc: boolean, rvcStack: boolean[]): boolean | undefined {
    const a = st.args;
    const op = st.op!;
    const data = (size: number) => {
      if (a.length === 0) throw new AsmError(`'${op}' needs at least one value`, this.endCol());
      for (const x of a) {
        const v = this.expr(x);
        const bits = BigInt(size * 8);
        if (!v.unknown && (v.v >= 1n << bits || v.v < -(1n << (bits - 1n)))) {
          throw new AsmError(`value ${v.v} does not fit in ${size} byte${size > 1 ? 's' : ''}`, x.col);
        }
        let u = BigInt.asUintN(size * 8, v.v);
        for (let k = 0; k < size; k++) {
          out.push(Number(u & 0xffn));
          u >>= 8n;
        }
      }
    };
    switch (op) {
      case '.byte': data(1); return;
      case '.half': case '.short': case '.2byte': data(2); return;
      case '.word': case '.long': case '.int': case '.4byte': data(4); return;
      case '.dword': case '.quad': case '.8byte': data(8); return;
      case '.zero': case '.space': case '.skip': {
        this.want([1, 2]);
        const n = this.num(a[0], 0n, 1n << 20n);
        const fill = a.length === 2 ? this.num(a[1], -128n, 255n) & 0xff : 0;
        for (let k = 0; k < n; k++) out.push(fill);
        return;
      }
      case '.fill': {
        this.want([1, 2, 3]);
        const n = this.num(a[0], 0n, 1n << 20n);
        const size = a.length >= 2 ? this.num(a[1], 0n, 8n) : 1;
        const v = a.length === 3 ? BigInt.asUintN(64, this.expr(a[2]).v) : 0n;
        for (let k = 0; k < n; k++) for (let b = 0; b < size; b++) out.push(b < 4 ? Number((v >> BigInt(8 * b)) & 0xffn) : 0);
        return;
      }
      case '.ascii': case '.asciz': case '.string': {
        for (const x of a) {
          const m = /^"((?:[^"\\]|\\.)*)"$/.exec(x.text);
          if (!m) throw new AsmError(`expected string, got '${x.text}'`, x.col);
          const s = m[1].replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
            if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
            if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
            return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
          });
          for (const ch of s) out.push(ch.charCodeAt(0) & 0xff);
          if (op !== '.ascii') out.push(0);
        }
        return;
      }
      case '.align': case '.p2align': case '.balign': {
        this.want([1, 2, 3]);
        const n = this.num(a[0], 0n, op === '.balign' ? 1n << 16n : 16n);
        const align = op === '.balign' ? n : 2 ** n;
        if (op === '.balign' && (align & (align - 1)) !== 0) throw new AsmError(`alignment ${align} is not a power of 2`, a[0].col);
        const pos = Number(BigInt.asUintN(64, this.pc) % BigInt(Math.max(align, 1)));
        let pad = pos === 0 ? 0 : align - pos;
        if (a.length >= 2 && a[1].text !== '') {
          const fill = this.num(a[1], -128n, 255n) & 0xff;
          for (let k = 0; k < pad; k++) out.push(fill);
          return;
        }
        // Code alignment as gas pads it (tc-riscv.c riscv_frag_align_code, riscv_handle_align):
        // none at all when the alignment is no larger than the instruction alignment (2 with
        // RVC, 4 without); otherwise a zero byte for an odd count, one c.nop for a 2-byte
        // remainder (even under norvc), then 4-byte nops.
        if (align <= (rvc ? 2 : 4)) return;
        if (pad % 2 === 1) { out.push(0); pad--; }
        if (pad % 4 === 2) { out.push(0x01, 0x00); pad -= 2; }
        while (pad >= 4) { out.push(0x13, 0, 0, 0); pad -= 4; }
        return;
      }
      case '.option': {
        if (a[0]?.text === 'arch') {
          // `.option arch, +c` / `-c` / `rv64imac`: only the C extension matters here.
          this.want([2, 3, 4, 5, 6, 7, 8]);
          let on = rvc;
          for (const x of a.slice(1)) {
            const t = x.text.toLowerCase();
            if (t === '+c') on = true;
            else if (t === '-c') on = false;
            else if (/^rv(32|64)/.test(t)) on = /^rv(32|64)[a-z]*c/.test(t.split('_')[0]) || /^rv(32|64)g[a-z]*c/.test(t);
          }
          return on;
        }
        this.want(1);
        switch (a[0].text) {
          case 'rvc': return true;
          case 'norvc': return false;
          case 'push': rvcStack.push(rvc); return;
          case 'pop':
            if (rvcStack.length === 0) throw new AsmError('.option pop with no .option push', a[0].col);
            return rvcStack.pop();
          case 'relax': case 'norelax': case 'pic': case 'nopic': case 'csr-check': case 'no-csr-check':
            return;
          default:
            throw new AsmError(`unknown .option '${a[0].text}'`, a[0].col);
        }
      }
      case '.equ': case '.set': case '.equiv': {
        this.want(2);
        const name = a[0].text;
        if (!/^[A-Za-z_.$][A-Za-z0-9_.$]*$/.test(name)) throw new AsmError(`expected symbol name, got '${name}'`, a[0].col);
        if (this.labels.has(name)) throw new AsmError(`symbol '${name}' is already defined`, a[0].col);
        const v = this.expr(a[1]);
        const old = this.equs.get(name);
        if (old && (old.v !== v.v || !!old.unknown !== !!v.unknown)) this.changed = true;
        this.equs.set(name, { ...v, local: false });
        return;
      }
      case '.insn': {
        this.want(1);
        const v = this.expr(a[0]);
        const size = (v.v & 3n) === 3n ? 4 : 2;
        if (!v.unknown && (v.v < 0n || v.v >= 1n << BigInt(size * 8))) throw new AsmError(`instruction ${v.v} does not fit its length (${size} bytes)`, a[0].col);
        out.push(...le(Number(BigInt.asUintN(32, v.v)), size));
        return;
      }
      // Accepted and ignored: sections, symbol attributes, debug and CFI information.
      case '.text': case '.data': case '.bss': case '.rodata': case '.section': case '.globl': case '.global':
      case '.local': case '.weak': case '.type': case '.size': case '.file': case '.ident': case '.attribute':
      case '.hidden': case '.protected': case '.previous': case '.pushsection': case '.popsection': case '.loc':
        return;
      default:
        if (op.startsWith('.cfi_')) return;
        throw new AsmError(`unknown directive '${op}'`, st.opCol);
    }
  }
}

function le(bits: number, size: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < size; k++) out.push((bits >>> (8 * k)) & 0xff);
  return out;
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
  if (typeof bits === 'string') return bits;
  const back = decode(bits);
  for (const k of ['rd', 'rs1', 'rs2', 'imm', 'csr', 'aq', 'rl', 'pred', 'succ'] as const) {
    if (!back || back[k] !== o[k]) return `${spec.name} cannot encode ${k}=${o[k]}${back ? ` (it would be ${back[k]})` : ''}`;
  }
  return bits;
}

/**
 * Encodes one instruction given in assembly syntax (e.g. `auipc t0, 0x1234` or `c.nop`) at
 * `pc`; returns its bytes or the diagnostic message. Convenient for patch sites.
 */
export function encode(text: string, pc = 0, rvc = false): Uint8Array | string {
  const r = assemble(text, { base: pc, rvc });
  if (r.diagnostics.length) return r.diagnostics[0].message;
  return r.bytes;
}
