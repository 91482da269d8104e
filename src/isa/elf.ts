/**
 * ELF64 little-endian reader for RISC-V objects: header, loadable segments, sections and
 * symbols. Malformed input is reported as an ElfError (a value with a one-line message naming
 * the byte offset of the field at fault), never as a host exception from an out-of-range
 * read: every count, size and offset in a header is checked against the file before it is
 * used, and every address range against the modelled address space (+-2^53).
 */

export const EM_RISCV = 243;

export interface ElfSegment {
  /** Virtual address (signed 64-bit as a JS number; see types.ts). */
  vaddr: number;
  /** Bytes present in the file (p_filesz). */
  data: Uint8Array;
  /** Size in memory (p_memsz >= data.length; the rest is zero-filled). */
  memsz: number;
  flags: { r: boolean; w: boolean; x: boolean };
}

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
  flags: number;
  link: number;
  entsize: number;
  /** Section contents (empty for SHT_NOBITS). */
  data: Uint8Array;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_*: 0 notype, 1 object, 2 func, 3 section, 4 file. */
  type: number;
  /** STB_*: 0 local, 1 global, 2 weak. */
  bind: number;
  shndx: number;
}

export interface ElfFile {
  entry: number;
  /** e_flags: bit 0 is EF_RISCV_RVC. */
  flags: number;
  type: number;
  segments: ElfSegment[];
  sections: ElfSection[];
  symbols: ElfSymbol[];
}

export class ElfError extends Error {}

/** Reads a signed 64-bit little-endian value as a JS number; throws ElfError beyond +-2^53. */
function readAddr(view: DataView, off: number, what: string): number {
  const v = view.getBigInt64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ElfError(`${what} 0x${BigInt.asUintN(64, v).toString(16)} is outside the modelled address range`);
  }
  return Number(v);
}

function readSize(view: DataView, off: number, what: string): number {
  const v = view.getBigUint64(off, true);
  if (v > 0xffffffffn) throw new ElfError(`${what} ${v} (at offset ${off}) is too large`);
  return Number(v);
}

/** [addr, addr + size) must lie in the modelled range, so page arithmetic on it is exact. */
function checkRange(addr: number, size: number, what: string, off: number): void {
  if (addr + size > Number.MAX_SAFE_INTEGER) throw new ElfError(`${what} (header at offset ${off}) ends past the modelled address range`);
}

function cstring(bytes: Uint8Array, off: number): string {
  let end = off;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder('latin1').decode(bytes.subarray(off, end));
}

/** Parses an ELF64 RISC-V image. Throws ElfError with a one-line cause for bad input. */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file (bad magic)');
  }
  if (bytes.length < 64) throw new ElfError('truncated ELF header');
  if (bytes[4] !== 2) throw new ElfError(bytes[4] === 1 ? '32-bit ELF (ELFCLASS32); only RV64 is supported' : 'unknown ELF class');
  if (bytes[5] !== 1) throw new ElfError('big-endian ELF; RISC-V is little-endian');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_RISCV) throw new ElfError(`not a RISC-V ELF (e_machine ${machine}, expected ${EM_RISCV})`);
  const entry = readAddr(view, 24, 'entry point');
  const phoff = readSize(view, 32, 'program header offset');
  const shoff = readSize(view, 40, 'section header offset');
  const flags = view.getUint32(48, true);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  const shentsize = view.getUint16(58, true);
  const shnum = view.getUint16(60, true);
  const shstrndx = view.getUint16(62, true);

  const need = (off: number, len: number, what: string) => {
    if (off + len > bytes.length) throw new ElfError(`truncated ELF: ${what} at offset ${off} (${len} bytes) runs past the end of the file (${bytes.length} bytes)`);
  };

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    if (phentsize < 56) throw new ElfError(`bad program header size ${phentsize} (e_phentsize at offset 54)`);
    need(phoff, phnum * phentsize, 'program headers');
    for (let i = 0; i < phnum; i++) {
      const p = phoff + i * phentsize;
      if (view.getUint32(p, true) !== 1) continue; // PT_LOAD only
      const pflags = view.getUint32(p + 4, true);
      const offset = readSize(view, p + 8, 'segment offset');
      const vaddr = readAddr(view, p + 16, 'segment address');
      const filesz = readSize(view, p + 32, 'segment file size');
      const memsz = readSize(view, p + 40, 'segment memory size');
      need(offset, filesz, `segment ${i}`);
      if (memsz < filesz) throw new ElfError(`segment ${i}: memory size ${memsz} is smaller than file size ${filesz} (program header at offset ${p})`);
      checkRange(vaddr, memsz, `segment ${i}`, p);
      segments.push({
        vaddr,
        data: bytes.subarray(offset, offset + filesz),
        memsz,
        flags: { r: (pflags & 4) !== 0, w: (pflags & 2) !== 0, x: (pflags & 1) !== 0 },
      });
    }
  }

  const sections: ElfSection[] = [];
  if (shnum > 0 && shoff !== 0) {
    if (shentsize < 64) throw new ElfError(`bad section header size ${shentsize} (e_shentsize at offset 58)`);
    need(shoff, shnum * shentsize, 'section headers');
    const raw = [];
    for (let i = 0; i < shnum; i++) {
      const s = shoff + i * shentsize;
      const sType = view.getUint32(s + 4, true);
      const offset = readSize(view, s + 24, 'section offset');
      const size = readSize(view, s + 32, 'section size');
      if (sType !== 8) need(offset, size, `section ${i}`);
      raw.push({
        nameOff: view.getUint32(s, true),
        type: sType,
        flags: Number(view.getBigUint64(s + 8, true) & 0xffffffffn),
        addr: readAddr(view, s + 16, 'section address'),
        offset,
        size,
        link: view.getUint32(s + 40, true),
        entsize: readSize(view, s + 56, 'section entry size'),
      });
    }
    const strtab = raw[shstrndx];
    const strBytes = strtab && strtab.type !== 8 ? bytes.subarray(strtab.offset, strtab.offset + strtab.size) : new Uint8Array();
    for (const r of raw) {
      sections.push({
        name: cstring(strBytes, r.nameOff),
        type: r.type,
        addr: r.addr,
        offset: r.offset,
        size: r.size,
        flags: r.flags,
        link: r.link,
        entsize: r.entsize,
        data: r.type === 8 ? new Uint8Array() : bytes.subarray(r.offset, r.offset + r.size),
      });
    }
  }

  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === 2) ?? sections.find((s) => s.type === 11);
  if (symtab) {
    const strs = sections[symtab.link]?.data ?? new Uint8Array();
    const sv = new DataView(symtab.data.buffer, symtab.data.byteOffset, symtab.data.byteLength);
    for (let off = 24; off + 24 <= symtab.data.length; off += 24) {
      const info = symtab.data[off + 4];
      symbols.push({
        name: cstring(strs, sv.getUint32(off, true)),
        value: readAddr(sv, off + 8, 'symbol value'),
        size: readSize(sv, off + 16, 'symbol size'),
        type: info & 0xf,
        bind: info >> 4,
        shndx: sv.getUint16(off + 6, true),
      });
    }
  }
  return { entry, flags, type, segments, sections, symbols };
}

/** Formats a signed-64 address as objdump does (unsigned hex, no leading zeros). */
export function hexAddr(addr: number): string {
  return addr >= 0 ? addr.toString(16) : BigInt.asUintN(64, BigInt(addr)).toString(16);
}
