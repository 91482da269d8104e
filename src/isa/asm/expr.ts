/**
 * Expressions: gas's integer expressions over 64 bits, with symbols, `.`, numeric local labels
 * (1b/1f), character constants and %hi/%lo/%pcrel_hi/%pcrel_lo. Symbol values come from the
 * driver through EvalCtx, so this file knows nothing of passes or symbol tables.
 */
import { fail } from './errors.js';

export interface Value {
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

export interface EvalCtx {
  /** `.`: the address of the statement being assembled. */
  pc: bigint;
  /** A symbol's value; `col` is where it is named, for an unknown-symbol diagnostic. */
  lookup(name: string, col: number): Value;
  /** A numeric local label reference such as `1b` or `2f`. */
  numeric(ref: string, col: number): Value;
  /** %pcrel_lo(label): the low part of the %pcrel_hi at `label`. */
  pcrelLo(label: Value, col: number): Value;
  /** Records that the instruction at pc carries %pcrel_hi(target). */
  pcrelHi(target: Value): void;
}

export const constant = (v: bigint): Value => ({ v, local: false, external: false });
export const S64 = (v: bigint) => BigInt.asIntN(64, v);

export class ExprParser {
  private i = 0;
  constructor(private readonly s: string, private readonly col0: number, private readonly ctx: EvalCtx) {}

  static eval(s: string, col: number, ctx: EvalCtx): { value: Value } {
    const p = new ExprParser(s, col, ctx);
    const value = p.parseBinary(0);
    p.ws();
    if (p.i < s.length) fail('syntax', col + p.i, `unexpected '${s.slice(p.i)}' in expression`);
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
      case '/': if (b.v === 0n) { if (unknown) { v = 0n; break; } fail('syntax', this.col0 + at, 'division by zero'); } v = a.v / b.v; break;
      case '%': if (b.v === 0n) { if (unknown) { v = 0n; break; } fail('syntax', this.col0 + at, 'division by zero'); } v = a.v % b.v; break;
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
      if (this.s[this.i] !== ')') fail('syntax', this.col0 + this.i, "expected ')'");
      this.i++;
      return v;
    }
    const rel = /^%(hi|lo|pcrel_hi|pcrel_lo)\s*\(/.exec(rest);
    if (rel) {
      this.i += rel[0].length;
      const inner = this.parseBinary(0);
      this.ws();
      if (this.s[this.i] !== ')') fail('syntax', this.col0 + this.i, "expected ')'");
      this.i++;
      return this.relocate(rel[1] as Reloc, inner, start);
    }
    if (rest.startsWith('%')) fail('syntax', this.col0 + start, `unknown relocation '${/^%\w*/.exec(rest)![0]}'`);
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
    if (rest.length === 0) fail('syntax', this.col0 + start, 'missing expression');
    fail('syntax', this.col0 + start, `bad expression '${rest}'`);
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
