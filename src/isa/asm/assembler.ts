/**
 * The two-pass driver (passes repeat until the layout is stable): statements in address order,
 * labels and numeric local labels, the symbol lookups behind expressions, diagnostics, and the
 * dispatch of each statement to a directive, a macro pseudo-instruction (pseudo.ts), a branch
 * (relax.ts), an explicit c.* form, or a table entry or alias (table.ts).
 */
import { InsnSpec, AliasSpec, OperandKind, syntaxOperands, ALIASES } from '../table.js';
import { AsmError, AsmErrorCode, fail } from './errors.js';
import { lex, Stmt, Operand } from './lex.js';
import { ExprParser, EvalCtx, Value } from './expr.js';
import { BY_NAME, Ops, compress, emit32, encodeAt, le, zeroOps } from './encode.js';
import { Context, addrReg, endCol, explicitOperands, fitsShape, parseOperands, reg, want } from './operands.js';
import { pseudo } from './pseudo.js';
import { branch } from './relax.js';
import { directive } from './directives.js';

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
  /**
   * Asked between passes and every 1024 statements; true ends assembling at once with
   * `interrupted` set (the spec loader's time limit, prepareMs, so one huge block cannot run
   * past it).
   */
  stop?: () => boolean;
}

export interface AsmDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  /** A stable class of the error, for tools and tests (the message is for people). */
  code: AsmErrorCode;
}

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
  /** Passes run (at most 16): 1 without forward references, 2 with, more only while branches grow. */
  passes: number;
  /** `stop` returned true: bytes, symbols and diagnostics are incomplete. */
  interrupted?: true;
}

export function assemble(source: string, opts: AsmOptions): AsmResult {
  return new Assembler(source, opts).run();
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

/** The aliases the assembler reads, by name, in table order. */
const ASM_ALIASES = new Map<string, AliasSpec[]>();
for (const a of ALIASES) ASM_ALIASES.set(a.name, [...(ASM_ALIASES.get(a.name) ?? []), a]);

/** A way to read a mnemonic's operands: the entry's own syntax or one of its aliases. */
interface Form {
  kinds: OperandKind[];
  of: InsnSpec;
  fixed: AliasSpec['fixed'];
  rvc?: readonly string[];
  rvcHint?: boolean;
  alias: boolean;
}

type NumericDefs = Map<string, { stmt: number; addr: bigint }[]>;

class Assembler implements Context {
  private readonly file: string;
  private readonly lineBase: number;
  private readonly colBase: number;
  readonly external: ReadonlyMap<string, number>;
  private stmts: Stmt[] = [];
  /** Label addresses from the previous pass (and the current one as it proceeds). */
  readonly labels = new Map<string, bigint>();
  readonly equs = new Map<string, Value>();
  /** Numeric label definitions: name -> [statement index, address][] in order. */
  private numeric: NumericDefs = new Map();
  private numericNow: NumericDefs = new Map();
  readonly grown = new Map<number, number>();
  pcrelHi = new Map<bigint, { target: bigint }>();
  private diagnostics: AsmDiagnostic[] = [];
  /** Keys (line, column, message) of `diagnostics`, so a repeat is found in O(1). */
  private diagnosed = new Set<string>();
  /** Value each .equ/.set statement (by index) gave its symbol in the previous pass, and in this one. */
  private equPrev = new Map<number, Value>();
  private equNow = new Map<number, Value>();
  private interrupted = false;
  private report = false;
  stmt!: Stmt;
  pc = 0n;
  changed = false;
  /** The current statement has a relocated operand (%lo(sym), ...): it keeps its full size. */
  private relocated = false;
  private readonly evalCtx: EvalCtx;

  constructor(private readonly source: string, private readonly opts: AsmOptions) {
    this.file = opts.file ?? '<asm>';
    this.lineBase = opts.line ?? 1;
    this.colBase = opts.column ?? 1;
    this.external = opts.symbols ?? new Map();
    this.evalCtx = this.makeEvalCtx();
  }

  private diag(line: number, col: number, code: AsmErrorCode, message: string): void {
    const d = { file: this.file, line: this.lineBase + line - 1, column: line === 1 ? this.colBase + col - 1 : col, message, code };
    // An operand evaluated twice (range check, then encoding) reports once.
    const key = `${d.line}:${d.column}:${d.message}`;
    if (this.diagnosed.has(key)) return;
    this.diagnosed.add(key);
    this.diagnostics.push(d);
  }

  run(): AsmResult {
    this.stmts = lex(this.source);
    let result: { bytes: number[]; lines: AsmLine[] } = { bytes: [], lines: [] };
    // Pass 0 tolerates forward references; later passes use the previous pass's addresses and
    // report unknown symbols. Passes repeat until no label moved and no branch grew.
    let passes = 0;
    for (let pass = 0; pass < 16; pass++) {
      if (this.opts.stop?.()) { this.interrupted = true; break; }
      this.report = pass > 0;
      this.changed = false;
      this.diagnostics = [];
      this.diagnosed = new Set();
      this.pcrelHi = new Map();
      this.equNow = new Map();
      result = this.pass();
      passes++;
      this.equPrev = this.equNow;
      if (this.interrupted || !this.changed) break;
    }
    const symbols = new Map<string, number>();
    for (const [k, v] of this.labels) if (!/^\d+$/.test(k)) symbols.set(k, Number(v));
    for (const [k, v] of this.equs) if (!v.unknown) symbols.set(k, Number(v.v));
    this.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    const out: AsmResult = { bytes: Uint8Array.from(result.bytes), symbols, lines: result.lines, diagnostics: this.diagnostics, passes };
    if (this.interrupted) out.interrupted = true;
    return out;
  }

  /**
   * `.equ`/`.set name, v` at the current statement. The layout moved when this statement gives
   * a value other than it gave in the previous pass (a symbol set twice to different values is
   * not a change by itself: comparing with the symbol's last value would make every pass
   * differ from the one before and run all 16).
   */
  defineEqu(name: string, v: Value): void {
    const old = this.equPrev.get(this.stmt.index);
    if (old && (old.v !== v.v || !!old.unknown !== !!v.unknown)) this.changed = true;
    this.equNow.set(this.stmt.index, v);
    this.equs.set(name, v);
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
    const numericSeen: NumericDefs = new Map();
    this.numericNow = numericSeen;
    for (const st of this.stmts) {
      if ((st.index & 1023) === 1023 && this.opts.stop?.()) { this.interrupted = true; break; }
      this.stmt = st;
      this.pc = base + BigInt(bytes.length);
      for (const l of st.labels) {
        if (/^\d+$/.test(l.name)) {
          const list = numericSeen.get(l.name) ?? [];
          list.push({ stmt: st.index, addr: this.pc });
          numericSeen.set(l.name, list);
          continue;
        }
        // A label defined again is an error and keeps its first address: moving it to each
        // definition in turn would change the layout every pass (and run all 16).
        if (seenLabels.has(l.name) || this.equs.has(l.name)) {
          this.diag(st.line, l.col, 'redefined', `symbol '${l.name}' is already defined`);
          if (seenLabels.has(l.name)) continue;
        } else if (this.external.has(l.name)) this.diag(st.line, l.col, 'redefined', `symbol '${l.name}' is already defined outside this block`);
        seenLabels.add(l.name);
        this.define(l.name, this.pc);
      }
      if (!st.op) continue;
      const start = bytes.length;
      this.relocated = false;
      try {
        if (st.op.startsWith('.')) {
          const r = directive(this, st, bytes, rvc, rvcStack);
          if (r !== undefined) rvc = r;
        } else {
          for (const b of this.instruction(st, rvc)) bytes.push(b);
        }
      } catch (e) {
        if (!(e instanceof AsmError)) throw e;
        this.diag(st.line, e.col, e.code, e.message);
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

  /** Symbol lookups for ExprParser, made once per block; expr() sets its `pc` before each evaluation. */
  private makeEvalCtx(): EvalCtx {
    return {
      pc: 0n,
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
          if (this.report && !label.unknown) fail('unknown-symbol', col, '%pcrel_lo: no auipc with %pcrel_hi at that label');
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
    this.diag(this.stmt.line, col, 'unknown-symbol', message);
    return { v: this.pc, local: false, external: true };
  }

  expr(o: Operand): Value {
    if (o.text === '') fail('operand-count', o.col, 'missing operand');
    this.evalCtx.pc = this.pc;
    const v = ExprParser.eval(o.text, o.col, this.evalCtx).value;
    if (v.reloc) this.relocated = true;
    return v;
  }

  // ---- instructions

  emitBase(name: string, o: Ops, rvc: boolean, col: number, only?: readonly string[], hintsOk = false): number[] {
    if (rvc && !this.relocated) {
      const c = compress(name, o, only, hintsOk);
      if (c !== undefined) return le(c, 2);
    }
    return emit32(name, o, col);
  }

  private instruction(st: Stmt, rvc: boolean): number[] {
    const op = st.op!;
    const a = st.args;
    const argCol = (i: number) => a[i]?.col ?? endCol(this);

    // AMO ordering suffixes
    const amo = /^((?:lr|sc|amo[a-z]+)\.[wd])((?:\.aqrl|\.aq|\.rl)?)$/.exec(op);
    if (amo && BY_NAME.has(amo[1])) {
      const spec = BY_NAME.get(amo[1])!;
      const o = zeroOps();
      o.aq = amo[2] === '.aq' || amo[2] === '.aqrl';
      o.rl = amo[2] === '.rl' || amo[2] === '.aqrl';
      if (spec.syntax === 'rd,(rs1)') {
        want(this, 2);
        o.rd = reg(this, a[0]);
        o.rs1 = addrReg(this, a[1]);
      } else {
        want(this, 3);
        o.rd = reg(this, a[0]);
        o.rs2 = reg(this, a[1]);
        o.rs1 = addrReg(this, a[2]);
      }
      return emit32(spec.name, o, st.opCol);
    }

    const macro = pseudo(this, st, rvc);
    if (macro) return macro;

    const spec = BY_NAME.get(op);
    if (spec && spec.size === 2) {
      const o = explicitOperands(this, spec);
      const bits = encodeAt(spec, o, argCol(spec.imm ? a.length - 1 : 0));
      if (!rvc) fail('unknown-mnemonic', st.opCol, `'${op}' needs the C extension (.option rvc)`);
      return le(bits, 2);
    }
    // The entry itself, then its aliases (table.ts ALIASES), whichever the operands fit.
    const forms: Form[] = [];
    if (spec) forms.push({ kinds: syntaxOperands(spec.syntax), of: spec, fixed: {}, alias: false });
    for (const al of ASM_ALIASES.get(op) ?? []) forms.push({ kinds: al.operands, of: BY_NAME.get(al.of)!, fixed: al.fixed, rvc: al.rvc, rvcHint: al.rvcHint, alias: true });
    if (forms.length === 0) fail('unknown-mnemonic', st.opCol, `unknown mnemonic '${op}'`);
    const form = forms.find((f) => f.kinds.length === a.length && f.kinds.every((k, n) => fitsShape(k, a[n].text)))
      ?? forms.find((f) => f.kinds.length === a.length) ?? forms[0];
    if (form.kinds.length !== a.length) want(this, forms.map((f) => f.kinds.length).filter((n, k, all) => all.indexOf(n) === k));
    const { o, target, immAt } = parseOperands(this, form.kinds, form.fixed);
    const of = form.of;
    if (of.kind === 'branch' || of.name === 'jal') {
      // The compressed form the mnemonic offers: the alias's riscv-opc.c list, else the entry's.
      const offered = form.alias ? form.rvc ?? [] : (of.compressed ?? []).map((f) => f.c);
      const short = offered.length ? BY_NAME.get(offered[0]) : undefined;
      return branch(this, of, o, rvc, target, short);
    }
    if (of.name === 'jalr') {
      // gas compresses only the one-register forms (jr rs, jalr rs, ret), never `jalr rd, imm(rs)`.
      const c = rvc && form.rvc?.length && o.rs1 !== 0 ? BY_NAME.get(form.rvc[0])! : undefined;
      if (c && o.imm === 0) return le(c.match | (o.rs1 << 7), 2);
      return emit32('jalr', o, immAt ?? st.opCol);
    }
    try {
      return this.emitBase(of.name, o, rvc, st.opCol, form.alias ? form.rvc : undefined, form.rvcHint);
    } catch (e) {
      // An immediate the entry cannot hold is reported at the immediate.
      if (e instanceof AsmError && e.field === 'imm' && immAt !== undefined) fail(e.code, immAt, e.message);
      throw e;
    }
  }
}
