#!/usr/bin/env node
// `check --workers N` (the two-phase search, explore/shared.ts; docs/scale.md "Two phases")
// against the single search of the same spec, end to end through the CLI: wall time of one
// search, of --workers 1 and of --workers 2, the ratios, and whether the report has the single
// search's states and witnesses (schedule text included). A benchmark, not a test.
//
//   node build.mjs && node bench/workers.mjs [--runs 3] [--specs stale5,unsafe5,safe5,stale7s,unsafe7s]
// Specs are the scale family (bench/scale-family.mjs); with --no-symmetry unless named with a
// trailing `s` (stale7s: up to symmetry, the default search; two phases there since 2026-12-03).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaleSpecs } from './scale-family.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('--runs', '3'));
const dir = mkdtempSync(join(tmpdir(), 'ftr-workers-'));
const specs = scaleSpecs(arg('--specs', 'stale5,unsafe5,safe5,safe7s,stale7s,unsafe7s'), dir);

function run(file, extra) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(root, 'bin/ftrace-race.js'), 'check', file, '--exhaustive', '--format', 'json', '--no-timing', ...extra], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const o = JSON.parse(r.stdout.trim().split('\n')[0]);
  return { ms, o };
}
const best = (file, extra) => {
  let b = null;
  for (let k = 0; k < runs; k++) {
    const r = run(file, extra);
    if (!b || r.ms < b.ms) b = r;
  }
  return b;
};
const witnesses = (o) => JSON.stringify(o.violations.map((v) => [v.property, v.kind, v.task, v.preemptions, v.steps, v.schedule]));

const pad = (s, n) => String(s).padStart(n);
console.log(`--workers against one search, least wall time of ${runs} runs, ${cpus().length} cores`);
console.log(`${'spec'.padEnd(9)} ${pad('states', 8)} ${pad('one s', 7)} ${pad('w1 s', 7)} ${pad('w2 s', 7)} ${pad('one/w1', 7)} ${pad('one/w2', 7)} ${pad('w1/w2', 6)}  search      same states and witnesses, w1 = w2`);
let bad = false;
for (const s of specs) {
  const flags = s.sym ? [] : ['--no-symmetry'];
  const one = best(s.file, flags), w1 = best(s.file, [...flags, '--workers', '1']), w2 = best(s.file, [...flags, '--workers', '2']);
  const how = w1.o.stats.twoPhase ? 'two phases' : 'parts';
  const same = one.o.stats.states === w1.o.stats.states && (how === 'parts' || witnesses(one.o) === witnesses(w1.o)) && JSON.stringify(w1.o) === JSON.stringify(w2.o);
  if (!same) bad = true;
  console.log(`${s.name.padEnd(9)} ${pad(one.o.stats.states, 8)} ${pad((one.ms / 1000).toFixed(2), 7)} ${pad((w1.ms / 1000).toFixed(2), 7)} ${pad((w2.ms / 1000).toFixed(2), 7)} ${pad((one.ms / w1.ms).toFixed(2), 6)}x ${pad((one.ms / w2.ms).toFixed(2), 6)}x ${pad((w1.ms / w2.ms).toFixed(2), 5)}x  ${how.padEnd(10)}  ${same ? 'yes' : 'NO'}`);
}
process.exit(bad ? 1 : 0);
