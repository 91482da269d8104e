import { describe, expect, it } from 'vitest';
import { readdirSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { disassemble, formatInsn, addressWidth, objdumpLine } from '../../src/isa/disasm.js';
import { decode } from '../../src/isa/decode.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { binutilsMissing, encodingCorpus, insnSource, gas, MARCH_RVC, OBJDUMP, prng } from './binutils.js';

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

/** Assembles `encodings` with GNU as and expects our disassembly to equal objdump's, line for line. */
function expectObjdumpText(encodings: number[]): void {
  const ref = gas(insnSource(encodings), MARCH_RVC);
  if ('error' in ref) throw new Error(ref.error);
  const ours = disassemble(ref.bytes, 0);
  expect(ours.length).toBe(ref.lines.length);
  const bad: string[] = [];
  ours.forEach((l, k) => {
    const want = stripSymbols(ref.lines[k].text);
    if (l.text !== want && bad.length < 40) bad.push(`${l.hex}: ours '${l.text}' objdump '${want}'`);
  });
  expect(bad).toEqual([]);
}

describe.skipIf(binutilsMissing)('disassembler vs GNU objdump', () => {
  it('prints every 16-bit parcel as objdump does', () => {
    const parcels: number[] = [];
    for (let p = 0; p < 65536; p++) if ((p & 3) !== 3) parcels.push(p);
    expectObjdumpText(parcels);
  });

  it('prints a seeded corpus covering every 32-bit table entry as objdump does', () => {
    expectObjdumpText(encodingCorpus(150, 2024).filter((w) => (w & 3) === 3));
  });
});

const FIXTURE_DIRS = ['../../fixtures/elf', '../../fixtures/patchable'].map((d) => join(__dirname, d));
const fixtureElfs = FIXTURE_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.elf')).map((f) => join(d, f)) : []));

describe.skipIf(binutilsMissing || fixtureElfs.length === 0)('ftrace-race disasm vs GNU objdump on the fixture ELFs', () => {
  it.each(fixtureElfs)('%s', async (path) => {
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

describe.skipIf(binutilsMissing)('objdump line layout', () => {
  it('matches objdump -D -b binary line for line, including long-encoding continuation lines', () => {
    const words = encodingCorpus(3, 77).filter((w) => w !== 0);
    const bytes: number[] = [];
    for (const w of words) {
      bytes.push(w & 0xff, (w >>> 8) & 0xff);
      if ((w & 3) === 3) bytes.push((w >>> 16) & 0xff, w >>> 24);
    }
    // 48-, 64- and 80-bit length encodings and a reserved one (none of them ours)
    bytes.push(0x1f, 0, 0x34, 0x12, 0x78, 0x56, 0x3f, 0, 1, 0, 2, 0, 3, 0, 0x7f, 0, 1, 0, 2, 0, 3, 0, 4, 0, 0xff, 0xff, 0x13, 0, 0, 0);
    const dir = mkdtempSync(join(tmpdir(), 'ftr-dis-'));
    const file = join(dir, 'a.bin');
    writeFileSync(file, new Uint8Array(bytes));
    const ref = execFileSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'riscv:rv64', file], { encoding: 'utf8' })
      .split('\n').filter((l) => /^ +[0-9a-f]+:\t/.test(l));
    const width = addressWidth(0, bytes.length);
    const ours = disassemble(new Uint8Array(bytes), 0, { noSymbols: true }).flatMap((l) => objdumpLine(l, width).split('\n'));
    const strip = (l: string) => l.replace(/ <[^>]*>/g, '');
    expect(ours.length).toBe(ref.length);
    const bad = ours.map((l, k) => [l, strip(ref[k])]).filter(([a, b]) => a !== b).slice(0, 10);
    expect(bad).toEqual([]);
  });
});

// objdump 2.40's --disassemble=NAME mis-sizes symbols at kernel addresses ("Address ... is out
// of bounds"), so the comparison uses the user-space fixtures only.
const userElfs = fixtureElfs.filter((p) => p.includes('fixtures/elf'));
describe.skipIf(binutilsMissing || userElfs.length === 0)('ftrace-race disasm --symbol vs objdump --disassemble=NAME', () => {
  it.each(userElfs)('%s', async (path) => {
    const funcs = execFileSync('riscv64-linux-gnu-readelf', ['-sW', path], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[3] === 'FUNC').map((f) => f[7]).slice(0, 2);
    for (const name of funcs) {
      const io = bufferIo();
      expect(await main(['disasm', path, '--symbol', name], io)).toBe(0);
      const ref = execFileSync(OBJDUMP, ['-d', `--disassemble=${name}`, path], { encoding: 'utf8' });
      expect(io.out, name).toBe(ref);
    }
  });
});

describe.skipIf(binutilsMissing)('address comments across mixed-length streams', () => {
  it('tracks auipc/lui/c.lui values into later uses exactly as objdump does', () => {
    const rnd = prng(99);
    const all = encodingCorpus(40, 7).filter((w) => w !== 0);
    const his = all.filter((w) => (w & 0x7f) === 0x17 || (w & 0x7f) === 0x37 || (w & 0xe003) === 0x6001);
    const words: number[] = [];
    // a third of the stream sets a register's upper bits, so later uses often find one
    for (let k = 0; k < 6000; k++) words.push(k % 3 === 0 ? his[rnd() % his.length] : all[rnd() % all.length]);
    const ref = gas(insnSource(words), MARCH_RVC);
    if ('error' in ref) throw new Error(ref.error);
    const ours = disassemble(ref.bytes, 0);
    expect(ours.length).toBe(ref.lines.length);
    const bad: string[] = [];
    ours.forEach((l, k) => {
      const want = ref.lines[k].text.replace(/ <[^>]*>/g, '');
      if (l.text !== want && bad.length < 10) bad.push(`${l.address.toString(16)} ${l.hex}: ours '${l.text}' objdump '${want}'`);
    });
    expect(bad).toEqual([]);
  });
});

describe.skipIf(binutilsMissing)('no-aliases mode vs objdump -M no-aliases', () => {
  const check = (words: number[]) => {
    const ref = gas(insnSource(words), MARCH_RVC, ['-M', 'no-aliases']);
    if ('error' in ref) throw new Error(ref.error);
    const ours = disassemble(ref.bytes, 0, { noAliases: true });
    expect(ours.length).toBe(ref.lines.length);
    const bad: string[] = [];
    ours.forEach((l, k) => {
      const want = ref.lines[k].text.replace(/ <[^>]*>/g, '');
      if (l.text !== want && bad.length < 20) bad.push(`${l.hex}: ours '${l.text}' objdump '${want}'`);
    });
    expect(bad).toEqual([]);
  };
  it('every 16-bit parcel', () => {
    const parcels: number[] = [];
    for (let p = 0; p < 65536; p++) if ((p & 3) !== 3) parcels.push(p);
    check(parcels);
  });
  it('a seeded corpus of every 32-bit entry', () => {
    check(encodingCorpus(100, 31).filter((w) => (w & 3) === 3));
  });
  it.each(fixtureElfs.filter((_, k) => k % 3 === 0))('ftrace-race disasm --no-aliases %s', async (path) => {
    const io = bufferIo();
    expect(await main(['disasm', '--no-aliases', path], io)).toBe(0);
    expect(io.out).toBe(execFileSync(OBJDUMP, ['-d', '-M', 'no-aliases', path], { encoding: 'utf8' }));
  });
});
