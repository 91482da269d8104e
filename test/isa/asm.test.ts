import { describe, expect, it } from 'vitest';
import { assemble, encode, encodeInsn } from '../../src/isa/asm/index.js';
import { decode } from '../../src/isa/decode.js';
import { encodingCorpus } from './binutils.js';
import { disassemble } from '../../src/isa/disasm.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const text = (src: string, base = 0x1000, rvc = true) => {
  const r = assemble(src, { base, rvc });
  expect(r.diagnostics).toEqual([]);
  return disassemble(r.bytes, base).map((l) => l.text);
};

describe('assemble', () => {
  it('assembles the kernel ftrace call site (auipc t0 + jalr t0) at a kernel address', () => {
    const base = -0x7fff0000; // 0xffffffff80010000
    const r = assemble('site:\n  auipc t0, 0x1234\n  jalr t0, -8(t0)\n  nop\n', { base, rvc: false });
    expect(r.diagnostics).toEqual([]);
    expect(hex(r.bytes)).toBe('97422301' + 'e78282ff' + '13000000');
    expect(r.symbols.get('site')).toBe(base);
    expect(r.lines).toEqual([
      { offset: 0, size: 4, line: 2 },
      { offset: 4, size: 4, line: 3 },
      { offset: 8, size: 4, line: 4 },
    ]);
  });

  it('resolves external symbols, call and %pcrel_hi/%pcrel_lo pairs', () => {
    const symbols = new Map([['ftrace_caller', 0x2000], ['counter', 0x3010]]);
    const r = assemble('call ftrace_caller\n1: auipc a0, %pcrel_hi(counter)\n ld a1, %pcrel_lo(1b)(a0)\n', { base: 0x1000, symbols });
    expect(r.diagnostics).toEqual([]);
    expect(disassemble(r.bytes, 0x1000).map((l) => l.text)).toEqual([
      'auipc\tra,0x1', 'jalr\tra # 2000', 'auipc\ta0,0x2', 'ld\ta1,8(a0) # 3010',
    ]);
  });

  it('keeps branches to external symbols at full size and relaxes local ones', () => {
    const symbols = new Map([['far', 0x1100]]);
    const r = assemble('beqz a0, far\nbeqz a0, near\nj far\nj near\nnear: ret', { base: 0x1000, symbols });
    expect(r.diagnostics).toEqual([]);
    expect(r.lines.map((l) => l.size)).toEqual([4, 2, 4, 2, 2]);
  });

  it('honours .option rvc/norvc/push/pop, numeric labels, .equ and alignment', () => {
    expect(text('.option norvc\naddi a0,a0,1\n.option push\n.option rvc\naddi a0,a0,1\n.option pop\naddi a0,a0,1')).toEqual([
      'add\ta0,a0,1', 'add\ta0,a0,1', 'add\ta0,a0,1',
    ]);
    const r = assemble('.option norvc\naddi a0,a0,1\n.option push\n.option rvc\naddi a0,a0,1\n.option pop\naddi a0,a0,1', { base: 0 });
    expect(r.lines.map((l) => l.size)).toEqual([4, 2, 4]);
    expect(text('1: addi a0,a0,-1\nbnez a0, 1b\nj 1f\nnop\n1: ret')).toEqual([
      'add\ta0,a0,-1', 'bnez\ta0,1000', 'j\t1008', 'nop', 'ret',
    ]);
    expect(text('.equ N, 12\nli a0, N*2\n')).toEqual(['li\ta0,24']);
    const al = assemble('nop\n.align 3\nret', { base: 0 });
    expect(hex(al.bytes)).toBe('0100' + '0100' + '13000000' + '8280');
  });

  it('expands li as GNU as does', () => {
    expect(text('li a0, 0x123456789')).toEqual(['lui\ta0,0x92', 'addw\ta0,a0,-1493 # 91a2b', 'sll\ta0,a0,0xd', 'add\ta0,a0,1929']);
    expect(text('li t0, 0x100000000')).toEqual(['addw\tt0,zero,1', 'sll\tt0,t0,0x20']);
    expect(text('li a0, -1')).toEqual(['li\ta0,-1']);
  });

  it('encode() assembles one instruction', () => {
    expect(encode('auipc t0, 0')).toEqual(new Uint8Array([0x97, 0x02, 0, 0]));
    expect(encode('c.nop', 0, true)).toEqual(new Uint8Array([0x01, 0x00]));
    expect(encode('addx a0')).toBe("unknown mnemonic 'addx'");
  });
});

describe('assembler diagnostics', () => {
  const cases: [string, number, number, string, string][] = [
    ['addx a0,a0,1', 10, 5, "unknown mnemonic 'addx'", 'unknown-mnemonic'],
    ['addi a0,a0,5000', 10, 16, 'immediate 5000 out of range -2048..2047', 'out-of-range'],
    ['  beq a0,a1,foo', 10, 17, "unknown symbol 'foo'", 'unknown-symbol'],
    ['j . + 3', 10, 7, 'branch target misaligned', 'misaligned'],
    ['nop\nbeq a0,a1,far', 11, 11, 'branch target out of range (offset 8190, allowed -4096..4094)', 'out-of-range'],
    ['jal .+0x100000', 10, 9, 'branch target out of range (offset 1048576, allowed -1048576..1048574)', 'out-of-range'],
    ['lw a0, 4(a9)', 10, 14, "expected register, got 'a9'", 'bad-register'],
    ['addi a0,a1', 10, 15, "missing operand for 'addi' (expected 3)", 'operand-count'],
    ['addi a0,a1,2,3', 10, 18, "too many operands for 'addi' (expected 3)", 'operand-count'],
    ['lui a0,-1', 10, 12, 'immediate -1 out of range 0..1048575', 'out-of-range'],
    ['slli a0,a0,64', 10, 16, 'immediate 64 out of range 0..63', 'out-of-range'],
    ['c.addi4spn a0,sp,0', 10, 22, 'c.addi4spn: nzuimm=0 is reserved', 'reserved-encoding'],
    ['c.lwsp zero,4(sp)', 10, 17, 'c.lwsp: rd=x0 is reserved', 'reserved-encoding'],
    ['c.lw a0,4(a6)', 10, 13, 'register a6 not allowed here (x8..x15 only)', 'bad-register'],
    ['.word 0x100000000', 10, 11, 'value 4294967296 does not fit in 4 bytes', 'out-of-range'],
    ['1: j 2b', 10, 10, "unknown local label '2b'", 'unknown-symbol'],
    ['x: nop\nx: nop', 11, 1, "symbol 'x' is already defined", 'redefined'],
    ['.option foo', 10, 13, "unknown .option 'foo'", 'directive'],
    ['.frob 1', 10, 5, "unknown directive '.frob'", 'directive'],
    ['csrrw a0, nosuchcsr, a1', 10, 15, "unknown CSR 'nosuchcsr'", 'unknown-symbol'],
    ['fence rw, x', 10, 15, "expected fence set (i, o, r, w), got 'x'", 'syntax'],
    ['.option pop', 10, 13, '.option pop with no .option push', 'directive'],
    ['c.lwsp a0, 4(a1)', 10, 16, "'c.lwsp' takes its base in sp", 'bad-register'],
    ['c.addi16sp a0, 16', 10, 16, "expected 'sp'", 'bad-register'],
    ['.byte', 10, 10, "'.byte' needs at least one value", 'syntax'],
    ['.balign 3', 10, 13, 'alignment 3 is not a power of 2', 'syntax'],
    ['c.j 0x2001', 10, 9, 'branch target misaligned', 'misaligned'],
    ['jal', 10, 8, "missing operand for 'jal' (expected 2 or 1)", 'operand-count'],
    // The code is the site's, whatever words the quoted source text contains.
    ['.misaligned', 10, 5, "unknown directive '.misaligned'", 'directive'],
    ['add t0, needs the C extension, 1', 10, 13, "expected register, got 'needs the C extension'", 'bad-register'],
  ];
  it.each(cases)('%j -> %i:%i %s', (src, line, column, message, code) => {
    const r = assemble(src, { base: 0x1000, file: 'x.s', line: 10, column: 5, symbols: new Map([['far', 0x3000]]) });
    expect(r.diagnostics).toEqual([{ file: 'x.s', line, column, message, code }]);
  });

  it('reports every error of a block, in line order, and never throws', () => {
    const r = assemble('addi a0,a0,9999\nfoo bar\n  lw a0, (zz)\n', { base: 0 });
    expect(r.diagnostics.map((d) => [d.line, d.column])).toEqual([[1, 12], [2, 1], [3, 11]]);
    expect(() => assemble('((((', { base: 0 })).not.toThrow();
    expect(() => assemble('.word )(', { base: 0 })).not.toThrow();
  });

  it('explicit c.* needs RVC on', () => {
    const r = assemble('c.addi a0, 1', { base: 0, rvc: false });
    expect(r.diagnostics[0].message).toBe("'c.addi' needs the C extension (.option rvc)");
  });
});

describe('layout stability around errors', () => {
  it('an unknown symbol is reported but the statement keeps its size', () => {
    const good = assemble('call f\nbeqz a0, f\nj f\nla a0, f\n.dword f\nret', { base: 0x1000, symbols: new Map([['f', 0x1800]]) });
    const bad = assemble('call f\nbeqz a0, f\nj f\nla a0, f\n.dword f\nret', { base: 0x1000 });
    expect(good.diagnostics).toEqual([]);
    expect(bad.diagnostics.map((d) => d.message)).toEqual(Array(5).fill("unknown symbol 'f'"));
    expect(bad.bytes.length).toBe(good.bytes.length);
    expect(bad.lines.map((l) => l.size)).toEqual(good.lines.map((l) => l.size));
  });
  it('li takes constants only, as in GNU as', () => {
    const r = assemble('li a0, x\nx: nop', { base: 0 });
    expect(r.diagnostics.map((d) => [d.column, d.message])).toEqual([[8, 'li needs a constant; use la or lla to load an address']]);
  });
});

describe('lexing details', () => {
  it('splits statements at ; outside strings and honours .option arch', () => {
    const r = assemble('.ascii "a;b" ; nop\n.option arch, -c\naddi a0,a0,1\n.option arch, +c\naddi a0,a0,1', { base: 0 });
    expect(r.diagnostics).toEqual([]);
    expect(r.lines.map((l) => l.size)).toEqual([3, 2, 4, 2]);
  });
});

describe('encodeInsn', () => {
  it('inverts decode for every legal parcel and a corpus of every 32-bit entry', () => {
    const words: number[] = [];
    for (let p = 0; p < 65536; p++) if ((p & 3) !== 3) words.push(p);
    words.push(...encodingCorpus(50, 3).filter((w) => (w & 3) === 3));
    const bad: string[] = [];
    for (const w of words) {
      const i = decode(w);
      if (!i) continue;
      // fence's reserved fm/rs1/rd and fence.i's reserved fields are not Insn fields
      const canonical = i.name === 'fence' ? (w & 0xf00f8f80) === 0 : i.name === 'fence.tso' ? (w & 0xf8f80) === 0 : i.name === 'fence.i' ? w === 0x100f : true;
      if (!canonical) continue;
      const e = encodeInsn(i);
      if (e !== i.bits && bad.length < 10) bad.push(`${w.toString(16)} ${i.name}: ${e}`);
    }
    expect(bad).toEqual([]);
  });
  it('patches an immediate and refuses impossible fields', () => {
    const auipc = decode(0x00000297)!;
    expect(encodeInsn({ ...auipc, imm: 0x1234 << 12 })).toBe(0x01234297);
    expect(encodeInsn({ name: 'jalr', rd: 5, rs1: 5, imm: -8 })).toBe(0xff8282e7);
    expect(encodeInsn({ name: 'addi', rd: 1, rs1: 1, imm: 4096 })).toBe('immediate 4096 out of range -2048..2047');
    expect(encodeInsn({ name: 'c.lw', rd: 1, rs1: 8, imm: 4 })).toBe('register ra not allowed here (x8..x15 only)');
    expect(encodeInsn({ name: 'c.j', rd: 1, imm: 4 })).toBe('c.j cannot encode rd=1 (it would be 0)');
    expect(encodeInsn({ name: 'c.addi4spn', rd: 8, rs1: 2, imm: 0 })).toBe('c.addi4spn: nzuimm=0 is reserved');
  });
});
