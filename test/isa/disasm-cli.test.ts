import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

const FIB = join(__dirname, '../../fixtures/elf/calls-O2.elf');

describe('ftrace-race disasm', () => {
  it('prints one function with an objdump-style header', async () => {
    const io = bufferIo();
    expect(await main(['disasm', FIB, '--symbol', 'fib'], io)).toBe(0);
    const lines = io.out.split('\n');
    const header = lines.findIndex((l) => /^[0-9a-f]{16} <fib>:$/.test(l));
    expect(header).toBeGreaterThan(0);
    expect(lines.filter((l) => / <[^>]+>:$/.test(l))).toHaveLength(1);
    expect(lines[header + 1]).toMatch(/^ +[0-9a-f]+:\t[0-9a-f]{4,8} +\t\S+/);
  });

  it('reports bad input as one line with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-disasm-'));
    const notElf = join(dir, 'x.txt');
    writeFileSync(notElf, 'hello world, not an ELF\n');
    const truncated = join(dir, 't.elf');
    writeFileSync(truncated, readFileSync(FIB).subarray(0, 40));
    const elf32 = join(dir, 'e32.elf');
    const b32 = new Uint8Array(readFileSync(FIB));
    b32[4] = 1;
    writeFileSync(elf32, b32);
    const x86 = join(dir, 'x86.elf');
    const bx = new Uint8Array(readFileSync(FIB));
    bx[18] = 62;
    bx[19] = 0;
    writeFileSync(x86, bx);
    const cases: [string[], RegExp][] = [
      [['disasm', elf32], /^ftrace-race: .*e32\.elf: 32-bit ELF/],
      [['disasm', x86], /^ftrace-race: .*x86\.elf: not a RISC-V ELF \(e_machine 62/],
      [['disasm', dir], /^ftrace-race: .*: is a directory$/],
      [['disasm', notElf], /^ftrace-race: .*x\.txt: not an ELF file/],
      [['disasm', truncated], /^ftrace-race: .*t\.elf: truncated ELF/],
      [['disasm', join(dir, 'missing.elf')], /^ftrace-race: .*missing\.elf: no such file/],
      [['disasm', FIB, '--symbol', 'nosuch'], /^ftrace-race: .*calls-O2\.elf: unknown symbol 'nosuch'$/],
    ];
    for (const [argv, re] of cases) {
      const io = bufferIo();
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.err.trimEnd().split('\n')).toHaveLength(1);
      expect(io.err.trimEnd()).toMatch(re);
      expect(io.out).toBe('');
    }
  });
});
