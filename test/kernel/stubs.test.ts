/**
 * Stubs in the model (docs/kernel.md): a fetch at a code stub of `objects:` runs its role. A
 * return role sets a0 and returns to ra; a trap role is a violation naming the symbol; a
 * service role is the registry's service, reached with the RISC-V calling convention (here
 * flush_icache_all: a local fence.i and an IPI to the other hart, waited for). Objects are
 * assembled here (the cross binutils), so no kernel build is needed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkSpecText } from '../../src/api/check.js';
import { AS, binutilsMissing } from '../isa/binutils.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

/** f(): a0 = core_kernel_text(0) + 10 * mutex_lock(0), stored at `result`; then the callee `tail`. */
const OBJ = `.text
.globl f
f:
  addi sp, sp, -16
  sd ra, 8(sp)
  li a0, 0
  call core_kernel_text
  mv s1, a0
  call mutex_lock
  li t1, 10
  mul a0, a0, t1
  add s1, s1, a0
  la t1, result
  sd s1, 0(t1)
  call tail
  ld ra, 8(sp)
  addi sp, sp, 16
  ret
.data
.globl result
result: .dword 0
`;

function run(tail: string, extra = '', harts = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'ftr-stubs-'));
  try {
    writeFileSync(join(dir, 'f.s'), OBJ);
    const r = spawnSync(AS, ['-march=rv64imac_zicsr_zifencei', '-o', join(dir, 'f.o'), join(dir, 'f.s')]);
    expect(r.status, String(r.stderr)).toBe(0);
    const spec = `harts: ${harts}
objects:
  text: '0xffffffff80200000'
  dir: ${dir}
  files: [f.o]
  stubs: linux-6.12
  roles:
    tail: ${tail}
    mutex_lock: { return: 4 }
tasks:
  - { name: t, hart: 0, entry: f }
${extra}`;
    const res = checkSpecText(spec, join(dir, 's.yaml'), { readFile: (p) => new Uint8Array(readFileSync(p)), resolvePath: (p) => resolve(dir, p) });
    expect(res.ok ? [] : res.diagnostics).toEqual([]);
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(binutilsMissing)('stubs in the model', () => {
  it('return roles return their value in a0 to ra (core_kernel_text 1, an override 4)', () => {
    const r = run('{ return: 0 }', 'assertions:\n  - { name: sum, memory: { at: result, size: 8, equals: 41 } }\n');
    expect(r.ok && r.result.verdict).toBe('safe');
    const bad = run('{ return: 0 }', 'assertions:\n  - { name: sum, memory: { at: result, size: 8, equals: 40 } }\n');
    expect(bad.ok && bad.result.findings.map((f) => f.violation.property)).toEqual(['assertion']);
  });

  it('a trap role is a violation naming the symbol and the reason', () => {
    const r = run('{ trap: "tail must not be called here" }');
    expect(r.ok && r.result.verdict).toBe('unsafe');
    const v = r.ok ? r.result.findings.map((f) => f.violation) : [];
    expect(v.map((x) => [x.property, x.kind])).toEqual([['fault', 'stub-trap']]);
    expect(v[0].message).toBe('tail reached (a trap stub: tail must not be called here)');
  });

  it('a service role runs the registry entry: flush_icache_all IPIs the other hart and waits', () => {
    // Hart 1 is idle: it takes the IPI, and the flush returns (no deadlock).
    const r = run('{ service: flush_icache_all }', '', 2);
    expect(r.ok && r.result.verdict).toBe('safe');
    const unknown = run('{ service: no_such_service }');
    const v = unknown.ok ? unknown.result.findings.map((f) => f.violation) : [];
    expect(v.map((x) => [x.property, x.kind])).toEqual([['fault', 'stub']]);
    expect(v[0].message).toMatch(/^tail is given the service no_such_service, which the model does not have/);
  });
});

/**
 * flush_icache_all by IPI and by SBI: hart 1 spins with IRQs off until hart 0 has flushed. The
 * IPI is never taken (the spinner loops forever: a livelock); the firmware's remote fence.i is
 * not masked by sstatus.SIE, so the flush returns.
 */
const SPIN = `.text
.globl flusher
flusher:
  addi sp, sp, -16
  sd ra, 8(sp)
  call flush_icache_all
  la t1, done
  li t2, 1
  sd t2, 0(t1)
  ld ra, 8(sp)
  addi sp, sp, 16
  ret
.globl spinner
spinner:
  addi sp, sp, -16
  sd ra, 8(sp)
  call irqs_off
  la t1, done
1:
  ld t2, 0(t1)
  beqz t2, 1b
  call irqs_on
  ld ra, 8(sp)
  addi sp, sp, 16
  ret
.data
.globl done
done: .dword 0
`;

describe.skipIf(binutilsMissing)('remote fence.i: IPI and SBI', () => {
  const run2 = async (flush: string, cli = false) => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-sbi-'));
    try {
      writeFileSync(join(dir, 'f.s'), SPIN);
      expect(spawnSync(AS, ['-march=rv64imac_zicsr_zifencei', '-o', join(dir, 'f.o'), join(dir, 'f.s')]).status).toBe(0);
      const spec = `harts: 2
objects:
  text: '0xffffffff80200000'
  dir: .
  files: [f.o]
  roles:
    flush_icache_all: { service: ${flush} }
    irqs_off: { service: local_irq_disable }
    irqs_on: { service: local_irq_enable }
tasks:
  - { name: spinner, hart: 1, entry: spinner, start: running }
  - { name: flusher, hart: 0, entry: flusher }
${cli ? 'expect: { verdict: unsafe, property: deadlock, kind: livelock }\n' : ''}`;
      const r = checkSpecText(spec, join(dir, 's.yaml'), { readFile: (p) => new Uint8Array(readFileSync(p)), resolvePath: (p) => resolve(dir, p) });
      expect(r.ok ? [] : r.diagnostics).toEqual([]);
      if (cli) {
        // Every report renders the witness, a livelock's too (its replay ends in no violation).
        writeFileSync(join(dir, 's.yaml'), spec);
        const io = bufferIo();
        const code = await main(['check', join(dir, 's.yaml'), '--report', `sarif:${join(dir, 'a.sarif')}`, '--report', `junit:${join(dir, 'a.xml')}`, '--html', join(dir, 'a.html')], io);
        expect([code, io.err.includes('internal error')]).toEqual([0, false]);
        expect(io.out).toMatch(/deadlock \(livelock\)/);
      }
      return r.ok ? r.result : undefined;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it('by IPI the flusher waits forever for the hart with IRQs off; by SBI the firmware reaches it', async () => {
    const ipi = (await run2('flush_icache_all', true))!;
    // The spinner polls `done` forever while the flusher waits: a livelock (a fair cycle).
    expect(ipi.findings.map((f) => [f.violation.property, f.violation.kind])).toEqual([['deadlock', 'livelock']]);
    const sbi = (await run2('flush_icache_all_sbi'))!;
    expect([sbi.verdict, sbi.complete, sbi.findings.map((f) => f.violation.message)]).toEqual(['safe', true, []]);
  });
});
