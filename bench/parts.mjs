#!/usr/bin/env node
// The partitioned search (--workers, --shard; docs/scale.md "Parts") against one search of the
// same spec, end to end through the CLI: time, executions and pruned states of one search,
// of the parts on one worker and on two, and the ratios. A benchmark, not a test.
//
//   node build.mjs && node bench/parts.mjs [SPEC...]    (default: the library specs with parts, and B2 on 4 and 5 harts)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'build.mjs')], { cwd: root, stdio: 'inherit' });

/** B2 on n harts (test/helpers/b2-family.ts does the same for the tests). */
function b2(n) {
  const text = readFileSync(join(root, 'specs/b2-stop-machine-preempt-none.yaml'), 'utf8');
  const tasks = '  - name: caller\n    hart: 0\n    call: f\n    times: 2\n  - name: patcher\n    hart: 1\n';
  const callers = Array.from({ length: n - 1 }, (_, i) => `  - name: caller${i ? i : ''}\n    hart: ${i}\n    call: f\n    times: 2\n`).join('');
  const file = join(mkdtempSync(join(tmpdir(), 'ftr-parts-bench-')), `b2-${n}-harts.yaml`);
  writeFileSync(file, text.replace('harts: 2', `harts: ${n}`).replace(tasks, `${callers}  - name: patcher\n    hart: ${n - 1}\n`));
  return file;
}

const specs = process.argv.length > 2 ? process.argv.slice(2)
  : ['specs/v-b1-three-harts.yaml', 'specs/d1-616-jalr-toggle-preempt-full.yaml', 'specs/v-d1-migrating-caller.yaml', 'specs/elf-616-call-ops-enable-modify.yaml', b2(4), b2(5)];

function run(spec, extra) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(root, 'bin/ftrace-race.js'), 'check', spec, '--exhaustive', '--format', 'json', '--no-timing', ...extra], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const o = JSON.parse(r.stdout.trim().split('\n')[0]);
  return { ms, verdict: o.verdict, states: o.stats.states, executions: o.stats.executions, pruned: o.stats.pruned, parts: o.stats.parts };
}

const pad = (s, n) => String(s).padStart(n);
console.log(`${'spec'.padEnd(44)} ${pad('parts', 5)} ${pad('states', 7)} ${pad('one s', 7)} ${pad('w1 s', 7)} ${pad('w2 s', 7)} ${pad('w1/one', 7)} ${pad('w2/one', 7)} ${pad('w1/w2', 6)} ${pad('exec one→parts', 15)} ${pad('pruned one→parts', 17)}`);
for (const spec of specs) {
  const one = run(spec, []);
  const w1 = run(spec, ['--workers', '1']);
  const w2 = run(spec, ['--workers', '2']);
  if (one.states !== w1.states || w1.states !== w2.states || one.verdict !== w1.verdict) throw new Error(`${spec}: the searches disagree`);
  const name = spec.replace(/^.*\//, '');
  console.log(`${name.padEnd(44)} ${pad(w1.parts?.count ?? 0, 5)} ${pad(one.states, 7)} ${pad((one.ms / 1000).toFixed(2), 7)} ${pad((w1.ms / 1000).toFixed(2), 7)} ${pad((w2.ms / 1000).toFixed(2), 7)} ${pad((w1.ms / one.ms).toFixed(2), 7)} ${pad((w2.ms / one.ms).toFixed(2), 7)} ${pad((w1.ms / w2.ms).toFixed(2), 6)} ${pad(`${one.executions}→${w1.executions}`, 15)} ${pad(`${one.pruned}→${w1.pruned}`, 17)}`);
}
console.log('one = one search (no --workers); w1, w2 = the same search in parts on 1 and 2 workers (the same report);');
console.log('w1/one > 1: the parts cost more than one search (states reachable from several roots are searched in each);');
console.log('w1/w2: the speed-up of the second worker over the parts on one.');
