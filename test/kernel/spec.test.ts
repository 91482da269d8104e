/**
 * `objects:` in a spec, through the CLI (`main(argv, io)`): a spec naming kbuild objects loads
 * (regions, sites from __patchable_function_entries, stubs on the Spec), and each of the three
 * ways the objects can be wrong (an undefined symbol no role covers, a relocation type the
 * linker does not handle, a missing object) is one `file:line:col: …` line and exit 2. The
 * error cases use objects assembled here, so they need only the cross binutils.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { loadSpec } from '../../src/spec/load.js';
import { AS, binutilsMissing } from '../isa/binutils.js';

const ROOT = resolve(__dirname, '../..');
const FILES = ['arch/riscv/kernel/mcount-dyn.o', 'arch/riscv/kernel/mcount.o', 'arch/riscv/kernel/ftrace.o', 'arch/riscv/kernel/patch.o', 'mm/maccess.o', 'kernel/range.o'];

function inTmp(files: Record<string, string>, run: (dir: string) => Promise<void> | void) {
  const dir = mkdtempSync(join(tmpdir(), 'ftr-objects-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Promise.resolve(run(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function assemble(dir: string, name: string, asm: string): void {
  writeFileSync(join(dir, `${name}.s`), asm);
  const r = spawnSync(AS, ['-march=rv64imac_zicsr_zifencei', '-o', join(dir, `${name}.o`), join(dir, `${name}.s`)]);
  expect(r.status, String(r.stderr)).toBe(0);
}

const objectsSpec = (dir: string, files: string[], extra = '') => `harts: 1
objects:
  text: '0xffffffff80200000'
  dir: ${dir}
  files: [${files.join(', ')}]
${extra}tasks:
  - { name: t, hart: 0, entry: f }
`;

async function check(specFile: string) {
  const io = bufferIo();
  const code = await main(['check', specFile], io);
  return { code, out: io.out, err: io.err };
}

describe.skipIf(binutilsMissing)('objects: errors through the CLI', () => {
  it('an undefined symbol without a role: one line naming it, exit 2', () =>
    inTmp({}, async (dir) => {
      assemble(dir, 'a', '.text\n.globl f\nf:\n  call no_such_function\n  ret\n');
      writeFileSync(join(dir, 's.yaml'), objectsSpec(dir, ['a.o'], '  stubs: linux-6.12\n'));
      const r = await check(join(dir, 's.yaml'));
      expect(r.code).toBe(2);
      const lines = (r.out + r.err).trim().split('\n').filter((l) => l.includes('no_such_function'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/s\.yaml:5:\d+: .*undefined symbol no_such_function \(R_RISCV_CALL_PLT\).*give it a role.*objects\.roles/);
    }));

  it('a relocation type the linker does not handle: one line naming it, exit 2', () =>
    inTmp({}, async (dir) => {
      // `la` under -fpic goes through the GOT: R_RISCV_GOT_HI20, which kbuild never emits for vmlinux.
      assemble(dir, 'g', '.option pic\n.text\n.globl f\nf:\n  la a0, g\n  ret\n.data\n.globl g\ng: .dword 0\n');
      writeFileSync(join(dir, 's.yaml'), objectsSpec(dir, ['g.o']));
      const r = await check(join(dir, 's.yaml'));
      expect(r.code).toBe(2);
      const lines = (r.out + r.err).trim().split('\n').filter((l) => /GOT_HI20/.test(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/s\.yaml:5:\d+: .*R_RISCV_GOT_HI20/);
    }));

  it('a missing object: one line naming it and the script that builds them, exit 2', () =>
    inTmp({}, async (dir) => {
      writeFileSync(join(dir, 's.yaml'), objectsSpec(dir, ['missing.o']));
      const r = await check(join(dir, 's.yaml'));
      expect(r.code).toBe(2);
      const lines = (r.out + r.err).trim().split('\n').filter((l) => l.includes('missing.o'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/s\.yaml:5:\d+: cannot read .*missing\.o: ENOENT \(kernel objects are built by fixtures\/kernel\/build\.sh/);
    }));
});

for (const ver of ['6.12', '6.1']) {
  const missing = existsSync(join(ROOT, 'fixtures/kernel/out', ver, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built (fixtures/kernel/build.sh ${ver}); skipping the linux-${ver} objects: spec load`;
  if (missing) console.warn(missing);
  describe.skipIf(missing)(`objects: linux ${ver} in a spec`, () => {
    it('loads: code regions, sites from the patchable entries with ftrace_caller as target, stubs on the Spec', () => {
      const text = `harts: 2
objects:
  text: '0xffffffff80200000'
  dir: fixtures/kernel/out/${ver}
  files: [${FILES.join(', ')}]
  stubs: linux-${ver}
  sites: [add_range_with_merge]
  targets: [ftrace_caller]
memory:
  - { name: ranges, kind: data, at: '0xffffffff80400000', size: 64, shared: false }
tasks:
  - { name: caller, hart: 0, call: add_range_with_merge, regs: { a0: ranges, a1: 4, a2: 0, a3: 0x1000, a4: 0x2000 } }
`;
      const r = loadSpec(text, 'k.yaml', { readFile: (p) => new Uint8Array(readFileSync(p)), resolvePath: (p) => join(ROOT, p) });
      expect(r.diagnostics).toEqual([]);
      const spec = r.spec!;
      expect(spec.sites.map((s) => s.name)).toEqual(['add_range_with_merge']);
      const site = spec.sites[0];
      expect(site.base).toBe(spec.symbols.get('add_range_with_merge'));
      expect(site.size).toBe(8);
      expect(site.targets).toEqual([spec.symbols.get('ftrace_caller'), site.base + 8]);
      expect(spec.kernel!.stubs.find((s) => s.name === '__set_fixmap')!.role).toEqual({ role: 'service', service: '__set_fixmap' });
      expect(spec.kernel!.thread.canary).toBe(ver === '6.12' ? 1200 : 1104);
      expect(spec.regions.some((g) => g.kind === 'code' && g.name === 'ftrace.o:.text')).toBe(true);
    });
  });
}
