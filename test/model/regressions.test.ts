import { describe, expect, it } from 'vitest';
import { Memory, PERM_R, PERM_W } from '../../src/emu/memory.js';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import { checkSpecText } from '../../src/api/check.js';
import { signature } from '../../src/check/violation.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { replay } from '../../src/explore/replay.js';
import { b2OnHarts } from '../helpers/b2-family.js';

/**
 * Each bad behaviour issue 8 found, with the behaviour a user should get now.
 */
function spec(text: string) {
  const r = loadSpec(text, 'regression.yaml');
  if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.spec;
}
const sigs = (r: ReturnType<typeof explore>) => [...new Set(r.findings.map((f) => signature(f.violation)))].sort();

describe('issue 8 regressions', () => {
  it('two memories that differ in one word (0x3e1 vs 0xed9) have different fingerprints', () => {
    const fp = (v: number) => {
      const m = new Memory();
      m.map(0x1000, 0x1000, PERM_R | PERM_W);
      m.store(0x1100, 4, BigInt(v));
      return m.fingerprint();
    };
    expect(fp(0x3e1)).not.toBe(fp(0xed9));
    // And over many one-word differences, no two pages collide.
    const seen = new Set<string>();
    for (let v = 0; v < 5000; v++) seen.add(fp(v));
    expect(seen.size).toBe(5000);
  });

  it('a register assertion over a finished task: the default search agrees with --naive', () => {
    const s = spec(`
harts: 2
memory:
  - name: data
    kind: data
    at: 0x80001000
    asm: "x: .dword 0"
  - name: text
    kind: code
    at: 0x80000000
    asm: |
      reader:
        la t1, x
        ld a0, 0(t1)
        ret
      writer:
        la t1, x
        li t2, 7
        sd t2, 0(t1)
        ret
tasks:
  - { name: r, hart: 0, entry: reader }
  - { name: w, hart: 1, entry: writer }
assertions:
  - name: reader saw the write
    register: { task: r, reg: a0, equals: 7 }
`);
    const naive = explore(s, { strategy: 'exhaustive', naive: true });
    const reduced = explore(s, { strategy: 'bounded', naive: false });
    expect(naive.verdict).toBe('unsafe');
    expect(reduced.verdict).toBe('unsafe');
    expect(sigs(reduced)).toEqual(sigs(naive));
  });

  it('two stop_machine calls at once are serialised: no false deadlock, and --naive ends', () => {
    const text = `
harts: 2
memory:
  - { name: text, kind: code, at: 0x80000000, rvc: false, asm: "f:\\n nop\\n nop\\n ret\\n" }
sites:
  - { name: f, at: f, size: 8 }
tasks:
  - { name: p0, hart: 0, patch: [ { stop_machine: { steps: [ { write: { at: f, asm: "nop\\nnop\\n" } } ] } } ] }
  - { name: p1, hart: 1, patch: [ { stop_machine: { steps: [ { write: { at: f, asm: "nop\\nnop\\n" } } ] } } ] }
`;
    for (const naive of [false, true]) {
      const r = explore(spec(text), { strategy: 'exhaustive', naive });
      expect(r.complete).toBe(true);
      expect(r.findings.map((f) => f.violation.message)).toEqual([]);
    }
  });

  it('the gate is strict: an expected property does not excuse another violation', () => {
    const r = checkSpecText(`
harts: 1
memory:
  - { name: text, kind: code, at: 0x80000000, asm: "f:\\n ebreak\\n ret\\n" }
tasks:
  - { name: t, hart: 0, entry: f }
expect: { verdict: unsafe, property: mixed-target }
`, 'lax.yaml');
    expect(r.ok && r.matches).toBe(false);
  });

  it('code at an odd address is an instruction-address-misaligned fault, not executed', () => {
    // An entry or call target at an odd address is refused when loading; an interrupt handler
    // there is only reached at run time.
    expect(loadSpec('harts: 1\nmemory:\n  - { name: text, kind: code, at: 0x80000000, asm: "f:\\n nop\\n ret\\n" }\ntasks:\n  - { name: t, hart: 0, entry: 0x80000001 }\n', 'odd.yaml').diagnostics[0].message).toMatch(/not an instruction start/);
    const r = explore(spec(`
harts: 1
kernel: { interrupts: { handler: 0x80000101 } }
memory:
  - { name: text, kind: patchable, at: 0x80000000, asm: "f:\\n nop\\n nop\\n ret\\n" }
  - { name: irq, kind: code, at: 0x80000100, asm: "h:\\n nop\\n ret\\n" }
tasks:
  - { name: t, hart: 0, call: f }
`), { strategy: 'bounded', naive: false });
    expect(r.findings.map((f) => `${f.violation.property}/${f.violation.kind}`)).toEqual(['fault/misaligned-pc']);
  });

  it('a store from an RV64 task into immutable code outside every site is a fault', () => {
    const r = explore(spec(`
harts: 1
memory:
  - name: text
    kind: code
    at: 0x80000000
    asm: |
      f:
        la t1, g
        sw zero, 0(t1)
        ret
      g:
        ret
tasks:
  - { name: t, hart: 0, entry: f }
`), { strategy: 'bounded', naive: false });
    expect(r.findings.map((f) => `${f.violation.property}/${f.violation.kind}`)).toEqual(['fault/store-to-code']);
  });

  it('conflicting options are usage errors (exit 2); expect: safe with a property is a schema error', async () => {
    const io = bufferIo();
    expect(await main(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--exhaustive', '--bound', '2'], io)).toBe(2);
    expect(io.err).toMatch(/^ftrace-race: conflicting options: --exhaustive/);
    const r = checkSpecText('harts: 1\nmemory:\n  - { name: text, kind: code, at: 0x80000000, asm: "f: ret" }\ntasks:\n  - { name: t, hart: 0, entry: f }\nexpect: { verdict: safe, property: mixed-target }\n', 'safe-prop.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0].line).toBe(6);
  });

  it('a schedule 5,000 steps deep (a loop of shared stores) ends normally: the frontier is a stack of data, not recursion', () => {
    const s = spec(`
harts: 1
memory:
  - name: text
    kind: code
    at: 0x80000000
    asm: |
      f:
          li t0, 5000
          la t1, d
      1:  sw t0, 0(t1)
          addi t0, t0, -1
          bnez t0, 1b
          ret
  - { name: d, kind: data, size: 8 }
tasks:
  - { name: t, entry: f }
`);
    for (const naive of [false, true]) {
      const r = explore(s, { strategy: 'exhaustive', naive });
      expect(r.complete).toBe(true);
      expect(r.stats.maxDepth).toBeGreaterThan(5000);
    }
  });
});

describe('issue 9: states that differ only in how they were reached are one state', () => {
  it('the harts stop_machine has gathered are a set: two arrival orders reach one fingerprint', () => {
    // B2 on three harts: callers on harts 0 and 1, the patcher on hart 2.
    const s = spec(b2OnHarts(3));
    // h2: the patcher calls stop_machine; the stoppers of harts 0 and 1 (t3, t4) arrive in
    // either order, then hart 2's (t5) arrives last and runs fn. Before, the order of arrival
    // was part of the state although the model never reads it: harts! states for one.
    const a = replay(s, 'h2.h0>t3.h1>t4.h2>t5');
    const b = replay(s, 'h2.h1>t4.h0>t3.h2>t5');
    expect(a.machine.st.sm?.arrived).toEqual([0, 1, 2]);
    expect(a.machine.st.sm?.runner).toBe(2);
    expect(b.machine.st.sm?.runner).toBe(2);
    expect(a.machine.fingerprint()).toBe(b.machine.fingerprint());
    // The runner is state: the same set gathered with another runner is another state.
    const c = replay(s, 'h2.h0>t3.h2>t5.h1>t4');
    expect(c.machine.st.sm?.runner).toBe(1);
    expect(c.machine.fingerprint()).not.toBe(a.machine.fingerprint());
  });
});
