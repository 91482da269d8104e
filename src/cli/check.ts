import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import ora from 'ora';
import type { CommandContext } from './main.js';
import { EXIT, UserError } from './io.js';
import { checkSpec, CheckOptions, exploreOptions } from '../check/index.js';
import { explore, replay } from '../explore/explore.js';
import { loadSpecFile } from './input.js';
import { parseSchedule } from '../explore/schedule.js';
import { formatDiagnostic } from '../spec/diagnostic.js';
import { Machine } from '../model/machine.js';
import { describeViolation, makeChalk, renderFinding, renderTrace, verdictLine } from '../report/text.js';
import { diagnosticsJson, resultJson, violationJson } from '../report/json.js';
import { junit, sarif, SuiteEntry } from '../report/ci.js';
import type { Spec } from '../spec/types.js';

/**
 * `ftrace-race check <spec|dir|glob...>` and `ftrace-race replay <spec> --schedule S`.
 * Exit codes (src/cli/io.ts EXIT): 0 every verdict matches its `expect:`, 1 a violation or a
 * mismatch, 2 bad input, 3 a limit cut a search short, 70 internal error. With several specs
 * the worst wins, in the order 70 > 2 > 1 > 3 > 0.
 */

type CheckFlags = Pick<CheckOptions, 'all' | 'exhaustive' | 'random' | 'seed' | 'naive' | 'bound' | 'maxStates' | 'maxTime' | 'maxMemory'> & {
  format: 'text' | 'json' | 'junit' | 'sarif';
  set: string[];
  /** false with --no-timing: wall-clock figures (stats.ms, rate) are zeroed or not printed. */
  timing: boolean;
};

const intArg = (name: string, max = Number.MAX_SAFE_INTEGER) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${name}: expected a non-negative integer, got '${v}'`);
  if (n > max) throw new UserError(`${name}: at most ${max}, got '${v}'`);
  return n;
};

const collect = (v: string, prev: string[]) => [...prev, v];

function globToRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files below `dir`; a directory reached twice (a symlink loop) is walked once. */
function walk(dir: string, out: string[], seen = new Set<string>()): void {
  const d = statSync(dir);
  if (seen.has(`${d.dev}:${d.ino}`)) return;
  seen.add(`${d.dev}:${d.ino}`);
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      out.push(p); // a dangling link: reported when it is read
      continue;
    }
    if (st.isDirectory()) walk(p, out, seen);
    else out.push(p);
  }
}

/** Expands files, directories (every .yaml/.yml below) and globs, sorted, without duplicates. */
export function expandInputs(inputs: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const abs = resolve(cwd, input);
    if (/[*?]/.test(input)) {
      const firstGlob = input.search(/[*?]/);
      const baseRel = input.slice(0, input.lastIndexOf('/', firstGlob) + 1) || '.';
      const base = resolve(cwd, baseRel);
      const re = globToRegex(resolve(cwd, input));
      const files: string[] = [];
      try {
        walk(base, files);
      } catch {
        throw new UserError(`${input}: no such directory ${baseRel}`);
      }
      const hits = files.filter((f) => re.test(f));
      if (!hits.length) throw new UserError(`${input}: no file matches`);
      out.push(...hits);
      continue;
    }
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new UserError(`${input}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const files: string[] = [];
      walk(abs, files);
      const specs = files.filter((f) => /\.ya?ml$/.test(f));
      if (!specs.length) throw new UserError(`${input}: no .yaml specs in this directory`);
      out.push(...specs);
    } else out.push(abs);
  }
  return [...new Set(out)];
}

function rank(code: number): number {
  return code === EXIT.internal ? 5 : code === EXIT.badInput ? 4 : code === EXIT.violation ? 3 : code === EXIT.inconclusive ? 2 : 1;
}

function addExploreOptions(cmd: Command): Command {
  return cmd
    .option('--set <path=value>', 'override a spec field before validation (repeatable), e.g. kernel.preemption=none', collect, [])
    .option('--exhaustive', 'explore without a preemption bound')
    .addOption(new Option('--random <n>', 'n seeded random walks instead of a systematic search (finds violations, never proves safety)').argParser(intArg('--random')))
    .addOption(new Option('--seed <s>', 'seed of --random (default 1)').argParser(intArg('--seed')))
    .option('--naive', 'no reduction (no state fingerprints): every schedule is executed')
    .option('--no-timing', 'leave wall-clock figures out (stats.ms and rate are 0), so output bytes depend only on the input')
    .addOption(new Option('--bound <k>', 'highest preemption bound of the iterative search').argParser(intArg('--bound', 64)))
    .addOption(new Option('--max-states <n>', 'stop after n states (exit 3; default 2000000, 0 = no limit)').argParser(intArg('--max-states')))
    .addOption(new Option('--max-time <ms>', 'stop after this many milliseconds (exit 3; default none)').argParser(intArg('--max-time')))
    .addOption(new Option('--max-memory <mb>', 'stop when the heap passes this many megabytes (exit 3; default 2048, 0 = no limit)').argParser(intArg('--max-memory')));
}

export function registerCheck(program: Command, ctx: CommandContext): void {
  const check = program
    .command('check')
    .description('explore every schedule of one or more specs and compare the verdicts with their expect:')
    .argument('<specs...>', 'spec files, directories (every .yaml below) or globs')
    .addOption(new Option('--format <format>', 'output format: text, json (one object per spec per line), junit or sarif (one document for the suite)').choices(['text', 'json', 'junit', 'sarif']).default('text'))
    .option('--all', 'stream every violating schedule as a JSON line (implies no state pruning)');
  addExploreOptions(check).action((inputs: string[], flags: CheckFlags) => {
    const { io } = ctx;
    const c = makeChalk(io.env, io.isTTY);
    const files = expandInputs(inputs, io.cwd);
    const many = files.length > 1;
    let worst = EXIT.ok as number;
    const tally = { match: 0, mismatch: 0, inconclusive: 0, error: 0 };
    const t0 = Date.now();
    const suite: SuiteEntry[] = [];
    // A spinner on stderr, only on a terminal and for text output (never in pipes or tests).
    const spinner = io.isTTY && (process.stderr.columns ?? 0) > 0 && flags.format === 'text' && !flags.all && !io.env.CI ? ora({ stream: process.stderr, text: '', discardStdin: false }) : null;
    const ci = flags.format === 'junit' || flags.format === 'sarif';
    for (const file of files) {
      const shown = relative(io.cwd, file) || file;
      const loaded = loadSpecFile(file, shown, { overrides: flags.set });
      if (!loaded.spec) {
        tally.error++;
        worst = rank(EXIT.badInput) > rank(worst) ? EXIT.badInput : worst;
        suite.push({ file: shown, ok: false, diagnostics: loaded.diagnostics });
        if (flags.format === 'json' && !flags.all) io.stdout(JSON.stringify(diagnosticsJson(shown, loaded.diagnostics)) + '\n');
        for (const d of loaded.diagnostics) io.stderr(formatDiagnostic(d) + '\n');
        continue;
      }
      const spec = loaded.spec;
      const opts: CheckOptions = {
        exhaustive: flags.exhaustive,
        random: flags.random,
        seed: flags.seed,
        naive: flags.naive,
        bound: flags.bound,
        maxStates: flags.maxStates,
        maxTime: flags.maxTime,
        maxMemory: flags.maxMemory,
        all: flags.all,
        heapUsed: () => process.memoryUsage().heapUsed,
        onProgress: spinner
          ? (p) => {
              spinner.text = `${spec.name}: ${p.bound === null ? 'unbounded' : `bound ${p.bound}`}, ${p.states} states, ${p.executions} executions, ${p.violations} violations`;
              spinner.render(); // the search is synchronous: draw the frame now
            }
          : undefined,
        onViolation: flags.all ? (f) => io.stdout(JSON.stringify({ type: 'violation', spec: spec.name, ...violationJson(f) }) + '\n') : undefined,
      };
      spinner?.start(`${spec.name}`);
      const { result, matches } = checkSpec(spec, opts);
      spinner?.stop();
      // Wall-clock figures are the only output that varies between runs; --no-timing drops them.
      if (!flags.timing) result.stats = { ...result.stats, ms: 0, rate: 0 };
      const code = result.verdict === 'inconclusive' && !matches ? EXIT.inconclusive : matches ? EXIT.ok : EXIT.violation;
      if (rank(code) > rank(worst)) worst = code;
      if (result.verdict === 'inconclusive') tally.inconclusive++;
      else if (matches) tally.match++;
      else tally.mismatch++;
      suite.push({ file: shown, ok: true, spec, result, matches });
      if (flags.all) {
        io.stdout(JSON.stringify({ type: 'result', ...resultJson(spec, result, matches) }) + '\n');
        continue;
      }
      if (ci) continue;
      if (flags.format === 'json') {
        io.stdout(JSON.stringify(resultJson(spec, result, matches)) + '\n');
        continue;
      }
      io.stdout(verdictLine(spec, result, matches, c) + '\n');
      if (result.limit) io.stdout(c.yellow(`  inconclusive: ${result.limit}; partial: ${result.stats.executions} executions, ${result.stats.states} states, max depth ${result.stats.maxDepth}\n`));
      // Details for a single spec, and for any spec whose verdict is not the expected one.
      if ((!many || !matches) && result.findings.length) {
        for (const f of result.findings) {
          const r = replay(spec, f.schedule);
          io.stdout('\n' + renderFinding(f, r.trace, r.machine, shown, c) + '\n');
        }
      }
      if (!many) {
        const s = result.stats;
        io.stdout(c.dim(`\n${s.executions} executions, ${s.states} states (${s.pruned} pruned), max depth ${s.maxDepth}; ${result.complete ? 'complete' : result.limit ? 'inconclusive' : `bounded at ${result.bound}`}\n`));
        if (flags.timing) io.stderr(c.dim(`checked in ${s.ms} ms (${s.rate} states/s)\n`));
      }
    }
    if (ci && !flags.all) io.stdout(flags.format === 'junit' ? junit(suite) : sarif(suite));
    if (many && flags.format === 'text' && !flags.all) {
      io.stdout(`\n${files.length} specs: ${tally.match} as expected, ${tally.mismatch} not, ${tally.inconclusive} inconclusive, ${tally.error} with errors\n`);
      if (flags.timing) io.stderr(c.dim(`checked in ${Date.now() - t0} ms\n`));
    }
    ctx.setExit(worst);
  });
}

export function registerReplay(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('replay')
    .description('re-run one schedule of a spec exactly and print its trace')
    .argument('<spec>', 'spec file')
    .requiredOption('--schedule <schedule>', "schedule string from check's output, e.g. 'h1.h1>t2.h0*3'")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--set <path=value>', 'override a spec field before validation (repeatable)', collect, []);
  cmd.action((input: string, flags: { schedule: string; format: 'text' | 'json'; set: string[] }) => {
    const { io } = ctx;
    const c = makeChalk(io.env, io.isTTY);
    const file = resolve(io.cwd, input);
    const shown = relative(io.cwd, file) || file;
    const loaded = loadSpecFile(file, shown, { overrides: flags.set });
    if (!loaded.spec) {
      for (const d of loaded.diagnostics) io.stderr(formatDiagnostic(d) + '\n');
      ctx.setExit(EXIT.badInput);
      return;
    }
    const spec = loaded.spec;
    let r;
    try {
      r = replay(spec, flags.schedule);
    } catch (e) {
      throw new UserError(`${shown}: ${(e as Error).message}`);
    }
    if (flags.format === 'json') {
      io.stdout(JSON.stringify({
        spec: spec.name,
        schedule: flags.schedule,
        preemptions: r.preemptions,
        violation: r.violation ? violationJson({ violation: r.violation, schedule: flags.schedule, preemptions: r.preemptions, steps: parseSchedule(flags.schedule).length }) : null,
        finished: r.finished,
        next: r.next,
        trace: r.trace.map((e) => ({ hart: e.hart, task: e.task, kind: e.kind, pc: e.pc !== undefined ? `0x${BigInt.asUintN(64, BigInt(e.pc)).toString(16)}` : null, text: e.text ?? null, versions: e.fetched?.map((f) => f.version ?? null) ?? null })),
      }) + '\n');
    } else {
      if (r.violation) {
        io.stdout(describeViolation(r.violation, r.machine, c).join('\n') + '\n');
        io.stdout(`  schedule: ${flags.schedule} (${r.preemptions} preemption${r.preemptions === 1 ? '' : 's'})\n\n`);
      } else {
        io.stdout(`${spec.name}: schedule ${r.finished ? 'completes without violation' : `stops with transitions left: ${r.next.join(', ')}`}\n\n`);
      }
      io.stdout(renderTrace(r.trace, r.machine, c) + '\n');
    }
    ctx.setExit(r.violation ? EXIT.violation : EXIT.ok);
  });
}

// Re-exported for tests that want the same pipeline without the CLI.
export { explore, exploreOptions, Machine };
export type { Spec };
