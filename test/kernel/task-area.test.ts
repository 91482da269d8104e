/**
 * Task areas (docs/kernel.md): with `objects:`, each task and stopper gets a zeroed task area
 * with tp pointing at it. preempt_count is the int at tp + 8 (thread_info first in task_struct)
 * and counts for preemption as the preempt_disable service does, so an inline
 * `preempt_disable()` in real code (6.12's __patch_insn_write) keeps the task on its hart under
 * `preemption: full`; the stack canary slot reads 0; the area is memory, so it is hashed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkSpecText } from '../../src/api/check.js';
import { loadSpec } from '../../src/spec/load.js';
import { Machine } from '../../src/model/machine.js';
import { AS, binutilsMissing } from '../isa/binutils.js';

/**
 * p: [inline preempt_disable], flag = 1, flag = 0, [preempt_enable], canary check. q: if it sees
 * flag == 1 it was switched in between p's two stores, and calls the trap stub `oops`.
 */
const obj = (inline: boolean) => `.text
.globl p
p:
${inline ? '  lw a5, 8(tp)\n  addiw a5, a5, 1\n  sw a5, 8(tp)\n' : ''}  la t1, flag
  li t2, 1
  sd t2, 0(t1)
  sd zero, 0(t1)
${inline ? '  lw a5, 8(tp)\n  addiw a5, a5, -1\n  sw a5, 8(tp)\n' : ''}  ld t3, 1200(tp)
  bnez t3, 1f
  ret
1:
  tail oops
.globl q
q:
  la t1, flag
  ld t2, 0(t1)
  bnez t2, 1f
  ret
1:
  tail oops
.data
.globl flag
flag: .dword 0
`;

function withSpec<T>(inline: boolean, use: (text: string, file: string, io: { readFile: (p: string) => Uint8Array; resolvePath: (p: string) => string }) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ftr-task-'));
  try {
    writeFileSync(join(dir, 'p.s'), obj(inline));
    const r = spawnSync(AS, ['-march=rv64imac_zicsr_zifencei', '-o', join(dir, 'p.o'), join(dir, 'p.s')]);
    expect(r.status, String(r.stderr)).toBe(0);
    const text = `harts: 1
kernel: { preemption: full }
objects:
  text: '0xffffffff80200000'
  dir: .
  files: [p.o]
  stubs: linux-6.12
  roles:
    oops: { trap: "q ran between p's two stores, or the canary was not 0" }
tasks:
  - { name: p, hart: 0, entry: p, start: running }
  - { name: q, hart: 0, entry: q }
`;
    return use(text, join(dir, 's.yaml'), { readFile: (p) => new Uint8Array(readFileSync(p)), resolvePath: (p) => resolve(dir, p) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(binutilsMissing)('task areas', () => {
  it('an inline preempt_disable through tp keeps the task on its hart under preemption: full', () => {
    const safe = withSpec(true, (t, f, io) => checkSpecText(t, f, io));
    expect(safe.ok && [safe.result.verdict, safe.result.complete]).toEqual(['safe', true]);
    const unsafe = withSpec(false, (t, f, io) => checkSpecText(t, f, io));
    expect(unsafe.ok && unsafe.result.findings.map((x) => [x.violation.property, x.violation.kind, x.violation.task, x.preemptions])).toEqual([['fault', 'stub-trap', 'q', 1]]);
  });

  it('each task and stopper has its own area, tp points at it, and it is part of the fingerprint', () => {
    withSpec(true, (t, f, io) => {
      const spec = loadSpec(t, f, io).spec!;
      const m = new Machine(spec);
      const areas = m.layout.taskArea;
      expect(areas).toHaveLength(m.layout.taskNames.length); // p, q, stopper/0
      expect(new Set(areas).size).toBe(areas.length);
      areas.forEach((a, i) => expect(m.reg(i, 4)).toBe(BigInt(a)));
      const before = m.fingerprint();
      m.mem.poke(areas[0] + spec.kernel!.thread.preemptCount, new Uint8Array([1]));
      expect(m.fingerprint()).not.toBe(before);
      m.mem.poke(areas[0] + spec.kernel!.thread.preemptCount, new Uint8Array([0]));
      expect(m.fingerprint()).toBe(before);
    });
  });
});
