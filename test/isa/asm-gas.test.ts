/**
 * Assembler vs GNU as: a seeded corpus covering every table entry (explicit and, with RVC on,
 * through gas's automatic compression) and every pseudo-instruction must give the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm/index.js';
import { decode } from '../../src/isa/decode.js';
import { TABLE, ALIASES } from '../../src/isa/table.js';
import { ABI_NAMES } from '../../src/isa/regs.js';
import type { Insn } from '../../src/isa/types.js';
import { binutilsMissing, encodingCorpus, gasLinked, MARCH_NORVC, MARCH_RVC, prng } from './binutils.js';

const BASE = 0x10000;
const X = ABI_NAMES;
const hex = (n: number) => `0x${n.toString(16)}`;
const rel = (n: number) => (n >= 0 ? `.+${n}` : `.-${-n}`);
const fset = (b: number) => (b & 8 ? 'i' : '') + (b & 4 ? 'o' : '') + (b & 2 ? 'r' : '') + (b & 1 ? 'w' : '');

/** GNU as source for a decoded instruction in its no-aliases form (branch targets relative to `.`). */
function sourceOf(i: Insn): string | undefined {
  const spec = TABLE.find((e) => e.name === i.name)!;
  const aq = i.aq && i.rl ? '.aqrl' : i.aq ? '.aq' : i.rl ? '.rl' : '';
  const csr = hex(i.csr);
  switch (spec.syntax) {
    case 'rd,rs1,rs2': return `${i.name} ${X[i.rd]},${X[i.rs1]},${X[i.rs2]}`;
    case 'rd,rs1,imm': case 'rd,rs1,shamt': return `${i.name} ${X[i.rd]},${X[i.rs1]},${i.imm}`;
    case 'rd,imm(rs1)': return `${i.name} ${X[i.rd]},${i.imm}(${X[i.rs1]})`;
    case 'rs2,imm(rs1)': return `${i.name} ${X[i.rs2]},${i.imm}(${X[i.rs1]})`;
    case 'rs1,rs2,target': return `${i.name} ${X[i.rs1]},${X[i.rs2]},${rel(i.imm)}`;
    case 'rd,uimm20': return `${i.name} ${X[i.rd]},${hex((i.imm / 4096) & 0xfffff)}`;
    case 'rd,target': return `${i.name} ${X[i.rd]},${rel(i.imm)}`;
    case 'rd,rs2,(rs1)': return `${i.name}${aq} ${X[i.rd]},${X[i.rs2]},(${X[i.rs1]})`;
    case 'rd,(rs1)': return `${i.name}${aq} ${X[i.rd]},(${X[i.rs1]})`;
    case 'rd,csr,rs1': return `${i.name} ${X[i.rd]},${csr},${X[i.rs1]}`;
    case 'rd,csr,zimm': return `${i.name} ${X[i.rd]},${csr},${i.imm}`;
    case 'pred,succ': return i.pred && i.succ && (i.bits & 0xf00f8f80) === 0 ? `fence ${fset(i.pred)},${fset(i.succ)}` : undefined;
    case '':
      if (i.name === 'fence.tso') return (i.bits & 0x000f8f80) === 0 ? i.name : undefined;
      if (i.name === 'fence.i') return i.bits === 0x100f ? i.name : undefined;
      return i.name;
    case 'rd,sp,imm': return `${i.name} ${X[i.rd]},sp,${i.imm}`;
    case 'rd,imm': return `${i.name} ${X[i.rd]},${i.imm}`;
    case 'rd,cuimm': return `${i.name} ${X[i.rd]},${hex((i.imm / 4096) & 0xfffff)}`;
    case 'sp,imm': return `${i.name} sp,${i.imm}`;
    case 'rd,cshamt': return `${i.name} ${X[i.rd]},${i.imm}`;
    case 'rd': return `${i.name} ${X[i.rd]}`;
    case 'rd,rs2': return `${i.name} ${X[i.rd]},${X[i.rs2]}`;
    case 'rs1': return `${i.name} ${X[i.rs1]}`;
    case 'rs1,target': return `${i.name} ${X[i.rs1]},${rel(i.imm)}`;
    case 'target': return `${i.name} ${rel(i.imm)}`;
  }
}

/** Every table entry, from seeded random encodings, as source lines. */
function tableCorpus(rvc: boolean, seed: number): string[] {
  // fence's reserved fm/rs1/rd fields have no syntax: every pred/succ pair is written out instead.
  const lines: string[] = [];
  for (let p = 1; p < 16; p += seed % 3 + 1) for (let q = 1; q < 16; q += 2) lines.push(`fence ${fset(p)},${fset(q)}`);
  for (const w of encodingCorpus(12, seed)) {
    const i = decode(w)!;
    if (i.size === 2 && !rvc) continue;
    // Branch/jump offsets far from this line would leave the corpus; keep them short.
    if (i.op === 'jal' || ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'].includes(i.op)) {
      if (Math.abs(i.imm) > 200) continue;
    }
    const s = sourceOf(i);
    if (s) lines.push(s);
  }
  return lines;
}

const EDGE_CONSTS = [
  0n, 1n, -1n, 31n, -32n, 32n, 2047n, -2048n, 2048n, -2049n, 0xfffn, 0x1000n, 0x7ffn, 0x800n, 0x12345n,
  0x7ffff7ffn, 0x7ffff800n, 0x7fffffffn, -0x80000000n, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x123456789n, -0x123456789n, 0x7fffffffffffffffn, -0x8000000000000000n, 0x0123456789abcdefn,
  -0x0123456789abcdefn, 0xfedcba9876543210n - (1n << 64n), 0x8000000000000800n - (1n << 64n), 0xfffff000n, 0x1ffffffffn,
];

/** Every pseudo-instruction with seeded random operands; labels reachable by branches and calls. */
function pseudoCorpus(seed: number, rvc: boolean): string[] {
  const rnd = prng(seed);
  const reg = () => X[rnd() % 32];
  const creg = () => X[8 + (rnd() % 8)];
  const anyReg = () => (rnd() & 1 ? creg() : reg());
  const nz = () => X[1 + (rnd() % 31)];
  const out: string[] = ['top:'];
  for (let k = 0; k < 6; k++) {
    const L = `L${k}`;
    out.push(
      'nop', `mv ${anyReg()},${anyReg()}`, `not ${anyReg()},${anyReg()}`, `neg ${anyReg()},${anyReg()}`,
      `negw ${anyReg()},${anyReg()}`, `sext.w ${anyReg()},${anyReg()}`, `seqz ${reg()},${reg()}`,
      `snez ${reg()},${reg()}`, `sltz ${reg()},${reg()}`, `sgtz ${reg()},${reg()}`, `zext.b ${reg()},${reg()}`,
      `jr ${nz()}`, `jalr ${nz()}`, 'ret', `j ${L}`, `jal ${L}`, `jal ${anyReg()},${L}`,
      `beqz ${anyReg()},${L}`, `bnez ${anyReg()},${L}`, `blez ${reg()},${L}`, `bgez ${reg()},${L}`,
      `bltz ${reg()},${L}`, `bgtz ${reg()},${L}`, `bgt ${reg()},${reg()},${L}`, `ble ${reg()},${reg()},${L}`,
      `bgtu ${reg()},${reg()},${L}`, `bleu ${reg()},${reg()},${L}`, `beq ${anyReg()},zero,${k ? `L${k - 1}` : 'top'}`, `bne ${creg()},zero,${L}`, `j ${k ? `L${k - 1}` : 'top'}`,
      `call ${L}`, `tail ${L}`, `call t0,${L}`, `la ${reg()},data${k}`, `lla ${reg()},data${k}`,
      `lw ${nz()},data${k}`, `ld ${nz()},data${k}`, `sw ${reg()},data${k},${nz()}`, `sd ${reg()},data${k},${nz()}`,
      `csrr ${reg()},cycle`, `csrr ${reg()},0x340`, `csrw mscratch,${reg()}`, `csrs 0x340,${reg()}`, `csrc 0x340,${reg()}`,
      `csrwi 0x340,${rnd() % 32}`, `csrsi 0x340,${rnd() % 32}`, `csrci 0x340,${rnd() % 32}`, `csrw 0x340,${rnd() % 32}`,
      `rdcycle ${reg()}`, `rdtime ${reg()}`, `rdinstret ${reg()}`, 'fence', 'fence.tso', 'fence.i', 'unimp', 'ecall', 'ebreak',
      `1: addi ${anyReg()},${anyReg()},${(rnd() % 64) - 32}`, `bnez ${creg()},1b`, `beqz ${creg()},1f`, `j 1f`, `1: c.nop`.replace('c.nop', 'nop'),
      `jr ${(rnd() % 64) - 32}(${nz()})`, `jalr ${(rnd() % 64) - 32}(${nz()})`, `jalr ${reg()},${nz()},${(rnd() % 64) - 32}`,
      `jalr ${reg()},${nz()}`, `csrs 0x340,${rnd() % 32}`, `csrc 0x340,${rnd() % 32}`, `csrrc ${reg()},0x340,${rnd() % 32}`,
      `add ${creg()},sp,${4 * (rnd() % 64)}`, `add sp,sp,${16 * ((rnd() % 64) - 32)}`, `add ${nz()},zero,${rnd() % 32}`, `add a0,a0,0`, `fence rw,w`,
      `add ${anyReg()},${anyReg()},${(rnd() % 64) - 32}`, `sll ${anyReg()},${anyReg()},${rnd() % 64}`, `srl ${creg()},${creg()},${rnd() % 64}`,
      `sra ${reg()},${reg()},${rnd() % 64}`, `and ${creg()},${creg()},${(rnd() % 64) - 32}`, `or ${reg()},${reg()},${rnd() % 2048}`,
      `xor ${reg()},${reg()},-1`, `addw ${anyReg()},${anyReg()},${(rnd() % 64) - 32}`, `sllw ${reg()},${reg()},${rnd() % 32}`,
      `srlw ${reg()},${reg()},${rnd() % 32}`, `sraw ${reg()},${reg()},${rnd() % 32}`, `slt ${reg()},${reg()},${rnd() % 2048}`,
      `sltu ${reg()},${reg()},${rnd() % 2048}`, `csrrw ${reg()},0x340,${rnd() % 32}`, `csrrs ${reg()},0x340,${rnd() % 32}`,
      `auipc ${nz()},%pcrel_hi(data${k})`, `lui ${reg()},%hi(data${k})`, `addi ${reg()},${reg()},%lo(data${k})`,
      `2: auipc a5,%pcrel_hi(data${k})`, `addi a5,a5,%pcrel_lo(2b)`, `ld a4,%pcrel_lo(2b)(a5)`,
    );
    for (const c of EDGE_CONSTS) if (rnd() % 3 === 0) out.push(`li ${nz()},${c}`);
    out.push(`li ${anyReg()},${EDGE_CONSTS[rnd() % EDGE_CONSTS.length]}`);
    // pad so that some branch targets are out of compressed (and some of near) range
    for (let p = rnd() % (k * 40 + 1); p > 0; p--) out.push(`add ${anyReg()},${anyReg()},${anyReg()}`);
    out.push(`${L}:`, `data${k}: .word ${rnd() >>> 0}`, `.dword ${rnd()}`, `.half 7`, `.byte 1,2,3`, '.align 3');
  }
  // Far branches: gas relaxes them to an inverted branch over a jal.
  out.push('far0:', `beq ${reg()},${reg()},far1`, `beqz ${creg()},far1`, `bnez ${creg()},far1`, `bltu ${reg()},${reg()},far1`,
    `bgt ${reg()},${reg()},far1`, `blez ${reg()},far1`, `j far1`, `beqz ${creg()},near1`, 'near1:', '.fill 1100,4,0x13',
    'far1:', `bne ${reg()},${reg()},far0`, `bnez ${creg()},far0`, `bgeu ${reg()},${reg()},far0`, `j far0`, 'ret');
  if (rvc) out.push('.option norvc', 'addi a0,a0,1', 'ret', '.option rvc', 'addi a0,a0,1', '.option push', '.option norvc', 'ret', '.option pop', 'ret');
  out.push('.balign 8', 'nop', '.p2align 3', '.equ K, 40', 'addi a0,a0,K+2', '.set M, K*2', 'li a1,M', 'x = 5', 'addi a2,a2,x');
  return out;
}

function compare(source: string, march: string, rvc: boolean): string[] {
  const ref = gasLinked(source, march, BASE);
  if ('error' in ref) throw new Error(ref.error);
  const ours = assemble(source, { base: BASE, rvc });
  expect(ours.diagnostics).toEqual([]);
  const lines = source.split('\n');
  const bad: string[] = [];
  // gas pads the end of .text to the section alignment; the bytes we produce must be a prefix.
  for (const l of ours.lines) {
    const a = ours.bytes.subarray(l.offset, l.offset + l.size);
    const b = ref.bytes.subarray(l.offset, l.offset + l.size);
    if (a.some((x, k) => x !== b[k]) && bad.length < 30) {
      const h = (u: Uint8Array) => Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('');
      bad.push(`line ${l.line} '${lines[l.line - 1]}': ours ${h(a)} gas ${h(b)}`);
    }
  }
  expect(bad).toEqual([]);
  expect(ref.bytes.length - ours.bytes.length).toBeGreaterThanOrEqual(0);
  expect(ref.bytes.length - ours.bytes.length).toBeLessThan(8);
  expect(Array.from(ours.bytes)).toEqual(Array.from(ref.bytes.subarray(0, ours.bytes.length)));
  return bad;
}

describe('assembler corpus', () => {
  it('covers every table entry', () => {
    const src = [...tableCorpus(true, 11), ...tableCorpus(false, 12)];
    const names = new Set(src.map((l) => l.split(' ')[0].replace(/\.(aqrl|aq|rl)$/, '')));
    expect(TABLE.map((e) => e.name).filter((n) => !names.has(n))).toEqual([]);
  });
});

describe('assembler corpus (aliases)', () => {
  it('uses every alias of the table', () => {
    const used = new Set(pseudoCorpus(21, true).map((l) => l.replace(/^\w+:\s*/, '').split(/\s+/)[0]));
    expect(ALIASES.map((a) => a.name).filter((n) => !used.has(n))).toEqual([]);
  });
});

describe.skipIf(binutilsMissing)('assembler vs GNU as', () => {
  it('every table entry, RVC on (gas compression)', () => {
    compare(['.option rvc', ...tableCorpus(true, 11)].join('\n') + '\n', MARCH_RVC, true);
  });
  it('every base entry, RVC off', () => {
    compare(['.option norvc', ...tableCorpus(false, 12)].join('\n') + '\n', MARCH_NORVC, false);
  });
  it('pseudo-instructions, directives and relaxation, RVC on', () => {
    compare(pseudoCorpus(21, true).join('\n') + '\n', MARCH_RVC, true);
  });
  it('pseudo-instructions, directives, RVC off', () => {
    compare(pseudoCorpus(22, false).join('\n') + '\n', MARCH_NORVC, false);
  });
});
