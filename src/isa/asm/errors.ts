/**
 * Assembler errors. A statement's handler stops at the first problem it finds by calling
 * fail() with the error's stable code, its 1-based column in the source line and the message;
 * the driver (assembler.ts) catches it and records an AsmDiagnostic with file and line. The
 * code is chosen where the problem is found, never recovered from the message text.
 */

export type AsmErrorCode =
  | 'unknown-mnemonic' // no such mnemonic, or an RVC one with RVC off
  | 'unknown-symbol' // symbol, numeric local label or CSR name not defined; %pcrel_lo without its auipc
  | 'out-of-range' // an immediate, offset or data value that the field cannot hold
  | 'misaligned' // a value that is not a multiple of what the field encodes
  | 'reserved-encoding' // an explicit c.* form whose operands give a reserved encoding
  | 'bad-register' // not a register, or a register the form cannot name
  | 'operand-count' // too many or too few operands
  | 'redefined' // a symbol defined twice
  | 'directive' // unknown directive or .option, .option pop without push
  | 'syntax'; // anything else about the shape of the text

/** A problem in the statement being assembled; thrown by fail() and caught by the driver only. */
export class AsmError {
  constructor(
    readonly code: AsmErrorCode,
    readonly message: string,
    readonly col: number,
    /** The operand field the encoder rejected ('imm': its immediate), so a caller may point at that operand. */
    readonly field?: 'reg' | 'imm' | 'encoding',
  ) {}
}

export function fail(code: AsmErrorCode, col: number, message: string): never {
  throw new AsmError(code, message, col);
}
