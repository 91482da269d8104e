#!/usr/bin/env node
// Issue 9: what partial-order reduction with sleep sets (--por, src/explore/por.ts) buys, against
// the same exhaustive search without it, in the same script: for the scale family of
// bench/scale.mjs and for the bundled specs that take longest, each run end to end in a fresh
// process (`check SPEC --exhaustive [--por] --format json --no-timing`), median of --runs.
// Prints states, transitions executed (states entered + pruned successors: what each costs an
// emulator step and a fingerprint), executions and time, and the ratios without/with --por.
// A benchmark, not a test: it exits 1 only if a verdict or a violation signature differs.
// --bounded: check's default search instead (iterative preemption bounding, no --exhaustive),
// (bundled specs that ask for an exhaustive search too: --set explore.exhaustive=false),
// where a violation's fewest preemptions must agree as well; the last bound is printed (with
// --por it can be one higher: docs/semantics.md, "Preemption bounding").
//
//   node build.mjs && node bench/por.mjs [--runs 3] [--max-n 5] [--specs a.yaml,b.yaml] [--bounded]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specText } from './scale-family.mjs';
import { median, now } from './spin-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('--runs', '3'));
const MAX_N = Number(arg('--max-n', '5'));
const SPECS = arg('--specs', 'specs/elf-616-call-ops-enable-modify.yaml,specs/v-d1-migrating-caller.yaml,specs/d1-616-jalr-toggle-preempt-full.yaml,specs/kernel/k61-make-call-no-stop-machine.yaml').split(',').filter(Boolean);

const BOUNDED = process.argv.includes('--bounded');
const tmp = mkdtempSync(join(tmpdir(), 'ftr-por-'));
const cases = [];
for (const family of ['safe', 'stale', 'unsafe']) {
  for (let n = 3; n <= MAX_N; n++) {
    const file = join(tmp, `${family}-${n}.yaml`);
    writeFileSync(file, specText(family, n));
    cases.push({ name: `scale ${family} N=${n}`, file });
  }
}
for (const s of SPECS) cases.push({ name: s.replace(/^specs\//, '').replace(/\.yaml$/, ''), file: join(root, s) });

function once(file, por) {
  const args = [join(root, 'bin/ftrace-race.js'), 'check', file, ...(BOUNDED ? ['--set', 'explore.exhaustive=false'] : ['--exhaustive']), '--format', 'json', '--no-timing', '--max-states', '0'];
  if (por) args.push('--por');
  const t0 = now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = now() - t0;
  const o = JSON.parse(r.stdout.trim().split('\n').pop());
  const sigs = o.violations.map((v) => [v.property, v.kind, v.site, v.task, (v.versions ?? []).join('/'), v.target, ...(BOUNDED ? [v.preemptions] : [])].join('|')).sort().join(';');
  return { ms, verdict: o.verdict, bound: o.bound, states: o.stats.states, transitions: o.stats.states + o.stats.pruned, executions: o.stats.executions, por: o.stats.por, sigs };
}

function measure(file, por) {
  const runs = Array.from({ length: RUNS }, () => once(file, por));
  return { ...runs[0], ms: median(runs.map((r) => r.ms)) };
}

const fmt = (x) => x.toLocaleString('en-US');
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
let bad = false;
const header = ['case', 'verdict', 'states', 'transitions', 'with --por', 'execs', 'with --por', 's', 's --por', 'transitions ratio', 'time ratio'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const c of cases) {
  const plain = measure(c.file, false);
  const por = measure(c.file, true);
  const same = plain.verdict === por.verdict && plain.sigs === por.sigs;
  if (!same) bad = true;
  const given = (por.por && 'abandoned' in por.por ? ' (given up: searched without)' : '') + (BOUNDED ? ` (bound ${plain.bound}${por.bound === plain.bound ? '' : `, ${por.bound} with --por`})` : '');
  console.log(`| ${c.name} | ${plain.verdict}${same ? '' : ` / ${por.verdict} DIFFERS`}${given} | ${fmt(plain.states)} | ${fmt(plain.transitions)} | ${fmt(por.transitions)} | ${fmt(plain.executions)} | ${fmt(por.executions)} | ${(plain.ms / 1000).toFixed(2)} | ${(por.ms / 1000).toFixed(2)} | ${ratio(plain.transitions, por.transitions)} | ${ratio(plain.ms, por.ms)} |`);
}
rmSync(tmp, { recursive: true, force: true });
console.log(`\n${BOUNDED ? 'Iterative preemption bounding (no --exhaustive). ' : ''}${RUNS} run(s) each, median time, Node ${process.version}. Ratios: without --por / with it (above 1: --por is better).`);
process.exit(bad ? 1 : 0);
