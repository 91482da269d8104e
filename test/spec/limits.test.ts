import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { formatDiagnostic } from '../../src/spec/diagnostic.js';
import { DEFAULT_LIMITS, InputLimits, asmBytesBound } from '../../src/spec/limits.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { assemble } from '../../src/isa/asm/assembler.js';

/**
 * Regression tests for the causes the fuzz harness (test/fuzz/, docs/fuzz.md) found: each
 * input gets exit 2 and one located line, the message a user sees, instead of exit 70, a
 * crash, or a search that never starts.
 */

const ROOT = resolve(__dirname, '..', '..');

/** A small valid spec (as test/spec/errors.test.ts); tests break one thing at a time. */
const BASE = `harts: 2
memory:
  - name: text
    kind: code
    at: 0x80000000
    rvc: false
    asm: |
      f:
          nop
          nop
          ret
sites:
  - name: f
    at: f
    size: 8
tasks:
  - name: caller
    hart: 0
    call: f
  - name: patcher
    hart: 1
    patch:
      - write:
          at: f
          bytes: 13 00 00 00
`;

function errors(text: string, opts: Parameters<typeof loadSpec>[2] = {}): string[] {
  const r = loadSpec(text, 'spec.yaml', opts);
  expect(r.spec).toBeUndefined();
  return r.diagnostics.map(formatDiagnostic);
}

const dir = mkdtempSync(join(tmpdir(), 'ftr-limits-'));

async function cli(argv: string[]) {
  const io = bufferIo();
  io.cwd = dir;
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/** The contract: exit 2, every stderr line `file:line:col: message`, no stack trace. */
/** A file that cannot be read at all: exit 2, one line `ftrace-race: FILE: message` (docs/spec-format.md, Limits). */
function unreadable(r: { code: number; err: string }, re: RegExp) {
  expect(r.code).toBe(2);
  const lines = r.err.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ftrace-race: [^:\n]+: /);
  expect(lines[0]).toMatch(re);
}

function located(r: { code: number; err: string }, re: RegExp) {
  expect(r.code).toBe(2);
  const lines = r.err.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^[^:\n]+:\d+:\d+: /);
  expect(lines[0]).toMatch(re);
}

describe('YAML: aliases and nesting are located errors, never exit 70 or a stack overflow', () => {
  it('an alias bomb', () => {
    let s = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) s += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(errors(s + 'harts: 1\n')).toEqual(['spec.yaml:2:10: YAML aliases expand to too many nodes (more than 100; limit yamlAliases)']);
  });

  it('an alias without its anchor', () => {
    expect(errors('harts: 2\ntasks: *nope\n')).toEqual(["spec.yaml:2:8: unknown alias '*nope': no anchor '&nope' before it"]);
  });

  it('flow, block and mapping nesting past the depth limit', () => {
    expect(errors('['.repeat(200_000) + '1')).toEqual(['spec.yaml:1:65: YAML nests deeper than 64 levels (limit yamlDepth)']);
    // Compact `- - -` is caught on yaml's Lexer at the 65th dash (the map above is a level more).
    expect(errors(`tasks:\n  - ${'- '.repeat(100_000)}x\n`)).toEqual(['spec.yaml:2:131: YAML nests deeper than 64 levels (limit yamlDepth)']);
    const maps = Array.from({ length: 500 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    expect(errors(maps)).toEqual(['spec.yaml:65:65: YAML nests deeper than 64 levels (limit yamlDepth)']);
  });

  it('a megabyte of `[` is refused before yaml builds a node per level', () => {
    // yaml's Parser holds a node per open collection: 1 MB of `[` cost it about 1 GB. The
    // Lexer's count stops it at the 65th; the heap grows by little more than the text.
    const text = '['.repeat(1_000_000);
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed); }, 1);
    expect(errors(text)).toEqual(['spec.yaml:1:65: YAML nests deeper than 64 levels (limit yamlDepth)']);
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    expect(peak - before).toBeLessThan(100 << 20);
  });

  it('nested stop_machine steps are YAML nesting too', () => {
    let step = '{stop_machine: {steps: [fence.i]}}';
    for (let i = 0; i < 40; i++) step = `{stop_machine: {steps: [${step}]}}`;
    const e = errors(BASE.replace('      - write:', `      - ${step}\n      - write:`));
    expect(e).toEqual([expect.stringMatching(/^spec\.yaml:23:\d+: YAML nests deeper than 64 levels \(limit yamlDepth\)$/)]);
  });

  it('a mapping with very many keys (duplicate-key checking is quadratic)', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    expect(errors(text)).toEqual(['spec.yaml:1:1: a YAML mapping has 20000 entries, more than 4096 (limit yamlMapEntries)']);
  });

  it('--set values are bounded the same way', () => {
    expect(errors(BASE, { overrides: [`harts=${'['.repeat(1000)}`] })).toEqual(['spec.yaml:1:1: --set harts=…: YAML nests deeper than 64 levels (limit yamlDepth)']);
  });
});

describe('counts and sizes are checked before anything is built', () => {
  it('harts the model does not have, named by an IPI step', () => {
    const e = errors(BASE.replace('      - write:', '      - remote_fence_i: {harts: [0, 5]}\n      - write:'));
    expect(e).toEqual(['spec.yaml:23:37: hart 5 does not exist (harts: 2)']);
  });

  it('thousands of tasks, regions, sites, steps, symbols', () => {
    const tasks = BASE + Array.from({ length: 100 }, (_, i) => `  - {name: c${i}, call: f}`).join('\n') + '\n';
    expect(errors(tasks)).toEqual(['spec.yaml:17:3: the spec has 102 tasks, more than 64 (limit tasks)']);
    const regions = BASE.replace('sites:', Array.from({ length: 300 }, (_, i) => `  - {name: d${i}, kind: data, size: 8}`).join('\n') + '\nsites:');
    expect(errors(regions)).toEqual(['spec.yaml:3:3: the spec has 301 memory regions, more than 256 (limit regions)']);
    const steps = BASE + [2, 3].map((i) => `  - name: p${i}\n    patch: [${Array(2500).fill('fence').join(', ')}]\n`).join('');
    expect(errors(steps)).toEqual(['spec.yaml:17:3: the tasks have 5001 patch steps, more than 1024 (limit steps)']);
    const syms = BASE + 'symbols:\n' + Array.from({ length: 50 }, (_, i) => `  s${i}: ${i}`).join('\n') + '\n';
    expect(errors(syms, { limits: { symbols: 10 } })).toEqual(['spec.yaml:27:3: the spec has 50 symbols, more than 10 (limit symbols)']);
  });

  it('asm that would emit more than the asm limit is not assembled', () => {
    const big = BASE.replace('          ret', '          ret\n' + Array(2000).fill('          .space 1048576').join('\n'));
    expect(errors(big)).toEqual(['spec.yaml:7:10: asm here may emit up to 2097152125 bytes; with the blocks before it that is more than the 1048576 bytes allowed (limit asmBytes)']);
    const fill = BASE.replace('          bytes: 13 00 00 00', '          asm: |\n            .fill 1048576, 8, 0x13');
    expect(errors(fill)[0]).toMatch(/^spec\.yaml:25:16: asm here may emit up to 8388608 bytes.*\(limit asmBytes\)$/);
    const align = BASE.replace('          ret', '          ret\n' + Array(100).fill('          .balign 65536').join('\n'));
    expect(errors(align)[0]).toMatch(/^spec\.yaml:7:10: asm here may emit up to 6553\d+ bytes.*\(limit asmBytes\)$/);
  });

  it('the asm bound is an upper bound of what the assembler emits', () => {
    for (const text of ['nop\nnop\n', 'li a0, 0x123456789abcdef0', '.space 100\n.fill 3, 8, 1', 'x: .dword 1, 2, 3', 'nop\n.balign 64', '.ascii "abc;def#ghi"']) {
      const r = loadSpec(`harts: 1\nmemory:\n  - name: t\n    kind: data\n    at: 0x1000\n    asm: ${JSON.stringify(text)}\ntasks: [{name: p, patch: [fence]}]\n`, 's.yaml');
      expect(r.diagnostics).toEqual([]);
      expect(asmBytesBound(text)).toBeGreaterThanOrEqual(r.spec!.regions[0].bytes.length);
    }
  });

  it('memory regions past the memory limit', () => {
    const mem = BASE.replace('sites:', Array.from({ length: 20 }, (_, i) => `  - {name: d${i}, kind: data, size: 1048576}`).join('\n') + '\nsites:');
    expect(errors(mem)).toEqual([expect.stringMatching(/^spec\.yaml:27:5: the spec's memory would exceed 16777216 bytes \(\d+ allocated, 1048576 more asked; limit memoryBytes\)$/)]);
  });

  it('hex strings without digits never reach BigInt', () => {
    expect(errors(BASE.replace('at: f\n    size: 8', "at: '0x_'\n    size: 8"))).toEqual(["spec.yaml:14:9: '0x_' is not a number, symbol or symbol+offset"]);
  });

  it('loading stops at the time limit', () => {
    let t = 0;
    const now = () => (t += 6000);
    expect(errors(BASE, { now })).toEqual(['spec.yaml:1:1: loading the spec took more than 10000 ms (limit prepareMs)']);
  });

  it('the defaults leave every spec in specs/ far inside them: all load under limits 4x tighter', () => {
    const tight: Partial<InputLimits> = {};
    for (const [k, v] of Object.entries(DEFAULT_LIMITS)) (tight as Record<string, number>)[k] = Math.floor(v / 4);
    for (const f of readdirSync(join(ROOT, 'specs')).filter((x) => x.endsWith('.yaml'))) {
      const file = join(ROOT, 'specs', f);
      const r = loadSpec(readFileSync(file, 'utf8'), f, { limits: tight, readFile: (p) => readFileSync(p), resolvePath: (p) => resolve(ROOT, 'specs', p) });
      expect(r.diagnostics.map(formatDiagnostic), f).toEqual([]);
    }
  });
});

/** The fuzz case over the CPU budget (seed 7, case 76852): five adversarial lines repeated 2,000 times. */
const REDEFINED = Array(2000).fill('x: .equ y, x+1\n  j y\nlui a0, %hi(undefined_sym)\naddi a0, a0, %lo(undefined_sym)\n.insn r 0x33, 0, 0, a0, a1, a2').join('\n');

describe('asm blocks: work bounded before the time limit, and the limit asked inside a block', () => {
  it('a label defined 2,000 times and a symbol set 2,000 times converge in two passes, not sixteen', () => {
    // Each redefinition used to move the label (and y = x+1 with it), so every pass differed
    // from the one before: 16 passes of the block, twice per spec (11 s in the fuzz run).
    const r = assemble(REDEFINED, { base: 0x80000000 });
    expect(r.passes).toBe(2);
    const redefined = r.diagnostics.filter((d) => d.message === "symbol 'x' is already defined");
    expect(redefined).toHaveLength(1999);
    expect(redefined[0]).toMatchObject({ line: 6, column: 1 });
    // Valid input: a symbol set to several values is no layout change by itself.
    const set = assemble(Array.from({ length: 50 }, (_, i) => `.set n, ${i % 30}\n  addi a0, a0, n`).join('\n'), { base: 0 });
    expect(set.diagnostics).toEqual([]);
    expect(set.passes).toBe(1);
    expect(set.bytes.length).toBe(50 * 2); // c.addi: n fits 6 bits
  });

  it('the reproducer is a located exit 2 (the first 20 bad statements, then a count), from replay as from check', async () => {
    const spec = BASE.replace('          ret', '          ret\n' + REDEFINED.split('\n').map((l) => `          ${l}`).join('\n'));
    writeFileSync(join(dir, 'redefined.yaml'), spec);
    const r = await cli(['replay', 'redefined.yaml', '--schedule', 'h9']);
    expect(r.code).toBe(2);
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines.slice(0, 20).every((l) => /^redefined\.yaml:\d+:\d+: /.test(l))).toBe(true);
    expect(lines).toContain("redefined.yaml:14:23: unknown symbol 'undefined_sym'");
    expect(lines[20]).toBe('ftrace-race: redefined.yaml: 9979 more errors not shown (the first 20 are above)');
    const j = await cli(['check', 'redefined.yaml', '--format', 'json']);
    const errors: { message: string }[] = JSON.parse(j.out.trim().split('\n')[0]).errors;
    expect(errors.filter((e) => e.message === "symbol 'x' is already defined")).toHaveLength(1999);
    expect(lines.some((l) => /limit prepareMs/.test(l))).toBe(false);
  });

  it('the assembler asks stop() between passes and every 1024 statements, and ends at once when it says so', () => {
    let asked = 0;
    const r = assemble(Array(10_000).fill('nop').join('\n'), { base: 0, stop: () => ++asked > 3 });
    expect(r.interrupted).toBe(true);
    expect(asked).toBe(4);
    expect(r.bytes.length).toBeLessThan(10_000 * 2);
  });

  it("a site's 'initial' of 100 KB that does not match: one short line, not the block's bytes in hex", () => {
    // Seed 7, case 143032: `.balign 65536` repeated in an `initial:`; the message was one 1.3 MB line.
    const e = errors(BASE.replace('    size: 8\n', '    size: 8\n    initial: |\n' + Array(3).fill('      .balign 65536\n      nop').join('\n') + '\n'));
    expect(e).toHaveLength(1);
    expect(e[0]).toBe("spec.yaml:16:14: site 'f' is not where its code is: 'initial' assembles to 01 00 01 00" + ' 13 00 00 00'.repeat(7) + ' ... (131074 bytes) (' + '13 00 00 00 '.repeat(8) + '... (131076 bytes) without RVC) but 0x80000000 holds 13 00 00 00 13 00 00 00 67 80 00 00');
    expect(e[0].length).toBeLessThan(600);
  });

  it('the loader passes its clock to the assembler: the time limit fires inside one long block', () => {
    const block = (n: number) => BASE.replace('          ret', '          ret\n' + Array(n).fill('          nop').join('\n'));
    const count = (text: string, over = Infinity) => {
      let calls = 0;
      const r = loadSpec(text, 'spec.yaml', { now: () => (++calls > over ? 1e12 : 0) });
      return { calls, r };
    };
    const small = count(block(1));
    expect(small.r.diagnostics).toEqual([]);
    // 20,000 statements: the clock is asked about every 1024 of them.
    const large = count(block(20_000));
    expect(large.r.diagnostics).toEqual([]);
    expect(large.calls - small.calls).toBeGreaterThanOrEqual(20);
    // The clock passes the deadline a few statements-thousands into the block: one line, and nothing more is assembled.
    const late = count(block(20_000), small.calls + 3);
    expect(late.r.diagnostics.map(formatDiagnostic)).toEqual(['spec.yaml:1:1: loading the spec took more than 10000 ms (limit prepareMs)']);
    expect(late.calls).toBeLessThanOrEqual(small.calls + 6);
  });
});

describe('files: a spec or ELF path that is not a regular file is refused without reading it', () => {
  mkdirSync(join(dir, 'adir'), { recursive: true });
  let fifo = true;
  try {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
  } catch {
    fifo = false; // no mkfifo: the FIFO case is skipped below, with this reason
  }

  it('/dev/zero, /dev/urandom and a FIFO as a spec', async () => {
    unreadable(await cli(['check', '/dev/zero']), /: cannot read the spec: it is a character device, not a regular file$/);
    unreadable(await cli(['replay', '/dev/urandom', '--schedule', 'h0']), /: cannot read the spec: it is a character device, not a regular file$/);
    if (fifo) unreadable(await cli(['check', 'fifo']), /^ftrace-race: fifo: cannot read the spec: it is a FIFO \(named pipe\), not a regular file$/);
  });

  it('a spec file over the size limit', async () => {
    writeFileSync(join(dir, 'big.yaml'), `harts: 1\n# ${'x'.repeat(DEFAULT_LIMITS.specBytes)}\n`);
    located(await cli(['check', 'big.yaml']), /^big\.yaml:1:1: the spec file is 1048588 bytes, more than the 1048576 allowed \(limit specBytes\)$/);
  });

  it('an elf: file that is a device or a directory', async () => {
    writeFileSync(join(dir, 'e.yaml'), 'harts: 1\nelf:\n  file: /dev/zero\ntasks: [{name: t, call: 0}]\n');
    located(await cli(['check', 'e.yaml']), /^e\.yaml:3:9: cannot read \/dev\/zero: is a character device, not a regular file$/);
    writeFileSync(join(dir, 'e2.yaml'), 'harts: 1\nelf:\n  file: adir\ntasks: [{name: t, call: 0}]\n');
    located(await cli(['check', 'e2.yaml']), /^e2\.yaml:3:9: cannot read adir: is a directory$/);
  });

  it('run and disasm of a device or a FIFO', async () => {
    const r = await cli(['run', '/dev/zero', '--max-steps', '10']);
    expect(r.code).toBe(125);
    expect(r.err).toBe('ftrace-race: /dev/zero: is a character device, not a regular file\n');
    const d = await cli(['disasm', '/dev/urandom']);
    expect(d.code).toBe(2);
    expect(d.err).toBe('ftrace-race: /dev/urandom: is a character device, not a regular file\n');
    if (fifo) expect((await cli(['disasm', 'fifo'])).err).toBe('ftrace-race: fifo: is a FIFO (named pipe), not a regular file\n');
  });
});

describe('ELF headers are checked against the file and the address range', () => {
  const patchable = readFileSync(join(ROOT, 'fixtures/patchable/entry4-rvc.elf'));
  const exe = readFileSync(join(ROOT, 'fixtures/elf/calls-O2.elf'));
  /** The file with the 64-bit field at `off` of program header `i` set to `v`. */
  const withPhdr = (elf: Buffer, i: number, off: number, v: bigint) => {
    const b = Buffer.from(elf);
    const phoff = Number(b.readBigUInt64LE(32));
    const first = Array.from({ length: b.readUInt16LE(56) }, (_, k) => k).filter((k) => b.readUInt32LE(phoff + 56 * k) === 1)[i];
    b.writeBigUInt64LE(v, phoff + 56 * first + off);
    return b;
  };

  it('an elf: segment too large for the spec memory limit (it was a 4 GB allocation)', async () => {
    writeFileSync(join(dir, 'huge.elf'), withPhdr(patchable, 0, 40, 0xffffffffn));
    writeFileSync(join(dir, 'h.yaml'), 'harts: 1\nelf:\n  file: huge.elf\ntasks: [{name: t, call: 0}]\n');
    located(await cli(['check', 'h.yaml']), /^h\.yaml:3:9: huge\.elf: its segments take \d+ bytes of memory, more than 16777216 \(limit memoryBytes\)$/);
  });

  it('a segment without permissions is PROT_NONE: the guest faults, the host does not', async () => {
    const b = Buffer.from(exe);
    const phoff = Number(b.readBigUInt64LE(32));
    for (let k = 0; k < b.readUInt16LE(56); k++) if (b.readUInt32LE(phoff + 56 * k) === 1) b.writeUInt32LE(0, phoff + 56 * k + 4);
    writeFileSync(join(dir, 'none.elf'), b);
    const r = await cli(['run', 'none.elf', '--max-steps', '100']);
    expect(r.code).toBe(126);
    expect(r.err).toMatch(/^ftrace-race: none\.elf: pc 0x[0-9a-f]+: instruction fetch from unmapped address 0x[0-9a-f]+\n$/);
  });

  it('program headers past the end of the file, a segment past the address range', async () => {
    const b = Buffer.from(exe);
    b.writeBigUInt64LE(BigInt(exe.length - 8), 32);
    writeFileSync(join(dir, 'ph.elf'), b);
    const r = await cli(['run', 'ph.elf', '--max-steps', '100']);
    expect(r.code).toBe(125);
    expect(r.err).toMatch(/^ftrace-race: ph\.elf: truncated ELF: program headers at offset \d+ \(\d+ bytes\) runs past the end of the file/);
    writeFileSync(join(dir, 'va.elf'), withPhdr(exe, 0, 16, BigInt(Number.MAX_SAFE_INTEGER - 100)));
    const v = await cli(['run', 'va.elf', '--max-steps', '100']);
    expect(v.code).toBe(125);
    expect(v.err).toMatch(/^ftrace-race: va\.elf: segment \d+ \(header at offset \d+\) ends past the modelled address range\n$/);
  });
});

describe('command-line numbers', () => {
  it('a preemption bound beyond the schema maximum is a usage error, not an array of that length', async () => {
    const r = await cli(['check', join(ROOT, 'specs/c2-sd-pair-fetch8-no-preempt.yaml'), '--bound', '99999999999999999999']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("ftrace-race: --bound: at most 64, got '99999999999999999999'\n");
  });
});

describe('directories', () => {
  it('a symlink loop below a spec directory is walked once, a dangling link reported', async () => {
    const d = join(dir, 'loop');
    mkdirSync(d, { recursive: true });
    symlinkSync('.', join(d, 'self'));
    symlinkSync(join(dir, 'nowhere.yaml'), join(d, 'dangling.yaml'));
    unreadable(await cli(['check', 'loop']), /^ftrace-race: loop\/dangling\.yaml: cannot read the spec: no such file$/);
  });
});
