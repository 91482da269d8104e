import { describe, expect, it } from 'vitest';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { disassemble, formatInsn, addressWidth, objdumpLine } from '../../src/isa/disasm.js';
import { decode } from '../../src/isa/decode.js';
import { binutilsMissing, encodingCorpus, insnSource, gas, MARCH_RVC, objdumpFile } from './binutils.js';

/** objdump's text with symbol annotations (`<fib+0x54>`) removed: they depend on the object's symbols. */
const stripSymbols = (s: string) => s.replace(/ <[^>]*>/g, '');

function bytesOf(words: number[]): Uint8Array {
  const out: number[] = [];
  for (const w of words) {
    out.push(w & 0xff, (w >>> 8) & 0xff);
    if ((w & 3) === 3) out.push((w >>> 16) & 0xff, (w >>> 24) & 0xff);
  }
  return new Uint8Array(out);
}

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
