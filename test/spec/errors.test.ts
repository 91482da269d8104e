import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { formatDiagnostic } from '../../src/spec/diagnostic.js';

/** A small valid spec; tests break one thing at a time. Line numbers below refer to it. */
const BASE = `harts: 2
kernel:
  preemption: full
memory:
  - name: tramp
    kind: code
    at: 0xffffffff8000c6f0
    asm: |
      tramp_a:
          nop
          jr      t0
  - name: text
    kind: code
    at: 0xffffffff80a4bf30
    asm: |
      f:
          auipc   t0, 0xff5c0
          jalr    t0, 1984(t0)
          ret
sites:
  - name: f
    at: f
    size: 8
    targets: [tramp_a]
tasks:
  - name: caller
    hart: 0
    call: f
  - name: patcher
    hart: 1
    patch:
      - write:
          at: f
          asm: |
            nop
            nop
`;

function errors(text: string, overrides?: string[]): string[] {
  const r = loadSpec(text, 'spec.yaml', { overrides });
  expect(r.spec).toBeUndefined();
  return r.diagnostics.map(formatDiagnostic);
}

describe('spec errors are file:line:col: message', () => {
  it('accepts the base spec', () => {
    const r = loadSpec(BASE, 'spec.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.spec!.sites[0].base).toBe(-0x7f5b40d0);
    expect(r.spec!.tasks.map((t) => t.kind)).toEqual(['caller', 'patcher']);
  });

  it('YAML syntax', () => {
    const e = errors(BASE.replace('targets: [tramp_a]', 'targets: [tramp_a'));
    expect(e[0]).toMatch(/^spec\.yaml:2[45]:\d+: /);
  });

  it('unknown field, at the key', () => {
    expect(errors(BASE.replace('  preemption: full', '  preemption: full\n  preemptoin: none'))).toEqual([
      "spec.yaml:4:3: unknown field 'preemptoin' in kernel",
    ]);
  });

  it('bad enum value, at the value', () => {
    expect(errors(BASE.replace('preemption: full', 'preemption: sometimes'))).toEqual([
      'spec.yaml:3:15: kernel.preemption: must be one of "none", "voluntary", "full" (got "sometimes")',
    ]);
  });

  it('missing required field', () => {
    const e = errors(BASE.replace('harts: 2\n', ''));
    expect(e).toEqual(["spec.yaml:1:1: spec: missing field 'harts'"]);
  });

  it('a task with two kinds', () => {
    expect(errors(BASE.replace('    call: f\n', '    call: f\n    entry: f\n'))).toEqual([
      "spec.yaml:29:5: a task takes only one of 'call', 'patch', 'entry' (found 'call' and 'entry')",
    ]);
  });

  it('asm error inside a block: block line + asm line, column inside the block', () => {
    const e = errors(BASE.replace('          ret\n', '          addx    a0, a0, a1\n'));
    expect(e.length).toBe(1);
    expect(e[0]).toMatch(/^spec\.yaml:19:11: .*addx/);
  });

  it('out-of-range immediate', () => {
    const e = errors(BASE.replace('          ret\n', '          addi    a0, a0, 5000\n'));
    expect(e[0]).toMatch(/^spec\.yaml:19:\d+: .*5000.*-2048\.\.2047/);
  });

  it('unknown symbol in an address field', () => {
    expect(errors(BASE.replace('    call: f\n', '    call: g\n'))).toEqual(["spec.yaml:28:11: unknown symbol 'g'"]);
  });

  it('unknown symbol inside asm', () => {
    const e = errors(BASE.replace('          ret\n', '          j       nowhere\n'));
    expect(e[0]).toMatch(/^spec\.yaml:19:\d+: .*nowhere/);
  });

  it('overlapping regions', () => {
    expect(errors(BASE.replace('at: 0xffffffff80a4bf30', 'at: 0xffffffff8000c6f2'))[0]).toMatch(
      /^spec\.yaml:12:5: region 'text' \(0xffffffff8000c6f2\.\.0xffffffff8000c6fc\) overlaps 'tramp'/,
    );
  });

  it('a site that is not where its code is (initial differs)', () => {
    const e = errors(BASE.replace('    targets: [tramp_a]\n', '    targets: [tramp_a]\n    initial: |\n      nop\n      nop\n'));
    expect(e).toEqual([
      "spec.yaml:25:14: site 'f' is not where its code is: 'initial' assembles to 01 00 01 00 (13 00 00 00 13 00 00 00 without RVC) but 0xffffffff80a4bf30 holds 97 02 5c ff e7 82 02 7c",
    ]);
  });

  it('a site that does not start on an instruction', () => {
    expect(errors(BASE.replace('    at: f\n    size: 8', '    at: f+2\n    size: 8'))).toEqual([
      "spec.yaml:22:9: site 'f' starts at 0xffffffff80a4bf32, which is not an instruction start in 'text'",
    ]);
  });

  it('a site outside declared code', () => {
    expect(errors(BASE.replace('    at: f\n    size: 8', '    at: 0x1000\n    size: 8'))).toEqual([
      "spec.yaml:22:9: site 'f' (0x1000, 8 bytes) is not inside declared code",
    ]);
  });

  it('a patch write outside every site', () => {
    expect(errors(BASE.replace('          at: f\n          asm', '          at: f+8\n          asm'))).toEqual([
      'spec.yaml:33:15: write of 8 bytes at 0xffffffff80a4bf38 is not inside a patch site or patchable region',
    ]);
  });

  it('a hart that does not exist', () => {
    expect(errors(BASE.replace('    hart: 1\n', '    hart: 5\n'))).toEqual(['spec.yaml:30:11: hart 5 does not exist (harts: 2)']);
  });

  it('--set overrides are applied before validation and named in errors', () => {
    const r = loadSpec(BASE, 'spec.yaml', { overrides: ['kernel.preemption=none', 'tasks.0.times=3'] });
    expect(r.diagnostics).toEqual([]);
    expect(r.spec!.preemption).toBe('none');
    expect(r.spec!.tasks[0]).toMatchObject({ kind: 'caller', times: 3 });
    expect(errors(BASE, ['kernel.preemption=maybe'])[0]).toMatch(/kernel\.preemption: must be one of .*\(from --set kernel\.preemption=maybe\)$/);
    expect(errors(BASE, ['nonsense'])[0]).toMatch(/--set nonsense: expected path=value/);
  });

  it('64-bit hex addresses are exact', () => {
    const r = loadSpec(BASE, 'spec.yaml');
    expect(r.spec!.symbols.get('tramp_a')).toBe(-0x7fff3910);
  });
});
