// Long fuzz run (docs/fuzz.md): `node bench/fuzz.mjs [--cases 100000] [--seed 1] [--workers 2]
// [--time-budget 10000] [--mem-budget 1024] [--minutes M] [--from N] [--no-minimise]`.
// Prints the histogram of exit codes, the distinct failures with minimised reproducers and the
// slowest cases; exits 1 when any case failed (exit 70, death, over budget, nondeterminism).
import { parseArgs } from 'node:util';
import { buildBundle, measureFresh, minimise, Pool, report, runCases } from '../test/fuzz/harness.mjs';

const { values: o } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    from: { type: 'string', default: '0' },
    workers: { type: 'string', default: '2' },
    'time-budget': { type: 'string', default: '10000' },
    'mem-budget': { type: 'string', default: '1024' },
    minutes: { type: 'string' },
    'no-minimise': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const bundle = await buildBundle();
const pool = new Pool({ bundle, workers: Number(o.workers), timeMs: Number(o['time-budget']), memMb: Number(o['mem-budget']) });
const deadline = o.minutes ? Date.now() + Number(o.minutes) * 60000 : Infinity;
let last = Date.now();
const stats = await runCases({
  pool,
  seed: Number(o.seed),
  from: Number(o.from),
  count: Number(o.cases),
  deadline,
  onFailure: (f) => process.stderr.write(`new failure, case ${f.i}: ${f.sig}\n`),
  onProgress: (s) => {
    if (o.quiet || Date.now() - last < 30000) return;
    last = Date.now();
    const fails = [...s.failures.values()].reduce((a, f) => a + f.count, 0);
    process.stderr.write(`${s.cases} cases, ${fails} failures, ${[...s.histogram].map(([k, n]) => `${k}:${n}`).join(' ')}\n`);
  },
});
const minimised = new Map();
if (!o['no-minimise']) {
  for (const f of stats.failures.values()) minimised.set(f.sig, (await minimise(pool, f)).case);
}
pool.close();
if (stats.growthBadCase) stats.fresh = await measureFresh(pool.opts, stats.growthBadCase);
console.log(report(stats, { minimised }));
process.exitCode = stats.failures.size ? 1 : 0;
