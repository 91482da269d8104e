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
  /** The function's address: where its entry's nops after the symbol start. */
  base: number;
  /** Bytes of the nop run starting there. */
  size: number;
  /**
   * Bytes of the pre-entry area before `base` (-fpatchable-function-entry=N,M with M > 0: the
   * M nops the compiler puts before the symbol); 0 when M = 0.
   */
  pre: number;
}

/** Largest pre-entry area looked for (32 c.nop or 16 nop). */
const MAX_PRE_ENTRY = 64;

/** Bytes of the run of `nop` / `c.nop` at offset o. */
function nopRun(bytes: Uint8Array, o: number): number {
  let size = 0;
  for (;;) {
    const lo = bytes[o] | (bytes[o + 1] << 8);
    if (o + 2 <= bytes.length && lo === 0x0001) { size += 2; o += 2; continue; }
    if ((lo & 3) === 3 && o + 4 <= bytes.length && (lo | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0 === 0x13) { size += 4; o += 4; continue; }
    return size;
  }
}

/**
 * Instruction starts of an executable segment (offsets): a linear sweep by instruction length
 * (RVC: low bits 11 = 4 bytes, else 2), restarted at each known start (function symbols and
 * patchable entries). Text may hold data (the call-ops pointer slot before a CALL_OPS
 * function, literal pools) that the sweep decodes as instructions of the wrong length; a
 * restart puts it back in step, and a decoded "instruction" that runs over a known start
 * is dropped.
 */
export function sweep(data: Uint8Array, vaddr: number, known: number[]): Set<number> {
  const restarts = [...new Set(known.map((a) => a - vaddr).filter((o) => o >= 0 && o < data.length))].sort((a, b) => a - b);
  const starts = new Set<number>();
  let off = 0;
  let last = -1;
  let k = 0;
  while (off + 2 <= data.length) {
    while (k < restarts.length && restarts[k] < off) {
      // Out of step: the last decoded instruction covers a known start.
      if (last >= 0 && last < restarts[k]) starts.delete(last);
      off = restarts[k++];
    }
    if (k < restarts.length && restarts[k] === off) k++;
    starts.add(off);
    last = off;
    off += (data[off] & 3) === 3 ? 4 : 2;
  }
  return starts;
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
  // ET_REL: a kbuild .o has no addresses until it is placed; elf.file takes linked images only.
  if (elf.type === 1) return fail(`${raw.file}: relocatable object (ET_REL) needs a layout: give it a layout under objects: (files, text address, stubs; docs/kernel.md)`);
  const sec = elf.sections.find((x) => x.name === '__patchable_function_entries');
  // Addresses the compiler recorded: the first nop of each patchable entry.
  const entryAddrs: number[] = [];
  if (sec) {
    const view = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
    for (let off = 0; off + 8 <= sec.data.length; off += 8) entryAddrs.push(Number(view.getBigInt64(off, true)));
  }
  const funcSyms = elf.symbols.filter((x) => x.type === 2 && x.shndx !== 0);
  const regions: Region[] = [];
  if (raw.load !== false) {
    elf.segments.forEach((seg, i) => {
      if (seg.memsz === 0) return;
      const data = new Uint8Array(seg.memsz);
      data.set(seg.data);
      const insnStarts = seg.flags.x ? sweep(data, seg.vaddr, [...funcSyms.map((x) => x.value), ...entryAddrs]) : new Set<number>();
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
  if (raw.sites && raw.sites !== false) {
    if (!sec) return { regions, entries, diagnostics: [{ code: 'elf', ...src.loc(['elf', 'sites']), message: `${raw.file} has no __patchable_function_entries section (build with -fpatchable-function-entry)` }] };
    entries.push(...patchableEntries(regions, funcSyms, entryAddrs));
  }
  return { regions, entries, diagnostics: [] };
}

/**
 * The patchable entries at the addresses the compiler recorded in __patchable_function_entries
 * (each entry's first nop), for a linked ELF and for placed kernel objects (kernel-objects.ts).
 */
export function patchableEntries(regions: Region[], funcSyms: { name: string; value: number }[], entryAddrs: number[]): PatchableEntry[] {
  const entries: PatchableEntry[] = [];
  const code = (a: number) => regions.find((r) => r.kind === 'code' && a >= r.base && a < r.base + r.bytes.length);
  for (const base of entryAddrs) {
    // The function: the first FUNC symbol at or after the entry's first nop. With
    // -fpatchable-function-entry=N,M and M > 0 the compiler puts M nops before the symbol
    // (the pre-entry area: the call-ops pointer slot of CALL_OPS kernels); nothing else
    // lies between them, so no other function starts there.
    const fn = funcSyms.filter((x) => x.value >= base && x.value <= base + MAX_PRE_ENTRY).sort((x, y) => x.value - y.value)[0];
    if (!fn) continue;
    const r = code(fn.value);
    const size = r ? nopRun(r.bytes, fn.value - r.base) : 0;
    // No nops at the entry: an image ftrace_init_nop() already rewrote (6.16: auipc + nop):
    // the 8-byte auipc + jalr/nop pair.
    entries.push({ name: fn.name, base: fn.value, size: size || 8, pre: fn.value - base });
  }
  return entries;
}
