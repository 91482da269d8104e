/**
 * The three derived tools agree with each other: for every 16-bit parcel and a seeded corpus of
 * every 32-bit entry, assembling the disassembler's text (objdump syntax, targets as 0x...)
 * gives an instruction that decodes to the same operation and operands. (With RVC on the
 * assembler may pick the other length, as GNU as would; the semantics must not change.)
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm/index.js';
import { decode } from '../../src/isa/decode.js';
import { disassemble } from '../../src/isa/disasm.js';
import type { Insn } from '../../src/isa/types.js';
import { encodingCorpus } from './binutils.js';

const PC = 0x40000;
/** What an instruction does; `addi rd,rs,0` and `add rd,x0,rs` (c.mv) are the same move. */
function semantics(i: Insn) {
  let { op, rs1, rs2 } = i;
  if (op === 'addi' && i.imm === 0) { op = 'add'; rs2 = rs1; rs1 = 0; }
  if (op === 'add' && rs1 !== 0 && rs2 === 0) { rs2 = rs1; rs1 = 0; }
  return { op, rd: i.rd, rs1, rs2, imm: i.imm, csr: i.csr, aq: i.aq, rl: i.rl, pred: i.pred, succ: i.succ };
}

const BRANCHES = new Set(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'jal']);

/**
 * Round-trips a batch in one assembler run (RVC on for 16-bit words, off for 32-bit ones).
 * Branch targets, printed as absolute addresses, are rewritten relative to `.` so every line
 * means the same wherever it lands in the batch.
 */
function roundTrip(words: number[]): string[] {
  const bad: string[] = [];
  const items: { w: number; insn: Insn; text: string }[] = [];
  for (const w of words) {
    const insn = decode(w);
    if (!insn) continue;
    const bytes = insn.size === 2 ? new Uint8Array([w & 0xff, w >>> 8]) : new Uint8Array([w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]);
    let text = disassemble(bytes, PC, { noSymbols: true })[0].text.replace(/ # .*$/, '');
    if (text.includes('unknown')) continue; // `fence unknown,x`: objdump's text for pred/succ 0 has no syntax
    if (text.startsWith('.')) continue; // non-canonical encodings print as .2byte/.4byte data
    if (BRANCHES.has(insn.op)) text = text.replace(/0x[0-9a-f]+$/, insn.imm >= 0 ? `.+${insn.imm}` : `.-${-insn.imm}`);
    items.push({ w, insn, text });
  }
  for (const size of [2, 4]) {
    const batch = items.filter((x) => x.insn.size === size);
    const r = assemble(batch.map((x) => x.text).join('\n'), { base: PC, rvc: size === 2 });
    for (const d of r.diagnostics.slice(0, 20)) bad.push(`'${batch[d.line - 1].text}': ${d.message}`);
    const byLine = new Map(r.lines.map((l) => [l.line, l]));
    batch.forEach((x, k) => {
      const l = byLine.get(k + 1);
      if (!l) return;
      const b = r.bytes.subarray(l.offset, l.offset + l.size);
      const back = decode(b[0] | (b[1] << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24));
      if ((!back || l.size !== back.size || JSON.stringify(semantics(back)) !== JSON.stringify(semantics(x.insn))) && bad.length < 20) {
        bad.push(`${x.w.toString(16)} '${x.text}' -> ${back ? `${back.name} ${JSON.stringify(semantics(back))}` : 'undecodable'} want ${JSON.stringify(semantics(x.insn))}`);
      }
    });
  }
  return bad;
}

describe('disassemble -> assemble -> decode round trip', () => {
  it('every 16-bit parcel', () => {
    const parcels: number[] = [];
    for (let p = 0; p < 65536; p++) if ((p & 3) !== 3) parcels.push(p);
    expect(roundTrip(parcels).slice(0, 20)).toEqual([]);
  });
  it('a seeded corpus of every 32-bit entry', () => {
    expect(roundTrip(encodingCorpus(200, 5).filter((w) => (w & 3) === 3)).slice(0, 20)).toEqual([]);
  });
});

describe('robustness', () => {
  it('assemble never throws and disassemble never throws (seeded fuzz)', () => {
    const alphabet = ['addi', 'a0', ',', '(', ')', '%lo(', '%pcrel_lo(', '1b', '1f', '1:', 'x:', '.word', '.align', '.option', 'rvc', '0x', '-', '9', 'sp', ' ', '\n', '#', '"', "'", 'c.addi', 'li', 'j', '.equ', '*', '/'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (parts, base) => {
        const r = assemble(parts.join(''), { base, rvc: base % 2 === 0 });
        for (const d of r.diagnostics) expect(d.line).toBeGreaterThan(0);
      }),
      { seed: 42, numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const lines = disassemble(bytes, -0x80000000);
        expect(lines.reduce((n, l) => n + l.size, 0)).toBe(bytes.length);
      }),
      { seed: 43, numRuns: 2000 },
    );
  });
});
