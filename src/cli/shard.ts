/**
 * A partitioned search from the command line (explore/partition.ts, issue 9):
 *
 * - `check SPEC --exhaustive --workers N`: the parts on N worker threads, one report;
 * - `check SPEC --exhaustive --shard i/n --shard-out FILE`: parts i, i+n, i+2n, ... into FILE,
 *   on as many machines as there are shards (a GitHub Actions matrix, a Kubernetes Indexed Job,
 *   a Slurm job array: docs/scale.md);
 * - `ftrace-race merge FILE...`: the report of the whole search from all n files, through
 *   check's own report path, so it is byte for byte the report of `--workers` on one machine.
 *
 * A shard file: the line `ftrace-race shard 1`, the byte length of a JSON header on the next
 * line, the header, then each part's fingerprints (little-endian 32-bit words) in the header's
 * order. A shard is bound to the spec file's bytes and the options that shape the parts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from './main.js';
import { EXIT, UserError } from './io.js';
import type { CliIo } from './term.js';
import { InputFileError, readInputFile } from './input.js';
import { runParts, Phase1Pool } from './part-workers.js';
import { DEFAULT_LIMITS } from '../spec/limits.js';
import type { ProgressSink } from './progress.js';
import { exploreOptions, verdictMatches, type CheckOptions } from '../api/check.js';
import { exploreTwoPhase, notTwoPhase } from '../explore/shared.js';
import { mergeParts, partsLimit, splitSearch, SPLIT_TARGET, type PartResult } from '../explore/partition.js';
import { decodeFramed, encodeFramed } from '../explore/framed.js';
import { SEARCH_FORMAT } from '../explore/strategy.js';
import type { ExploreOptions, ExploreResult, Finding, Progress } from '../explore/strategy.js';
import { explore, replay } from '../explore/explore.js';
import { signature, type Violation } from '../check/violation.js';
import type { Spec } from '../spec/types.js';
import type { CheckFlags, SearchHook } from './check.js';
import { VERSION } from '../version.js';
import { FINGERPRINT_FORMAT } from '../model/fingerprint.js';

export interface PartFlags {
  workers?: number;
  shard?: { i: number; n: number };
  shardOut?: string;
}

const MAGIC = 'ftrace-race shard 1';
const MAX_SHARDS = SPLIT_TARGET * 16;
/** More parts than any split makes (its horizon stops at the first depth with SPLIT_TARGET states, each with at most 64 transitions). */
const MAX_PARTS = SPLIT_TARGET * 64 * 64;
/** Largest shard file merge reads (a Buffer's limit is 4 GiB). */
const SHARD_BYTES = 2 ** 31;

export function parseShard(v: string): { i: number; n: number } {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(v);
  const i = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i >= n) throw new UserError(`--shard: expected i/n with 0 <= i < n (the index counts from 0, as JOB_COMPLETION_INDEX and SLURM_ARRAY_TASK_ID do), got '${v}'`);
  if (n > MAX_SHARDS) throw new UserError(`--shard: at most ${MAX_SHARDS} shards, got '${v}'`);
  return { i, n };
}

/** Usage errors of --workers/--shard (check's conflicts() lists them with its own). */
export function partConflicts(f: CheckFlags): [boolean, string][] {
  const parted = f.workers !== undefined || !!f.shard;
  return [
    [parted && f.workers === 0, '--workers: at least 1'],
    [parted && f.random !== undefined, '--random walks are not split in parts: drop --workers/--shard or --random'],
    [parted && f.bound !== undefined, 'a partitioned search has no preemption bound: drop --bound (and give --exhaustive)'],
    [parted && !!f.all, '--all streams every schedule of one search: drop --workers/--shard or --all'],
    [parted && (!!f.checkpoint || !!f.resume), 'a partitioned search is not checkpointed: drop --checkpoint/--resume or --workers/--shard'],
    [!!f.shard && !f.shardOut, '--shard writes its result to a file: give --shard-out FILE'],
    [!!f.shardOut && !f.shard, '--shard-out needs --shard i/n'],
  ];
}

function needExhaustive(spec: Spec, eo: ExploreOptions): void {
  if (eo.strategy !== 'exhaustive') {
    throw new UserError(`${spec.name}: --workers and --shard split a search without a preemption bound: add --exhaustive (iterative bounding decides after each bound whether to go on, which no part can decide alone)`);
  }
}

/** Progress of a partitioned search: parts done, with an estimate of the time left. */
function partProgress(progress: ProgressSink | null) {
  let executions = 0, violations = 0;
  return (done: number, of: number, r: PartResult) => {
    executions += r.executions;
    violations += r.findings.length;
    progress?.update({ bound: null, states: 0, executions, violations, parts: { done, of } });
  };
}

/**
 * `check --workers N`: two phases on N threads (explore/shared.ts), or, where they cannot run,
 * the single search on this thread — the same report for any N either way, and faster than the
 * parts of a split, which repeat the states reachable from several of them (docs/scale.md).
 */
export async function checkParts(spec: Spec, opts: CheckOptions, workers: number, progress: ProgressSink | null) {
  const eo = exploreOptions(spec, { ...opts, onProgress: undefined });
  needExhaustive(spec, eo);
  const t0 = (eo.now ?? Date.now)();
  // This thread's share of phase 1 shows the states of all threads (they share one table).
  const onProgress = progress ? (p: Progress) => progress.update(p) : undefined;
  // Phase 1's other threads start now: their start-up overlaps the split.
  const pool = notTwoPhase(eo) === null ? new Phase1Pool(spec, { ...eo, startedAt: t0 }, workers - 1) : null;
  let two: Awaited<ReturnType<typeof exploreTwoPhase>>;
  try {
    two = await exploreTwoPhase(spec, { ...eo, startedAt: t0 }, (job) => pool!.run(spec, { ...eo, startedAt: t0, onProgress }, job));
  } finally {
    await pool?.close();
  }
  // The single search counts its time (max-time) from the start of the two-phase attempt.
  const result = typeof two === 'string' ? explore(spec, { ...eo, startedAt: t0, onProgress }) : two;
  if (typeof two === 'string') result.stats.oneThread = two;
  return { ok: true as const, spec, result, matches: verdictMatches(spec, result) };
}

/** What a shard is bound to: the spec's bytes and the options that shape the parts. */
function shardKey(specBytes: Uint8Array, eo: ExploreOptions, set: readonly string[]): string {
  // The version too: fingerprints are the model's own hash, and another version may split or hash differently.
  const shape = { version: VERSION, fingerprints: FINGERPRINT_FORMAT, search: SEARCH_FORMAT, naive: eo.naive, symmetry: eo.symmetry ?? null, por: !!eo.por, maxStates: eo.maxStates ?? null, maxMemory: eo.maxMemory ?? null, set, target: SPLIT_TARGET };
  return createHash('sha256').update(specBytes).update(JSON.stringify(shape)).digest('hex');
}

type Stored = Omit<PartResult, 'keys'> & { words: number };

interface ShardHeader {
  key: string;
  spec: { file: string; sha256: string };
  options: { set: string[]; naive: boolean; symmetry: boolean | null; por: boolean; maxStates: number | null; maxTime: number | null; maxMemory: number | null };
  shard: number;
  of: number;
  parts: number;
  depth: number;
  symmetric: string[][];
  ms: number;
  top: Stored;
  results: Stored[];
}

function encodeShard(h: Omit<ShardHeader, 'top' | 'results'>, top: PartResult, results: PartResult[]): Uint8Array {
  const strip = (r: PartResult): Stored => {
    const { keys, ...rest } = r;
    return { ...rest, words: keys.length };
  };
  return encodeFramed(MAGIC, { ...h, top: strip(top), results: results.map(strip) }, [top, ...results].map((r) => r.keys));
}

const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
/** A part's --por figure as a shard stores it: absent, { slept } or { abandoned }. */
const porField = (x: unknown) => x === undefined || (typeof x === 'object' && x !== null && (('slept' in x && count(x.slept) && Object.keys(x).length === 1) || ('abandoned' in x && typeof x.abandoned === 'string' && Object.keys(x).length === 1)));

function decodeShard(bytes: Uint8Array): { h: ShardHeader; top: PartResult; results: PartResult[] } {
  const bad = (why: string) => new Error(`not a shard file: ${why}`);
  const file = decodeFramed(bytes, MAGIC, bad);
  const h = file.header as ShardHeader;
  const strings = (x: unknown) => Array.isArray(x) && x.every((y) => typeof y === 'string');
  if (typeof h?.key !== 'string' || typeof h.spec?.file !== 'string' || typeof h.spec.sha256 !== 'string' || !count(h.shard) || !count(h.of) || !count(h.parts) || !count(h.depth) || !count(h.ms) || !Array.isArray(h.results) || !h.top || !strings(h.options?.set)) throw bad('its header is incomplete');
  if (h.of < 1 || h.of > MAX_SHARDS || h.shard >= h.of) throw bad(`it is shard ${h.shard} of ${h.of} (at most ${MAX_SHARDS} shards, counted from 0)`);
  if (h.parts > MAX_PARTS) throw bad(`it names ${h.parts} parts (a split makes at most ${MAX_PARTS})`);
  if (!Array.isArray(h.symmetric) || !h.symmetric.every(strings)) throw bad('its header is incomplete');
  const o = h.options;
  if (typeof o.naive !== 'boolean' || typeof o.por !== 'boolean' || ![o.symmetry].every((x) => x === null || typeof x === 'boolean') || ![o.maxStates, o.maxTime, o.maxMemory].every((x) => x === null || count(x))) throw bad('its options are malformed');
  const stored = [h.top, ...h.results];
  for (const r of stored) {
    if (!r || !count(r.words) || r.words % 2 !== 0 || !Array.isArray(r.findings) || !strings(r.finals) || ![r.executions, r.nodes, r.pruned, r.maxDepth].every(count) || !(r.limit === undefined || typeof r.limit === 'string') || !porField(r.por) || ![r.unjudged, r.symmetryAbandoned].every((x) => x === undefined || typeof x === 'string')) throw bad('a part\'s result is malformed');
  }
  if (h.top.index !== -1) throw bad('its top is malformed');
  for (const r of h.results) if (!count(r.index) || r.index >= h.parts || r.index % h.of !== h.shard) throw bad(`part ${String(r.index)} is not one of shard ${h.shard} of ${h.of}'s parts`);
  const keys = file.words(stored.map((r) => r.words), 'its fingerprints are');
  const load = (r: Stored, i: number): PartResult => {
    const { words: _, ...rest } = r;
    return { ...rest, keys: keys[i] };
  };
  return { h, top: load(h.top, 0), results: h.results.map((r, i) => load(r, i + 1)) };
}

/**
 * `check --shard i/n --shard-out FILE`: this shard's parts, written to FILE (never over an
 * existing one). Returns the exit code: 0, or 3 when a limit cut one of its parts short.
 */
export async function writeShard(io: CliIo, abs: string | undefined, shown: string, spec: Spec, opts: CheckOptions, flags: CheckFlags, progress: ProgressSink | null): Promise<number> {
  const { i, n } = flags.shard!;
  if (!abs) throw new UserError('--shard needs a spec file (merge reads it again), not standard input');
  const eo = exploreOptions(spec, { ...opts, onProgress: undefined });
  needExhaustive(spec, eo);
  const out = resolve(io.cwd, flags.shardOut!);
  if (existsSync(out)) throw new UserError(`${flags.shardOut}: exists: a shard never overwrites a file (remove it, or name another)`);
  const t0 = Date.now();
  eo.startedAt = t0;
  const split = splitSearch(spec, eo);
  const mine = split.top.limit ? [] : split.parts.filter((p) => p.index % n === i);
  progress?.start(`${spec.name} (shard ${i}/${n})`, 0, 1);
  let results: PartResult[];
  try {
    results = await runParts(spec, eo, mine, flags.workers ?? 1, partProgress(progress));
  } finally {
    progress?.stop();
  }
  const bytes = readFileSync(abs);
  const header = {
    key: shardKey(bytes, eo, flags.set),
    spec: { file: relative(io.cwd, abs) || abs, sha256: createHash('sha256').update(bytes).digest('hex') },
    options: { set: flags.set, naive: eo.naive, symmetry: eo.symmetry ?? null, por: !!eo.por, maxStates: flags.maxStates ?? null, maxTime: flags.maxTime ?? null, maxMemory: flags.maxMemory ?? null },
    shard: i,
    of: n,
    parts: split.parts.length,
    depth: split.depth,
    symmetric: split.symmetric,
    ms: flags.timing ? Date.now() - t0 : 0,
  };
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, encodeShard(header, split.top, results));
    renameSync(tmp, out);
  } catch (e) {
    throw new UserError(`${flags.shardOut}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const limited = partsLimit([split.top, ...results], split.parts.length);
  const executions = [split.top, ...results].reduce((x, r) => x + r.executions, 0);
  io.stdout(`${shown}: shard ${i}/${n}: ${mine.length} of ${split.parts.length} parts searched, ${executions} executions${limited ? `; cut short: ${limited}` : ''}; wrote ${flags.shardOut} (ftrace-race merge all ${n} shards for the report)\n`);
  return limited ? EXIT.inconclusive : EXIT.ok;
}

/**
 * A finding read from a shard file, replayed on the spec: its violation as the replay makes
 * it (a livelock's schedule ends around its fair cycle, explore/replay.ts); one that does not
 * replay to its own signature is a UserError naming the file.
 */
function checkedFinding(spec: Spec, f: Finding, file: string): Finding {
  const bad = (why: string) => new UserError(`${file}: not a shard of this spec: ${why}`);
  if (!f || typeof f.schedule !== 'string' || ![f.preemptions, f.steps, f.schedules].every(count) || !f.violation || typeof f.violation !== 'object') throw bad('a finding is malformed');
  const v = f.violation;
  const typed = typeof v.property === 'string' && typeof v.kind === 'string' && typeof v.task === 'string' && typeof v.message === 'string' && Number.isSafeInteger(v.hart) && typeof v.pc === 'number'
    && (v.site === undefined || typeof v.site === 'string') && (v.target === undefined || typeof v.target === 'number') && (v.landing === undefined || v.landing === 'benign' || v.landing === 'wild')
    && (v.versions === undefined || (Array.isArray(v.versions) && v.versions.every(count))) && (v.benign === undefined || typeof v.benign === 'boolean') && (v.legitimate === undefined || (Array.isArray(v.legitimate) && v.legitimate.every((x) => typeof x === 'number')));
  if (!typed) throw bad('a finding\'s violation is malformed');
  let replayed: Violation | undefined;
  let finals: readonly Violation[] = [];
  try {
    const r = replay(spec, f.schedule);
    replayed = r.violation;
    if (r.next.length === 0 && r.machine.transitions().length === 0) {
      const term = r.machine.terminal();
      if (term.kind === 'done') finals = term.violations;
    }
  } catch (e) {
    throw bad(`a finding's schedule does not replay (${(e as Error).message})`);
  }
  if (replayed && signature(replayed) === signature(v)) return { ...f, violation: replayed };
  // A final state may break several assertions: replay names the first.
  const final = finals.find((x) => signature(x) === signature(v));
  if (final) return { ...f, violation: final };
  throw bad(`a finding's schedule does not end in its violation (${v.property}/${v.kind})`);
}

/** `ftrace-race merge FILE...`: the report of a sharded search. */
export function registerMerge(program: Command, ctx: CommandContext, addReportOptions: (c: Command) => Command, runCheck: (ctx: CommandContext, inputs: string[], flags: CheckFlags, hook?: SearchHook) => Promise<void>): void {
  const cmd = program
    .command('merge')
    .description('the report of a sharded search from all of its shards\' files (check --exhaustive --shard i/n --shard-out FILE)')
    .argument('<files...>', 'the shard files, one for each i of i/n')
    .option('--spec <file>', 'the spec file, when it is not where the shards read it (its bytes must be the same)')
    .option('--no-timing', 'leave wall-clock figures out, so output bytes depend only on the input');
  addReportOptions(cmd);
  cmd.action(async (files: string[], mflags: CheckFlags & { spec?: string }) => {
    const io = ctx.io as CliIo;
    const shards = files.map((file) => {
      let bytes: Uint8Array;
      try {
        bytes = readInputFile(resolve(io.cwd, file), SHARD_BYTES);
      } catch (e) {
        if (e instanceof InputFileError) throw new UserError(`${file}: ${e.message}`);
        throw e;
      }
      try {
        return { file, ...decodeShard(bytes) };
      } catch (e) {
        throw new UserError(`${file}: ${(e as Error).message}`);
      }
    });
    const first = shards[0];
    for (const s of shards) {
      if (s.h.key !== first.h.key) throw new UserError(`${s.file}: a shard of another search than ${first.file} (another spec file or other options)`);
      if (s.h.of !== first.h.of) throw new UserError(`${s.file}: shard ${s.h.shard}/${s.h.of}, but ${first.file} is one of ${first.h.of}`);
    }
    const n = first.h.of;
    const seen = new Map<number, string>();
    for (const s of shards) {
      const dup = seen.get(s.h.shard);
      if (dup) throw new UserError(`${s.file}: shard ${s.h.shard}/${n} again (also ${dup})`);
      seen.set(s.h.shard, s.file);
    }
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
    if (missing.length) throw new UserError(`shard${missing.length === 1 ? '' : 's'} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''} of ${n} missing: merge needs all ${n}`);
    const specPath = resolve(io.cwd, mflags.spec ?? first.h.spec.file);
    let specBytes: Uint8Array;
    try {
      // The path comes from a file: read like any spec (a regular file, with the size cap).
      specBytes = readInputFile(specPath, DEFAULT_LIMITS.specBytes);
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      throw new UserError(`${mflags.spec ?? first.h.spec.file}: cannot read the spec the shards searched (${e.message}; give --spec FILE)`);
    }
    if (createHash('sha256').update(specBytes).digest('hex') !== first.h.spec.sha256) {
      throw new UserError(`${mflags.spec ?? first.h.spec.file}: not the spec the shards searched (its bytes differ)`);
    }
    const o = first.h.options;
    const flags: CheckFlags = {
      ...mflags,
      set: o.set,
      exhaustive: true,
      naive: o.naive || undefined,
      symmetry: o.symmetry ?? undefined,
      por: o.por || undefined,
      maxStates: o.maxStates ?? undefined,
      maxTime: o.maxTime ?? undefined,
      maxMemory: o.maxMemory ?? undefined,
    };
    const hook: SearchHook = async (spec): Promise<ExploreResult> => {
      const eo = exploreOptions(spec, { exhaustive: true, naive: flags.naive, symmetry: flags.symmetry, por: flags.por, maxStates: flags.maxStates, maxTime: flags.maxTime, maxMemory: flags.maxMemory });
      const count = first.top.limit ? 0 : first.h.parts;
      const owner = new Map<number, string>();
      for (const s of shards) {
        if (s.h.parts !== first.h.parts || s.h.depth !== first.h.depth) throw new UserError(`${s.file}: its split (${s.h.parts} parts at depth ${s.h.depth}) is not ${first.file}'s`);
        for (const r of s.results) {
          if (owner.has(r.index)) throw new UserError(`${s.file}: part ${r.index} is also in ${owner.get(r.index)}`);
          owner.set(r.index, s.file);
        }
      }
      const lost = Array.from({ length: count }, (_, i) => i).filter((i) => !owner.has(i));
      if (lost.length) throw new UserError(`${shards.find((s) => s.h.shard === lost[0] % n)!.file}: part${lost.length === 1 ? '' : 's'} ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', ...' : ''} of its shard missing`);
      // Findings come from a file: each is replayed on the spec before it reaches a report.
      const checked = (file: string, r: PartResult): PartResult => ({ ...r, findings: r.findings.map((f) => checkedFinding(spec, f, file)) });
      const top = checked(shards.find((s) => s.h.shard === 0)!.file, first.top);
      const results = shards.flatMap((s) => s.results.map((r) => checked(s.file, r)));
      const split = { depth: first.h.depth, parts: Array.from({ length: count }, (_, index) => ({ index, path: [] })), top, symmetric: first.h.symmetric };
      return mergeParts(spec, eo, split, results, Math.max(...shards.map((s) => s.h.ms)));
    };
    await runCheck(ctx, [relative(io.cwd, specPath) || specPath], flags, hook);
  });
}
