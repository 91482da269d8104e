#!/usr/bin/env node
// End-to-end time of deciding SCENARIOS B1 and B2 with ftrace-race against a hand-written
// Promela model of the same scenario checked with SPIN (issue 3, "Speed"):
//
//   SPIN:        spin -a model.pml && gcc -O2 -o pan pan.c && ./pan      (in a fresh temp dir)
//   ftrace-race: node bin/ftrace-race.js check specs/<b1|b2>-*.yaml --format json
//
// Both sides are timed whole (Node start-up included), median of --runs (default 5).
// Prints the ratio and the states SPIN stored vs the states ftrace-race explored.
// A benchmark, not a test: it prints figures and exits 0 unless something could not run.
//
//   node build.mjs && node bench/check-vs-spin.mjs [--runs N]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, now, requireSpin } from './spin-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

requireSpin();

/** One SPIN run, end to end, in a fresh directory (no cached pan). */
function spinOnce(model) {
  const dir = mkdtempSync(join(tmpdir(), 'ftr-spin-'));
  for (const f of readdirSync(join(root, 'bench/spin'))) {
    if (f.endsWith('.pml')) copyFileSync(join(root, 'bench/spin', f), join(dir, f));
  }
  const t0 = now();
  const r = spawnSync('sh', ['-c', `spin -a ${model}.pml >/dev/null && gcc -O2 -o pan pan.c 2>/dev/null && ./pan`], {
    cwd: dir, encoding: 'utf8',
  });
  const ms = now() - t0;
  rmSync(dir, { recursive: true, force: true });
  const out = r.stdout;
  const stored = Number(/(\d+) states, stored/.exec(out)?.[1] ?? NaN);
  const errors = Number(/errors: (\d+)/.exec(out)?.[1] ?? NaN);
  if (Number.isNaN(stored)) throw new Error(`spin on ${model} failed:\n${out}\n${r.stderr}`);
  return { ms, stored, verdict: errors > 0 ? 'unsafe' : 'safe' };
}

/** One ftrace-race run, end to end. */
function oursOnce(spec) {
  const t0 = now();
  const r = spawnSync(process.execPath, [join(root, 'bin/ftrace-race.js'), 'check', spec, '--format', 'json'], {
    cwd: root, encoding: 'utf8',
  });
  const ms = now() - t0;
  let obj;
  try {
    obj = JSON.parse(r.stdout.trim().split('\n')[0]);
    if (Array.isArray(obj)) obj = obj[0];
  } catch {
    throw new Error(`ftrace-race check ${spec} (exit ${r.status}) printed no JSON:\n${r.stdout}\n${r.stderr}`);
  }
  return { ms, states: obj.stats?.states, executions: obj.stats?.executions, verdict: obj.verdict };
}

function findSpec(prefix) {
  const f = readdirSync(join(root, 'specs')).filter((n) => n.startsWith(prefix) && n.endsWith('.yaml')).sort();
  if (f.length === 0) throw new Error(`no specs/${prefix}*.yaml`);
  return join('specs', f[0]);
}

try {
  execFileSync(process.execPath, [join(root, 'build.mjs')], { cwd: root, stdio: 'inherit' });
} catch {
  console.log('build failed');
  process.exit(1);
}

const rows = [];
for (const [model, prefix, expected] of [['b1', 'b1-', 'unsafe'], ['b2', 'b2-', 'safe']]) {
  const spec = findSpec(prefix);
  const spin = [], ours = [];
  for (let i = 0; i < RUNS; i++) {
    spin.push(spinOnce(model));
    ours.push(oursOnce(spec));
  }
  const s = median(spin.map((x) => x.ms)), o = median(ours.map((x) => x.ms));
  rows.push({
    scenario: model.toUpperCase(), spec, expected,
    spinVerdict: spin[0].verdict, oursVerdict: ours[0].verdict,
    spinMs: s.toFixed(0), oursMs: o.toFixed(0), speedup: (s / o).toFixed(2),
    spinStored: spin[0].stored, oursStates: ours[0].states, oursExecutions: ours[0].executions,
  });
}

console.log(`median of ${RUNS} runs each, end to end (SPIN: spin -a + gcc -O2 + pan; ftrace-race: node start-up + check)`);
console.log('scenario  expected  spin     ours     spin ms  ours ms  speedup  spin states stored  ours states  ours executions');
for (const r of rows) {
  console.log([
    r.scenario.padEnd(9), r.expected.padEnd(9), r.spinVerdict.padEnd(8), String(r.oursVerdict).padEnd(8),
    r.spinMs.padStart(7), r.oursMs.padStart(8), (r.speedup + 'x').padStart(8),
    String(r.spinStored).padStart(19), String(r.oursStates).padStart(12), String(r.oursExecutions).padStart(16),
  ].join(' '));
}
for (const r of rows) {
  if (r.spinVerdict !== r.expected || r.oursVerdict !== r.expected) {
    console.log(`note: ${r.scenario}: expected ${r.expected}, SPIN said ${r.spinVerdict}, ftrace-race said ${r.oursVerdict}`);
  }
}
console.log('goals (issue 3): speedup >= 4x on B1 and B2; B2 ours states <= SPIN states stored');
