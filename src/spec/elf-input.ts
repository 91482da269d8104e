/**
 * `elf:` input: code, data and symbols from an RV64 ELF, and the entries the compiler
 * recorded in `__patchable_function_entries` (-fpatchable-function-entry=N[,M]: N nops, M of
 * them before the function symbol; the section holds the address of the first nop).
 */
import { ElfError, parseElf } from '../isa/elf.js';
import type { SpecDiagnostic } from './diagnostic.js';
import type { SpecSource } from './source.js';
import type { Region } from './types.js';
import type { LoadOptions } from './load.js';

export interface PatchableEntry {
  /** The function the entry belongs to. */
  name: string;
  /** Address of the first nop. */
  base: number;
  /** Bytes of the nop run starting there. */
  size: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function loadElfInput(
  raw: any,
  src: SpecSource,
  opts: LoadOptions,
  symbols: Map<string, number>,
): { regions: Region[]; entries: PatchableEntry[]; diagnostics: SpecDiagnostic[] } {
  const loc = src.loc(['elf', 'file']);
  const fail = (message: string) => ({ regions: [], entries: [], diagnostics: [{ code: 'elf' as const, ...loc, message }] });
  if (!opts.readFile) return fail('this caller cannot read files (elf: needs a file system)');
  const path = opts.resolvePath ? opts.resolvePath(raw.file) : raw.file;
  let bytes: Uint8Array;
  try {
    bytes = opts.readFile(path);
  } catch (e) {
    return fail(`cannot read ${raw.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let elf;
  try {
    elf = parseElf(bytes);
  } catch (e) {
    if (e instanceof ElfError) return fail(`${raw.file}: ${e.message}`);
    throw e;
  }
  const regions: Region[] = [];
  if (raw.load !== false) {
    elf.segments.forEach((seg, i) => {
      if (seg.memsz === 0) return;
      const data = new Uint8Array(seg.memsz);
      data.set(seg.data);
      const insnStarts = new Set<number>();
      if (seg.flags.x) {
        let off = 0;
        while (off + 2 <= data.length) {
          insnStarts.add(off);
          off += (data[off] & 3) === 3 ? 4 : 2;
        }
      }
      regions.push({
        name: `elf.${i}`,
        kind: seg.flags.x ? 'code' : 'data',
        base: seg.vaddr,
        bytes: data,
        shared: !seg.flags.x,
        insnStarts,
        lines: new Map(),
        loc,
      });
    });
  }
  const funcs = elf.symbols.filter((s) => s.name && (s.type === 2 || s.type === 0 || s.type === 1) && !s.name.startsWith('$') && s.shndx !== 0);
  for (const s of funcs) if (!symbols.has(s.name)) symbols.set(s.name, s.value);
  const entries: PatchableEntry[] = [];
  const sec = elf.sections.find((s) => s.name === '__patchable_function_entries');
  if (raw.sites && raw.sites !== false) {
    if (!sec) return { regions, entries, diagnostics: [{ code: 'elf', ...src.loc(['elf', 'sites']), message: `${raw.file} has no __patchable_function_entries section (build with -fpatchable-function-entry)` }] };
    const view = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
    const code = (a: number) => regions.find((r) => r.kind === 'code' && a >= r.base && a < r.base + r.bytes.length);
    for (let off = 0; off + 8 <= sec.data.length; off += 8) {
      const base = Number(view.getBigInt64(off, true));
      const r = code(base);
      let size = 0;
      if (r) {
        let o = base - r.base;
        for (;;) {
          const lo = r.bytes[o] | (r.bytes[o + 1] << 8);
          if (lo === 0x0001) { size += 2; o += 2; continue; }
          if ((lo & 3) === 3 && o + 4 <= r.bytes.length && (lo | (r.bytes[o + 2] << 16) | (r.bytes[o + 3] << 24)) >>> 0 === 0x13) { size += 4; o += 4; continue; }
          break;
        }
      }
      // The function: the FUNC symbol at or after the first nop, within the nop run.
      const fn = elf.symbols
        .filter((s) => s.type === 2 && s.value >= base && s.value <= base + Math.max(size, 0))
        .sort((a, b) => a.value - b.value)[0];
      if (fn) entries.push({ name: fn.name, base, size: size || 8 });
    }
  }
  return { regions, entries, diagnostics: [] };
}
