import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { bufferIo, RUN_EXIT } from '../../src/cli/io.js';
import { code, enc, FIXTURES, writeElf } from './util.js';

const dir = mkdtempSync(join(tmpdir(), 'ftr-run-'));
const file = (name: string, bytes: Uint8Array | string) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const prog = (name: string, words: number[]) => file(name, writeElf(0x10000, [{ vaddr: 0x10000, data: code(words), flags: 'rx' }]));

async function run(args: string[]) {
  const io = bufferIo();
  io.cwd = dir;
  const status = await main(['run', ...args], io);
  return { status, out: io.out, err: io.err };
}

/** The one-line error contract: `ftrace-race: <file>: ...`, no stack trace. */
function oneLine(err: string, path: string) {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err.startsWith(`ftrace-race: ${path}: `)).toBe(true);
  expect(err).not.toMatch(/\n\s+at /);
}

const calls = join(FIXTURES, 'elf', 'calls-O2.elf');

describe('ftrace-race run', () => {
  it('passes guest stdout and exit status through, and argv', async () => {
    const r = await run([calls, 'one', 'two', 'three']);
    expect(r.status).toBe(6); // argc + 2
    expect(r.out).toContain('argc=4\n');
    expect(r.out).toContain('argv[3]=three\n');
    expect(r.err).toBe('');
  });
  it('hidden --reference and --no-blocks engines give the same run', async () => {
    const base = await run([calls, 'x']);
    for (const flag of ['--reference', '--no-blocks']) {
      const r = await run([calls, 'x', flag]);
      expect([r.status, r.out, r.err]).toEqual([base.status, base.out, base.err]);
    }
  });
  it('--stats prints instructions retired, wall time and MIPS to stderr', async () => {
    const r = await run([calls, '--stats']);
    expect(r.status).toBe(3);
    expect(r.err).toMatch(/^ftrace-race: \d+ instructions retired in [\d.]+ ms \([\d.]+ MIPS\)\n$/);
  });
  it('guest stderr goes to ours; write to another fd returns -EBADF', async () => {
    const msg = new TextEncoder().encode('to stderr\n');
    // a0=2 a1=DATA a2=len a7=64 ecall; a0=5 ecall (EBADF -> a0=-9); exit(-a0) => 9
    const DATA = 0x20000;
    const words = [
      enc.addi(10, 0, 2), enc.lui(11, DATA >> 12), enc.addi(12, 0, msg.length), enc.addi(17, 0, 64), enc.ecall(),
      enc.addi(10, 0, 5), enc.ecall(),
      0x40a00533, // sub a0, zero, a0
      enc.addi(17, 0, 93), enc.ecall(),
    ];
    const p = file('stderr.elf', writeElf(0x10000, [
      { vaddr: 0x10000, data: code(words), flags: 'rx' },
      { vaddr: DATA, data: msg, flags: 'r' },
    ]));
    const r = await run([p]);
    expect(r.err).toBe('to stderr\n');
    expect(r.out).toBe('');
    expect(r.status).toBe(9);
  });
  it('not an ELF: one line, exit 125', async () => {
    const p = file('text.elf', 'hello, world\n');
    const r = await run([p]);
    expect(r.status).toBe(RUN_EXIT.badInput);
    oneLine(r.err, p);
    expect(r.err).toMatch(/not an ELF/);
  });
  it('missing file: exit 125', async () => {
    const r = await run([join(dir, 'nope.elf')]);
    expect(r.status).toBe(125);
    expect(r.err).toMatch(/cannot read: ENOENT/);
  });
  it('truncated ELF: exit 125', async () => {
    const p = file('trunc.elf', readFileSync(calls).subarray(0, 200));
    const r = await run([p]);
    expect(r.status).toBe(125);
    oneLine(r.err, p);
    expect(r.err).toMatch(/truncated/);
  });
  it('32-bit ELF: exit 125', async () => {
    const b = Uint8Array.from(readFileSync(calls));
    b[4] = 1;
    const p = file('elf32.elf', b);
    const r = await run([p]);
    expect(r.status).toBe(125);
    oneLine(r.err, p);
    expect(r.err).toMatch(/32-bit/);
  });
  it('non-RISC-V ELF: exit 125', async () => {
    const p = file('x86.elf', writeElf(0x10000, [{ vaddr: 0x10000, data: code([0x13]), flags: 'rx' }], { machine: 62 }));
    const r = await run([p]);
    expect(r.status).toBe(125);
    oneLine(r.err, p);
    expect(r.err).toMatch(/not a RISC-V ELF \(e_machine 62/);
  });
  it('jump into unmapped memory: pc and cause, exit 126', async () => {
    const p = prog('wild.elf', [enc.lui(5, 0x12345), enc.jalr(0, 5, 0)]);
    const r = await run([p]);
    expect(r.status).toBe(RUN_EXIT.guestFault);
    oneLine(r.err, p);
    expect(r.err).toBe(`ftrace-race: ${p}: pc 0x12345000: instruction fetch from unmapped address 0x12345000\n`);
  });
  it('illegal instruction: exit 126', async () => {
    const p = prog('illegal.elf', [0x13, 0x00000000]);
    const r = await run([p]);
    expect(r.status).toBe(126);
    expect(r.err).toBe(`ftrace-race: ${p}: pc 0x10004: illegal instruction 0x0000\n`);
  });
  it('inaccessible CSR: illegal instruction, exit 126', async () => {
    const p = prog('csr.elf', [0x30002573]); // csrr a0, mstatus
    const r = await run([p]);
    expect(r.status).toBe(126);
    expect(r.err).toMatch(/pc 0x10000: illegal instruction 0x30002573 \(CSR 0x300 is not accessible\)/);
  });
  it('unknown syscall: names the number and pc, exit 126', async () => {
    const p = prog('sys.elf', [enc.addi(17, 0, 999), enc.ecall()]);
    const r = await run([p]);
    expect(r.status).toBe(126);
    expect(r.err).toBe(`ftrace-race: ${p}: pc 0x10004: unknown syscall 999\n`);
  });
  it('store to read-only memory: exit 126', async () => {
    const p = prog('ro.elf', [enc.lui(5, 0x10), enc.sd(0, 5, 0)]);
    const r = await run([p]);
    expect(r.status).toBe(126);
    expect(r.err).toMatch(/pc 0x10004: store to read-only address 0x10000/);
  });
  it('--max-steps stops a runaway guest: exit 124', async () => {
    const p = prog('loop.elf', [0x13, enc.jal(0, -4)]);
    const r = await run([p, '--max-steps', '1001']);
    expect(r.status).toBe(RUN_EXIT.maxSteps);
    expect(r.err).toBe(`ftrace-race: ${p}: pc 0x10004: stopped after --max-steps 1001 instructions\n`);
  });
  it('usage errors are bad input (125), one line', async () => {
    const r = await run([]);
    expect(r.status).toBe(125);
    expect(r.err).toBe("ftrace-race: run: missing required argument 'elf'\n");
    const u = await run([calls, '--frobnicate']);
    expect(u.status).toBe(125);
    expect(u.err).toBe("ftrace-race: run: unknown option '--frobnicate'\n");
  });
  it('passes options after -- to the guest', async () => {
    const r = await run([calls, '--', '-x', '--stats']);
    expect(r.status).toBe(5);
    expect(r.out).toContain('argv[1]=-x\nargv[2]=--stats\n');
    expect(r.err).toBe('');
  });
  it('--max-steps rejects a non-number', async () => {
    const r = await run([calls, '--max-steps', 'lots']);
    expect(r.status).toBe(125);
    expect(r.err).toMatch(/--max-steps: expected a non-negative integer/);
  });
});
