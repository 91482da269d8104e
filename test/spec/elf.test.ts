import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { formatDiagnostic } from '../../src/spec/diagnostic.js';

const io = { readFile: (p: string) => readFileSync(p), resolvePath: (p: string) => resolve('specs', p) };

const spec = (elf: string) => `harts: 1
elf:
${elf}
tasks:
  - name: caller
    call: traced_func
`;

describe('elf: input', () => {
  it('loads code, symbols and sites from __patchable_function_entries', () => {
    const r = loadSpec(spec('  file: ../fixtures/patchable/entry4-rvc-616.elf\n  sites: [traced_func]\n  targets: [ftrace_caller]'), 'e.yaml', io);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const s = r.spec!;
    const site = s.sites.find((x) => x.name === 'traced_func')!;
    expect(site).toBeDefined();
    expect(site.targets).toContain(s.symbols.get('ftrace_caller'));
    expect(site.targets).toContain(site.base + site.size);
    expect(s.regions.some((x) => x.kind === 'code' && site.base >= x.base && site.base < x.base + x.bytes.length)).toBe(true);
  });

  it('errors name the spec position: missing file, no section, unknown function', () => {
    const e1 = loadSpec(spec('  file: ../fixtures/patchable/nope.elf\n  sites: [traced_func]'), 'e.yaml', io).diagnostics.map(formatDiagnostic);
    expect(e1[0]).toMatch(/^e\.yaml:3:9: cannot read \.\.\/fixtures\/patchable\/nope\.elf: ENOENT/);
    const e2 = loadSpec(spec('  file: ../fixtures/patchable/no-entries.elf\n  sites: [traced_func]'), 'e.yaml', io).diagnostics.map(formatDiagnostic);
    expect(e2[0]).toMatch(/^e\.yaml:4:10: .*has no __patchable_function_entries section/);
    const e3 = loadSpec(spec('  file: ../fixtures/patchable/entry4-rvc-616.elf\n  sites: [not_there]'), 'e.yaml', io).diagnostics.map(formatDiagnostic);
    expect(e3[0]).toMatch(/^e\.yaml:4:11: function 'not_there' has no entry in __patchable_function_entries/);
    const e4 = loadSpec(spec('  file: ../specs/b1-stop-machine-preempt-full.yaml\n  sites: [traced_func]'), 'e.yaml', io).diagnostics.map(formatDiagnostic);
    expect(e4[0]).toMatch(/^e\.yaml:3:9: .*not an ELF file/);
  });
});
