/**
 * The fixmap (src/model/kernel/fixmap.ts) under the real code: __set_fixmap maps the text page
 * at fix_to_virt(idx); stores through the alias are patch writes of the site they alias, with
 * write ids and site versions in the trace; clear_fixmap unmaps it, and an access through the
 * stale alias is a fault; a store through the alias into code outside every site is a
 * store-to-code fault; a jump into the alias faults (mapped without execute). Needs the
 * objects of fixtures/kernel/build.sh; skips with the reason without them.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkSpecText, replay } from '../../src/api/check.js';
import { loadSpec } from '../../src/spec/load.js';
import { Machine } from '../../src/model/machine.js';

const ROOT = resolve(__dirname, '../..');
const io = { readFile: (p: string) => new Uint8Array(readFileSync(p)), resolvePath: (p: string) => resolve(ROOT, p) };
const FILES = ['arch/riscv/kernel/mcount-dyn.o', 'arch/riscv/kernel/mcount.o', 'arch/riscv/kernel/ftrace.o', 'arch/riscv/kernel/patch.o', 'mm/maccess.o', 'kernel/range.o'];
/** fix_to_virt(FIX_TEXT_POKE0): FIXADDR_TOP (Sv39, the generated kernel_map) - 1030 pages. */
const POKE0 = 1030;
const ALIAS = '0xffffffc6febfa000';

const spec = (ver: string, tasks: string, extra = '') => `harts: 1
objects:
  text: '0xffffffff80200000'
  dir: fixtures/kernel/out/${ver}
  files: [${FILES.join(', ')}]
  stubs: linux-${ver}
  sites: [add_range_with_merge]
  targets: [ftrace_caller]
memory:
  - { name: rec, kind: data, at: '0xffffffff80400000', asm: '.dword add_range_with_merge', shared: false }
${extra}tasks:
${tasks}`;

/** A task that maps the page of SYM at FIX_TEXT_POKE0, does BODY (t0 = the alias of SYM), then returns. */
const mapAnd = (ver: string, sym: string, body: string) => spec(ver, '  - { name: poke, hart: 0, entry: poke, stack: 4096 }\n', `  - name: poke_text
    kind: code
    at: '0xffffffff80401000'
    asm: |
      poke:
        addi sp, sp, -16
        sd ra, 8(sp)
        li a0, ${POKE0}
        la a1, ${sym}
        li t1, 0xffffffff00000000   # kernel_map.va_kernel_pa_offset: __pa_symbol
        sub a1, a1, t1
        li a2, 0
        call __set_fixmap
        li t0, ${ALIAS}
        la t1, ${sym}
        li t2, 0xfff
        and t1, t1, t2
        add t0, t0, t1
${body.split('\n').map((l) => `        ${l}`).join('\n')}
        ld ra, 8(sp)
        addi sp, sp, 16
        ret
`);

for (const ver of ['6.12', '6.1']) {
  const missing = existsSync(join(ROOT, 'fixtures/kernel/out', ver, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built (fixtures/kernel/build.sh ${ver}); skipping the linux-${ver} fixmap tests`;
  if (missing) console.warn(missing);
  describe.skipIf(missing)(`fixmap: linux ${ver}`, () => {
    it('the real ftrace_make_call patches the site through the alias: write ids and site versions, the alias cleared after', () => {
      const text = spec(ver, '  - { name: patcher, hart: 0, entry: ftrace_make_call, stack: 4096, regs: { a0: rec, a1: ftrace_caller } }\n') +
        'assertions:\n  - { name: patched, site: { name: add_range_with_merge, version: 1 } }\n';
      const r = checkSpecText(text, 'k.yaml', io);
      expect(r.ok && [r.result.verdict, r.result.complete]).toEqual(['safe', true]);
      const loaded = loadSpec(text, 'k.yaml', io).spec!;
      const m = new Machine(loaded);
      const before = m.fingerprint();
      const rp = replay(loaded, `h0*${r.ok ? r.result.stats.maxDepth : 0}`);
      const writes = rp.trace.filter((e) => e.write).map((e) => [e.write!.id, e.write!.site, e.write!.version]);
      // 2 mod 4: copy_to_kernel_nofault's four sh, one site version.
      expect(writes).toEqual([1, 2, 3, 4].map((id) => [id, 'add_range_with_merge', 1]));
      expect(rp.trace.filter((e) => e.text?.startsWith('__set_fixmap')).map((e) => e.text!.replace(/ \(.*| onto .*/g, ''))).toEqual([`__set_fixmap: map ${ALIAS}`, `__set_fixmap: clear fixmap ${POKE0}`]);
      expect(before).not.toBe('');
    });

    it('the mapping is memory: mapping the alias changes the fingerprint', () => {
      const l = loadSpec(mapAnd(ver, 'add_range_with_merge', 'nop'), 'k.yaml', io);
      expect(l.diagnostics).toEqual([]);
      const loaded = l.spec!;
      const m = new Machine(loaded);
      const before = m.fingerprint();
      for (let i = 0; i < 3 && !m.allDone(); i++) m.apply(m.transitions()[0]);
      expect(m.fingerprint()).not.toBe(before);
    });

    it('an access through the alias after clear_fixmap is a fault', () => {
      const r = checkSpecText(mapAnd(ver, 'add_range_with_merge', 'mv s1, t0\nli a0, 1030\nli a1, 0\ncall __set_fixmap\nsh zero, 0(s1)'), 'k.yaml', io);
      const v = r.ok ? r.result.findings.map((f) => f.violation) : [];
      expect(v.map((x) => [x.property, x.kind])).toEqual([['fault', 'fixmap']]);
      expect(v[0].message).toMatch(/^store at poke\+0x[0-9a-f]+ through the fixmap alias 0xffffffc6febfa[0-9a-f]{3} \(fixmap 1030\), which is not mapped/);
    });

    it('a store through the alias into code outside every site is a store-to-code fault; a jump into the alias faults', () => {
      const r = checkSpecText(mapAnd(ver, 'cmp_range', 'sh zero, 0(t0)'), 'k.yaml', io);
      const v = r.ok ? r.result.findings.map((f) => f.violation) : [];
      expect(v.map((x) => [x.property, x.kind])).toEqual([['fault', 'store-to-code']]);
      expect(v[0].message).toMatch(/to immutable code at cmp_range/);
      const j = checkSpecText(mapAnd(ver, 'add_range_with_merge', 'jalr t0'), 'k.yaml', io);
      expect(j.ok ? j.result.findings.map((f) => [f.violation.property, f.violation.kind]) : []).toEqual([['fault', 'fixmap']]);
    });
  });
}
