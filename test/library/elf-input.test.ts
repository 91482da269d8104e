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
    { elf: 'callops-rvc.elf', base: 0xffffffff80200000n, size: 16 }, // 4 c.nop before the symbol + 4 after
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
