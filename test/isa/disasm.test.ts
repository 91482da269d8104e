import { describe, expect, it } from 'vitest';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { disassemble, formatInsn } from '../../src/isa/disasm.js';
import { decode } from '../../src/isa/decode.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { binutilsMissing, encodingCorpus, insnSource, gas, MARCH_RVC, OBJDUMP } from './binutils.js';

/** objdump's text with symbol annotations (`<fib+0x54>`) removed: they depend on the object's symbols. */
const stripSymbols = (s: string) => s.replace(/ <[^>]*>/g, '');

describe('formatInsn', () => {
  it('prints objdump aliases', () => {
    const f = (bits: number, pc = 0x1000) => formatInsn(decode(bits)!, pc);
    expect(f(0x8082)).toBe('ret');
    expect(f(0x00000013)).toBe('nop');
    expect(f(0x7159)).toBe('add\tsp,sp,-112');
    expect(f(0x0000006f)).toBe('j\t1000');
    expect(f(0xc00020f3)).toBe('rdcycle\tra');
    expect(f(0x0ff0000f)).toBe('fence');
    expect(f(0x000282e7)).toBe('jalr\tt0,0(t0)');
    expect(f(0x00000297)).toBe('auipc\tt0,0x0');
  });
});

describe.skipIf(binutilsMissing)('disassembler vs GNU objdump', () => {
  it('prints every 16-bit parcel as objdump does', () => {
    const parcels: number[] = [];
    for (let p = 0; p < 65536; p++) if ((p & 3) !== 3) parcels.push(p);
    const ref = gas(insnSource(parcels), MARCH_RVC);
    if ('error' in ref) throw new Error(ref.error);
    const ours = disassemble(ref.bytes, 0);
    expect(ours.length).toBe(ref.lines.length);
    const bad: string[] = [];
    ours.forEach((l, k) => {
      const want = stripSymbols(ref.lines[k].text);
      if (l.text !== want && bad.length < 40) bad.push(`${l.hex}: ours '${l.text}' objdump '${want}'`);
    });
    expect(bad).toEqual([]);
  });

  it('prints a seeded corpus covering every 32-bit table entry as objdump does', () => {
    const words = encodingCorpus(150, 2024).filter((w) => (w & 3) === 3);
    const ref = gas(insnSource(words), MARCH_RVC);
    if ('error' in ref) throw new Error(ref.error);
    const ours = disassemble(ref.bytes, 0);
    expect(ours.length).toBe(ref.lines.length);
    const bad: string[] = [];
    ours.forEach((l, k) => {
      const want = stripSymbols(ref.lines[k].text);
      if (l.text !== want && bad.length < 40) bad.push(`${l.hex}: ours '${l.text}' objdump '${want}'`);
    });
    expect(bad).toEqual([]);
  });
});

const FIXTURES = join(__dirname, '../../fixtures/elf');
const fixtureElfs = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.elf')) : [];

describe.skipIf(binutilsMissing || fixtureElfs.length === 0)('ftrace-race disasm vs GNU objdump on fixtures/elf', () => {
  it.each(fixtureElfs)('%s', async (name) => {
    const path = join(FIXTURES, name);
    const io = bufferIo();
    expect(await main(['disasm', path], io)).toBe(0);
    const ours = io.out.split('\n');
    const ref = execFileSync(OBJDUMP, ['-d', path], { encoding: 'utf8' }).split('\n');
    expect(ours.length).toBe(ref.length);
    const bad: string[] = [];
    ref.forEach((l, k) => { if (ours[k] !== l && bad.length < 20) bad.push(`ours:    ${ours[k]}\nobjdump: ${l}`); });
    expect(bad).toEqual([]);
  });
});
