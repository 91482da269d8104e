/**
 * Integer register names and instruction lengths: the small vocabulary every reader and writer
 * of RISC-V code shares (assembler, disassembler, and later the model and the spec loader).
 *
 * Names follow the psABI's integer register convention (riscv-elf-psabi-doc, "Integer Register
 * Convention"), as GNU as reads them and objdump prints them. Lengths follow the base
 * instruction-length encoding (Unprivileged ISA ch. 1.5): the low bits of an instruction's
 * first 16-bit parcel announce its length.
 */

/** ABI name of x0..x31, as objdump prints registers. */
export const ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

const NUMBERS = new Map<string, number>();
ABI_NAMES.forEach((n, i) => {
  NUMBERS.set(n, i);
  NUMBERS.set(`x${i}`, i);
});
NUMBERS.set('fp', 8); // the frame pointer's other name for s0

/**
 * The register a name stands for: an ABI name, `x0`..`x31` or `fp`, lower case as gas wants
 * them (callers that accept any case lower it first); undefined for anything else.
 */
export function regNumber(name: string): number | undefined {
  return NUMBERS.get(name);
}

/** The ABI name of register `n` (0..31). */
export function regName(n: number): string {
  return ABI_NAMES[n];
}

/**
 * The length in bytes that an instruction's first parcel announces (binutils
 * include/opcode/riscv.h riscv_insn_length): 2 or 4, or 6, 8, 10.. for the longer encodings
 * ch. 1.5 reserves (none of them is an instruction here). A parcel of the reserved >=192-bit
 * class counts as 2, as objdump counts it.
 */
export function insnLength(parcel: number): number {
  if ((parcel & 3) !== 3) return 2;
  if ((parcel & 0x1f) !== 0x1f) return 4;
  if ((parcel & 0x3f) === 0x1f) return 6;
  if ((parcel & 0x7f) === 0x3f) return 8;
  if ((parcel & 0x7f) === 0x7f && (parcel & 0x7000) !== 0x7000) return 10 + ((parcel >> 11) & 0xe);
  return 2;
}

/**
 * The size of an RV64IMAC instruction from its first parcel: 2 for RVC (low bits not 11),
 * else 4. What code that steps through instructions of this ISA wants; longer encodings are
 * not instructions here (see insnLength for how objdump sizes them).
 */
export function insnSize(parcel: number): 2 | 4 {
  return (parcel & 3) === 3 ? 4 : 2;
}

/** The little-endian 16-bit parcel at `bytes[off]` (the caller checks that two bytes exist). */
export function parcelAt(bytes: Uint8Array, off: number): number {
  return bytes[off] | (bytes[off + 1] << 8);
}

/** The little-endian 32-bit word at `bytes[off]`, unsigned (the caller checks that four bytes exist). */
export function wordAt(bytes: Uint8Array, off: number): number {
  return (bytes[off] | (bytes[off + 1] << 8) | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0;
}
