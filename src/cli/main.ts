import { Command, CommanderError } from 'commander';
import { EXIT, Io, UserError } from './io.js';
import { registerRun } from './run.js';
import { registerDisasm } from './disasm.js';
import { addReportOptions, registerCheck, registerReplay, runCheck } from './check.js';
import { registerMerge } from './shard.js';
import { registerLitmus } from './litmus.js';
import { registerInit } from './init.js';
import { registerExplain } from './explain.js';
import { VERSION } from '../version.js';

/** What a command handler reports back: its exit code. */
export interface CommandContext {
  io: Io;
  setExit(code: number): void;
}

const EXAMPLES = `
Examples:
  $ ftrace-race check specs/b1-stop-machine-preempt-full.yaml
  $ ftrace-race check specs/ --format json
  $ ftrace-race check specs/ --report sarif:out.sarif --report junit:junit.xml --html report.html
  $ ftrace-race init --template auipc-jalr my-design.yaml && ftrace-race explain my-design.yaml
  $ ftrace-race check specs/b1-stop-machine-preempt-full.yaml --set kernel.preemption=none
  $ ftrace-race replay specs/b1-stop-machine-preempt-full.yaml --schedule 'h0*2.h1.h0>t2.h1>t3.h1.h0.h1.h0.h0>t0'
  $ ftrace-race run fixtures/elf/compute-O2.elf --stats
  $ ftrace-race disasm fixtures/elf/compute-O2.elf --symbol main

Exit codes (check, replay): 0 verdicts match, 1 violation or mismatch, 2 bad input,
3 inconclusive (a limit cut the search short), 70 internal error.
Exit codes (run): the guest's own status; 124 --max-steps reached, 125 bad input,
126 guest fault (illegal instruction, unmapped memory, unknown syscall).
`;

/** The CLI as a function: parse argv (without node and script), run, return the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let exitCode = EXIT.ok as number;
  const ctx: CommandContext = { io, setExit: (code) => { exitCode = code; } };
  const program = new Command();
  program
    .name('ftrace-race')
    .description('Race explorer and model checker for live kernel code patching (RISC-V auipc+jalr)')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // One error prefix for every message: commander's `error: ` becomes `ftrace-race: `.
      outputError: (s, write) => write(s.replace(/^error: /, 'ftrace-race: ')),
    })
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError(false);
  registerCheck(program, ctx);
  registerReplay(program, ctx);
  registerMerge(program, ctx, addReportOptions, runCheck);
  registerRun(program, ctx);
  registerDisasm(program, ctx);
  registerLitmus(program, ctx);
  registerInit(program, ctx);
  registerExplain(program, ctx);
  if (argv.length === 0) {
    // No command is a usage error: help on stderr, exit 2.
    program.outputHelp({ error: true });
    return EXIT.badInput;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT.ok;
      }
      return EXIT.badInput;
    }
    if (err instanceof UserError) {
      io.stderr(`ftrace-race: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    io.stderr(`ftrace-race: internal error: ${e?.message ?? String(err)}\n`);
    if (io.env.FTRACE_RACE_DEBUG) io.stderr(`${e?.stack ?? ''}\n`);
    return EXIT.internal;
  }
  return exitCode;
}
