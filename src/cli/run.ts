import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { CommandContext } from './main.js';
import { RUN_EXIT, UserError } from './io.js';
import { ElfError } from '../isa/elf.js';
import { InputFileError, readInputFile } from './input.js';
import { DEFAULT_LIMITS } from '../spec/limits.js';
import { hex, loadProcess, runProcess } from '../emu/linux.js';

/**
 * `ftrace-race run prog.elf [args...]`: runs a static RV64 Linux ELF in user mode. The guest's
 * stdout/stderr are ours and its exit status is ours; our own failures use RUN_EXIT codes
 * (124 step limit, 125 bad input, 126 guest fault), one line each, never a stack trace.
 */
export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('run a static RV64 Linux ELF in user mode (guest stdout, stderr and exit status are ours)')
    .argument('<elf>', 'static RV64 ELF executable')
    .argument('[args...]', 'arguments passed to the guest (use -- before guest options)')
    .option('--stats', 'print instructions retired, wall time and MIPS to stderr')
    .addOption(new Option('--max-steps <n>', 'stop after N instructions (exit 124)').argParser((v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw new UserError(`--max-steps: expected a non-negative integer, got '${v}'`, RUN_EXIT.badInput);
      return n;
    }))
    .addOption(new Option('--no-blocks', 'execute one compiled instruction at a time (no translated blocks)').hideHelp())
    .addOption(new Option('--reference', 'run on the reference interpreter (slow; for auditing the compiled emulator)').hideHelp())
    // Usage errors of `run` are bad input (125), keeping 1..123 for the guest's own status.
    .configureOutput({ writeOut: (t) => ctx.io.stdout(t), writeErr: (t) => ctx.io.stderr(t), outputError: () => {} })
    .exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') throw err;
      throw new UserError(`run: ${err.message.replace(/^error: /, '')}`, RUN_EXIT.badInput);
    })
    .action((file: string, args: string[], opts: { stats?: boolean; maxSteps?: number; blocks: boolean; reference?: boolean }) => {
      const { io } = ctx;
      let bytes: Uint8Array;
      try {
        bytes = readInputFile(resolve(io.cwd, file), DEFAULT_LIMITS.elfBytes);
      } catch (e) {
        if (!(e instanceof InputFileError)) throw e;
        throw new UserError(`${file}: ${e.reason === 'open' && e.code ? `cannot read: ${e.code}` : e.message}`, RUN_EXIT.badInput);
      }
      // Guest bytes go out unchanged (no UTF-8 round trip), copied because the guest may reuse its buffer.
      const write = (fd: 1 | 2, b: Uint8Array) => {
        if (b.length) (fd === 1 ? io.stdout : io.stderr)(b.slice());
      };
      let proc;
      try {
        proc = loadProcess(bytes, { args: [file, ...args], env: [], blocks: opts.blocks, reference: opts.reference });
      } catch (e) {
        if (e instanceof ElfError) throw new UserError(`${file}: ${e.message}`, RUN_EXIT.badInput);
        throw e;
      }
      const t0 = performance.now();
      const out = runProcess(proc, { args, write, maxSteps: opts.maxSteps });
      const ms = performance.now() - t0;
      if (opts.stats) {
        const mips = out.retired / (ms * 1000);
        io.stderr(`ftrace-race: ${out.retired} instructions retired in ${ms.toFixed(1)} ms (${mips.toFixed(1)} MIPS)\n`);
      }
      switch (out.kind) {
        case 'exit':
          ctx.setExit(out.code);
          return;
        case 'max-steps':
          throw new UserError(`${file}: pc ${hex(out.pc)}: stopped after --max-steps ${opts.maxSteps} instructions`, RUN_EXIT.maxSteps);
        case 'fault':
          throw new UserError(`${file}: pc ${hex(out.stop.pc)}: ${out.message}`, RUN_EXIT.guestFault);
      }
    });
}
