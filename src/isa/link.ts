/**
 * A small static linker for kbuild objects: places the allocated sections of several ET_REL
 * RISC-V objects at kernel addresses, binds undefined symbols (to the other objects' globals,
 * or through a caller-given resolver to addresses, code stubs or generated data), and applies
 * the RISC-V relocations gcc and gas emit for the kernel (psABI "Relocations"), as
 * `riscv64-linux-gnu-ld --no-relax` does: calls and branches are not shortened, but
 * R_RISCV_ALIGN padding is still cut to what the final address needs (ld runs its ALIGN pass
 * even with --no-relax; test/isa/link.test.ts compares the bytes with ld's).
 *
 * Errors are LinkError values with a code and the file, section, offset, symbol they are
 * about; a relocation type outside the table below is an error, never silently skipped.
 */
import { ElfError } from './elf.js';
import {
  parseRelObject, RelObject, RelSection, Rela, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHN_COMMON, SHN_UNDEF,
  SHT_NOBITS, STB_LOCAL, STB_WEAK, STT_SECTION,
} from './elf-rel.js';

export type LinkErrorCode = 'object' | 'undefined-symbol' | 'relocation-type' | 'relocation-range' | 'duplicate-symbol' | 'layout';

export class LinkError extends Error {
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    readonly where: { file?: string; section?: string; offset?: number; symbol?: string; relocation?: string } = {},
  ) {
    super(message);
  }
}

export interface LinkObject {
  /** Name used in errors and results (a path, as the caller wants it shown). */
  file: string;
  bytes: Uint8Array;
}

/** What an undefined symbol stands for, as the caller's resolver decides. */
export type SymbolBinding =
  /** An absolute address (another image, a fixed kernel address). */
  | { kind: 'address'; address: number }
  /**
   * Code the model provides (a service, a return value, a trap): the linker gives it a 16-byte
   * slot of `ebreak` on the stub page; what runs there is the model's business.
   */
  | { kind: 'stub'; role: string }
  /** Generated data: `bytes` placed on the data stub page (aligned to `align`, default 8). */
  | { kind: 'data'; role: string; bytes: Uint8Array; align?: number };

export interface LinkOptions {
  /** Address of the first executable section (e.g. 0xffffffff80200000 as a signed number). */
  text: number;
  /** Binds the symbols no object defines; undefined: unresolved (an error unless weak). */
  resolve?: (name: string) => SymbolBinding | undefined;
  /** Explicit section addresses, by (file, section name); other sections are placed by default. */
  at?: (file: string, section: string) => number | undefined;
  /** Page size for the default placement (4096). */
  page?: number;
}

export interface PlacedSection {
  file: string;
  name: string;
  /** Section index in its object. */
  index: number;
  address: number;
  /** Final bytes (relocated, ALIGN padding cut); zero-filled for NOBITS. */
  bytes: Uint8Array;
  exec: boolean;
  write: boolean;
  nobits: boolean;
}

export interface LinkedSymbol {
  name: string;
  address: number;
  size: number;
  /** STT_*: 0 notype, 1 object, 2 func. */
  type: number;
  bind: number;
  file: string;
  section: string;
}

export interface StubSlot {
  name: string;
  role: string;
  kind: 'stub' | 'data';
  address: number;
  size: number;
}

export interface LinkedImage {
  sections: PlacedSection[];
  /** Defined named symbols of every object (locals too, but not `.L*` and mapping symbols). */
  symbols: LinkedSymbol[];
  /** Undefined symbols bound to stubs or generated data, in first-use order. */
  stubs: StubSlot[];
  /** The code stub page and the generated data page (absent when empty). */
  stubCode?: PlacedSection;
  stubData?: PlacedSection;
  /** Addresses recorded in `__patchable_function_entries` (relocated): each entry's first nop. */
  patchableEntries: { file: string; address: number }[];
  /** Relocations applied, by type name (R_RISCV_ALIGN and R_RISCV_RELAX counted too). */
  relocations: Map<string, number>;
}

/** psABI relocation numbers → names, for the ones this linker applies or ignores. */
export const RELOC_NAMES: Record<number, string> = {
  0: 'R_RISCV_NONE', 1: 'R_RISCV_32', 2: 'R_RISCV_64', 16: 'R_RISCV_BRANCH', 17: 'R_RISCV_JAL', 18: 'R_RISCV_CALL',
  19: 'R_RISCV_CALL_PLT', 23: 'R_RISCV_PCREL_HI20', 24: 'R_RISCV_PCREL_LO12_I', 25: 'R_RISCV_PCREL_LO12_S',
  26: 'R_RISCV_HI20', 27: 'R_RISCV_LO12_I', 28: 'R_RISCV_LO12_S', 33: 'R_RISCV_ADD8', 34: 'R_RISCV_ADD16',
  35: 'R_RISCV_ADD32', 36: 'R_RISCV_ADD64', 37: 'R_RISCV_SUB8', 38: 'R_RISCV_SUB16', 39: 'R_RISCV_SUB32',
  40: 'R_RISCV_SUB64', 43: 'R_RISCV_ALIGN', 44: 'R_RISCV_RVC_BRANCH', 45: 'R_RISCV_RVC_JUMP', 51: 'R_RISCV_RELAX',
  52: 'R_RISCV_SUB6', 53: 'R_RISCV_SET6', 54: 'R_RISCV_SET8', 55: 'R_RISCV_SET16', 56: 'R_RISCV_SET32',
  57: 'R_RISCV_32_PCREL',
};
/** Names of types this linker rejects, so the error can say what it met. */
const OTHER_RELOC_NAMES: Record<number, string> = {
  3: 'R_RISCV_RELATIVE', 4: 'R_RISCV_COPY', 5: 'R_RISCV_JUMP_SLOT', 20: 'R_RISCV_GOT_HI20', 21: 'R_RISCV_TLS_GOT_HI20',
  22: 'R_RISCV_TLS_GD_HI20', 29: 'R_RISCV_TPREL_HI20', 30: 'R_RISCV_TPREL_LO12_I', 31: 'R_RISCV_TPREL_LO12_S',
  32: 'R_RISCV_TPREL_ADD', 46: 'R_RISCV_RVC_LUI', 58: 'R_RISCV_IRELATIVE', 59: 'R_RISCV_PLT32',
  60: 'R_RISCV_SET_ULEB128', 61: 'R_RISCV_SUB_ULEB128',
};
export function relocName(type: number): string {
  return RELOC_NAMES[type] ?? OTHER_RELOC_NAMES[type] ?? `relocation type ${type}`;
}

const R = {
  NONE: 0, R32: 1, R64: 2, BRANCH: 16, JAL: 17, CALL: 18, CALL_PLT: 19, PCREL_HI20: 23, PCREL_LO12_I: 24, PCREL_LO12_S: 25,
  HI20: 26, LO12_I: 27, LO12_S: 28, ADD8: 33, ADD16: 34, ADD32: 35, ADD64: 36, SUB8: 37, SUB16: 38, SUB32: 39, SUB64: 40,
  ALIGN: 43, RVC_BRANCH: 44, RVC_JUMP: 45, RELAX: 51, SUB6: 52, SET6: 53, SET8: 54, SET16: 55, SET32: 56, PCREL32: 57,
} as const;

const NOP = 0x00000013;
const C_NOP = 0x0001;
const EBREAK = 0x00100073;
const STUB_SLOT = 16;

const hex = (v: number) => (v < 0 ? BigInt.asUintN(64, BigInt(v)) : BigInt(v)).toString(16);
const alignUp = (v: number, a: number) => (a > 1 ? Math.ceil(v / a) * a : v);

/**
 * Bytes cut by R_RISCV_ALIGN from one section: [at, at + n) in input offsets, sorted; the
 * `fill` bytes before `at` are the padding kept (rewritten as nops).
 */
interface Cut { at: number; n: number; fill: number }

/** Input offset → output offset: as ld's riscv_relax_delete_bytes moves symbols and relocations. */
function mapOffset(cuts: Cut[], off: number): number {
  let d = 0;
  for (const c of cuts) if (c.at < off) d += c.n;
  return off - d;
}

interface Placed {
  obj: RelObject;
  sec: RelSection;
  address: number;
  cuts: Cut[];
  out: PlacedSection;
}

const isPlaced = (s: RelSection) => (s.flags & SHF_ALLOC) !== 0 && !s.name.startsWith('.discard') && s.type !== 0;

/**
 * Links `objects` at `opts.text`. Default placement, in object order: each executable section
 * on a page of its own (as distinct objects' text lies in vmlinux, and so that no two objects
 * share a page the fixmap aliases), then the code stub page, then read-only data, writable
 * data and bss (each section at its alignment, groups page-aligned), then generated data.
 */
export function link(objects: LinkObject[], opts: LinkOptions): LinkedImage {
  const page = opts.page ?? 4096;
  const objs: RelObject[] = objects.map((o) => {
    try {
      return parseRelObject(o.bytes, o.file);
    } catch (e) {
      if (e instanceof ElfError) throw new LinkError('object', e.message, { file: o.file });
      throw e;
    }
  });

  // Globals: name → defining object and symbol. Weak definitions yield to strong ones.
  const globals = new Map<string, { obj: RelObject; sym: number }>();
  for (const obj of objs) {
    for (const s of obj.symbols) {
      if (s.bind === STB_LOCAL || s.shndx === SHN_UNDEF || !s.name) continue;
      if (s.shndx === SHN_COMMON) throw new LinkError('object', `${obj.file}: ${s.name} is a common symbol (build with -fno-common, as kbuild does)`, { file: obj.file, symbol: s.name });
      const prev = globals.get(s.name);
      if (prev) {
        const prevWeak = prev.obj.symbols[prev.sym].bind === STB_WEAK;
        if (s.bind === STB_WEAK) continue;
        if (!prevWeak) throw new LinkError('duplicate-symbol', `${obj.file}: ${s.name} is also defined in ${prev.obj.file}`, { file: obj.file, symbol: s.name });
      }
      globals.set(s.name, { obj, sym: s.index });
    }
  }

  // Placement, section by section: ALIGN cuts depend on the section's final address.
  const placed = new Map<RelObject, Map<number, Placed>>();
  const order: Placed[] = [];
  let cursor = opts.text;
  const place = (obj: RelObject, sec: RelSection, groupStart: boolean) => {
    const explicit = opts.at?.(obj.file, sec.name);
    let address = explicit ?? alignUp(groupStart ? alignUp(cursor, page) : cursor, Math.max(sec.align, 1));
    if (explicit !== undefined && sec.align > 1 && ((address % sec.align) + sec.align) % sec.align !== 0) {
      throw new LinkError('layout', `${obj.file}: section ${sec.name} at 0x${hex(address)} is not aligned to its ${sec.align}`, { file: obj.file, section: sec.name });
    }
    const cuts = alignCuts(obj, sec, address);
    const size = sec.size - cuts.reduce((a, c) => a + c.n, 0);
    const out: PlacedSection = {
      file: obj.file, name: sec.name, index: sec.index, address, bytes: new Uint8Array(size),
      exec: (sec.flags & SHF_EXECINSTR) !== 0, write: (sec.flags & SHF_WRITE) !== 0, nobits: sec.type === SHT_NOBITS,
    };
    const p: Placed = { obj, sec, address, cuts, out };
    if (!placed.has(obj)) placed.set(obj, new Map());
    placed.get(obj)!.set(sec.index, p);
    order.push(p);
    if (explicit === undefined) cursor = address + size;
  };
  const group = (pred: (s: RelSection) => boolean, pageEach: boolean) => {
    let first = true;
    for (const obj of objs) for (const sec of obj.sections) if (isPlaced(sec) && pred(sec)) { place(obj, sec, pageEach || first); first = false; }
  };
  group((s) => (s.flags & SHF_EXECINSTR) !== 0, true);

  // Stubs, for every undefined symbol a placed section refers to that no object defines, in
  // first-use order: code slots on the page after the text, generated data after everything.
  const stubs: StubSlot[] = [];
  const stubCodeBase = alignUp(cursor, page);
  const bindings = new Map<string, { slot: StubSlot; bytes?: Uint8Array } | number>();
  let codeSlots = 0;
  let dataSize = 0;
  for (const p of objs.flatMap((obj) => obj.sections.filter(isPlaced).map((sec) => ({ obj, sec })))) {
    for (const r of p.obj.relocs.get(p.sec.index) ?? []) {
      if (r.sym === 0 || r.type === R.ALIGN || r.type === R.RELAX || r.type === R.NONE) continue;
      const s = p.obj.symbols[r.sym];
      if (s.shndx !== SHN_UNDEF || globals.has(s.name) || bindings.has(s.name)) continue;
      const b = opts.resolve?.(s.name);
      if (b?.kind === 'address') bindings.set(s.name, b.address);
      else if (b?.kind === 'stub') {
        const slot: StubSlot = { name: s.name, role: b.role, kind: 'stub', address: stubCodeBase + codeSlots++ * STUB_SLOT, size: STUB_SLOT };
        stubs.push(slot);
        bindings.set(s.name, { slot });
      } else if (b?.kind === 'data') {
        dataSize = alignUp(dataSize, b.align ?? 8);
        const slot: StubSlot = { name: s.name, role: b.role, kind: 'data', address: dataSize, size: b.bytes.length };
        dataSize += Math.max(b.bytes.length, 1);
        stubs.push(slot);
        bindings.set(s.name, { slot, bytes: b.bytes });
      } else if (s.bind === STB_WEAK) bindings.set(s.name, 0); // ld: an undefined weak symbol is 0
      else {
        const relocation = relocName(r.type);
        throw new LinkError('undefined-symbol', `${p.obj.file}: ${p.sec.name}+0x${r.offset.toString(16)}: undefined symbol ${s.name} (${relocation}) is defined by no object and has no stub: give it a role (docs/kernel.md)`, { file: p.obj.file, section: p.sec.name, offset: r.offset, symbol: s.name, relocation });
      }
    }
  }
  cursor = stubCodeBase + alignUp(codeSlots * STUB_SLOT, page);
  group((s) => (s.flags & SHF_EXECINSTR) === 0 && (s.flags & SHF_WRITE) === 0, false);
  group((s) => (s.flags & SHF_EXECINSTR) === 0 && (s.flags & SHF_WRITE) !== 0 && s.type !== SHT_NOBITS, false);
  group((s) => (s.flags & SHF_EXECINSTR) === 0 && s.type === SHT_NOBITS, false);
  const dataStubBase = alignUp(Math.max(cursor, ...order.map((p) => p.address + p.out.bytes.length)), page);
  for (const b of bindings.values()) if (typeof b !== 'number' && b.slot.kind === 'data') b.slot.address += dataStubBase;

  const bindUndefined = (name: string): number => {
    const g = globals.get(name);
    if (g) return symbolAddress(g.obj, g.sym, { section: '', offset: 0, relocation: '' });
    const b = bindings.get(name);
    if (b === undefined) throw new Error(`link: ${name} was not bound in the first pass`);
    return typeof b === 'number' ? b : b.slot.address;
  };

  const symbolAddress = (obj: RelObject, index: number, where: { section: string; offset: number; relocation: string }): number => {
    if (index === 0) return 0; // no symbol: S = 0, as ld
    const s = obj.symbols[index];
    if (s.shndx === SHN_UNDEF) return bindUndefined(s.name);
    if (s.shndx === SHN_ABS) return s.value;
    const p = placed.get(obj)?.get(s.shndx);
    if (!p) {
      const sec = obj.sections[s.shndx]?.name ?? `0x${s.shndx.toString(16)}`;
      throw new LinkError('layout', `${obj.file}: ${where.section}+0x${where.offset.toString(16)}: ${where.relocation} refers to ${s.name || sec} in section ${sec}, which is not placed (not allocated, or discarded)`, { file: obj.file, section: where.section, offset: where.offset, symbol: s.name });
    }
    // ld moves symbols past cut padding but not section-symbol addends (relaxing gas emits
    // relocations against local labels in such sections, never section + addend).
    return p.address + (s.type === STT_SECTION ? 0 : mapOffset(p.cuts, s.value));
  };

  let stubCode: PlacedSection | undefined;
  if (codeSlots) {
    const bytes = new Uint8Array(codeSlots * STUB_SLOT);
    const v = new DataView(bytes.buffer);
    for (let o = 0; o < bytes.length; o += 4) v.setUint32(o, EBREAK, true);
    stubCode = { file: '<stubs>', name: '.text.stubs', index: 0, address: stubCodeBase, bytes, exec: true, write: false, nobits: false };
  }
  let stubData: PlacedSection | undefined;
  if (dataSize) {
    const bytes = new Uint8Array(dataSize);
    for (const b of bindings.values()) if (typeof b !== 'number' && b.bytes) bytes.set(b.bytes, b.slot.address - dataStubBase);
    stubData = { file: '<stubs>', name: '.data.stubs', index: 0, address: dataStubBase, bytes, exec: false, write: true, nobits: false };
  }

  // Section contents with the padding cut, then the relocations.
  const all = [...order.map((p) => p.out), ...(stubCode ? [stubCode] : []), ...(stubData ? [stubData] : [])]
    .filter((s) => s.bytes.length > 0).sort((a, b) => a.address - b.address);
  for (let i = 1; i < all.length; i++) {
    const [a, b] = [all[i - 1], all[i]];
    if (a.address + a.bytes.length > b.address) {
      throw new LinkError('layout', `${b.file}: section ${b.name} at 0x${hex(b.address)} overlaps ${a.file}: ${a.name} [0x${hex(a.address)}, 0x${hex(a.address + a.bytes.length)})`, { file: b.file, section: b.name });
    }
  }

  const counts = new Map<string, number>();
  const hiValues = new Map<number, number>();
  const work: { p: Placed; r: Rela; at: number }[] = [];
  for (const p of order) {
    if (!p.out.nobits) p.out.bytes.set(cutBytes(p.sec.data, p.cuts));
    for (const r of p.obj.relocs.get(p.sec.index) ?? []) work.push({ p, r, at: mapOffset(p.cuts, r.offset) });
  }
  const where = (p: Placed, r: Rela) => ({ section: p.sec.name, offset: r.offset, relocation: relocName(r.type) });
  for (const { p, r, at } of work) {
    if (r.type === R.PCREL_HI20) hiValues.set(p.address + at, symbolAddress(p.obj, r.sym, where(p, r)) + r.addend - (p.address + at));
  }
  for (const { p, r, at } of work) {
    counts.set(relocName(r.type), (counts.get(relocName(r.type)) ?? 0) + 1);
    apply(p, r, at, symbolAddress, hiValues);
  }

  const symbols: LinkedSymbol[] = [];
  for (const obj of objs) {
    for (const s of obj.symbols) {
      if (!s.name || s.shndx === SHN_UNDEF || s.type === STT_SECTION || s.type === 4 || s.name.startsWith('.L') || s.name.startsWith('$')) continue;
      if (s.shndx === SHN_ABS) { symbols.push({ name: s.name, address: s.value, size: s.size, type: s.type, bind: s.bind, file: obj.file, section: '*ABS*' }); continue; }
      const p = placed.get(obj)?.get(s.shndx);
      if (!p) continue;
      const a = mapOffset(p.cuts, s.value);
      symbols.push({ name: s.name, address: p.address + a, size: mapOffset(p.cuts, s.value + s.size) - a, type: s.type, bind: s.bind, file: obj.file, section: p.sec.name });
    }
  }
  const patchableEntries: { file: string; address: number }[] = [];
  for (const p of order) {
    if (p.sec.name !== '__patchable_function_entries') continue;
    const v = new DataView(p.out.bytes.buffer, p.out.bytes.byteOffset, p.out.bytes.byteLength);
    for (let o = 0; o + 8 <= p.out.bytes.length; o += 8) patchableEntries.push({ file: p.obj.file, address: Number(v.getBigInt64(o, true)) });
  }
  return { sections: order.map((p) => p.out), symbols, stubs, stubCode, stubData, patchableEntries, relocations: counts };
}

/**
 * The bytes R_RISCV_ALIGN cuts from a section placed at `address`, as binutils'
 * _bfd_riscv_relax_align: the reloc's addend is the padding gas emitted (alignment - 2 with
 * RVC, - 4 without); the alignment is the power of two above it; what the final address does
 * not need is cut from the end of the padding.
 */
function alignCuts(obj: RelObject, sec: RelSection, address: number): Cut[] {
  const aligns = (obj.relocs.get(sec.index) ?? []).filter((r) => r.type === R.ALIGN).sort((a, b) => a.offset - b.offset);
  const cuts: Cut[] = [];
  let removed = 0;
  for (const r of aligns) {
    if (r.sym !== 0) throw new LinkError('relocation-type', `${obj.file}: ${sec.name}+0x${r.offset.toString(16)}: R_RISCV_ALIGN with a symbol (.balign with a maximum) is not handled`, { file: obj.file, section: sec.name, offset: r.offset, relocation: 'R_RISCV_ALIGN' });
    if (r.addend < 0 || r.addend % 2 !== 0) {
      throw new LinkError('layout', `${obj.file}: ${sec.name}+0x${r.offset.toString(16)}: R_RISCV_ALIGN with padding ${r.addend} (not a non-negative even number of bytes)`, { file: obj.file, section: sec.name, offset: r.offset, relocation: 'R_RISCV_ALIGN' });
    }
    let alignment = 1;
    while (alignment <= r.addend) alignment *= 2;
    const at = address + r.offset - removed;
    const aligned = Math.floor((at - 1) / alignment) * alignment + alignment;
    const need = aligned - at;
    if (need > r.addend || r.offset + r.addend > sec.size) {
      throw new LinkError('layout', `${obj.file}: ${sec.name}+0x${r.offset.toString(16)}: ${need} bytes required for alignment to a ${alignment}-byte boundary, but only ${r.addend} present`, { file: obj.file, section: sec.name, offset: r.offset, relocation: 'R_RISCV_ALIGN' });
    }
    cuts.push({ at: r.offset + need, n: r.addend - need, fill: need });
    removed += r.addend - need;
  }
  return cuts;
}

/** The section's bytes with the cut padding removed and the kept padding rewritten as nops. */
function cutBytes(data: Uint8Array, cuts: Cut[]): Uint8Array {
  const out = new Uint8Array(data.length - cuts.reduce((a, c) => a + c.n, 0));
  let from = 0;
  let to = 0;
  for (const c of cuts) {
    const fill = c.fill;
    out.set(data.subarray(from, c.at), to);
    to += c.at - from;
    from = c.at + c.n;
    // ld leaves padding that is exactly right alone; otherwise it writes the kept padding as
    // 4-byte nops and, if 2 bytes remain, one c.nop.
    if (c.n === 0) continue;
    const v = new DataView(out.buffer);
    const start = to - fill;
    let pos = 0;
    for (; pos + 4 <= fill; pos += 4) v.setUint32(start + pos, NOP, true);
    if (pos < fill) v.setUint16(start + pos, C_NOP, true);
  }
  out.set(data.subarray(from), to);
  return out;
}

/** Bytes each applied relocation type patches at its offset. */
const WIDTH: Record<number, number> = {
  [R.R32]: 4, [R.R64]: 8, [R.BRANCH]: 4, [R.JAL]: 4, [R.CALL]: 8, [R.CALL_PLT]: 8, [R.PCREL_HI20]: 4, [R.PCREL_LO12_I]: 4,
  [R.PCREL_LO12_S]: 4, [R.HI20]: 4, [R.LO12_I]: 4, [R.LO12_S]: 4, [R.ADD8]: 1, [R.ADD16]: 2, [R.ADD32]: 4, [R.ADD64]: 8,
  [R.SUB8]: 1, [R.SUB16]: 2, [R.SUB32]: 4, [R.SUB64]: 8, [R.RVC_BRANCH]: 2, [R.RVC_JUMP]: 2, [R.SUB6]: 1, [R.SET6]: 1,
  [R.SET8]: 1, [R.SET16]: 2, [R.SET32]: 4, [R.PCREL32]: 4,
};

function apply(
  p: Placed,
  r: Rela,
  at: number,
  symbolAddress: (obj: RelObject, index: number, where: { section: string; offset: number; relocation: string }) => number,
  hiValues: Map<number, number>,
): void {
  const name = relocName(r.type);
  const w = { section: p.sec.name, offset: r.offset, relocation: name };
  const loc = `${p.obj.file}: ${p.sec.name}+0x${r.offset.toString(16)}`;
  const errWhere = { file: p.obj.file, section: p.sec.name, offset: r.offset, relocation: name };
  const bytes = p.out.bytes;
  const P = p.address + at;
  if (r.type === R.NONE || r.type === R.RELAX || r.type === R.ALIGN) return;
  const n = WIDTH[r.type];
  if (n === undefined) {
    throw new LinkError('relocation-type', `${loc}: ${name} is not handled (supported: ${Object.values(RELOC_NAMES).map((x) => x.slice(8)).join(' ')})`, errWhere);
  }
  if (p.out.nobits) throw new LinkError('layout', `${loc}: ${name} applies to a NOBITS section`, errWhere);
  if (at + n > bytes.length) throw new LinkError('layout', `${loc}: ${name} runs past the end of ${p.sec.name}`, errWhere);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const S = () => symbolAddress(p.obj, r.sym, w);
  const range = (v: number, lo: number, hi: number, align: number) => {
    if (v < lo || v > hi || v % align !== 0) {
      const target = r.sym ? p.obj.symbols[r.sym].name || p.obj.sections[p.obj.symbols[r.sym].shndx]?.name : '';
      throw new LinkError('relocation-range', `${loc}: ${name} to ${target}: offset ${v} is out of range [${lo}, ${hi}]${align > 1 ? ` or not a multiple of ${align}` : ''}`, errWhere);
    }
  };
  const insn = (mask: number, bits: number) => view.setUint32(at, ((view.getUint32(at, true) & ~mask) | bits) >>> 0, true);
  const hi20 = (v: number) => {
    range(v, -0x80000000 - 0x800, 0x7fffffff - 0x800, 1);
    return (((v + 0x800) >> 0) & ~0xfff) >>> 0;
  };
  const iImm = (v: number) => ((v & 0xfff) << 20) >>> 0;
  const sImm = (v: number) => ((((v >> 5) & 0x7f) << 25) | ((v & 0x1f) << 7)) >>> 0;
  const add = (delta: bigint) => {
    const old = n === 8 ? view.getBigUint64(at, true) : BigInt(n === 4 ? view.getUint32(at, true) : n === 2 ? view.getUint16(at, true) : view.getUint8(at));
    const v = BigInt.asUintN(n * 8, old + delta);
    if (n === 8) view.setBigUint64(at, v, true);
    else if (n === 4) view.setUint32(at, Number(v), true);
    else if (n === 2) view.setUint16(at, Number(v), true);
    else view.setUint8(at, Number(v));
  };
  switch (r.type) {
    case R.R64: view.setBigUint64(at, BigInt.asUintN(64, BigInt(S() + r.addend)), true); return;
    case R.R32: case R.SET32: view.setUint32(at, Number(BigInt.asUintN(32, BigInt(S() + r.addend))), true); return;
    case R.SET16: view.setUint16(at, Number(BigInt.asUintN(16, BigInt(S() + r.addend))), true); return;
    case R.SET8: view.setUint8(at, Number(BigInt.asUintN(8, BigInt(S() + r.addend)))); return;
    case R.SET6: view.setUint8(at, (view.getUint8(at) & 0xc0) | ((S() + r.addend) & 0x3f)); return;
    case R.SUB6: view.setUint8(at, (view.getUint8(at) & 0xc0) | (((view.getUint8(at) & 0x3f) - (S() + r.addend)) & 0x3f)); return;
    case R.ADD8: case R.ADD16: case R.ADD32: case R.ADD64: add(BigInt(S() + r.addend)); return;
    case R.SUB8: case R.SUB16: case R.SUB32: case R.SUB64: add(-BigInt(S() + r.addend)); return;
    case R.PCREL32: view.setUint32(at, Number(BigInt.asUintN(32, BigInt(S() + r.addend - P))), true); return;
    case R.BRANCH: {
      const v = S() + r.addend - P;
      range(v, -4096, 4094, 2);
      insn(0xfe000f80, ((((v >> 12) & 1) << 31) | (((v >> 5) & 0x3f) << 25) | (((v >> 1) & 0xf) << 8) | (((v >> 11) & 1) << 7)) >>> 0);
      return;
    }
    case R.JAL: {
      const v = S() + r.addend - P;
      range(v, -(1 << 20), (1 << 20) - 2, 2);
      insn(0xfffff000, ((((v >> 20) & 1) << 31) | (((v >> 1) & 0x3ff) << 21) | (((v >> 11) & 1) << 20) | (((v >> 12) & 0xff) << 12)) >>> 0);
      return;
    }
    case R.CALL: case R.CALL_PLT: {
      const v = S() + r.addend - P;
      insn(0xfffff000, hi20(v));
      const lo = view.getUint32(at + 4, true);
      view.setUint32(at + 4, ((lo & 0x000fffff) | iImm(v)) >>> 0, true);
      return;
    }
    case R.PCREL_HI20: insn(0xfffff000, hi20(S() + r.addend - P)); return;
    case R.HI20: insn(0xfffff000, hi20(S() + r.addend)); return;
    case R.LO12_I: insn(0xfff00000, iImm(S() + r.addend)); return;
    case R.LO12_S: insn(0xfe000f80, sImm(S() + r.addend)); return;
    case R.PCREL_LO12_I: case R.PCREL_LO12_S: {
      // The symbol labels the auipc; the value is that of the PCREL_HI20 relocation there.
      const hiAt = S() + r.addend;
      const v = hiValues.get(hiAt);
      if (v === undefined) throw new LinkError('relocation-range', `${loc}: ${name} refers to 0x${hex(hiAt)}, where there is no R_RISCV_PCREL_HI20`, errWhere);
      insn(r.type === R.PCREL_LO12_I ? 0xfff00000 : 0xfe000f80, r.type === R.PCREL_LO12_I ? iImm(v) : sImm(v));
      return;
    }
    case R.RVC_BRANCH: {
      const v = S() + r.addend - P;
      range(v, -256, 254, 2);
      const bits = (((v >> 8) & 1) << 12) | (((v >> 3) & 3) << 10) | (((v >> 6) & 3) << 5) | (((v >> 1) & 3) << 3) | (((v >> 5) & 1) << 2);
      view.setUint16(at, (view.getUint16(at, true) & ~0x1c7c & 0xffff) | bits, true);
      return;
    }
    case R.RVC_JUMP: {
      const v = S() + r.addend - P;
      range(v, -2048, 2046, 2);
      const bits = (((v >> 11) & 1) << 12) | (((v >> 4) & 1) << 11) | (((v >> 8) & 3) << 9) | (((v >> 10) & 1) << 8)
        | (((v >> 6) & 1) << 7) | (((v >> 7) & 1) << 6) | (((v >> 1) & 7) << 3) | (((v >> 5) & 1) << 2);
      view.setUint16(at, (view.getUint16(at, true) & ~0x1ffc & 0xffff) | bits, true);
      return;
    }
  }
}
