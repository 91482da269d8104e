/**
 * Directives: data (.byte .. .8byte, .zero/.space/.skip, .fill, .ascii/.asciz/.string),
 * alignment, .option (rvc/norvc/push/pop/arch), symbols (.equ/.set/.equiv), .insn, and the
 * section, symbol-attribute, debug and CFI directives, which a flat block accepts and ignores.
 */
import { fail } from './errors.js';
import type { Stmt } from './lex.js';
import { le } from './encode.js';
import { Context, endCol, num, want } from './operands.js';

/**
 * Appends the directive's bytes to `out`. Returns the RVC state after it when it changes it
 * (`.option`), else undefined; `rvcStack` holds `.option push`'s saved states.
 */
export function directive(cx: Context, st: Stmt, out: number[], rvc: boolean, rvcStack: boolean[]): boolean | undefined {
  const a = st.args;
  const op = st.op!;
  const data = (size: number) => {
    if (a.length === 0) fail('syntax', endCol(cx), `'${op}' needs at least one value`);
    for (const x of a) {
      const v = cx.expr(x);
      const bits = BigInt(size * 8);
      if (!v.unknown && (v.v >= 1n << bits || v.v < -(1n << (bits - 1n)))) {
        fail('out-of-range', x.col, `value ${v.v} does not fit in ${size} byte${size > 1 ? 's' : ''}`);
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
      want(cx, [1, 2]);
      const n = num(cx, a[0], 0n, 1n << 20n);
      const fill = a.length === 2 ? num(cx, a[1], -128n, 255n) & 0xff : 0;
      for (let k = 0; k < n; k++) out.push(fill);
      return;
    }
    case '.fill': {
      want(cx, [1, 2, 3]);
      const n = num(cx, a[0], 0n, 1n << 20n);
      const size = a.length >= 2 ? num(cx, a[1], 0n, 8n) : 1;
      const v = a.length === 3 ? BigInt.asUintN(64, cx.expr(a[2]).v) : 0n;
      for (let k = 0; k < n; k++) for (let b = 0; b < size; b++) out.push(b < 4 ? Number((v >> BigInt(8 * b)) & 0xffn) : 0);
      return;
    }
    case '.ascii': case '.asciz': case '.string': {
      for (const x of a) {
        const m = /^"((?:[^"\\]|\\.)*)"$/.exec(x.text);
        if (!m) fail('syntax', x.col, `expected string, got '${x.text}'`);
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
      want(cx, [1, 2, 3]);
      const n = num(cx, a[0], 0n, op === '.balign' ? 1n << 16n : 16n);
      const align = op === '.balign' ? n : 2 ** n;
      if (op === '.balign' && (align & (align - 1)) !== 0) fail('syntax', a[0].col, `alignment ${align} is not a power of 2`);
      const pos = Number(BigInt.asUintN(64, cx.pc) % BigInt(Math.max(align, 1)));
      let pad = pos === 0 ? 0 : align - pos;
      if (a.length >= 2 && a[1].text !== '') {
        const fill = num(cx, a[1], -128n, 255n) & 0xff;
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
        want(cx, [2, 3, 4, 5, 6, 7, 8]);
        let on = rvc;
        for (const x of a.slice(1)) {
          const t = x.text.toLowerCase();
          if (t === '+c') on = true;
          else if (t === '-c') on = false;
          else if (/^rv(32|64)/.test(t)) on = /^rv(32|64)[a-z]*c/.test(t.split('_')[0]) || /^rv(32|64)g[a-z]*c/.test(t);
        }
        return on;
      }
      want(cx, 1);
      switch (a[0].text) {
        case 'rvc': return true;
        case 'norvc': return false;
        case 'push': rvcStack.push(rvc); return;
        case 'pop':
          if (rvcStack.length === 0) fail('directive', a[0].col, '.option pop with no .option push');
          return rvcStack.pop();
        case 'relax': case 'norelax': case 'pic': case 'nopic': case 'csr-check': case 'no-csr-check':
          return;
        default:
          fail('directive', a[0].col, `unknown .option '${a[0].text}'`);
      }
    }
    case '.equ': case '.set': case '.equiv': {
      want(cx, 2);
      const name = a[0].text;
      if (!/^[A-Za-z_.$][A-Za-z0-9_.$]*$/.test(name)) fail('syntax', a[0].col, `expected symbol name, got '${name}'`);
      if (cx.labels.has(name)) fail('redefined', a[0].col, `symbol '${name}' is already defined`);
      const v = cx.expr(a[1]);
      cx.defineEqu(name, { ...v, local: false });
      return;
    }
    case '.insn': {
      want(cx, 1);
      const v = cx.expr(a[0]);
      const size = (v.v & 3n) === 3n ? 4 : 2;
      if (!v.unknown && (v.v < 0n || v.v >= 1n << BigInt(size * 8))) fail('out-of-range', a[0].col, `instruction ${v.v} does not fit its length (${size} bytes)`);
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
      fail('directive', st.opCol, `unknown directive '${op}'`);
  }
}
