#!/usr/bin/env node
// For each bundled spec: executions and states explored with the default reductions and
// with --naive, and the ratio (issue 3, "Speed"). A benchmark, not a test.
//
//   node build.mjs && node bench/check-reduction.mjs [specs/...]
import { spawnSync, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'build.mjs')], { cwd: root, stdio: 'inherit' });

const args = process.argv.slice(2);
const specs = args.length > 0 ? args
  : readdirSync(join(root, 'specs')).filter((f) => f.endsWith('.yaml')).sort().map((f) => join('specs', f));

function run(spec, extra) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(root, 'bin/ftrace-race.js'), 'check', spec, '--format', 'json', ...extra], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  const ms = Date.now() - t0;
  try {
    let o = JSON.parse(r.stdout.trim().split('\n')[0]);
    if (Array.isArray(o)) o = o[0];
    return { verdict: o.verdict, complete: o.complete, executions: o.stats?.executions, states: o.stats?.states, ms };
  } catch {
    return { verdict: `exit ${r.status}`, executions: NaN, states: NaN, ms };
  }
}

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && a > 0 ? (b / a).toFixed(2) + 'x' : '-');
console.log('spec                                       verdict       execs    states   naive execs  naive states  exec ratio  state ratio  ms/naive ms');
for (const spec of specs) {
  const d = run(spec, []);
  const n = run(spec, ['--naive']);
  const same = d.verdict === n.verdict ? ''
    : n.verdict === 'inconclusive' ? '  (naive: stopped at the state limit, inconclusive)'
    : `  (VERDICT DIFFERS: naive says ${n.verdict})`;
  console.log([
    spec.replace(/^specs\//, '').replace(/\.yaml$/, '').padEnd(48), String(d.verdict).padEnd(12),
    String(d.executions).padStart(7), String(d.states).padStart(9),
    String(n.executions).padStart(13), String(n.states).padStart(13),
    ratio(d.executions, n.executions).padStart(11), ratio(d.states, n.states).padStart(12),
    `${d.ms}/${n.ms}`.padStart(12),
  ].join(' ') + same);
}
