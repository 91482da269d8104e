import { Command } from 'commander';
import type { CommandContext } from './main.js';

/** Placeholder: replaced by the owner of the `disasm` command. */
export function registerDisasm(program: Command, _ctx: CommandContext): void {
  program.command('disasm').description('(in progress)');
}
