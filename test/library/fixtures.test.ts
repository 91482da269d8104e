/**
 * fixtures/patchable/: the committed ELFs are exactly what build.sh makes from the sources
 * with Debian's cross compiler, and __patchable_function_entries, as GNU readelf dumps it,
 * records the entries docs/scenarios.md lists. Needs riscv64-linux-gnu-gcc (CI installs it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = resolve(__dirname, '../../fixtures/patchable');
const haveGcc = spawnSync('riscv64-linux-gnu-gcc', ['--version'], { stdio: 'ignore' }).status === 0;
const haveReadelf = spawnSync('riscv64-linux-gnu-readelf', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveGcc) console.log('skipped fixtures/patchable rebuild: riscv64-linux-gnu-gcc not installed (Debian gcc-riscv64-linux-gnu)');
if (!haveReadelf) console.log('skipped __patchable_function_entries dump: riscv64-linux-gnu-readelf not installed (Debian binutils-riscv64-linux-gnu)');

describe.skipIf(!haveGcc)('fixtures/patchable/build.sh', () => {
  it('rebuilds every committed ELF byte for byte', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ftr-patchable-'));
    try {
      const work = join(tmp, 'patchable');
      cpSync(DIR, work, { recursive: true });
      execFileSync('bash', ['build.sh'], { cwd: work, stdio: 'pipe' });
      const elfs = readdirSync(DIR).filter((f) => f.endsWith('.elf')).sort();
      expect(elfs.length).toBeGreaterThanOrEqual(11);
      expect(readdirSync(work).filter((f) => f.endsWith('.elf')).sort()).toEqual(elfs);
      for (const f of elfs) {
        expect(Buffer.compare(readFileSync(join(work, f)), readFileSync(join(DIR, f))), f).toBe(0);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveReadelf)('__patchable_function_entries as GNU readelf sees it', () => {
  /** The 8-byte little-endian addresses of the section's hex dump. */
  function entries(elf: string): bigint[] {
    const out = execFileSync('riscv64-linux-gnu-readelf', ['-x', '__patchable_function_entries', join(DIR, elf)], { encoding: 'utf8' });
    const bytes: number[] = [];
    for (const line of out.split('\n')) {
      const m = /^\s+0x[0-9a-f]+ ((?:[0-9a-f]{2,8} ?){1,4})/.exec(line);
      if (!m) continue;
      for (const word of m[1].trim().split(/\s+/)) for (let i = 0; i < word.length; i += 2) bytes.push(parseInt(word.slice(i, i + 2), 16));
    }
    const addrs: bigint[] = [];
    for (let i = 0; i + 8 <= bytes.length; i += 8) {
      addrs.push(bytes.slice(i, i + 8).reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n));
    }
    return addrs;
  }
  function symbol(elf: string, name: string): bigint {
    const out = execFileSync('riscv64-linux-gnu-readelf', ['-sW', join(DIR, elf)], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => l.trim().endsWith(` ${name}`))!;
    return BigInt('0x' + line.trim().split(/\s+/)[1]);
  }

  const cases = [
    { elf: 'entry4-rvc.elf', before: 0n },
    { elf: 'entry4-rvc-odd.elf', before: 0n },
    { elf: 'entry8-rvc.elf', before: 0n },
    { elf: 'entry2-norvc.elf', before: 0n },
    { elf: 'entry4-norvc.elf', before: 0n },
    { elf: 'callops-rvc.elf', before: 8n }, // =8,4 with RVC: 4 c.nop before the symbol
  ];
  for (const c of cases) {
    it(`${c.elf}: one entry per function, ${c.before} bytes before its symbol`, () => {
      const got = entries(c.elf);
      const want = ['traced_func', 'traced_caller', '_start'].map((n) => symbol(c.elf, n) - c.before);
      expect(got).toEqual(want);
    });
  }

  it('odd variant: traced_func is at 2 mod 4; the aligned one at 0 mod 4', () => {
    expect(symbol('entry4-rvc-odd.elf', 'traced_func') % 4n).toBe(2n);
    expect(symbol('entry4-rvc.elf', 'traced_func') % 4n).toBe(0n);
    expect(symbol('callops-rvc.elf', 'traced_func') % 8n).toBe(0n);
  });

  it('no-entries.elf has no such section', () => {
    const r = spawnSync('riscv64-linux-gnu-readelf', ['-S', join(DIR, 'no-entries.elf')], { encoding: 'utf8' });
    expect(r.stdout).not.toMatch(/__patchable_function_entries/);
  });
});
