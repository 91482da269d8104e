import { Command } from 'commander';
import type { CommandContext } from './main.js';

/** Placeholder: replaced by the owner of the `check` command. */
export function registerCheck(program: Command, _ctx: CommandContext): void {
  program.command('check').description('(in progress)');
}
