/**
 * `objdump -d` of a whole ELF image: the executable sections in header order, a header line
 * `0000000000010078 <fib>:` at every symbol, and instruction lines as disasm.ts renders them,
 * with `<symbol+offset>` annotations on targets and address comments.
 */
import type { ElfFile, ElfSymbol } from './elf.js';
import { hexAddr } from './elf.js';
import { AddressTracker, addressWidth, disassembleOne, DisasmLine, objdumpLine } from './disasm.js';

const SHF_EXECINSTR = 4;

/** RISC-V ELF mapping symbols (psABI): `$d` starts data, `$x` (optionally `$x<isa>`) starts code. */
const MAPPING = /^\$[xd]/;

const u64 = (a: number): bigint => BigInt.asUintN(64, BigInt(a));
const STT_SECTION = 3;
const STT_FILE = 4;

/** Symbols objdump shows: named, not section/file symbols, not RISC-V mapping symbols ($x, $d). */
function displayable(s: ElfSymbol): boolean {
  return s.name !== '' && s.type !== STT_SECTION && s.type !== STT_FILE && !MAPPING.test(s.name) && s.shndx !== 0;
}

/**
 * objdump's order among symbols at one address (objdump.c compare_symbols): functions, then
 * objects, then globals before locals, then by name; the first one names the address.
 */
function better(a: ElfSymbol, b: ElfSymbol): boolean {
  const key = (s: ElfSymbol) => [s.type === 2 ? 0 : 1, s.type === 1 ? 0 : 1, s.bind === 0 ? 1 : 0, s.bind === 1 ? 0 : 1];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i];
  return a.name < b.name;
}

export class SymbolIndex {
  /** One symbol per address, sorted by address. */
  readonly sorted: ElfSymbol[];
  constructor(symbols: ElfSymbol[]) {
    const byAddr = new Map<number, ElfSymbol>();
    for (const s of symbols) {
      if (!displayable(s)) continue;
      const cur = byAddr.get(s.value);
      if (!cur || better(s, cur)) byAddr.set(s.value, s);
    }
    // objdump compares addresses as unsigned 64-bit values (kernel addresses sort last).
    this.sorted = [...byAddr.values()].sort((a, b) => (u64(a.value) < u64(b.value) ? -1 : u64(a.value) > u64(b.value) ? 1 : 0));
  }

  /** The nearest symbol at or below `address`. */
  at(address: number): ElfSymbol | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let found: ElfSymbol | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (u64(this.sorted[mid].value) <= u64(address)) {
        found = this.sorted[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** ` <sym+0xoff>` as objdump annotates an address ('' when no symbol precedes it). */
  annotate(address: number): string {
    // Below the first symbol objdump still names the first one, with a negative offset.
    const s = this.at(address) ?? this.sorted[0];
    if (!s) return '';
    const below = u64(address) < u64(s.value);
    const off = below ? u64(s.value) - u64(address) : BigInt.asUintN(64, u64(address) - u64(s.value));
    return off === 0n ? ` <${s.name}>` : ` <${s.name}${below ? '-' : '+'}0x${off.toString(16)}>`;
  }

  byName(name: string): ElfSymbol | undefined {
    return this.sorted.find((s) => s.name === name) ?? undefined;
  }
}

export interface ObjdumpOptions {
  /** Only this symbol's bytes (from its value, for its size or up to the next symbol). */
  symbol?: ElfSymbol;
  /** objdump -M no-aliases. */
  noAliases?: boolean;
}

/** The body of `objdump -d` for an ELF: section and symbol headers and instruction lines. */
export function objdumpElf(elf: ElfFile, opts: ObjdumpOptions = {}): string[] {
  const index = new SymbolIndex(elf.symbols);
  const gpSym = elf.symbols.find((s) => s.name === '__global_pointer$');
  const track = new AddressTracker(gpSym?.value);
  const out: string[] = [];
  for (const sec of elf.sections) {
    if (!(sec.flags & SHF_EXECINSTR) || sec.size === 0 || sec.type === 8) continue;
    let start = sec.addr;
    let end = sec.addr + sec.size;
    if (opts.symbol) {
      // objdump --disassemble=NAME still heads every code section, showing the symbol's only.
      const s = opts.symbol;
      if (s.value < start || s.value >= end) {
        out.push('', `Disassembly of section ${sec.name}:`);
        continue;
      }
      const next = index.sorted.find((x) => x.value > s.value);
      start = s.value;
      end = Math.min(end, s.size > 0 ? s.value + s.size : next ? next.value : end);
    }
    const width = addressWidth(sec.addr, sec.addr + sec.size);
    const secIndex = elf.sections.indexOf(sec);
    const maps = elf.symbols.filter((m) => m.shndx === secIndex && MAPPING.test(m.name)).sort((x, y) => x.value - y.value);
    const isData = (addr: number) => {
      let state = false; // executable sections start as code
      for (const m of maps) if (m.value <= addr) state = m.name.startsWith('$d');
      return state;
    };
    out.push('', `Disassembly of section ${sec.name}:`);
    // Split the section at symbol boundaries: each symbol starts a new header and a new run.
    const cuts = index.sorted.filter((s) => s.value > start && s.value < end).map((s) => s.value);
    const bounds = [start, ...cuts, end];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const a = bounds[k];
      const b = bounds[k + 1];
      const sym = index.sorted.find((s) => s.value === a);
      // objdump names a chunk with require_sec set: the nearest symbol of this section at or
      // below it, else the first one above it (negative offset), else the section itself.
      let label: string;
      if (sym) label = sym.name;
      else {
        const own = index.sorted.filter((x) => x.shndx === secIndex);
        const below = own.filter((x) => u64(x.value) <= u64(a)).pop();
        const above = own.find((x) => u64(x.value) > u64(a));
        const near = below ?? above;
        if (!near) label = a === sec.addr ? sec.name : `${sec.name}+0x${(a - sec.addr).toString(16)}`;
        else if (!below) label = `${near.name}-0x${(u64(near.value) - u64(a)).toString(16)}`;
        else label = `${near.name}+0x${(u64(a) - u64(near.value)).toString(16)}`;
      }
      out.push('', `${hexAddr(a).padStart(16, '0')} <${label}>:`);
      // objdump.c disassemble_bytes: a run of 8 or more zero bytes (or fewer than 3 at the end
      // of the symbol) prints as `...`; before more data the run is cut to a multiple of 4.
      const dopts = { symbolize: (x: number) => index.annotate(x), gp: gpSym?.value, noSymbols: index.sorted.length === 0, noAliases: opts.noAliases };
      for (let pos = a; pos < b; ) {
        let z = pos;
        while (z < b && sec.data[z - sec.addr] === 0) z++;
        if (z - pos >= 8 || (z === b && z - pos < 3)) {
          if (z !== b) z = pos + ((z - pos) & ~3);
          out.push('\t...');
          pos = z;
          continue;
        }
        let line: DisasmLine;
        if (isData(pos)) {
          const nextMap = maps.find((m) => m.value > pos);
          const limit = Math.min(nextMap ? nextMap.value : sec.addr + sec.size, sec.addr + sec.size);
          line = dataLine(sec.data, pos - sec.addr, pos, limit - pos);
        } else {
          line = disassembleOne(sec.data.subarray(0, b - sec.addr), pos - sec.addr, pos, dopts, track);
        }
        out.push(objdumpLine(line, width));
        pos += line.size;
      }
    }
  }
  return out;
}

/**
 * One chunk of bytes under a `$d` mapping symbol as objdump prints it (riscv-dis.c
 * riscv_data_length and riscv_disassemble_data): up to 4 bytes, bounded by the next mapping
 * symbol or the section end, a 3-byte remainder printed as 2.
 */
function dataLine(data: Uint8Array, off: number, address: number, room: number): DisasmLine {
  let len = Math.min(4, room);
  if (len === 3) len = 2;
  let v = 0;
  for (let k = len - 1; k >= 0; k--) v = v * 256 + data[off + k];
  const digits = v.toString(16).padStart(len * 2, '0');
  const directive = len === 4 ? '.word' : len === 2 ? '.short' : '.byte';
  return { address, size: len, hex: digits, text: `${directive}\t0x${digits}` };
}
