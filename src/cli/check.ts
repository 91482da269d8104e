import { Dirent, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { CommandContext } from './main.js';
import { EXIT, UserError, heapUsed } from './io.js';
import { CliIo, readStdin, textWidth } from './term.js';
import { makeProgress } from './progress.js';
import { planCheckpoint, type CheckpointFlags } from './checkpoint.js';
import { searchInWorker } from './search-worker.js';
import { checkParts, partConflicts, parseShard, type PartFlags, writeShard } from './shard.js';
import { checkSpec, CheckOptions, exploreOptions, gateProblems, modelCaveat, verdictMatches } from '../api/check.js';
import { buildWitness } from '../api/witness.js';
import { explore, type ExploreResult } from '../explore/explore.js';
import { loadSpecFile, loadSpecText } from './input.js';
import { parseSchedule } from '../explore/schedule.js';
import { diagnosticText, SpecDiagnostic } from '../spec/diagnostic.js';
import { describeViolation, makeChalk, renderFinding, renderTrace, verdictLine, wrap } from '../report/text.js';
import { diagnosticsJson, JSON_VERSION, resultJson, summaryJson, violationJson, violationRecord } from '../report/json.js';
import { junit } from '../report/junit.js';
import { sarif } from '../report/sarif.js';
import { githubAnnotations } from '../report/github.js';
import { html } from '../report/html.js';
import { plural, SuiteEntry, totals } from '../report/suite.js';
import type { Spec } from '../spec/types.js';
import { DEFAULT_LIMITS, InputLimits } from '../spec/limits.js';

/**
 * `ftrace-race check <spec|dir|glob...>` and `ftrace-race replay <spec> --schedule S`.
 * Exit codes (src/cli/io.ts EXIT): 0 every verdict matches its `expect:`, 1 a violation or a
 * mismatch, 2 bad input, 3 a limit cut a search short, 70 internal error. With several specs
 * the worst wins, in the order 70 > 2 > 1 > 3 > 0.
 */

export type CheckFlags = Pick<CheckOptions, 'all' | 'exhaustive' | 'random' | 'seed' | 'naive' | 'symmetry' | 'por' | 'bound' | 'maxStates' | 'maxTime' | 'maxMemory'> & CheckpointFlags & PartFlags & {
  format?: ReportFormat;
  set: string[];
  /** false with --no-timing: wall-clock figures (stats.ms, rate) are zeroed or not printed. */
  timing: boolean;
} & ReportFlags;

// ---- The report path: --report FORMAT[:FILE] (repeatable), --html, --github, --progress, --quiet, --width.

const FORMATS = ['text', 'json', 'junit', 'sarif', 'html'] as const;
type ReportFormat = (typeof FORMATS)[number];
/** One report: a format and a file (undefined: stdout). */
interface ReportTarget { format: ReportFormat; file?: string }

interface ReportFlags {
  report: ReportTarget[];
  html?: string;
  /** undefined: on under GITHUB_ACTIONS=true. */
  github?: boolean;
  sarifRoot?: string;
  width?: number;
  progress?: boolean;
  /** Seconds between progress lines (implies --progress). */
  progressEvery?: number;
  quiet?: boolean;
}

function parseReport(v: string, prev: ReportTarget[]): ReportTarget[] {
  const i = v.indexOf(':');
  const format = (i < 0 ? v : v.slice(0, i)) as ReportFormat;
  const file = i < 0 ? undefined : v.slice(i + 1);
  if (!FORMATS.includes(format)) throw new UserError(`--report: unknown format '${format}' (one of ${FORMATS.join(', ')})`);
  if (file === '') throw new UserError(`--report ${format}: empty file name`);
  return [...prev, { format, file: file === '-' ? undefined : file }];
}

/** The reports of one run: at most one on stdout; text on stdout when none is asked for. */
function reportTargets(flags: CheckFlags): ReportTarget[] {
  const out = [...flags.report];
  if (flags.format) out.unshift({ format: flags.format });
  if (flags.html) out.push({ format: 'html', file: flags.html });
  // Verdicts on stdout unless a report takes it: `--report sarif:x.sarif` alone still shows them.
  if (!out.some((t) => t.file === undefined)) out.unshift({ format: 'text' });
  const onStdout = out.filter((t) => t.file === undefined);
  if (onStdout.length > 1) throw new UserError(`only one report can go to stdout (${onStdout.map((t) => t.format).join(', ')}): give the others a file, e.g. --report sarif:out.sarif`);
  return out;
}

/**
 * The repository root SARIF and GitHub paths are relative to: the nearest directory at or above
 * `cwd` that holds `.git` (a directory, or a file in a worktree), else `cwd`.
 */
export function gitTopLevel(cwd: string): string {
  for (let d = resolve(cwd); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return resolve(cwd);
  }
}

export function addReportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'the one report on stdout: text, json (JSON Lines), junit, sarif or html').choices([...FORMATS]))
    .option('--report <format[:file]>', 'add a report, to a file or (no file, or -) stdout; repeatable: --report sarif:out.sarif --report junit:junit.xml --report text', parseReport, [])
    .option('--html <file>', 'write the HTML swimlane report (same as --report html:FILE)')
    .option('--github', 'print GitHub Actions annotations at the spec lines (default under GITHUB_ACTIONS=true)')
    .option('--no-github', 'no GitHub Actions annotations, even under GitHub Actions')
    .option('--sarif-root <dir>', 'SARIF and annotation paths are relative to this directory (default: the git top level)')
    .addOption(new Option('--width <n>', 'width of text output (default: the terminal, else $COLUMNS, else 80; 0 = no limit)').argParser(intArg('--width')))
    .option('--progress', 'progress lines on stderr even when it is not a terminal (CI logs)')
    .addOption(new Option('--progress-every <seconds>', 'seconds between progress lines off a terminal (default 1; implies --progress)').argParser(secondsArg('--progress-every')))
    .option('--quiet', 'no progress; text shows only specs that fail the gate');
}

/** A spec that could not be read becomes an entry of the suite, so every report still says so. */
const ioDiagnostic = (file: string, message: string): SpecDiagnostic => ({ code: 'io', file, line: 1, column: 1, message });

export const intArg = (name: string, max = Number.MAX_SAFE_INTEGER) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${name}: expected a non-negative integer, got '${v}'`);
  if (n > max) throw new UserError(`${name}: at most ${max}, got '${v}'`);
  return n;
};

/** Whole seconds, 1 to a day. */
const secondsArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 86_400) throw new UserError(`${name}: expected whole seconds from 1 to 86400, got '${v}'`);
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

/** The bounds of a directory walk (DEFAULT_LIMITS in src/spec/limits.ts). */
export type WalkLimits = Pick<InputLimits, 'walkEntries' | 'walkDepth'>;

/** What a walk passed over without entering, for the message when it finds no spec. */
interface Walked { entries: number; skippedLinks: number }

/**
 * Files below `dir` (`check DIR`, and the base of a glob), in sorted order. Symbolic links to
 * directories are not followed (links to files are; a dangling one is kept, and reported when
 * read), so no link can lead the walk out of the tree or round a cycle; `node_modules` and
 * directories whose name starts with '.' (.git, .cache, ...) are skipped. Past `walkEntries`
 * directory entries read, or a directory more than `walkDepth` levels below `dir`, the walk
 * stops with one error naming the input (`shown`) and the limit.
 */
function walk(root: string, out: string[], limits: WalkLimits, shown: string): Walked {
  const walked: Walked = { entries: 0, skippedLinks: 0 };
  const visit = (dir: string, depth: number): void => {
    let names: Dirent[];
    try {
      names = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new UserError(`${shown}: cannot read the directory${dir === root ? '' : ` ${relative(root, dir)}`} (${code})`);
    }
    walked.entries += names.length;
    if (walked.entries > limits.walkEntries) {
      throw new UserError(`${shown}: more than ${limits.walkEntries} directory entries below it (limit walkEntries): name a smaller directory, or the spec files`);
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of names) {
      const p = join(dir, ent.name);
      let isDir = ent.isDirectory();
      if (ent.isSymbolicLink()) {
        try {
          isDir = statSync(p).isDirectory();
        } catch {
          out.push(p); // a dangling link: reported when it is read
          continue;
        }
        if (isDir) {
          walked.skippedLinks++;
          continue;
        }
      }
      if (!isDir) out.push(p);
      else if (ent.name === 'node_modules' || ent.name.startsWith('.')) continue;
      else if (depth >= limits.walkDepth) {
        throw new UserError(`${shown}: directories nest more than ${limits.walkDepth} levels below it, as ${relative(root, p)} (limit walkDepth): name a smaller directory, or the spec files`);
      } else visit(p, depth + 1);
    }
  };
  visit(root, 0);
  return walked;
}

/**
 * Expands files, directories (every .yaml/.yml below, walked within `limits`) and globs,
 * sorted, without duplicates.
 */
export function expandInputs(inputs: readonly string[], cwd: string, limits: WalkLimits = DEFAULT_LIMITS): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const abs = resolve(cwd, input);
    if (/[*?]/.test(input)) {
      const firstGlob = input.search(/[*?]/);
      const baseRel = input.slice(0, input.lastIndexOf('/', firstGlob) + 1) || '.';
      const base = resolve(cwd, baseRel);
      const re = globToRegex(resolve(cwd, input));
      const files: string[] = [];
      let st;
      try {
        st = statSync(base);
      } catch {
        st = undefined;
      }
      if (!st?.isDirectory()) throw new UserError(`${input}: no such directory ${baseRel}`);
      walk(base, files, limits, input);
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
      const walked = walk(abs, files, limits, input);
      const specs = files.filter((f) => /\.ya?ml$/.test(f));
      if (!specs.length) {
        const links = walked.skippedLinks ? ` (${walked.skippedLinks} symbolic link${walked.skippedLinks === 1 ? '' : 's'} to directories not followed: name ${walked.skippedLinks === 1 ? 'it' : 'them'} directly)` : '';
        throw new UserError(`${input}: no .yaml specs in this directory${links}`);
      }
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
    .option('--no-symmetry', 'no symmetry reduction: interchangeable tasks are told apart (docs/scale.md)')
    .option('--por', 'partial-order reduction with sleep sets and persistent sets (bounded or --exhaustive): transitions that commute with the one taken are not taken again, and stop_machine\'s stoppers exit first; witnesses as few preemptions, maybe longer; with --naive, one execution per Mazurkiewicz trace (docs/semantics.md)')
    .option('--checkpoint <file>', 'write the search\'s state to FILE every --checkpoint-every seconds, to go on later with --resume (one spec; docs/scale.md)')
    .addOption(new Option('--checkpoint-every <s>', 'seconds between checkpoints (default 300)').argParser(intArg('--checkpoint-every')))
    .option('--resume <file>', 'go on from a checkpoint written by --checkpoint, to the report an uninterrupted run gives')
    .addOption(new Option('--workers <n>', 'search each spec on n threads (with --exhaustive; the same report for every n): in two phases where it can, one table of states shared by the threads and then the witness search (the single search\'s findings and witnesses), otherwise the single search on one thread, which says why (docs/scale.md)').argParser(intArg('--workers', 64)))
    .addOption(new Option('--shard <i/n>', 'search the i-th of n shares of the parts (with --exhaustive, one spec) into --shard-out FILE; `ftrace-race merge` makes the report').argParser(parseShard))
    .option('--shard-out <file>', 'where --shard writes its result (never overwritten)')
    .option('--no-timing', 'leave wall-clock figures out (stats.ms and rate are 0), so output bytes depend only on the input')
    .addOption(new Option('--bound <k>', 'highest preemption bound of the iterative search (also where the spec asks for explore.exhaustive)').argParser(intArg('--bound', 64)))
    .addOption(new Option('--max-states <n>', 'stop after n states (exit 3; default 2000000, 0 = no limit)').argParser(intArg('--max-states')))
    .addOption(new Option('--max-time <ms>', 'stop after this many milliseconds (exit 3; default none)').argParser(intArg('--max-time')))
    .addOption(new Option('--max-memory <mb>', 'stop when the heap passes this many megabytes (exit 3; default 2048, 0 = no limit)').argParser(intArg('--max-memory')));
}

/** Options that contradict each other are usage errors (exit 2), never silently resolved. */
function conflicts(f: CheckFlags): void {
  const pairs: [boolean, string][] = [
    [!!f.exhaustive && f.bound !== undefined, '--exhaustive searches without a preemption bound: drop --bound or --exhaustive'],
    [f.random !== undefined && !!f.exhaustive, '--random walks are not a systematic search: drop --exhaustive or --random'],
    [f.random !== undefined && !!f.naive, '--naive switches off the reduction of a systematic search; --random has none: drop one'],
    [f.seed !== undefined && f.random === undefined, '--seed only seeds --random walks'],
    [(!!f.checkpoint || !!f.resume) && f.random !== undefined, '--random walks keep no state to checkpoint: drop --checkpoint/--resume or --random'],
    [(!!f.checkpoint || !!f.resume) && !!f.all, '--all streams every schedule as it runs; a resumed run would stream some twice: drop --checkpoint/--resume or --all'],
    [f.checkpointEvery !== undefined && !f.checkpoint && !f.resume, '--checkpoint-every needs --checkpoint FILE'],
    [!!f.por && f.random !== undefined, '--por reduces a systematic search; --random walks are not one: drop --por or --random'],
    [!!f.por && !!f.all, '--por is a reduction; --all streams every schedule: drop one'],
    ...partConflicts(f),
  ];
  for (const [bad, why] of pairs) if (bad) throw new UserError(`conflicting options: ${why}`);
}

export function registerCheck(program: Command, ctx: CommandContext): void {
  const check = program
    .command('check')
    .description('explore every schedule of one or more specs and compare the verdicts with their expect:')
    .argument('<specs...>', "spec files, directories (every .yaml below), globs, or - (standard input)")
    .option('--all', 'stream every violating schedule as a JSON line (implies no state pruning)');
  addExploreOptions(addReportOptions(check)).action((inputs: string[], flags: CheckFlags) => runCheck(ctx, inputs, flags));
}

/** A search that replaces check's own for one spec (`merge`: the shards' results). */
export type SearchHook = (spec: Spec) => Promise<ExploreResult>;

/**
 * `check` after its options are parsed; `merge` calls it too, with the flags the shards were
 * run with and a hook that gives the merged result, so its report is check's, byte for byte.
 */
export async function runCheck(ctx: CommandContext, inputs: string[], flags: CheckFlags, hook?: SearchHook): Promise<void> {
  const io = ctx.io as CliIo;
  const targets = reportTargets(flags);
  const stdoutFormat = targets.find((t) => t.file === undefined)?.format;
  if (flags.all && stdoutFormat !== 'text' && stdoutFormat !== 'json') {
    throw new UserError(`--all streams JSON lines to stdout: write the ${stdoutFormat} report to a file (--report ${stdoutFormat}:FILE)`);
  }
  const textOuts = targets.filter((t) => t.format === 'text');
  const textOut = textOuts[0];
  const jsonOuts = targets.filter((t) => t.format === 'json');
  const json = (s: string) => jsonOuts.forEach((t) => emit(t, s));
  const c = makeChalk(io.env, io.isTTY);
  conflicts(flags);
  const plain = makeChalk({ NO_COLOR: '1' }, false);
  const width = textWidth(io, flags.width);
  // Text and JSON stream to stdout as each spec finishes; to a file they are kept and written at the end.
  const buffers = new Map<ReportTarget, string>();
  const emit = (t: ReportTarget, s: string) => {
    if (t.file === undefined) io.stdout(s);
    else buffers.set(t, (buffers.get(t) ?? '') + s);
  };
  const text = (colored: (ch: typeof c) => string) => {
    for (const t of textOuts) emit(t, colored(t.file === undefined ? c : plain));
  };
  // Inputs one by one, so a missing file is an entry of the suite and not the end of the run.
  const files: { shown: string; abs?: string; error?: string }[] = [];
  for (const input of inputs) {
    if (input === '-') { files.push({ shown: '-' }); continue; }
    try {
      for (const abs of expandInputs([input], io.cwd)) if (!files.some((f) => f.abs === abs)) files.push({ shown: relative(io.cwd, abs) || abs, abs });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      files.push({ shown: input, abs: resolve(io.cwd, input), error: e.message.replace(/^[^:]*: /, '') });
    }
  }
  const many = files.length > 1;
  if ((flags.checkpoint || flags.resume) && files.length !== 1) throw new UserError(`--checkpoint and --resume take one spec (${files.length} given)`);
  if (flags.shard && files.length !== 1) throw new UserError(`--shard takes one spec (${files.length} given)`);
  const quiet = !!flags.quiet;
  let worst = EXIT.ok as number;
  const t0 = Date.now();
  const suite: SuiteEntry[] = [];
  /** What the safe verdicts' fetch models leave out, and for how many specs (printed once at the end). */
  const caveats = new Map<string, number>();
  const needWitnesses = targets.some((t) => t.format !== 'text' && t.format !== 'json');
  const lines = flags.progress || flags.progressEvery !== undefined;
  const progress = makeProgress({
    mode: quiet || flags.all ? 'off' : lines && !(io.isTTY && io.stderrIsTTY) ? 'lines' : io.isTTY && io.stderrIsTTY && stdoutFormat === 'text' && !io.env.CI ? 'spinner' : lines ? 'lines' : 'off',
    every: (flags.progressEvery ?? 1) * 1000,
    stderr: (s) => io.stderr(s),
    now: () => Date.now(),
    stream: process.stderr,
  });
  const fail = (entry: SuiteEntry & { ok: false }) => {
    worst = rank(EXIT.badInput) > rank(worst) ? EXIT.badInput : worst;
    suite.push(entry);
    json(JSON.stringify(diagnosticsJson(entry.file, entry.diagnostics)) + '\n');
    io.stderr(diagnosticText(entry.diagnostics));
  };
  for (const [index, f] of files.entries()) {
    const { shown } = f;
    let source: string | undefined;
    try {
      if (f.error) throw new UserError(f.error);
      if (!f.abs) source = readStdin(io);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      fail({ file: shown, path: f.abs, ok: false, diagnostics: [ioDiagnostic(shown, e.message.replace(/^-: /, '').replace(/^.*: cannot read: /, 'cannot read: '))] });
      continue;
    }
    // Untrusted input: read with the size caps and file-type checks of cli/input.ts.
    const loaded = f.abs ? loadSpecFile(f.abs, shown, { overrides: flags.set }) : loadSpecText(source!, shown, io.cwd, { overrides: flags.set });
    if (!loaded.spec) {
      fail({ file: shown, path: f.abs, ok: false, diagnostics: loaded.diagnostics });
      continue;
    }
    const spec = loaded.spec;
    const opts: CheckOptions = {
      exhaustive: flags.exhaustive,
      random: flags.random,
      seed: flags.seed,
      naive: flags.naive,
      symmetry: flags.symmetry,
      por: flags.por,
      bound: flags.bound,
      maxStates: flags.maxStates,
      maxTime: flags.maxTime,
      maxMemory: flags.maxMemory,
      all: flags.all,
      heapUsed,
      onProgress: progress ? (p) => progress.update(p) : undefined,
      onViolation: flags.all ? (v) => io.stdout(JSON.stringify(violationRecord(spec, v)) + '\n') : undefined,
    };
    const plan = planCheckpoint(flags, io.cwd, f.abs, opts, flags.set);
    if (flags.shard) {
      // A shard's share of the parts goes to its file; `merge` makes the report.
      const code = await writeShard(io, f.abs, shown, spec, opts, flags, progress);
      if (rank(code) > rank(worst)) worst = code;
      continue;
    }
    progress?.start(spec.name, index, files.length);
    let checked;
    try {
      // A checkpointed search runs in a worker so that SIGINT/SIGTERM can reach it (cli/search-worker.ts).
      if (hook) {
        const result = await hook(spec);
        checked = { ok: true as const, spec, result, matches: verdictMatches(spec, result) };
      } else if (flags.workers !== undefined) {
        checked = await checkParts(spec, opts, flags.workers, progress);
      } else if (plan) {
        const result = await searchInWorker(spec, opts, plan, opts.onProgress);
        checked = { ok: true as const, spec, result, matches: verdictMatches(spec, result) };
      } else checked = checkSpec(spec, opts);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('not a usable checkpoint')) throw new UserError(`${flags.resume}: ${e.message}`);
      throw e;
    } finally {
      progress?.stop();
    }
    const { result, matches } = checked;
    // Wall-clock figures are the only output that varies between runs; --no-timing drops them.
    if (!flags.timing) result.stats = { ...result.stats, ms: 0, rate: 0 };
    const code = result.verdict === 'inconclusive' && !matches ? EXIT.inconclusive : matches ? EXIT.ok : EXIT.violation;
    if (rank(code) > rank(worst)) worst = code;
    const entry: SuiteEntry = { file: shown, path: f.abs, ok: true, spec, result, matches };
    // Witnesses for the text details, and for every finding when a suite report renders them.
    const details = (!many || !matches) && result.findings.length > 0;
    if (needWitnesses || (textOut && details)) entry.witnesses = result.findings.map((x) => buildWitness(spec, shown, x.schedule, x.steps, x.violation));
    suite.push(entry);
    if (flags.all) {
      io.stdout(JSON.stringify(resultJson(spec, result, matches)) + '\n');
      continue;
    }
    json(JSON.stringify(resultJson(spec, result, matches)) + '\n');
    if (!textOut || (quiet && matches)) continue;
    text((ch) => verdictLine(spec, result, matches, ch) + '\n');
    if (!matches && result.verdict !== 'inconclusive') for (const p of gateProblems(spec, result)) text((ch) => ch.red(`  gate: ${p}\n`));
    const caveat = modelCaveat(spec, result);
    if (caveat && result.verdict === 'safe') {
      if (many) caveats.set(caveat, (caveats.get(caveat) ?? 0) + 1);
      else text((ch) => wrap(`  safe under ${caveat}`, width).map((l) => ch.dim(l)).join('\n') + '\n');
    }
    if (result.limit) text((ch) => ch.yellow(`  inconclusive: ${result.limit}; partial: ${plural(result.stats.executions, 'execution')}, ${plural(result.stats.states, 'state')}, max depth ${result.stats.maxDepth}\n`));
    const pr = result.stats.probes;
    if (result.limit && pr) text((ch) => ch.yellow(`  covered: ${Math.floor(100 * pr.covered)}% of the states of ${plural(pr.runs, 'random probe')} (100% when complete; docs/scale.md)\n`));
    // Details for a single spec, and for any spec whose verdict is not the expected one.
    if (details) {
      result.findings.forEach((x, i) => text((ch) => '\n' + renderFinding(x, entry.witnesses![i], shown, ch, width) + '\n'));
    }
    if (!many && !quiet) {
      const s = result.stats;
      const stats = `${plural(s.executions, 'execution')}, ${plural(s.states, 'state')} (${s.pruned} pruned), max depth ${s.maxDepth}; ${result.complete ? 'complete' : result.limit ? 'inconclusive' : `bounded at ${result.bound}`}`;
      text((ch) => '\n' + wrap(stats, width).map((l) => ch.dim(l)).join('\n') + '\n');
      if (s.collision !== undefined) text((ch) => wrap(`fingerprint collision probability: optimistic ${s.collision!.toPrecision(2)}`, width).map((l) => ch.dim(l)).join('\n') + '\n');
      if (s.twoPhase) text((ch) => wrap(`two phases: ${plural(s.twoPhase!.parts, 'part')} below depth ${s.twoPhase!.depth} over one shared table of states, then the witness search on ${plural(s.twoPhase!.witnessStates, 'state')} (executions, pruned and schedules count it; docs/scale.md)`, width).map((l) => ch.dim(l)).join('\n') + '\n');
      if (s.oneThread) text((ch) => wrap(`--workers: the single search, on one thread: ${s.oneThread} (docs/scale.md)`, width).map((l) => ch.dim(l)).join('\n') + '\n');
      if (s.parts) text((ch) => wrap(`partitioned: ${plural(s.parts!.count, 'part')} below depth ${s.parts!.depth}, each with its own visited set (executions and pruned count their overlap; docs/scale.md)`, width).map((l) => ch.dim(l)).join('\n') + '\n');
      if (s.por) text((ch) => wrap('slept' in s.por! ? `partial-order reduction: ${plural(s.por!.slept, 'transition')} asleep (commuting with one taken) not taken` : `partial-order reduction given up (${s.por!.abandoned}): ${s.parts ? 'that part searched again without it' : 'searched without it'}`, width).map((l) => ch.dim(l)).join('\n') + '\n');
      if (s.symmetryAbandoned) text((ch) => wrap(`symmetry reduction given up (${s.symmetryAbandoned}): searched without it`, width).map((l) => ch.dim(l)).join('\n') + '\n');
      for (const g of s.symmetry ?? []) text((ch) => wrap(`symmetry: ${g.join(' ~ ')} are interchangeable (with their harts): one state of each permutation explored (--no-symmetry: all)`, width).map((l) => ch.dim(l)).join('\n') + '\n');
      if (flags.timing && stdoutFormat === 'text') io.stderr(c.dim(`checked in ${s.ms} ms (${s.rate} states/s)\n`));
    }
  }
  const t = totals(suite);
  const root = flags.sarifRoot ? resolve(io.cwd, flags.sarifRoot) : gitTopLevel(io.cwd);
  // A suite closes with its totals; one spec's output stays one JSON object (JSON.parse of stdout works).
  if (!flags.all && many) json(JSON.stringify(summaryJson(t, worst)) + '\n');
  if (many && textOut && !flags.all && !quiet) {
    text(() => '\n');
    for (const [caveat, n] of caveats) text((ch) => wrap(`${n} safe verdict${n === 1 ? '' : 's'} under ${caveat}`, width).map((l) => ch.dim(l)).join('\n') + '\n');
    text(() => `${files.length} specs: ${t.pass} as expected, ${t.fail} not, ${t.inconclusive} inconclusive, ${t.error} with errors\n`);
    if (flags.timing && stdoutFormat === 'text') io.stderr(c.dim(`checked in ${Date.now() - t0} ms\n`));
  }
  for (const target of targets) {
    if (target.format === 'text' || target.format === 'json') continue;
    const doc = target.format === 'junit' ? junit(suite) : target.format === 'sarif' ? sarif(suite, { root, exitCode: worst }) : html(suite, { title: files.length === 1 ? files[0].shown : `${files.length} specs` });
    emit(target, doc);
  }
  for (const [target, doc] of buffers) {
    try {
      writeFileSync(resolve(io.cwd, target.file!), doc);
    } catch (e) {
      throw new UserError(`${target.file}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const annotate = flags.github ?? io.env.GITHUB_ACTIONS === 'true';
  if (annotate) {
    // Workflow commands are read from both streams; keep them off a machine-readable stdout.
    const a = githubAnnotations(suite, root);
    if (stdoutFormat === undefined || stdoutFormat === 'text') io.stdout(a);
    else io.stderr(a);
  }
  ctx.setExit(worst);
}

export function registerReplay(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('replay')
    .description('re-run one schedule of a spec exactly and print its trace')
    .argument('<spec>', 'spec file, or - (standard input)')
    .addOption(new Option('--width <n>', 'width of the trace (default: the terminal, else $COLUMNS, else 80; 0 = no limit)').argParser(intArg('--width')))
    .requiredOption('--schedule <schedule>', "schedule string from check's output, e.g. 'h1.h1>t2.h0*3'")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--set <path=value>', 'override a spec field before validation (repeatable)', collect, []);
  cmd.action((input: string, flags: { schedule: string; format: 'text' | 'json'; set: string[]; width?: number }) => {
    const io = ctx.io as CliIo;
    const c = makeChalk(io.env, io.isTTY);
    const file = input === '-' ? join(io.cwd, 'stdin.yaml') : resolve(io.cwd, input);
    const shown = input === '-' ? '-' : relative(io.cwd, file) || file;
    const loaded = input === '-' ? loadSpecText(readStdin(io), shown, io.cwd, { overrides: flags.set }) : loadSpecFile(file, shown, { overrides: flags.set });
    if (!loaded.spec) {
      io.stderr(diagnosticText(loaded.diagnostics));
      ctx.setExit(EXIT.badInput);
      return;
    }
    const spec = loaded.spec;
    let r;
    try {
      r = buildWitness(spec, shown, flags.schedule, parseSchedule(flags.schedule).length);
    } catch (e) {
      throw new UserError(`${shown}: ${(e as Error).message}`);
    }
    if (flags.format === 'json') {
      io.stdout(JSON.stringify({
        type: 'replay',
        version: JSON_VERSION,
        spec: spec.name,
        schedule: flags.schedule,
        preemptions: r.preemptions,
        violation: r.violation ? violationJson({ violation: r.violation, schedule: flags.schedule, preemptions: r.preemptions, steps: parseSchedule(flags.schedule).length }) : null,
        finished: r.finished,
        next: r.next,
        tasks: r.tasks.map((t) => ({ id: t.id, name: t.name })),
        trace: r.events.map((e) => ({ hart: e.hart, task: e.task, kind: e.kind, pc: e.pc ?? null, text: e.text ?? null, versions: e.fetched?.map((f) => f.version) ?? null })),
      }) + '\n');
    } else {
      const width = textWidth(io, flags.width);
      if (r.violation) {
        io.stdout(describeViolation(r, c).flatMap((l) => wrap(l, width, 4)).join('\n') + '\n');
        io.stdout(`  schedule: ${flags.schedule} (${r.preemptions} preemption${r.preemptions === 1 ? '' : 's'})\n\n`);
      } else {
        io.stdout(`${spec.name}: schedule ${r.finished ? 'completes without violation' : `stops with transitions left: ${r.next.join(', ')}`}\n\n`);
      }
      io.stdout(renderTrace(r, c, width) + '\n');
    }
    ctx.setExit(r.violation ? EXIT.violation : EXIT.ok);
  });
}

// Re-exported for tests that want the same pipeline without the CLI.
export { explore, exploreOptions };
export type { Spec };
