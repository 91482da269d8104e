#!/usr/bin/env node
// Issue 9, "How we will know": how ftrace-race scales with the number of harts, against a
// hand-written Promela model of the same protocol checked with SPIN. A benchmark, not a test:
// it prints one table and exits 0 unless something could not run (or a verdict disagrees: 1).
//
// The family (N = 2..6 harts): N-1 callers, caller i pinned to hart i calling f twice, and a
// patcher on hart N-1 that changes f's 8-byte `auipc t0; jalr t0` entry from ftrace_caller to
// ftrace_regs_caller inside stop_machine (one sd by the last stopper to arrive). Three variants:
//
//   safe    kernel.preemption none, stoppers flush with fence.i (SCENARIOS B2 generalised):
//           safe, so both checkers must exhaust the space;
//   stale   the same, but the stoppers do not flush (flush: none), fetch model base: unsafe.
//           Under base a fetch may see any write at or above the hart's fetch floor, and only
//           fence.i raises the floor (docs/semantics.md, "Fetch models"). No hart runs fence.i,
//           so every floor stays at the initial content: a caller that calls f after the patch
//           may fetch the new auipc and the old jalr (or the reverse), each fetch choosing
//           independently, and jumps to f + hi(FRC - f) + lo(FC - f), neither trampoline.
//           No preemption is needed (ftrace-race's witness: versions [1,0], `h0.h0/1`);
//   unsafe  kernel.preemption full, with fence.i (SCENARIOS B1 generalised): a caller
//           preempted between its auipc and its jalr by its hart's stopper resumes into the
//           new jalr with the old t0.
//
// Per family and N, end to end, each in a fresh process / temp dir, median of --runs:
//   ours:  node bin/ftrace-race.js check SPEC --exhaustive --format json --no-timing [--por]
//          (Node start-up included), and again with --no-symmetry within --nosym-timeout
//          (after one timeout the larger N of that family are skipped: they only grow);
//   SPIN:  spin -DNHARTS=N -DPREEMPT_FULL=p -DSTALE=s -a bench/spin/scale.pml
//          + gcc -O2 -DSAFETY -o pan pan.c + ./pan -m100000 (partial-order reduction on, the
//          default). SPIN stops at its first assertion violation, ftrace-race never does (it
//          exhausts the space to group every violation and pick minimal witnesses), so for an
//          unsafe model pan also runs with -c0 (go on past errors: the whole space) from the
//          same compile; `spin states` and the states ratio are that whole-space count, and
//          both times are given (first error, whole space), each with its spin -a + gcc.
//
// Bytes per visited state: the visited set is an FpSet (src/explore/fpset.ts) of 10-byte slots
// that starts at 4096 slots and grows by a fifth (rounded down) when it would pass 3/4 full; the
// table size for a count is therefore derived exactly, and bytes/state = 10 * slots / states
// (the table alone: not the search stack, the snapshots or the JS heap).
//
//   node build.mjs && node bench/scale.mjs [--families safe,stale,unsafe] [--min-n 2] [--max-n 6]
//        [--runs 1] [--timeout 180] [--nosym-timeout 45] [--no-nosym] [--por] [--json FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, now, requireSpin } from './spin-lib.mjs';
import { FAMILY, specText } from './scale-family.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const FAMILIES = arg('--families', 'safe,stale,unsafe').split(',').map((s) => s.trim()).filter(Boolean);
const MIN_N = Number(arg('--min-n', '2'));
const MAX_N = Number(arg('--max-n', '6'));
const RUNS = Number(arg('--runs', '1'));
const TIMEOUT = Number(arg('--timeout', '180'));
/** Ours with --por (sleep sets and the stoppers' exits first: docs/semantics.md). */
const POR = process.argv.includes('--por');
const NOSYM_TIMEOUT = Number(arg('--nosym-timeout', '45'));
const NOSYM = !process.argv.includes('--no-nosym');
const JSON_OUT = arg('--json', null);

for (const f of FAMILIES) {
  if (!FAMILY[f]) {
    console.log(`unknown family ${f} (safe, stale, unsafe)`);
    process.exit(2);
  }
}
if (!(MIN_N >= 2 && MAX_N <= 8 && MIN_N <= MAX_N)) {
  console.log('--min-n/--max-n: 2 <= min <= max <= 8 (the schema allows 8 harts)');
  process.exit(2);
}

requireSpin();

/** One ftrace-race run, end to end; null stats when it did not finish in time. */
function oursOnce(spec, symmetry, timeoutS) {
  const args = [join(root, 'bin/ftrace-race.js'), 'check', spec, '--exhaustive', '--format', 'json', '--no-timing', '--max-states', '0'];
  if (!symmetry) args.push('--no-symmetry');
  if (POR) args.push('--por');
  const t0 = now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  const ms = now() - t0;
  if (r.error?.code === 'ETIMEDOUT' || r.signal) return { timeout: true, ms };
  let obj;
  try {
    obj = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    throw new Error(`ftrace-race check ${spec} (exit ${r.status}) printed no JSON:\n${r.stdout}\n${r.stderr}`);
  }
  if (!obj.complete && obj.limit) return { timeout: true, ms, limit: obj.limit };
  return { ms, states: obj.stats.states, executions: obj.stats.executions, verdict: obj.verdict, groups: obj.stats.symmetry ?? [] };
}

/** Bytes of FpSet's table holding `states` (src/explore/fpset.ts: 4096 slots, doubling at 3/4). */
function fpsetBytes(states) {
  let slots = 1 << 12;
  while (states > slots * 0.75) slots = Math.floor(slots * 1.2);
  return slots * 10;
}

function sh(cmd, cwd, timeoutS) {
  const t0 = now();
  const r = spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  return { ms: now() - t0, out: r.stdout ?? '', err: r.stderr ?? '', status: r.status, timeout: r.error?.code === 'ETIMEDOUT' };
}

function panResult(r, what) {
  if (r.timeout) return { timeout: true, ms: r.ms };
  const stored = Number(/(\d+) states, stored/.exec(r.out)?.[1] ?? NaN);
  const errors = Number(/errors: (\d+)/.exec(r.out)?.[1] ?? NaN);
  if (Number.isNaN(stored) || Number.isNaN(errors)) throw new Error(`${what} failed:\n${r.out}\n${r.err}`);
  if (/search depth too small/.test(r.out)) throw new Error(`${what}: search depth too small (raise -m)`);
  return { ms: r.ms, stored, errors, verdict: errors > 0 ? 'unsafe' : 'safe' };
}

/** One SPIN run, end to end, in a fresh directory; for an unsafe model also pan -c0 on the same compile. */
function spinOnce(family, n, timeoutS) {
  const f = FAMILY[family];
  const dir = mkdtempSync(join(tmpdir(), 'ftr-scale-spin-'));
  try {
    copyFileSync(join(root, 'bench/spin/scale.pml'), join(dir, 'scale.pml'));
    const defs = `-DNHARTS=${n} -DPREEMPT_FULL=${f.PREEMPT_FULL} -DSTALE=${f.STALE}`;
    const gen = sh(`spin ${defs} -a scale.pml`, dir, timeoutS);
    if (gen.status !== 0) throw new Error(`spin -a failed:\n${gen.out}\n${gen.err}`);
    // gcc warns about pan.b's bounds-checked array stores (-Wstringop-overflow): not ours to fix.
    const cc = sh('gcc -O2 -DSAFETY -o pan pan.c', dir, timeoutS);
    if (cc.status !== 0) throw new Error(`gcc pan.c failed:\n${cc.err}`);
    const build = gen.ms + cc.ms;
    const first = panResult(sh('./pan -m100000', dir, timeoutS), `pan (${family}, ${n})`);
    if (first.timeout) return { timeout: true, ms: build + first.ms };
    const res = { build, first: { ...first, ms: build + first.ms } };
    if (first.errors > 0) {
      const all = panResult(sh('./pan -m100000 -c0', dir, timeoutS), `pan -c0 (${family}, ${n})`);
      res.all = all.timeout ? { timeout: true, ms: build + all.ms } : { ...all, ms: build + all.ms };
    } else res.all = res.first;
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  execFileSync(process.execPath, [join(root, 'build.mjs')], { cwd: root, stdio: 'inherit' });
} catch {
  console.log('build failed');
  process.exit(1);
}

const specDir = mkdtempSync(join(tmpdir(), 'ftr-scale-specs-'));
const rows = [];
const started = now();
for (const family of FAMILIES) {
  let nosymDead = !NOSYM;
  let symDead = false;
  for (let n = MIN_N; n <= MAX_N; n++) {
    const spec = join(specDir, `scale-${family}-${n}.yaml`);
    writeFileSync(spec, specText(family, n));
    const ours = [], nosym = [], spin = [];
    for (let i = 0; i < RUNS; i++) {
      spin.push(spinOnce(family, n, TIMEOUT));
      if (!symDead) ours.push(oursOnce(spec, true, TIMEOUT));
      if (!nosymDead) nosym.push(oursOnce(spec, false, NOSYM_TIMEOUT));
    }
    const pick = (xs) => {
      if (xs.length === 0) return { skipped: true };
      if (xs.some((x) => x.timeout)) return { timeout: true, ms: Math.max(...xs.map((x) => x.ms)) };
      return { ...xs[0], ms: median(xs.map((x) => x.ms)) };
    };
    const o = pick(ours), ns = pick(nosym);
    const sp = spin.some((x) => x.timeout) ? { timeout: true } : {
      first: { ...spin[0].first, ms: median(spin.map((x) => x.first.ms)) },
      all: spin[0].all.timeout ? { timeout: true } : { ...spin[0].all, ms: median(spin.map((x) => x.all.ms)) },
    };
    if (o.timeout) symDead = true;
    if (ns.timeout) nosymDead = true;
    const row = { family, n, expect: FAMILY[family].expect, ours: o, nosym: ns, spin: sp };
    rows.push(row);
    process.stderr.write(`${family} N=${n}: ours ${o.timeout ? 'timeout' : o.skipped ? 'skipped' : `${o.verdict} ${o.states} states ${(o.ms / 1000).toFixed(1)} s`}` +
      `, --no-symmetry ${ns.timeout ? 'timeout' : ns.skipped ? 'skipped' : `${ns.states} states ${(ns.ms / 1000).toFixed(1)} s`}` +
      `, SPIN ${sp.timeout ? 'timeout' : `${sp.first.verdict} ${sp.all.stored ?? '?'} stored ${(sp.first.ms / 1000).toFixed(1)} s`}` +
      ` (${((now() - started) / 1000).toFixed(0)} s so far)\n`);
  }
}
rmSync(specDir, { recursive: true, force: true });

const fmtS = (ms) => (ms / 1000).toFixed(ms < 10000 ? 2 : 1);
const num = (x) => (x === undefined || x === null ? '-' : x.toLocaleString('en-US'));
const ratio = (a, b) => (a && b ? (a / b).toFixed(a / b < 10 ? 2 : 1) + 'x' : '-');
const head = ['family', 'N', 'verdict ours/SPIN', 'ours states', 'ours execs', 'ours s', 'bytes/state',
  'no-sym states', 'no-sym s', 'SPIN stored', 'SPIN s (first err)', 'SPIN s (whole)', 'time SPIN/ours', 'states ours/SPIN'];
const table = [head];
let disagree = 0;
for (const r of rows) {
  const o = r.ours, ns = r.nosym, sp = r.spin;
  const ov = o.timeout ? `>${TIMEOUT}s` : o.skipped ? 'skipped' : o.verdict;
  const sv = sp.timeout ? `>${TIMEOUT}s` : sp.first.verdict;
  if (!o.timeout && !o.skipped && !sp.timeout && o.verdict !== sp.first.verdict) disagree++;
  const whole = sp.timeout || sp.all.timeout ? null : sp.all;
  table.push([
    r.family, String(r.n), `${ov}/${sv}`,
    o.states === undefined ? '-' : num(o.states), o.executions === undefined ? '-' : num(o.executions),
    o.timeout ? `>${TIMEOUT}` : o.skipped ? '-' : fmtS(o.ms),
    o.states ? (fpsetBytes(o.states) / o.states).toFixed(1) : '-',
    ns.timeout || ns.skipped ? '-' : num(ns.states),
    ns.timeout ? `>${NOSYM_TIMEOUT}` : ns.skipped ? '-' : fmtS(ns.ms),
    whole ? num(whole.stored) : '-',
    sp.timeout ? `>${TIMEOUT}` : fmtS(sp.first.ms),
    whole ? fmtS(whole.ms) : '-',
    // The ratio against the SPIN job that does what ours does: exhaust the space.
    o.ms && !o.timeout && whole ? ratio(whole.ms, o.ms) : '-',
    o.states && whole ? ratio(o.states, whole.stored) : '-',
  ]);
}
const widths = head.map((_, c) => Math.max(...table.map((row) => row[c].length)));
console.log(`ftrace-race vs SPIN ${/Version ([\d.]+)/.exec(spawnSync('spin', ['-V'], { encoding: 'utf8' }).stdout)?.[1] ?? ''} on the scale family (bench/scale.mjs${POR ? ", ours with --por" : ""}), median of ${RUNS} run(s), end to end`);
for (const row of table) console.log(row.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
console.log('time SPIN/ours > 1: ftrace-race is faster; SPIN s (whole) = spin -a + gcc + pan exploring the whole space (-c0 when unsafe),');
console.log('  the job that matches ours (exhaustive, every violation); SPIN s (first err) = the same compile + pan stopping at the first error.');
console.log('states ours/SPIN <= 1: we store no more states than SPIN; bytes/state = FpSet table bytes / states (table only).');
console.log('goals (issue 9): faster than SPIN end to end at every N <= 6; N = 6 within 60 s on 2 cores; states <= SPIN stored.');
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ runs: RUNS, timeout: TIMEOUT, nosymTimeout: NOSYM_TIMEOUT, rows }, null, 2) + '\n');
for (const r of rows) {
  if (!r.ours.timeout && !r.ours.skipped && !r.spin.timeout && r.ours.verdict !== r.spin.first.verdict) {
    console.log(`DISAGREEMENT: ${r.family} N=${r.n}: ftrace-race ${r.ours.verdict}, SPIN ${r.spin.first.verdict} (expected ${r.expect})`);
  }
}
process.exit(disagree ? 1 : 0);
