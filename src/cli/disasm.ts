import { Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandContext } from './main.js';
import { EXIT, UserError } from './io.js';
import { ElfError, parseElf, ElfFile } from '../isa/elf.js';
import { objdumpElf, SymbolIndex } from '../isa/objdump.js';
import { InputFileError, readInputFile } from './input.js';
import { DEFAULT_LIMITS } from '../spec/limits.js';

/**
 * `ftrace-race disasm prog.elf [--symbol NAME]`: the executable sections of an RV64 ELF in
 * GNU objdump -d's form (addresses, encodings, default aliases, symbol headers).
 */
export function registerDisasm(program: Command, ctx: CommandContext): void {
  program
    .command('disasm')
    .description('disassemble an RV64 ELF as GNU objdump -d prints it')
    .argument('<elf>', 'RV64 ELF file')
    .option('-s, --symbol <name>', 'only the function (symbol) NAME')
    .option('--no-aliases', 'canonical mnemonics only, as objdump -M no-aliases')
    .action((file: string, opts: { symbol?: string; aliases: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = readInputFile(resolve(ctx.io.cwd, file), DEFAULT_LIMITS.elfBytes);
      } catch (e) {
        if (!(e instanceof InputFileError)) throw e;
        throw new UserError(`${file}: ${e.message}`, EXIT.badInput);
      }
      let elf: ElfFile;
      try {
        elf = parseElf(bytes);
      } catch (e) {
        if (e instanceof ElfError) throw new UserError(`${file}: ${e.message}`, EXIT.badInput);
        throw e;
      }
      let symbol;
      if (opts.symbol !== undefined) {
        symbol = new SymbolIndex(elf.symbols).byName(opts.symbol);
        if (!symbol) throw new UserError(`${file}: unknown symbol '${opts.symbol}'`, EXIT.badInput);
      }
      const lines = objdumpElf(elf, { symbol, noAliases: !opts.aliases });
      ctx.io.stdout(`\n${file}:     file format elf64-littleriscv\n\n${lines.join('\n')}\n`);
      ctx.setExit(EXIT.ok);
    });
}
