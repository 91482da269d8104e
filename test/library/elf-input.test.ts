/**
 * Specs that take code from the GCC-built ELFs in fixtures/patchable/: the patch sites the
 * loader discovers from __patchable_function_entries for every layout GCC produced, and
 * the one-line, located errors for an ELF without that section, a function without an
 * entry, and a site that is not where the code is.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { formatDiagnostic } from '../../src/spec/diagnostic.js';

const FIXTURES = resolve(__dirname, '../../fixtures/patchable');
const SPEC_FILE = resolve(__dirname, 'elf-spec.yaml'); // a virtual spec file next to this test

function load(text: string) {
  return loadSpec(text, SPEC_FILE, {
    readFile: (p) => readFileSync(p),
    resolvePath: (p) => resolve(FIXTURES, p),
  });
}

/** A minimal spec around an ELF: one caller of traced_func, one 6.16-style write. */
function spec(elf: string, extra = '', sites = 'sites: [traced_func]', writeAt = 'traced_func+4'): string {
  return `harts: 2
elf:
  file: ${elf}
  ${sites}
  targets: [ftrace_caller]
${extra}
tasks:
  - name: caller
    hart: 0
    call: traced_func
  - name: patcher
    hart: 1
    patch:
      - write:
          at: ${writeAt}
          asm: jalr t0, 932(t0)
`;
}

const messages = (r: ReturnType<typeof load>) => r.diagnostics.map((d) => formatDiagnostic(d));

describe('sites from __patchable_function_entries', () => {
  // Entry address (first nop, as GCC records it) and nop-run size per layout; see
  // docs/scenarios.md "Entry layouts GCC 12 produced".
  const layouts = [
    { elf: 'entry4-rvc.elf', base: 0xffffffff80200000n, size: 8 },
    { elf: 'entry4-rvc-odd.elf', base: 0xffffffff80200002n, size: 8 },
    { elf: 'callops-rvc.elf', base: 0xffffffff80200008n, size: 8 }, // 8,4: the 4 c.nop at the symbol (the pre-entry 4 are traced_func.ops)
    { elf: 'entry8-rvc.elf', base: 0xffffffff80200000n, size: 16 },
    { elf: 'entry2-norvc.elf', base: 0xffffffff80200000n, size: 8 },
    { elf: 'entry4-norvc.elf', base: 0xffffffff80200000n, size: 16 },
  ];
  for (const l of layouts) {
    it(`${l.elf}: traced_func's entry at 0x${l.base.toString(16)}, ${l.size} bytes`, () => {
      const r = load(spec(l.elf, '', 'sites: [traced_func]', 'traced_func'));
      expect(messages(r)).toEqual([]);
      const site = r.spec!.sites.find((s) => s.name === 'traced_func')!;
      expect(BigInt.asUintN(64, BigInt(site.base))).toBe(l.base);
      expect(site.size).toBe(l.size);
    });
  }

  it("'patchable-entries' makes one site per function GCC instrumented", () => {
    const r = load(spec('entry4-rvc.elf', '', 'sites: patchable-entries'));
    expect(messages(r)).toEqual([]);
    expect(r.spec!.sites.map((s) => s.name).sort()).toEqual(['_start', 'traced_caller', 'traced_func']);
  });

  it('the boot-initialised ELF keeps the site where the entry is (auipc + nop, 8 bytes)', () => {
    const r = load(spec('entry4-rvc-616.elf'));
    expect(messages(r)).toEqual([]);
    const site = r.spec!.sites.find((s) => s.name === 'traced_func')!;
    expect(BigInt.asUintN(64, BigInt(site.base))).toBe(0xffffffff80200000n);
    expect(site.size).toBe(8);
  });
});

describe('-fpatchable-function-entry=N,M with M > 0 (CALL_OPS)', () => {
  it("the function's site is its entry at the symbol; the pre-entry nops are the site '<func>.ops'", () => {
    for (const elf of ['callops-rvc.elf', 'callops-rvc-616.elf']) {
      const r = load(spec(elf, '', 'sites: [traced_func]', 'traced_func-8'));
      expect(messages(r)).toEqual([]);
      const at = (n: string) => r.spec!.sites.find((s) => s.name === n)!;
      expect(BigInt.asUintN(64, BigInt(at('traced_func').base))).toBe(0xffffffff80200008n);
      expect(at('traced_func').size).toBe(8);
      expect(BigInt.asUintN(64, BigInt(at('traced_func.ops').base))).toBe(0xffffffff80200000n);
      expect(at('traced_func.ops').size).toBe(8);
    }
  });

  it('a declared site over the pre-entry area replaces the generated .ops site', () => {
    const r = load(spec('callops-rvc-616.elf', 'sites:\n  - name: traced_func_ops\n    at: traced_func-8\n    size: 8\n', 'sites: [traced_func]', 'traced_func-8'));
    expect(messages(r)).toEqual([]);
    expect(r.spec!.sites.map((s) => s.name).sort()).toEqual(['traced_func', 'traced_func_ops']);
  });

  it('an entry without pre-entry nops (M = 0) has no .ops site', () => {
    const r = load(spec('entry4-rvc.elf', '', 'sites: patchable-entries', 'traced_func'));
    expect(messages(r)).toEqual([]);
    expect(r.spec!.sites.some((s) => s.name.endsWith('.ops'))).toBe(false);
  });
});

describe('instruction starts: the sweep restarts at function symbols and patchable entries', () => {
  // callops-rvc-616.elf with another tracer's ops in the slot at traced_func-8: pointer
  // 0xffffffff80c30008 (bytes 08 00 c3 80 ff ff ff ff). A sweep from the segment start reads
  // 0x0008 (2 bytes), then 0x80c3 (low bits 11: a 4-byte parcel over c3 80 ff ff), then
  // 0xffff at f-2 (4 bytes, over f's first two bytes): out of step at traced_func.
  const base = readFileSync(resolve(FIXTURES, 'callops-rvc-616.elf'));
  const slot = base.indexOf(Buffer.from([0x08, 0x00, 0xc0, 0x80, 0xff, 0xff, 0xff, 0xff]));
  const patched = Buffer.from(base);
  patched[slot + 2] = 0xc3;
  const loadPatched = (text: string) => loadSpec(text, SPEC_FILE, {
    readFile: (p) => (p.endsWith('callops-ops.elf') ? patched : readFileSync(p)),
    resolvePath: (p) => resolve(FIXTURES, p),
  });

  it('data in the pre-entry slot does not hide the entry: traced_func is an instruction start', () => {
    expect(slot).toBeGreaterThan(0);
    const sites = `sites:
  - name: traced_func
    at: traced_func
    size: 8
    targets: [ftrace_caller]
    initial: |
      auipc t0, 0x83c
      nop
`;
    const r = loadPatched(spec('callops-ops.elf', sites, 'sites: false'));
    expect(messages(r)).toEqual([]);
    const code = r.spec!.regions.find((x) => x.kind === 'code')!;
    const f = r.spec!.symbols.get('traced_func')!;
    expect(code.insnStarts.has(f - code.base)).toBe(true);
    expect(code.insnStarts.has(f + 4 - code.base)).toBe(true);
    // The decoded "instruction" at f-2 that ran over f is not a start.
    expect(code.insnStarts.has(f - 2 - code.base)).toBe(false);
  });
});

describe('clear errors', () => {
  it('an ELF without __patchable_function_entries', () => {
    const m = messages(load(spec('no-entries.elf')));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/elf-spec\.yaml:4:\d+: .*no-entries\.elf has no __patchable_function_entries section \(build with -fpatchable-function-entry\)/);
  });

  it('a function with no entry in the section', () => {
    const m = messages(load(spec('entry4-rvc-616.elf', '', 'sites: [traced_fn]')));
    expect(m[0]).toMatch(/elf-spec\.yaml:4:\d+: function 'traced_fn' has no entry in __patchable_function_entries/);
  });

  it('a missing ELF file', () => {
    const m = messages(load(spec('nonexistent.elf')));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/elf-spec\.yaml:3:\d+: cannot read .*nonexistent\.elf: ENOENT/);
  });

  it('a site whose initial: is not what the ELF holds there (the 6.3 nops expected, 6.16 auipc found)', () => {
    const sites = `sites:
  - name: traced_func
    at: traced_func
    size: 8
    targets: [ftrace_caller]
    initial: |
      nop
      nop
`;
    const m = messages(load(spec('entry4-rvc-616.elf', sites, 'sites: false')));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/elf-spec\.yaml:\d+:\d+: site 'traced_func' is not where its code is: 'initial' assembles to .* but 0xffffffff80200000 holds 97 c2 83 00 13 00 00 00/);
  });

  it('a site that does not start on an instruction of the ELF', () => {
    const sites = `sites:
  - name: traced_func
    at: traced_func+2
    size: 8
    targets: [ftrace_caller]
`;
    const m = messages(load(spec('entry4-rvc-616.elf', sites, 'sites: false', 'traced_func+6')));
    expect(m[0]).toMatch(/site 'traced_func' starts at 0xffffffff80200002, which is not an instruction start/);
  });
});
