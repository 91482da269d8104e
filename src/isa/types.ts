/**
 * The decoded form of one instruction: the contract between the instruction table
 * (src/isa/table.ts, which derives decode, disassemble and assemble) and the emulator
 * (src/emu), which derives one specialised closure per distinct encoding from it.
 *
 * Addresses and 64-bit values that must be plain JS numbers are *signed* 64-bit values
 * (so the kernel's 0xffffffff80000000 is -0x80000000): every RV64 address we model lies in
 * the sign-extended +-2^53 range, where a double is exact. See docs/architecture.md.
 */
export interface Insn {
  /** Table mnemonic without aliasing, as objdump -M no-aliases prints it: 'addi', 'c.addi', 'amoadd.w'. */
  name: string;
  /**
   * The base RV64 operation that executes it. A compressed form names its expansion
   * ('c.addi' -> 'addi', 'c.j' -> 'jal', 'c.jr' -> 'jalr', 'c.ebreak' -> 'ebreak'); base forms
   * name themselves. The emulator's semantic units are keyed by this.
   */
  op: string;
  /** Length in bytes: 2 for RVC, 4 otherwise. */
  size: 2 | 4;
  /** The raw encoding (the 16-bit parcel for RVC), unsigned. */
  bits: number;
  rd: number;
  rs1: number;
  rs2: number;
  /**
   * Immediate, sign-extended, as used by the base op: byte offset for branches/jumps/loads/
   * stores, the value (already shifted left by 12) for lui/auipc, the shift amount for shifts,
   * the zimm (uimm5) for csrr*i. 0 when the format has none.
   */
  imm: number;
  /** CSR number for Zicsr, else 0. */
  csr: number;
  /** Acquire/release bits of A-extension instructions. */
  aq: boolean;
  rl: boolean;
  /** fence pred/succ (4 bits each) for 'fence', else 0. */
  pred: number;
  succ: number;
}
