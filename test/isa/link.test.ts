/**
 * src/isa/link.ts against GNU ld (STYLE.md 9): the same objects, the same section addresses
 * and stub addresses, `ld --no-relax`; every placed section and every function must come out
 * byte for byte as ld's. Hand-made objects (assembled here) cover each relocation type; the
 * kernel objects of fixtures/kernel/build.sh are compared when they have been built.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { link, LinkError, LinkedImage, RELOC_NAMES, SymbolBinding } from '../../src/isa/link.js';
import { parseRelObject } from '../../src/isa/elf-rel.js';
import type { ElfFile } from '../../src/isa/elf.js';
import { AS, binutilsMissing, LD, prng } from './binutils.js';
import { ldLink } from './link-ld.js';

const ldMissing = binutilsMissing ?? (spawnSync(LD, ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : `${LD} not found (binutils-riscv64-linux-gnu); skipping the ld comparison`);
if (ldMissing) console.warn(ldMissing);

const KTEXT = -0x7fe00000; // 0xffffffff80200000, the RISC-V kernel's link address

/** Every placed section, and every function symbol, compared with ld's image. */
function compareWithLd(paths: string[], image: LinkedImage, extra: Record<string, number> = {}): { functions: number; sections: number; bytes: number } {
  const ld = ldLink(paths, image, extra);
  if ('error' in ld) throw new Error(`ld failed: ${ld.error}`);
  const elf: ElfFile = ld.elf;
  let sections = 0;
  let bytes = 0;
  image.sections.forEach((s, i) => {
    const out = elf.sections.find((x) => x.name === `.o${i}`);
    if (s.bytes.length === 0) return;
    expect(out, `${s.file}(${s.name}) missing from ld's output`).toBeDefined();
    expect(out!.addr, `${s.file}(${s.name}) address`).toBe(s.address);
    expect(out!.size, `${s.file}(${s.name}) size`).toBe(s.bytes.length);
    if (!s.nobits) expect(Buffer.from(s.bytes).equals(Buffer.from(out!.data)), `${s.file}(${s.name}) bytes differ from ld's`).toBe(true);
    sections++;
    bytes += s.bytes.length;
  });
  // Functions: ld's symbol table (addresses, sizes moved by ALIGN cuts) against ours.
  let functions = 0;
  for (const f of elf.symbols.filter((x) => x.type === 2 && x.shndx !== 0)) {
    const ours = image.symbols.filter((x) => x.name === f.name && x.type === 2);
    expect(ours.length, `function ${f.name}`).toBeGreaterThan(0);
    const mine = ours.find((x) => x.address === f.value);
    expect(mine, `function ${f.name} at 0x${BigInt.asUintN(64, BigInt(f.value)).toString(16)}`).toBeDefined();
    expect(mine!.size, `function ${f.name} size`).toBe(f.size);
    const sec = image.sections.find((s) => !s.nobits && f.value >= s.address && f.value + f.size <= s.address + s.bytes.length)!;
    const ldSec = elf.sections.find((s) => s.size > 0 && f.value >= s.addr && f.value + f.size <= s.addr + s.size)!;
    const a = sec.bytes.subarray(f.value - sec.address, f.value - sec.address + f.size);
    const b = ldSec.data.subarray(f.value - ldSec.addr, f.value - ldSec.addr + f.size);
    expect(Buffer.from(a).equals(Buffer.from(b)), `function ${f.name} bytes differ from ld's`).toBe(true);
    functions++;
  }
  return { functions, sections, bytes };
}

function assemble(dir: string, name: string, source: string, march = 'rv64imac_zicsr_zifencei'): string {
  writeFileSync(join(dir, `${name}.s`), source);
  const r = spawnSync(AS, [`-march=${march}`, '-o', join(dir, `${name}.o`), join(dir, `${name}.s`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`as: ${r.stderr}`);
  return join(dir, `${name}.o`);
}

/** One object per relocation type gas and gcc emit for the kernel, plus the rarer SET/SUB forms. */
const HAND_A = `
.option rvc
.text
.globl f1
.type f1, @function
f1:
  call ext_fn
  tail f2
  lla a0, ext_data
  ld a1, 8(a0)
1: auipc t0, %pcrel_hi(ext_data)
  sd a1, %pcrel_lo(1b)(t0)
  jal ext_fn
  c.beqz a0, f2
  c.beqz a0, local1
  c.j local1
  beq a0, a1, local1
  .reloc ., R_RISCV_CALL, ext_fn
  auipc ra, 0
  jalr ra, 0(ra)
  .p2align 3
local1:
  c.nop
  lui a0, %hi(ext_data)
  addi a0, a0, %lo(ext_data)
  sw a0, %lo(ext_data)(a1)
  .p2align 4
  ret
.size f1, .-f1
.section .text.two,"ax",@progbits
.globl f2
.type f2, @function
f2:
  c.addi a0, 1
  .p2align 2
  j f1
  beqz a0, 2f
  call f3
  c.nop
2: ret
.size f2, .-f2
.section .rodata,"a",@progbits
tab:
  .4byte local1 - tab
  .8byte f2 - f1
  .2byte local1 - f1
  .byte local1 - f1
  .8byte f2
  .4byte ext_data
  .byte 0x40
  .8byte 0, 0
  .reloc tab+27, R_RISCV_SET6, local1
  .reloc tab+27, R_RISCV_SUB6, f1
  .reloc tab+28, R_RISCV_SET8, f2
  .reloc tab+30, R_RISCV_SET16, f2
  .reloc tab+32, R_RISCV_SET32, f2
  .reloc tab+36, R_RISCV_32_PCREL, ext_fn
.data
.8byte ext_data + 16
.4byte tab
`;
/** A second object: calls into the first, its own ALIGN padding, a jump table, a traced function. */
const HAND_B = `
.option rvc
.text
.globl f3
.type f3, @function
f3:
  c.addi a0, 2
  .p2align 3
  lla t0, .Ljt
  slli a0, a0, 2
  add t0, t0, a0
  lw a0, 0(t0)
  add a0, a0, t0
  jr a0
.Lc0: call f1
.Lc1: tail f2
.size f3, .-f3
.globl traced
.type traced, @function
.LPFE0:
  nop
  nop
traced:
  c.nop
  c.nop
  c.nop
  c.nop
  ret
.size traced, .-traced
.section __patchable_function_entries,"awo",@progbits,traced
  .8byte .LPFE0
.section .rodata,"a",@progbits
.p2align 2
.Ljt:
  .4byte .Lc0 - .Ljt
  .4byte .Lc1 - .Ljt
.section .sbss,"aw",@nobits
  .zero 8
`;

const EXT = (name: string): SymbolBinding | undefined =>
  name === 'ext_fn' ? { kind: 'stub', role: 'trap' } : name === 'ext_data' ? { kind: 'data', role: 'generated', bytes: new Uint8Array(24) } : undefined;

describe.skipIf(ldMissing)('link: hand-made objects against ld --no-relax', () => {
  // gas aligns a section to its largest .p2align, so ALIGN cuts depend on the code before
  // them, not on where the section lands; b.o's text is still tried at both 8-byte phases.
  for (const phase of [0, 8]) {
    it(`b.o text at +${phase} mod 16: every section and function as ld places them`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'ftr-link-'));
      try {
        const a = assemble(dir, 'a', HAND_A);
        const b = assemble(dir, 'b', HAND_B);
        const image = link([{ file: a, bytes: readFileSync(a) }, { file: b, bytes: readFileSync(b) }], {
          text: KTEXT,
          resolve: EXT,
          at: (file, sec) => (file === b && sec === '.text' ? KTEXT + 0x100000 + phase : undefined),
        });
        const r = compareWithLd([a, b], image);
        expect(r.functions).toBe(4);
        for (const name of Object.values(RELOC_NAMES).filter((n) => n !== 'R_RISCV_NONE')) {
          expect(image.relocations.get(name), `${name} exercised`).toBeGreaterThan(0);
        }
        expect(image.patchableEntries.map((e) => e.address)).toEqual([image.symbols.find((s) => s.name === 'traced')!.address - 4]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('ALIGN padding is cut to what the address needs, as ld does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-link-'));
    try {
      // .p2align 4 after 2, 4, 6 ... bytes of code, the section placed at each 2-byte phase.
      for (let pre = 1; pre <= 7; pre++) {
        const o = assemble(dir, `p${pre}`, `.option rvc\n.text\n.globl g\n.type g,@function\ng:\n${'  c.nop\n'.repeat(pre)}  .p2align 4\nh: c.addi a0, 1\n  .p2align 3\n  ret\n.size g, .-g\n`);
        const image = link([{ file: o, bytes: readFileSync(o) }], { text: KTEXT });
        expect(compareWithLd([o], image).functions).toBe(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(ldMissing)('link: errors name the file, section, offset and symbol or relocation', () => {
  const one = (source: string, resolve?: (n: string) => SymbolBinding | undefined) => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-link-'));
    try {
      const o = assemble(dir, 'e', source);
      try {
        link([{ file: 'e.o', bytes: readFileSync(o) }], { text: KTEXT, resolve });
      } catch (e) {
        if (e instanceof LinkError) return e;
        throw e;
      }
      return undefined;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it('an undefined symbol without a role', () => {
    const e = one('.text\n  nop\n  call mystery\n');
    expect(e?.code).toBe('undefined-symbol');
    expect(e?.message).toBe('e.o: .text+0x2: undefined symbol mystery (R_RISCV_CALL_PLT) is defined by no object and has no stub: give it a role (docs/kernel.md)');
  });
  it('a relocation type the linker does not handle', () => {
    const e = one('.text\n  .reloc ., R_RISCV_TPREL_HI20, x\n  lui a0, 0\n', () => ({ kind: 'address', address: 0x1000 }));
    expect(e?.code).toBe('relocation-type');
    expect(e?.message).toMatch(/^e\.o: \.text\+0x0: R_RISCV_TPREL_HI20 is not handled \(supported: /);
  });
  it('a branch out of range', () => {
    const e = one('.text\n  .reloc ., R_RISCV_RVC_BRANCH, far\n  .2byte 0xc101\n', () => ({ kind: 'address', address: KTEXT + 0x10000 }));
    expect(e?.code).toBe('relocation-range');
    expect(e?.message).toMatch(/^e\.o: \.text\+0x0: R_RISCV_RVC_BRANCH to far: offset 65536 is out of range \[-256, 254\]/);
  });
  it('a truncated object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-link-'));
    try {
      const bytes = readFileSync(assemble(dir, 't', '.text\n  call f\n'));
      expect(() => parseRelObject(bytes.subarray(0, bytes.length - 100), 't.o')).toThrow(/^t\.o: /);
      expect(() => link([{ file: 't.o', bytes: bytes.subarray(0, 200) }], { text: KTEXT })).toThrow(LinkError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- the kernel's own objects (fixtures/kernel/build.sh) ----

const KOUT = resolve(__dirname, '../../fixtures/kernel/out');
const KOBJS = ['arch/riscv/kernel/mcount-dyn.o', 'arch/riscv/kernel/mcount.o', 'arch/riscv/kernel/ftrace.o', 'arch/riscv/kernel/patch.o', 'mm/maccess.o', 'kernel/range.o'];

for (const ver of ['6.12', '6.1']) {
  const dir = join(KOUT, ver);
  const missing = existsSync(join(dir, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built (apt-get install linux-source-${ver}; fixtures/kernel/build.sh ${ver}); skipping the linux-${ver} link comparison`;
  if (missing) console.warn(missing);
  describe.skipIf(ldMissing || missing)(`link: linux ${ver} objects against ld --no-relax`, () => {
    it('every section and function of the six objects linked together', () => {
      const paths = KOBJS.map((o) => join(dir, o)).filter(existsSync);
      // Every undefined symbol a stub (the roles do not matter to the bytes); a few as data.
      const data = new Set(['__num_online_cpus', '__cpu_online_mask', 'text_mutex', 'function_trace_op', 'kernel_map']);
      const image = link(paths.map((p) => ({ file: p, bytes: readFileSync(p) })), {
        text: KTEXT,
        resolve: (n) => (data.has(n) ? { kind: 'data', role: 'generated', bytes: new Uint8Array(64) } : { kind: 'stub', role: 'trap' }),
      });
      const r = compareWithLd(paths, image);
      const version = readFileSync(join(dir, 'VERSION'), 'utf8').trim();
      console.log(`linux ${version}: ${r.functions} functions, ${r.sections} sections (${r.bytes} bytes) identical to ld's; relocations ${[...image.relocations].map(([k, v]) => `${k.slice(8)} ${v}`).join(', ')}; ${image.stubs.length} stubs; ${image.patchableEntries.length} patchable entries`);
      expect(r.functions).toBeGreaterThan(20);
      expect(image.patchableEntries.length).toBeGreaterThan(0);
      // Each entry is 8 bytes of nops (auipc t0 / jalr t0 once patched) at a function symbol.
      for (const e of image.patchableEntries) {
        expect(image.symbols.some((s) => s.type === 2 && s.address === e.address), `entry at 0x${BigInt.asUintN(64, BigInt(e.address)).toString(16)} is a function`).toBe(true);
      }
    });
  });
}

describe.skipIf(ldMissing)('link: malformed objects are errors, never host exceptions', () => {
  it('1500 seeded byte mutations of a hand-made object pair', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-link-'));
    try {
      const a = new Uint8Array(readFileSync(assemble(dir, 'a', HAND_A)));
      const b = new Uint8Array(readFileSync(assemble(dir, 'b', HAND_B)));
      const rnd = prng(10);
      const outcomes = { linked: 0, elf: 0, link: 0 };
      for (let i = 0; i < 1500; i++) {
        const m = a.slice();
        for (let k = 1 + (rnd() % 4); k > 0; k--) {
          // Mostly the headers and tables, where a wrong value moves offsets and indices.
          const at = rnd() % 2 === 0 ? rnd() % 64 : rnd() % m.length;
          m[at] = rnd() & 0xff;
        }
        try {
          link([{ file: 'a.o', bytes: m }, { file: 'b.o', bytes: b }], { text: KTEXT, resolve: EXT });
          outcomes.linked++;
        } catch (e) {
          if (!(e instanceof LinkError)) throw new Error(`mutation ${i}: host exception ${(e as Error).stack}`);
          if (e.code === 'object') outcomes.elf++;
          else outcomes.link++;
        }
      }
      console.log(`mutations: ${JSON.stringify(outcomes)}`);
      expect(outcomes.elf + outcomes.link).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
