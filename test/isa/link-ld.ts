/**
 * GNU ld as the reference linker for src/isa/link.ts (STYLE.md 9): links the same objects with
 * a linker script that puts every input section at the address link() chose, with the stubs
 * defined by --defsym at link()'s stub addresses, and --no-relax; returns ld's image.
 *
 * link() does not merge SHF_MERGE string sections (the model has no use for it); ld always
 * does (duplicate and suffix strings, e.g. the "" after each __ksymtab_strings name), so ld is
 * given copies with SHF_MERGE cleared (objcopy --set-section-flags): the same layout.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf, ElfFile } from '../../src/isa/elf.js';
import type { LinkedImage } from '../../src/isa/link.js';
import { parseRelObject, SHF_ALLOC } from '../../src/isa/elf-rel.js';
import { LD, OBJCOPY } from './binutils.js';

const SHF_MERGE = 0x10;

/** `path`, or a copy in `dir` whose allocated SHF_MERGE sections are plain data. */
function unmerged(path: string, dir: string, n: number): string {
  const obj = parseRelObject(new Uint8Array(readFileSync(path)), path);
  const merge = obj.sections.filter((s) => (s.flags & SHF_ALLOC) && (s.flags & SHF_MERGE));
  if (!merge.length) return path;
  const out = join(dir, `${n}.o`);
  const flags = merge.flatMap((s) => ['--set-section-flags', `${s.name}=alloc,load,readonly,data,contents`]);
  const r = spawnSync(OBJCOPY, [...flags, path, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`objcopy: ${r.stderr}`);
  return out;
}

const u64hex = (v: number) => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

/** ld's output for `paths` (absolute) laid out as `image`; `extra` are further --defsym names. */
export function ldLink(paths: string[], image: LinkedImage, extra: Record<string, number> = {}): { elf: ElfFile; script: string } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ftr-link-'));
  try {
    const copies = new Map(paths.map((p, i) => [p, unmerged(p, dir, i)]));
    const lines = ['OUTPUT_ARCH(riscv)', 'SECTIONS', '{'];
    image.sections.forEach((s, i) => {
      lines.push(`\t.o${i} ${u64hex(s.address)} : { KEEP("${copies.get(s.file) ?? s.file}"(${s.name})) }`);
    });
    lines.push('\t/DISCARD/ : { *(.discard.*) *(.note.*) *(.comment) *(.eh_frame) }', '}');
    const script = lines.join('\n') + '\n';
    writeFileSync(join(dir, 'link.lds'), script);
    const defsyms = [...image.stubs.map((s) => [s.name, s.address] as const), ...Object.entries(extra)]
      .flatMap(([n, a]) => ['--defsym', `${n}=${u64hex(a)}`]);
    const r = spawnSync(LD, ['--no-relax', '-e', '0', '-T', join(dir, 'link.lds'), ...defsyms, '-o', join(dir, 'out.elf'), ...copies.values()], { encoding: 'utf8' });
    if (r.status !== 0) return { error: r.stderr };
    return { elf: parseElf(new Uint8Array(readFileSync(join(dir, 'out.elf')))), script };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
