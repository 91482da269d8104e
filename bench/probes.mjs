#!/usr/bin/env node
// The progress display's random probes (explore/probes.ts; docs/scale.md "Progress") against
// what they stand for, end to end through the CLI: `check --progress` prints a line a second,
// and each line with the probes' coverage is set beside the share of the run's time and of its
// final states behind it at that moment, and the ratio of the time left the line prints
// ("roughly N s left": the coverage read as the share done) to the time actually left (in phase
// 1 of --workers, which prints none, the same reading of its coverage). A benchmark, not a test.
//
//   node build.mjs && node bench/probes.mjs [--specs stale7s,unsafe7s,safe8s] [--workers 2]
// Specs are the scale family (bench/scale-family.mjs); with --no-symmetry unless named with a
// trailing `s` (stale7s: up to symmetry, the default search).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaleSpecs } from './scale-family.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const workers = arg('--workers', null);
const dir = mkdtempSync(join(tmpdir(), 'ftr-probes-'));
const specs = scaleSpecs(arg('--specs', 'stale6s,unsafe6s,stale7s,unsafe7s,safe8s'), dir);

const pct = (x) => `${(100 * x).toFixed(0)}%`;
console.log(`random probes against the run${workers ? ` (--workers ${workers})` : ''}: per progress line, the share of the run's time and of its final states behind it, and the probes' coverage`);
console.log('| spec | states | run s | at | time behind | states behind | probes covered | time left printed (or, where none is, read from the coverage) / actual |');
console.log('|---|---|---|---|---|---|---|---|');
for (const s of specs) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(root, 'bin/ftrace-race.js'), 'check', s.file, '--exhaustive', '--format', 'json', '--no-timing', '--max-states', '0', '--progress', ...(s.sym ? [] : ['--no-symmetry']), ...(workers ? ['--workers', workers] : [])], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = JSON.parse(r.stdout.trim().split('\n')[0]);
  const states = out.stats.states;
  const lines = r.stderr.split('\n').map((l) => /, (\d+) states, .*, ([\d.]+) s, (\d+) random probes (\d+)% covered(?:, roughly ([\d.]+) s left)?$/.exec(l)).filter(Boolean);
  if (lines.length === 0) console.log(`| ${s.name} | ${states} | ${total.toFixed(1)} | (no line with probes) | | | | |`);
  for (const m of lines) {
    // The line's time is the search's; the run's total includes Node's start and the report (~0.2 s).
    const at = Number(m[2]), seen = Number(m[1]), cov = Number(m[4]) / 100;
    const left = total - at;
    // The line's own estimate where it prints one (one unbounded search), else the same reading of its coverage.
    const read = m[5] !== undefined ? Number(m[5]) : cov > 0 ? (at * (1 - cov)) / cov : Infinity;
    console.log(`| ${s.name} | ${states} | ${total.toFixed(1)} | ${at.toFixed(1)} s | ${pct(at / total)} | ${pct(seen / states)} | ${pct(cov)} | ${(read / left).toFixed(2)}x |`);
  }
}
