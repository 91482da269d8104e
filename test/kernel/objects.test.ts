/**
 * The `objects:` spec input (src/spec/kernel-objects.ts) over the kernel's own objects from
 * fixtures/kernel/build.sh: placed, stubbed by the built-in table of their version, patch
 * sites read from the relocated __patchable_function_entries. Structure, not bytes: Debian's
 * security archive moves the package versions (docs/kernel.md). Skips, with the reason, when
 * the objects have not been built.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadKernelObjects } from '../../src/spec/kernel-objects.js';
import { SpecSource } from '../../src/spec/source.js';
import { loadSpec } from '../../src/spec/load.js';
import { formatDiagnostic } from '../../src/spec/diagnostic.js';
import { AS, binutilsMissing } from '../isa/binutils.js';

const ROOT = resolve(__dirname, '../..');
const io = { readFile: (p: string) => new Uint8Array(readFileSync(p)), resolvePath: (p: string) => resolve(ROOT, 'specs/kernel', p) };
const FILES = ['arch/riscv/kernel/mcount-dyn.o', 'arch/riscv/kernel/mcount.o', 'arch/riscv/kernel/ftrace.o', 'arch/riscv/kernel/patch.o', 'mm/maccess.o', 'kernel/range.o'];

const objectsSpec = (ver: string, extra = '') => `objects:
  text: 0xffffffff80200000
  dir: ../../fixtures/kernel/out/${ver}
  files: [${FILES.join(', ')}]
${extra}`;

function load(text: string, harts = 2) {
  const src = new SpecSource(text, 'k.yaml');
  const symbols = new Map<string, number>();
  const r = loadKernelObjects((src.data() as { objects: unknown }).objects, src, io, symbols, harts);
  return { ...r, symbols, messages: r.diagnostics.map(formatDiagnostic) };
}

for (const ver of ['6.12', '6.1']) {
  const missing = existsSync(join(ROOT, 'fixtures/kernel/out', ver, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built (apt-get install linux-source-${ver}; fixtures/kernel/build.sh ${ver}); skipping the linux-${ver} objects: tests`;
  if (missing) console.warn(missing);
  describe.skipIf(missing)(`objects: linux ${ver}`, () => {
    it(`places the six objects, stubs every undefined symbol by the linux-${ver} table, reads the patch sites`, () => {
      const r = load(objectsSpec(ver, `  stubs: linux-${ver}\n  sites: patchable-entries\n`));
      expect(r.messages).toEqual([]);
      // The real trampoline and patcher are there, on pages of their own.
      for (const f of ['ftrace_caller', 'ftrace_call', 'ftrace_stub', 'ftrace_make_call', 'ftrace_update_ftrace_func', 'patch_text_nosync', 'copy_to_kernel_nofault']) {
        expect(r.symbols.has(f), f).toBe(true);
      }
      expect(r.regions.filter((x) => x.kind === 'code').every((x) => x.base % 4096 === 0)).toBe(true);
      // Every stub has a role from the table; harts are generated data.
      expect(r.stubs.length).toBeGreaterThan(20);
      expect(r.stubs.every((s) => s.role)).toBe(true);
      const cpus = r.stubs.find((s) => s.name === '__num_online_cpus')!;
      const data = r.regions.find((x) => cpus.address >= x.base && cpus.address < x.base + x.bytes.length)!;
      expect(data.bytes[cpus.address - data.base]).toBe(2);
      // range.o's traced functions: each entry 8 bytes of c.nop at the function symbol
      // (-fpatchable-function-entry=4 with RVC), the symbol at 4-byte or 2-mod-4 addresses
      // (CONFIG_FUNCTION_ALIGNMENT=0).
      const names = r.entries.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['add_range', 'add_range_with_merge', 'subtract_range', 'clean_sort_range']));
      for (const e of r.entries) {
        expect(e.size, e.name).toBe(8);
        expect(e.pre, e.name).toBe(0);
        expect(r.symbols.get(e.name)).toBe(e.base);
      }
      // The entry can tear: some entries sit at 2 mod 4.
      expect(r.entries.some((e) => (e.base & 3) === 2)).toBe(true);
      console.log(`linux ${ver}: ${r.entries.length} patchable entries, ${r.entries.filter((e) => (e.base & 3) === 2).length} at 2 mod 4: ${r.entries.map((e) => `${e.name}@${(e.base & 0xfff).toString(16)}`).join(' ')}`);
    });

    it('an undefined symbol without a role is one line naming it, at the object', () => {
      const r = load(objectsSpec(ver));
      expect(r.messages.length).toBe(1);
      expect(r.messages[0]).toMatch(/^k\.yaml:4:\d+: \.\.\/\.\.\/fixtures\/kernel\/out\/[0-9.]+\/arch\/riscv\/kernel\/\S+\.o: \.text\+0x[0-9a-f]+: undefined symbol \w+ \(R_RISCV_\w+\) is defined by no object and has no stub: give it a role \(docs\/kernel\.md\) \(or add it under objects\.roles\)$/);
    });

    it('a role in the spec overrides the table', () => {
      const r = load(objectsSpec(ver, `  stubs: linux-${ver}\n  roles:\n    __num_online_cpus: { data: int, size: 4, value: 7 }\n    _printk: trap\n`));
      expect(r.messages).toEqual([]);
      const cpus = r.stubs.find((s) => s.name === '__num_online_cpus')!;
      const data = r.regions.find((x) => cpus.address >= x.base && cpus.address < x.base + x.bytes.length)!;
      expect(data.bytes[cpus.address - data.base]).toBe(7);
      expect(r.stubs.find((s) => s.name === '_printk')!.role).toEqual({ role: 'trap', why: 'trap stub reached' });
    });
  });
}

describe('objects: errors', () => {
  it('a missing object names it and how to build it', () => {
    const r = load(`objects:\n  text: 0xffffffff80200000\n  files: [nope/missing.o]\n  stubs: linux-6.12\n`);
    expect(r.messages).toEqual(['k.yaml:3:11: cannot read nope/missing.o: ENOENT (kernel objects are built by fixtures/kernel/build.sh, docs/kernel.md)']);
  });
  it('an unknown stub table', () => {
    const r = load(`objects:\n  text: 0xffffffff80200000\n  files: []\n  stubs: linux-2.6\n`);
    expect(r.messages).toEqual(["k.yaml:4:10: unknown stub table 'linux-2.6' (built in: linux-6.12, linux-6.1)"]);
  });
});

describe.skipIf(binutilsMissing)('elf: a relocatable object without a layout', () => {
  it('is a clear error, not an empty image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-kernel-'));
    try {
      writeFileSync(join(dir, 'f.s'), '.text\n.globl f\nf: ret\n');
      expect(spawnSync(AS, ['-o', join(dir, 'f.o'), join(dir, 'f.s')]).status).toBe(0);
      const spec = `harts: 1\nelf:\n  file: ${join(dir, 'f.o')}\n  sites: [f]\ntasks:\n  - name: caller\n    call: f\n`;
      const d = loadSpec(spec, 'e.yaml', { readFile: (p) => new Uint8Array(readFileSync(p)), resolvePath: (p) => p }).diagnostics.map(formatDiagnostic);
      expect(d).toEqual([`e.yaml:3:9: ${join(dir, 'f.o')}: relocatable object (ET_REL) needs a layout: give it a layout under objects: (files, text address, stubs; docs/kernel.md)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spec.schema.json: objects', () => {
  it('accepts the docs/kernel.md example and rejects a bad role', async () => {
    const { default: Ajv } = await import('ajv');
    const base = JSON.parse(readFileSync(join(ROOT, 'schema/spec.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(base);
    const doc = readFileSync(join(ROOT, 'docs/kernel.md'), 'utf8');
    const example = /```yaml\n(objects:[\s\S]*?)```/.exec(doc)![1];
    const spec = (objects: string) => new SpecSource(`harts: 2\n${objects}tasks:\n  - name: caller\n    call: add_range_with_merge\n`, 'k.yaml').data();
    expect(validate(spec(example)), JSON.stringify(validate.errors)).toBe(true);
    // Every role form of the table parses in the loader too.
    const r = load(`${example.replace(/dir: \S+/, 'dir: ../../fixtures/kernel/out/none')}`);
    expect(r.messages[0]).toMatch(/cannot read/); // roles are read first: they parsed
    expect(load('objects:\n  text: 1\n  files: []\n  roles:\n    x: { data: int, size: 3, value: 1 }\n').messages).toEqual(['k.yaml:5:8: x: data: int needs size 1, 2, 4 or 8 and a value']);
    expect(validate(spec('objects:\n  text: 1\n  files: []\n  roles:\n    x: { return: 1, trap: y }\n'))).toBe(false);
  });
});
