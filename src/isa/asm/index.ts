/**
 * Assembler for GNU as syntax, RV64IMAC + Zicsr + Zifencei, driven by the instruction table.
 *
 * It assembles one block at a known base address (a flat image, no object file): every label
 * and every symbol given in `opts.symbols` has an address, so %hi/%lo/%pcrel_* and call/tail/la
 * are resolved here as the linker would resolve GNU as's relocations for the same block linked
 * at `base` with -mno-relax.
 *
 * Compression follows GNU as 2.40 (gas/config/tc-riscv.c and opcodes/riscv-opc.c): with RVC on,
 * an instruction is emitted as the first compressed form whose operand constraints it meets;
 * HINT encodings are never chosen implicitly (an explicit c.* mnemonic can still write one).
 * Branches and jumps to labels of this block are relaxed as gas relaxes them: c.beqz/c.bnez/c.j
 * when the target is in range; to a symbol from `opts.symbols` (another section, for gas) they
 * keep their full size.
 *
 * Errors are values: AsmDiagnostic with line, column and code; nothing is thrown for bad input.
 *
 * Files, in the order a statement meets them: lex.ts (statements and operands), assembler.ts
 * (the passes and the dispatch), operands.ts (operand readers), expr.ts (expressions),
 * directives.ts, pseudo.ts (macros), relax.ts (branches), encode.ts (table entry -> bits,
 * compression), errors.ts (codes).
 */
export { assemble, encode } from './assembler.js';
export type { AsmOptions, AsmDiagnostic, AsmLine, AsmResult } from './assembler.js';
export type { AsmErrorCode } from './errors.js';
export { encodeInsn } from './encode.js';
