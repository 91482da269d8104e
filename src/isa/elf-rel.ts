/**
 * ELF64 relocatable objects (ET_REL, what kbuild leaves as `foo.o`): every section header with
 * its alignment and info link, the symbol table with section indices, and the RELA entries of
 * each `.rela.*` section. Every offset, size, count and index is checked against the file; a
 * malformed object is an ElfError naming the file and what is wrong, never a host exception.
 * parseElf (elf.ts) checks the ELF header first; this reader adds what linking needs.
 */
import { ElfError, parseElf } from './elf.js';
import type { ElfSymbol } from './elf.js';

export const ET_REL = 1;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_WEAK = 2;

export interface RelSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** sh_addralign (0 and 1: no constraint). */
  align: number;
  size: number;
  /** sh_link, sh_info (for RELA: the symbol table and the section the entries apply to). */
  link: number;
  info: number;
  /** Contents (empty for SHT_NOBITS); a view into the file. */
  data: Uint8Array;
}

/** A symbol of a relocatable object: an ELF symbol with its index (relocations name symbols by index). */
export interface RelSymbol extends ElfSymbol {
  index: number;
}

export interface Rela {
  /** Offset in the section the entry applies to. */
  offset: number;
  type: number;
  /** Symbol table index (0: none). */
  sym: number;
  addend: number;
}

export interface RelObject {
  file: string;
  /** e_flags (bit 0: EF_RISCV_RVC). */
  flags: number;
  sections: RelSection[];
  symbols: RelSymbol[];
  /** RELA entries by the index of the section they apply to, in file order. */
  relocs: Map<number, Rela[]>;
}

function cstring(bytes: Uint8Array, off: number, what: string): string {
  if (off >= bytes.length && !(off === 0 && bytes.length === 0)) throw new ElfError(`${what}: name offset ${off} is outside its string table (${bytes.length} bytes)`);
  let end = off;
  while (end < bytes.length && bytes[end] !== 0) end++;
  if (end === bytes.length && bytes.length > 0) throw new ElfError(`${what}: name at offset ${off} is not terminated in its string table`);
  return new TextDecoder('latin1').decode(bytes.subarray(off, end));
}

function u64(view: DataView, off: number, what: string): number {
  const v = view.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} ${v} is too large`);
  return Number(v);
}

function i64(view: DataView, off: number, what: string): number {
  const v = view.getBigInt64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ElfError(`${what} ${v} is outside the modelled range`);
  return Number(v);
}

/**
 * Parses an ET_REL RISC-V object. `file` names it in errors: ElfError messages start with it.
 */
export function parseRelObject(bytes: Uint8Array, file: string): RelObject {
  const fail = (m: string): never => { throw new ElfError(`${file}: ${m}`); };
  try {
    return parse(bytes, file);
  } catch (e) {
    if (e instanceof ElfError && !e.message.startsWith(`${file}: `)) fail(e.message);
    throw e;
  }
}

function parse(bytes: Uint8Array, file: string): RelObject {
  const elf = parseElf(bytes);
  if (elf.type !== ET_REL) throw new ElfError(`not a relocatable object (e_type ${elf.type}, expected ET_REL = 1)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = u64(view, 40, 'section header offset');
  const shentsize = view.getUint16(58, true);
  const shnum = view.getUint16(60, true);
  const shstrndx = view.getUint16(62, true);
  if (shnum === 0 || shoff === 0) throw new ElfError('no section headers');
  if (shentsize < 64) throw new ElfError(`bad section header size ${shentsize}`);
  if (shoff + shnum * shentsize > bytes.length) throw new ElfError(`section headers at ${shoff} run past the end of the file (${bytes.length} bytes)`);
  if (shstrndx >= shnum) throw new ElfError(`section name table index ${shstrndx} is not a section (${shnum})`);
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    const type = view.getUint32(s + 4, true);
    const offset = u64(view, s + 24, `section ${i} offset`);
    const size = u64(view, s + 32, `section ${i} size`);
    if (type !== SHT_NOBITS && type !== 0 && offset + size > bytes.length) {
      throw new ElfError(`section ${i}: [${offset}, ${offset + size}) runs past the end of the file (${bytes.length} bytes)`);
    }
    raw.push({
      nameOff: view.getUint32(s, true),
      type,
      flags: Number(view.getBigUint64(s + 8, true) & 0xffffffffn),
      offset,
      size,
      link: view.getUint32(s + 40, true),
      info: view.getUint32(s + 44, true),
      align: u64(view, s + 48, `section ${i} alignment`),
      entsize: u64(view, s + 56, `section ${i} entry size`),
    });
  }
  const shstr = raw[shstrndx];
  if (shstr.type !== SHT_STRTAB) throw new ElfError(`section name table (section ${shstrndx}) is not a string table`);
  const shstrBytes = bytes.subarray(shstr.offset, shstr.offset + shstr.size);
  const sections: RelSection[] = raw.map((r, index) => ({
    index,
    name: index === 0 ? '' : cstring(shstrBytes, r.nameOff, `section ${index}`),
    type: r.type,
    flags: r.flags,
    align: r.align,
    size: r.size,
    link: r.link,
    info: r.info,
    data: r.type === SHT_NOBITS || r.type === 0 ? new Uint8Array() : bytes.subarray(r.offset, r.offset + r.size),
  }));
  for (const s of sections) {
    if (s.align > 1 && (s.align & (s.align - 1)) !== 0) throw new ElfError(`section ${s.name}: alignment ${s.align} is not a power of two`);
    if (s.type === SHT_REL) throw new ElfError(`section ${s.name}: REL relocations (without addends) are not used on RISC-V`);
  }

  const symtabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (symtabs.length > 1) throw new ElfError('more than one symbol table');
  const symbols: RelSymbol[] = [];
  const symtab = symtabs[0];
  if (symtab) {
    if (symtab.size % 24 !== 0) throw new ElfError(`symbol table size ${symtab.size} is not a multiple of 24`);
    const strsec = sections[symtab.link];
    if (!strsec || strsec.type !== SHT_STRTAB) throw new ElfError(`symbol table's string table (section ${symtab.link}) is not a string table`);
    const sv = new DataView(symtab.data.buffer, symtab.data.byteOffset, symtab.data.byteLength);
    for (let index = 0, off = 0; off < symtab.data.length; index++, off += 24) {
      const info = symtab.data[off + 4];
      const shndx = sv.getUint16(off + 6, true);
      if (shndx === SHN_XINDEX) throw new ElfError(`symbol ${index}: extended section indices (SHN_XINDEX) are not supported`);
      if (shndx !== SHN_UNDEF && shndx < 0xff00 && shndx >= sections.length) throw new ElfError(`symbol ${index}: section index ${shndx} is not a section (${sections.length})`);
      symbols.push({
        index,
        name: index === 0 ? '' : cstring(strsec.data, sv.getUint32(off, true), `symbol ${index}`),
        value: u64(sv, off + 8, `symbol ${index} value`),
        size: u64(sv, off + 16, `symbol ${index} size`),
        type: info & 0xf,
        bind: info >> 4,
        shndx,
      });
    }
  }

  const relocs = new Map<number, Rela[]>();
  for (const s of sections) {
    if (s.type !== SHT_RELA) continue;
    if (s.size % 24 !== 0) throw new ElfError(`section ${s.name}: size ${s.size} is not a multiple of 24`);
    if (!symtab || s.link !== symtab.index) throw new ElfError(`section ${s.name}: its symbol table link ${s.link} is not the symbol table`);
    const target = sections[s.info];
    if (!target || s.info === 0) throw new ElfError(`section ${s.name}: applies to section ${s.info}, which does not exist`);
    const rv = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    const list: Rela[] = relocs.get(s.info) ?? [];
    for (let off = 0; off < s.data.length; off += 24) {
      const offset = u64(rv, off, `${s.name} entry offset`);
      const info = rv.getBigUint64(off + 8, true);
      const sym = Number(info >> 32n);
      const type = Number(info & 0xffffffffn);
      if (sym >= symbols.length) throw new ElfError(`section ${s.name}+0x${off.toString(16)}: symbol index ${sym} is outside the symbol table (${symbols.length})`);
      if (offset > target.size) throw new ElfError(`section ${s.name}+0x${off.toString(16)}: offset 0x${offset.toString(16)} is outside ${target.name} (${target.size} bytes)`);
      list.push({ offset, type, sym, addend: i64(rv, off + 16, `${s.name}+0x${off.toString(16)} addend`) });
    }
    relocs.set(s.info, list);
  }
  return { file, flags: elf.flags, sections, symbols, relocs };
}
