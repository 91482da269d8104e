/**
 * Parser of herd-style RISC-V litmus tests, including herd's self-modifying form
 * (`Variant=self`, `instr:"..."` values, code labels as values). The syntax (docs/litmus.md):
 *
 *     RISCV NAME
 *     (* comments, anywhere *)
 *     Variant=self
 *     { 0:a0=x; 0:a1=P0:lbl; 1:t0=instr:"li a2,2"; x=1; [y]=P1:L; }
 *      P0            | P1          ;
 *      lw a3,0(a0)   | sw t0,0(a1) ;
 *      lbl: li a2,1  |             ;
 *     exists (0:a3=1 /\ 0:a2=1)
 *
 * A litmus file is untrusted input: it is bounded (size, threads, rows, init items, nesting)
 * and every problem is a located diagnostic (`file:line:col: message`), never an exception.
 * Nothing here knows the model: litmus-spec.ts turns a LitmusTest into a Spec.
 */
import { regNumber } from '../isa/regs.js';

export const LITMUS_LIMITS = { bytes: 65536, threads: 8, rows: 256, init: 256, depth: 64, atoms: 64 } as const;

export interface LitmusPos {
  line: number;
  column: number;
}

export interface LitmusDiagnostic extends LitmusPos {
  file: string;
  code: 'syntax' | 'limit' | 'name' | 'asm' | 'value' | 'spec';
  message: string;
}

export type LitmusValue =
  | { kind: 'int'; value: bigint; pos: LitmusPos }
  /** The address of a data location. */
  | { kind: 'loc'; name: string; pos: LitmusPos }
  /** The address of a code label of thread `thread`. */
  | { kind: 'label'; thread: number; label: string; pos: LitmusPos }
  /** The encoding of one instruction; a jump is encoded relative to the slot it is stored to or compared at. */
  | { kind: 'instr'; asm: string; pos: LitmusPos };

/** What an init item or a condition atom names. */
export type LitmusTarget =
  | { kind: 'reg'; thread: number; reg: number; name: string; pos: LitmusPos }
  | { kind: 'mem'; loc: string; pos: LitmusPos }
  /** Code memory at a label (conditions only: the instruction there at the end). */
  | { kind: 'code'; thread: number; label: string; pos: LitmusPos };

export interface LitmusInit {
  target: LitmusTarget;
  value: LitmusValue;
}

export interface LitmusCell {
  labels: { name: string; pos: LitmusPos }[];
  /** The instruction text (may be empty), and where it starts. */
  text: string;
  pos: LitmusPos;
}

export interface LitmusThread {
  index: number;
  name: string;
  cells: LitmusCell[];
}

export type LitmusProp =
  | { kind: 'and' | 'or'; a: LitmusProp; b: LitmusProp }
  | { kind: 'not'; a: LitmusProp }
  | { kind: 'const'; value: boolean }
  | { kind: 'eq'; lhs: LitmusTarget; rhs: LitmusValue };

export interface LitmusCondition {
  quantifier: 'exists' | '~exists' | 'forall';
  prop: LitmusProp;
  /** The condition as written (whitespace collapsed), for `Condition ...` lines. */
  text: string;
  pos: LitmusPos;
}

export interface LitmusTest {
  file: string;
  name: string;
  variants: string[];
  init: LitmusInit[];
  threads: LitmusThread[];
  condition: LitmusCondition;
  /** Text of every `(* ... *)` comment with its position (expectation lines live there). */
  comments: { text: string; pos: LitmusPos }[];
  pos: LitmusPos;
}

export interface LitmusParse {
  test?: LitmusTest;
  diagnostics: LitmusDiagnostic[];
}

class LitmusError extends Error {
  constructor(readonly pos: LitmusPos, message: string, readonly code: LitmusDiagnostic['code'] = 'syntax') {
    super(message);
  }
}

/** Comments blanked to spaces (newlines kept, so positions stay), and their texts. */
function stripComments(text: string): { text: string; comments: { text: string; pos: LitmusPos }[] } {
  const out = text.split('');
  const comments: { text: string; pos: LitmusPos }[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  let inString = false;
  const advance = () => {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
    i++;
  };
  while (i < text.length) {
    if (text[i] === '"') inString = !inString;
    if (text[i] === '\n') inString = false;
    if (!inString && text[i] === '(' && text[i + 1] === '*') {
      const pos = { line, column: col };
      const start = i;
      let depth = 0;
      while (i < text.length) {
        if (text[i] === '(' && text[i + 1] === '*') {
          depth++;
          out[i] = ' ';
          out[i + 1] = ' ';
          advance();
          advance();
          continue;
        }
        if (text[i] === '*' && text[i + 1] === ')') {
          depth--;
          out[i] = ' ';
          out[i + 1] = ' ';
          advance();
          advance();
          if (depth === 0) break;
          continue;
        }
        if (text[i] !== '\n') out[i] = ' ';
        advance();
      }
      if (depth > 0) throw new LitmusError(pos, 'unterminated comment: (* without *)');
      comments.push({ text: text.slice(start + 2, i - 2).trim(), pos });
      continue;
    }
    advance();
  }
  return { text: out.join(''), comments };
}

type Tok =
  | { t: 'int'; v: bigint; pos: LitmusPos; s: string }
  | { t: 'id'; v: string; pos: LitmusPos; s: string }
  | { t: 'str'; v: string; pos: LitmusPos; s: string }
  | { t: 'op'; v: string; pos: LitmusPos; s: string };

const OPS = ['/\\', '\\/', '~', '(', ')', '[', ']', '=', ':', ';', '&', ','];

/** Tokens of init items and conditions, with positions. `base` is the position of s[0]. */
function tokenize(s: string, base: LitmusPos): Tok[] {
  const toks: Tok[] = [];
  let line = base.line;
  let col = base.column;
  let i = 0;
  const step = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (s[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      step(1);
      continue;
    }
    const pos = { line, column: col };
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      const nl = s.indexOf('\n', i + 1);
      if (end < 0 || (nl >= 0 && nl < end)) throw new LitmusError(pos, 'unterminated string: " without its closing "');
      const v = s.slice(i + 1, end);
      toks.push({ t: 'str', v, pos, s: s.slice(i, end + 1) });
      step(end + 1 - i);
      continue;
    }
    const num = /^-?(0x[0-9a-fA-F]+|[0-9]+)/.exec(s.slice(i, i + 40));
    if (num && (c !== '-' || /[0-9]/.test(s[i + 1] ?? ''))) {
      const neg = num[0].startsWith('-');
      const body = neg ? num[0].slice(1) : num[0];
      const v = BigInt(body);
      toks.push({ t: 'int', v: neg ? -v : v, pos, s: num[0] });
      step(num[0].length);
      continue;
    }
    const id = /^[A-Za-z_.$][A-Za-z0-9_.$]*/.exec(s.slice(i, i + 200));
    if (id) {
      toks.push({ t: 'id', v: id[0], pos, s: id[0] });
      step(id[0].length);
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (op) {
      toks.push({ t: 'op', v: op, pos, s: op });
      step(op.length);
      continue;
    }
    throw new LitmusError(pos, `unexpected character '${c}'`);
  }
  return toks;
}

class Tokens {
  i = 0;
  constructor(readonly toks: Tok[], readonly end: LitmusPos) {}
  peek(k = 0): Tok | undefined {
    return this.toks[this.i + k];
  }
  pos(): LitmusPos {
    return this.peek()?.pos ?? this.end;
  }
  next(what: string): Tok {
    const t = this.toks[this.i];
    if (!t) throw new LitmusError(this.end, `expected ${what}, found the end`);
    this.i++;
    return t;
  }
  isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return !!t && t.t === 'op' && t.v === v;
  }
  op(v: string, what = `'${v}'`): Tok {
    const t = this.peek();
    if (!t || t.t !== 'op' || t.v !== v) throw new LitmusError(this.pos(), `expected ${what}, found ${t ? `'${t.s}'` : 'the end'}`);
    this.i++;
    return t;
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
}

const C_TYPES = new Set(['int', 'long', 'int32_t', 'int64_t', 'uint32_t', 'uint64_t', 'intptr_t', 'uintptr_t']);

/** The parse of a test, or its diagnostics. */
export function parseLitmus(source: string, file: string): LitmusParse {
  try {
    return { test: new Parser(source, file).parse(), diagnostics: [] };
  } catch (e) {
    if (e instanceof LitmusError) return { diagnostics: [{ file, line: e.pos.line, column: e.pos.column, code: e.code, message: e.message }] };
    throw e;
  }
}

export function formatLitmusDiagnostic(d: LitmusDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

class Parser {
  private lines: string[] = [];
  private comments: { text: string; pos: LitmusPos }[] = [];
  private threadCount = 0;

  constructor(private readonly source: string, private readonly file: string) {}

  parse(): LitmusTest {
    if (this.source.length > LITMUS_LIMITS.bytes) throw new LitmusError({ line: 1, column: 1 }, `litmus file too large: ${this.source.length} bytes (at most ${LITMUS_LIMITS.bytes})`, 'limit');
    const { text, comments } = stripComments(this.source.replace(/\r\n?/g, '\n'));
    this.comments = comments;
    this.lines = text.split('\n');
    let ln = this.skipBlank(0);
    if (ln >= this.lines.length) throw new LitmusError({ line: 1, column: 1 }, 'empty litmus file: expected the header RISCV NAME');
    const head = /^(\s*)(\S+)\s*(\S*)\s*(.*)$/.exec(this.lines[ln])!;
    const headPos = { line: ln + 1, column: head[1].length + 1 };
    if (head[2] !== 'RISCV') throw new LitmusError(headPos, `expected the header 'RISCV NAME', found '${head[2]}'${head[2].toUpperCase() === 'RISCV' ? '' : ' (only RISC-V tests are read)'}`);
    if (!head[3]) throw new LitmusError({ line: ln + 1, column: headPos.column + 5 }, 'expected the test name after RISCV');
    if (head[4]) throw new LitmusError({ line: ln + 1, column: this.lines[ln].indexOf(head[4]) + 1 }, `unexpected '${head[4]}' after the test name`);
    const name = head[3];
    const variants: string[] = [];
    ln = this.skipBlank(ln + 1);
    // Between the header and the init block: a quoted doc string, Key=Value lines.
    while (ln < this.lines.length && !this.lines[ln].trim().startsWith('{')) {
      const l = this.lines[ln];
      const t = l.trim();
      const col = l.indexOf(t) + 1;
      const kv = /^([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*)$/.exec(t);
      if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
        // herd's one-line description
      } else if (kv) {
        if (kv[1] === 'Variant') {
          for (const v of kv[2].split(',').map((x) => x.trim()).filter(Boolean)) {
            if (v !== 'self') throw new LitmusError({ line: ln + 1, column: col + t.indexOf(v) }, `unknown variant '${v}' (only Variant=self is supported)`);
            variants.push(v);
          }
        }
        // Other herd header keys (Hash=, Com=, Orig=, Cycle=) carry no semantics.
      } else throw new LitmusError({ line: ln + 1, column: col }, `expected the init block '{ ... }' or a 'Key=Value' line, found '${t}'`);
      ln = this.skipBlank(ln + 1);
    }
    if (ln >= this.lines.length) throw new LitmusError({ line: this.lines.length, column: 1 }, "expected the init block '{ ... }'");
    const init = this.initBlock(ln);
    ln = this.skipBlank(init.next);
    const threads = this.codeTable(ln);
    ln = this.skipBlank(threads.next);
    this.threadCount = threads.threads.length;
    const items = this.initItems(init.text, init.pos);
    if (ln >= this.lines.length) throw new LitmusError({ line: this.lines.length, column: 1 }, "expected a condition: 'exists', '~exists' or 'forall'");
    const condition = this.condition(ln);
    return { file: this.file, name, variants, init: items, threads: threads.threads, condition, comments: this.comments, pos: headPos };
  }

  private skipBlank(ln: number): number {
    while (ln < this.lines.length && this.lines[ln].trim() === '') ln++;
    return ln;
  }

  /** The text between `{` and the matching `}` (strings may contain braces). */
  private initBlock(ln: number): { text: string; pos: LitmusPos; next: number } {
    const col = this.lines[ln].indexOf('{');
    const pos = { line: ln + 1, column: col + 2 };
    let text = '';
    let l = ln;
    let c = col + 1;
    let inString = false;
    for (; l < this.lines.length; l++, c = 0) {
      const s = this.lines[l];
      for (; c < s.length; c++) {
        if (s[c] === '"') inString = !inString;
        else if (s[c] === '}' && !inString) {
          const rest = s.slice(c + 1).trim();
          if (rest) throw new LitmusError({ line: l + 1, column: s.indexOf(rest, c + 1) + 1 }, `unexpected '${rest}' after the init block (the code table starts on its own line)`);
          return { text, pos, next: l + 1 };
        }
        text += s[c];
      }
      if (inString) throw new LitmusError({ line: l + 1, column: s.lastIndexOf('"') + 1 }, 'unterminated string: " without its closing "');
      text += '\n';
    }
    throw new LitmusError({ line: ln + 1, column: col + 1 }, "unterminated init block: '{' without '}'");
  }

  private codeTable(ln: number): { threads: LitmusThread[]; next: number } {
    if (ln >= this.lines.length) throw new LitmusError({ line: this.lines.length, column: 1 }, "expected the code table header 'P0 | P1 ... ;'");
    const header = this.row(ln);
    const threads: LitmusThread[] = header.cells.map((c, k) => {
      const name = c.text.trim();
      if (name !== `P${k}`) throw new LitmusError(c.pos, `expected thread name 'P${k}' in the code table header, found '${name}'`);
      return { index: k, name, cells: [] };
    });
    if (threads.length > LITMUS_LIMITS.threads) throw new LitmusError({ line: ln + 1, column: 1 }, `too many threads: ${threads.length} (at most ${LITMUS_LIMITS.threads}, one hart each)`, 'limit');
    let l = this.skipBlank(ln + 1);
    let rows = 0;
    while (l < this.lines.length && !/^\s*(~\s*)?(exists|forall|locations)\b/.test(this.lines[l])) {
      const r = this.row(l);
      if (++rows > LITMUS_LIMITS.rows) throw new LitmusError({ line: l + 1, column: 1 }, `too many rows in the code table (at most ${LITMUS_LIMITS.rows})`, 'limit');
      if (r.cells.length !== threads.length) throw new LitmusError({ line: l + 1, column: 1 }, `row has ${r.cells.length} column${r.cells.length === 1 ? '' : 's'}, the header ${threads.length}`);
      r.cells.forEach((c, k) => threads[k].cells.push(this.cell(c.text, c.pos)));
      l = this.skipBlank(l + 1);
    }
    return { threads, next: l };
  }

  /** One table row: cells split at `|`, ending in `;`. */
  private row(ln: number): { cells: { text: string; pos: LitmusPos }[] } {
    const s = this.lines[ln];
    const t = s.trimEnd();
    if (!t.endsWith(';')) throw new LitmusError({ line: ln + 1, column: t.length + 1 }, "code table row must end with ';' (a condition starts with exists, ~exists or forall)");
    const body = t.slice(0, -1);
    const cells: { text: string; pos: LitmusPos }[] = [];
    let start = 0;
    for (let i = 0; i <= body.length; i++) {
      if (i === body.length || body[i] === '|') {
        const raw = body.slice(start, i);
        const lead = raw.length - raw.trimStart().length;
        cells.push({ text: raw.trim(), pos: { line: ln + 1, column: start + lead + 1 } });
        start = i + 1;
      }
    }
    return { cells };
  }

  /** `lbl: insn`, `lbl:`, `insn` or empty. */
  private cell(text: string, pos: LitmusPos): LitmusCell {
    const labels: { name: string; pos: LitmusPos }[] = [];
    let rest = text;
    let col = pos.column;
    for (;;) {
      const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*:\s*/.exec(rest);
      if (!m) break;
      labels.push({ name: m[1], pos: { line: pos.line, column: col } });
      col += m[0].length;
      rest = rest.slice(m[0].length);
    }
    return { labels, text: rest, pos: { line: pos.line, column: col } };
  }

  private initItems(text: string, pos: LitmusPos): LitmusInit[] {
    const ts = new Tokens(tokenize(text, pos), pos);
    const out: LitmusInit[] = [];
    while (!ts.done()) {
      if (ts.isOp(';')) {
        ts.next(';');
        continue;
      }
      if (out.length >= LITMUS_LIMITS.init) throw new LitmusError(ts.pos(), `too many init items (at most ${LITMUS_LIMITS.init})`, 'limit');
      const first = ts.peek();
      if (first && first.t === 'id' && C_TYPES.has(first.v) && ts.peek(1)?.t === 'id') ts.next('type'); // `int x=1;`: the type carries nothing here
      const target = this.target(ts, false);
      if (!ts.isOp('=')) {
        // `uint64_t x;` (declared, zero) or a bare register: a declaration only
        if (target.kind === 'mem' && (ts.done() || ts.isOp(';'))) {
          out.push({ target, value: { kind: 'int', value: 0n, pos: target.pos } });
          continue;
        }
      }
      ts.op('=', "'=' in an init item");
      const value = this.value(ts);
      if (!ts.done()) ts.op(';', "';' between init items");
      out.push({ target, value });
    }
    return out;
  }

  private thread(t: Tok): number {
    const n = Number((t as { v: bigint }).v);
    if (t.t !== 'int' || n < 0 || n >= this.threadCount) throw new LitmusError(t.pos, `no thread ${t.s} (the code table has P0..P${this.threadCount - 1})`, 'name');
    return n;
  }

  private reg(t: Tok): { reg: number; name: string } {
    const name = t.t === 'id' ? t.v.toLowerCase() : t.s;
    const reg = regNumber(name);
    if (reg === undefined) throw new LitmusError(t.pos, `unknown register '${t.s}' (ABI names or x0..x31)`, 'name');
    return { reg, name };
  }

  /** `N:reg`, `loc`, `[loc]`, and in conditions `Pk:label`. */
  private target(ts: Tokens, inCondition: boolean): LitmusTarget {
    const t = ts.next('a register (N:reg) or a location');
    if (t.t === 'int') {
      const thread = this.thread(t);
      ts.op(':', "':' after the thread number");
      const r = ts.next('a register');
      const { reg, name } = this.reg(r);
      return { kind: 'reg', thread, reg, name, pos: t.pos };
    }
    if (t.t === 'op' && t.v === '[') {
      const l = ts.next('a location');
      if (l.t !== 'id') throw new LitmusError(l.pos, `expected a location name, found '${l.s}'`);
      ts.op(']');
      return this.locOrCode(l, ts, inCondition, true);
    }
    if (t.t === 'id') return this.locOrCode(t, ts, inCondition, false);
    throw new LitmusError(t.pos, `expected a register (N:reg) or a location, found '${t.s}'`);
  }

  private locOrCode(t: Tok & { t: 'id' }, ts: Tokens, inCondition: boolean, bracketed: boolean): LitmusTarget {
    const p = /^P([0-9]+)$/.exec(t.v);
    if (p && !bracketed && ts.isOp(':')) {
      if (!inCondition) throw new LitmusError(t.pos, `code at ${t.v}:... is initialised by the code table, not the init block`);
      ts.op(':');
      const lbl = ts.next('a code label');
      if (lbl.t !== 'id') throw new LitmusError(lbl.pos, `expected a code label, found '${lbl.s}'`);
      return { kind: 'code', thread: this.threadOf(t), label: lbl.v, pos: t.pos };
    }
    if (regNumber(t.v.toLowerCase()) !== undefined && !bracketed) throw new LitmusError(t.pos, `'${t.v}' is a register: write N:${t.v} (the thread that owns it)`, 'name');
    return { kind: 'mem', loc: t.v, pos: t.pos };
  }

  private threadOf(t: Tok & { t: 'id' }): number {
    const n = Number(t.v.slice(1));
    if (n >= this.threadCount) throw new LitmusError(t.pos, `no thread ${t.v} (the code table has P0..P${this.threadCount - 1})`, 'name');
    return n;
  }

  private value(ts: Tokens): LitmusValue {
    const t = ts.next('a value');
    if (t.t === 'int') return { kind: 'int', value: t.v, pos: t.pos };
    if (t.t === 'op' && t.v === '&') {
      const l = ts.next('a location');
      if (l.t !== 'id') throw new LitmusError(l.pos, `expected a location after '&', found '${l.s}'`);
      return { kind: 'loc', name: l.v, pos: t.pos };
    }
    if (t.t === 'id' && t.v === 'instr' && ts.isOp(':')) {
      ts.op(':');
      const s = ts.next('a quoted instruction');
      if (s.t !== 'str') throw new LitmusError(s.pos, `expected a quoted instruction after instr:, found '${s.s}'`);
      if (!s.v.trim()) throw new LitmusError(s.pos, 'empty instruction in instr:""', 'asm');
      return { kind: 'instr', asm: s.v.trim(), pos: { line: s.pos.line, column: s.pos.column + 1 } };
    }
    if (t.t === 'id') {
      const p = /^P([0-9]+)$/.exec(t.v);
      if (p && ts.isOp(':')) {
        ts.op(':');
        const lbl = ts.next('a code label');
        if (lbl.t !== 'id') throw new LitmusError(lbl.pos, `expected a code label after ${t.v}:, found '${lbl.s}'`);
        return { kind: 'label', thread: this.threadOf(t), label: lbl.v, pos: t.pos };
      }
      if (regNumber(t.v.toLowerCase()) !== undefined) throw new LitmusError(t.pos, `a register is not a value: '${t.v}'`, 'value');
      return { kind: 'loc', name: t.v, pos: t.pos };
    }
    throw new LitmusError(t.pos, `expected a value (integer, location, Pk:label or instr:"..."), found '${t.s}'`);
  }

  private condition(ln: number): LitmusCondition {
    const rest = this.lines.slice(ln).join('\n');
    const col = this.lines[ln].search(/\S/);
    const pos = { line: ln + 1, column: col + 1 };
    let lastLine = this.lines.length - 1;
    while (lastLine > ln && this.lines[lastLine].trim() === '') lastLine--;
    const last = { line: lastLine + 1, column: this.lines[lastLine].trimEnd().length + 1 };
    const ts = new Tokens(tokenize(rest.slice(col), pos), last);
    let quantifier: LitmusCondition['quantifier'];
    if (ts.isOp('~')) {
      ts.next('~');
      const e = ts.next("'exists'");
      if (e.t !== 'id' || e.v !== 'exists') throw new LitmusError(e.pos, `expected 'exists' after '~', found '${e.s}'`);
      quantifier = '~exists';
    } else {
      const q = ts.next('a condition');
      if (q.t === 'id' && q.v === 'locations') throw new LitmusError(q.pos, "'locations [...]' is not supported: the states list the condition's registers and locations");
      if (q.t !== 'id' || (q.v !== 'exists' && q.v !== 'forall')) throw new LitmusError(q.pos, `expected 'exists', '~exists' or 'forall', found '${q.s}'`);
      quantifier = q.v;
    }
    const atoms = { n: 0 };
    const prop = this.disj(ts, 0, atoms);
    if (!ts.done()) {
      const t = ts.peek()!;
      throw new LitmusError(t.pos, `unexpected '${t.s}' after the condition`);
    }
    const text = `${quantifier} ${ts.toks.slice(quantifier === '~exists' ? 2 : 1).map((t) => t.s).join(' ')}`
      .replace(/\( /g, '(')
      .replace(/ \)/g, ')')
      .replace(/ ?: ?/g, ':')
      .replace(/ = /g, '=')
      .replace(/~ /g, '~')
      .replace(/\[ /g, '[')
      .replace(/ \]/g, ']');
    return { quantifier, prop, text, pos };
  }

  private disj(ts: Tokens, depth: number, atoms: { n: number }): LitmusProp {
    let a = this.conj(ts, depth, atoms);
    while (ts.isOp('\\/')) {
      ts.next('\\/');
      a = { kind: 'or', a, b: this.conj(ts, depth, atoms) };
    }
    return a;
  }

  private conj(ts: Tokens, depth: number, atoms: { n: number }): LitmusProp {
    let a = this.unary(ts, depth, atoms);
    while (ts.isOp('/\\')) {
      ts.next('/\\');
      a = { kind: 'and', a, b: this.unary(ts, depth, atoms) };
    }
    return a;
  }

  private unary(ts: Tokens, depth: number, atoms: { n: number }): LitmusProp {
    if (depth > LITMUS_LIMITS.depth) throw new LitmusError(ts.pos(), `condition nested too deeply (at most ${LITMUS_LIMITS.depth})`, 'limit');
    if (ts.isOp('~')) {
      ts.next('~');
      return { kind: 'not', a: this.unary(ts, depth + 1, atoms) };
    }
    if (ts.isOp('(')) {
      ts.next('(');
      const p = this.disj(ts, depth + 1, atoms);
      ts.op(')', "')'");
      return p;
    }
    const t = ts.peek();
    if (t && t.t === 'id' && (t.v === 'true' || t.v === 'false')) {
      ts.next('constant');
      return { kind: 'const', value: t.v === 'true' };
    }
    if (++atoms.n > LITMUS_LIMITS.atoms) throw new LitmusError(ts.pos(), `too many atoms in the condition (at most ${LITMUS_LIMITS.atoms})`, 'limit');
    const lhs = this.target(ts, true);
    ts.op('=', "'=' in a condition atom");
    const rhs = this.value(ts);
    return { kind: 'eq', lhs, rhs };
  }
}
