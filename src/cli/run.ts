import { Command } from 'commander';
import type { CommandContext } from './main.js';

/** Placeholder: replaced by the owner of the `run` command. */
export function registerRun(program: Command, _ctx: CommandContext): void {
  program.command('run').description('(in progress)');
}
