// The fuzz harness (docs/fuzz.md): builds `main(argv, io)` into one bundle, runs generated
// cases in worker processes under a per-case time and memory budget, classifies outcomes,
// checks determinism on a sample, and minimises failures to reproducers.
// Used by bench/fuzz.mjs (long mode) and test/fuzz/fuzz.test.ts (the seeded CI run).
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { corpus, makeCase } from './gen.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');

/** Bundles src/cli/main.ts (the in-process entry point) to a private file; returns its path. */
export async function buildBundle() {
  const dir = join(tmpdir(), `ftrace-race-fuzz-bundle-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'main.mjs');
  await build({
    entryPoints: [join(process.env.FUZZ_SRC ?? ROOT, 'src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __ftrCreateRequire } from 'module'; const require = __ftrCreateRequire(import.meta.url);" },
  });
  return outfile;
}

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** One worker process; replaced after a case kills it or runs past its budget. */
class Worker {
  constructor(opts) {
    this.opts = opts;
    this.spawn();
  }

  spawn() {
    this.stderr = '';
    // stdin 'ignore' is /dev/null: nothing in a worker can wait for a writer.
    this.child = fork(join(here, 'child.mjs'), [this.opts.bundle, ROOT], {
      execArgv: [`--max-old-space-size=${this.opts.heapMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    // A worker killed by the harness (or dying) cannot remove its own directory.
    const pid = this.child.pid;
    this.child.once('exit', () => rmSync(join(tmpdir(), `ftrace-race-fuzz-${pid}`), { recursive: true, force: true }));
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.ready = new Promise((res) => this.child.once('message', res));
  }

  async run(c, timeMs) {
    await this.ready;
    // V8 keeps the memory of earlier cases (garbage it has not returned): a worker whose RSS at
    // rest is past half the memory budget is replaced before the next case, so that a case is
    // held to the budget with at least half of it its own, never to what earlier cases left.
    if (rssKb(this.child.pid) > (this.opts.memMb * 1024) / 2) {
      this.recycled = (this.recycled ?? 0) + 1;
      this.child.kill('SIGKILL');
      this.spawn();
      await this.ready;
    }
    const child = this.child;
    return new Promise((resolve) => {
      let done = false;
      const finish = (r) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(r);
      };
      const kill = (failure, extra) => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        this.spawn();
        finish({ failure, ...extra });
      };
      const onMessage = (m) => {
        if (m.id !== undefined) finish(m);
      };
      const onExit = (code, signal) => {
        const stderr = this.stderr;
        this.spawn();
        finish({ failure: 'death', code, signal, stderr });
      };
      // The budget is CPU time (below, in classify), so a loaded machine does not make
      // cases fail; wall time only catches a hang, at three times the budget.
      const timer = setTimeout(() => kill('timeout', { ms: 3 * timeMs }), 3 * timeMs);
      let peak = 0;
      const poll = setInterval(() => {
        const kb = rssKb(child.pid);
        peak = Math.max(peak, kb);
        if (kb > this.opts.memMb * 1024) kill('memory', { peakKb: kb });
      }, 25);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ id: 1, case: c });
    });
  }

  close() {
    this.child.kill('SIGKILL');
  }
}

const ALLOWED = {
  check: new Set([0, 1, 2, 3]),
  replay: new Set([0, 1, 2]),
  disasm: new Set([0, 2]),
  explain: new Set([0, 1, 2, 3]),
  litmus: new Set([0, 2, 3]),
  merge: new Set([0, 1, 2, 3]),
};

/** Failure kind of a finished run, or null when the outcome is one the CLI promises. */
export function classify(c, r, memMb, timeMs = Infinity) {
  if (r.failure) return r.failure;
  if (r.cpuMs > timeMs) return 'over-time';
  if (r.code === 'threw') return 'threw';
  if (r.code === 70 || /^ftrace-race: internal error/m.test(r.stderr)) return 'internal';
  if (r.peakKb > memMb * 1024) return 'memory';
  const cmd = c.argv.find((a) => ['check', 'replay', 'run', 'disasm'].includes(a));
  if (cmd === c.argv[0] && ALLOWED[cmd] && !ALLOWED[cmd].has(r.code)) return `exit-${r.code}`;
  if (r.code === 2 && cmd === c.argv[0] && cmd !== 'run' && !r.stderr.trim()) return 'silent-exit-2';
  return null;
}

/** Groups failures by cause: the kind plus the first stderr line with numbers and names blurred. */
export function signature(c, r, kind) {
  if (kind === 'timeout' || kind === 'over-time' || kind === 'memory') return `${kind} ${c.kind}`;
  if (kind === 'death') return `death ${r.signal ?? r.code} ${/(FATAL|Fatal|error)[^\n]*/.exec(r.stderr ?? '')?.[0]?.slice(0, 80) ?? ''}`;
  const line = (r.stderr ?? '').split('\n').find((l) => /^ftrace-race: internal error|threw|Error/.test(l)) ?? (r.stderr ?? '').split('\n')[0] ?? '';
  return `${kind} ${line.replace(/^[^:]*:\d+:\d+: /, '').replace(/'[^']*'/g, "'…'").replace(/0x[0-9a-f]+|\d+/g, 'N').slice(0, 160)}`;
}

/** stdout and stderr without wall-clock figures, for the determinism check. */
function stable(r) {
  const strip = (s) => s.replace(/^.*\b(checked in|MIPS|instructions retired in)\b.*$/gm, '');
  return `${r.code}\n${strip(r.stdout)}\n--\n${strip(r.stderr)}`;
}

export class Pool {
  constructor({ bundle, workers = 1, timeMs = 10000, memMb = 1024, heapMb = 2048 }) {
    this.opts = { bundle, timeMs, memMb, heapMb };
    this.workers = Array.from({ length: workers }, () => new Worker(this.opts));
  }

  close() {
    for (const w of this.workers) w.close();
  }
}

/**
 * Runs cases [from, from + count) of `seed`. Returns the histogram of outcomes, the failures
 * grouped by signature (first case of each kept), the slowest cases and the peak RSS.
 */
export async function runCases({ pool, seed, from = 0, count, checkEvery = 25, onProgress, onFailure, deadline = Infinity, small = false }) {
  const c = corpus(ROOT);
  const { timeMs, memMb } = pool.opts;
  const stats = {
    seed, cases: 0, histogram: new Map(), failures: new Map(), slowest: [], determinism: { checked: 0, differ: 0 },
    peakKb: 0, peakCase: null, growthKb: 0, growthCase: null, growthBadCase: null, growthBadKb: 0, byKind: new Map(), ms: 0,
  };
  const t0 = Date.now();
  let next = from;
  const end = from + count;
  const worker = async (w) => {
    while (next < end && Date.now() < deadline) {
      const i = next++;
      const cs = makeCase(c, seed, i, { small });
      const r = await w.run(cs, timeMs);
      stats.cases++;
      let kind = classify(cs, r, memMb, timeMs);
      if (!kind && i % checkEvery === 0 && !/max-time|time limit|ms limit/.test(r.stdout + r.stderr)) {
        const again = await w.run(cs, timeMs);
        stats.determinism.checked++;
        // A run the wall-clock limit stopped is not comparable: the first run may finish just
        // inside --max-time and the second just outside it (seed 7, case 721,675).
        if (!again.failure && !/max-time|time limit|ms limit/.test(again.stdout + again.stderr) && stable(again) !== stable(r)) {
          stats.determinism.differ++;
          kind = 'nondeterministic';
        }
      }
      const key = r.failure ?? String(r.code);
      stats.histogram.set(key, (stats.histogram.get(key) ?? 0) + 1);
      const k = stats.byKind.get(cs.kind) ?? { cases: 0, ms: 0 };
      k.cases++;
      k.ms += r.ms ?? timeMs;
      stats.byKind.set(cs.kind, k);
      // Peak RSS is the process's; its growth during the case is what the case itself cost.
      if (r.peakKb > stats.peakKb) { stats.peakKb = r.peakKb; stats.peakCase = i; }
      const growth = (r.peakKb ?? 0) - (r.beforeKb ?? 0);
      if (growth > stats.growthKb) { stats.growthKb = growth; stats.growthCase = cs; }
      if ((r.code === 2 || r.code === 125) && growth > stats.growthBadKb) { stats.growthBadKb = growth; stats.growthBadCase = cs; }
      stats.slowest.push({ i, ms: r.ms ?? timeMs, cpuMs: r.cpuMs, kind: cs.kind, base: cs.base, argv: cs.argv, code: r.failure ?? r.code });
      stats.slowest.sort((a, b) => (b.cpuMs ?? b.ms) - (a.cpuMs ?? a.ms));
      stats.slowest.length = Math.min(stats.slowest.length, 10);
      if (kind) {
        const sig = signature(cs, r, kind);
        const f = stats.failures.get(sig);
        if (f) f.count++;
        else {
          stats.failures.set(sig, { sig, kind, count: 1, i, case: cs, result: { code: r.code, stderr: (r.stderr ?? '').slice(0, 2000), signal: r.signal } });
          onFailure?.(stats.failures.get(sig));
        }
      }
      onProgress?.(stats);
    }
  };
  await Promise.all(pool.workers.map(worker));
  stats.ms = Date.now() - t0;
  stats.recycled = pool.workers.reduce((a, w) => a + (w.recycled ?? 0), 0);
  return stats;
}

/**
 * Shrinks a failing case's main file (case.yaml by lines then characters; x.elf by zeroing
 * and truncating) while it keeps failing with the same signature. At most `budget` re-runs.
 */
export async function minimise(pool, f, budget = f.kind === 'timeout' || f.kind === 'over-time' || f.kind === 'memory' ? 8 : 120) {
  const w = pool.workers[0];
  const { timeMs, memMb } = pool.opts;
  let runs = 0;
  const fails = async (cs) => {
    if (runs++ >= budget) return false;
    const r = await w.run(cs, timeMs);
    const kind = classify(cs, r, memMb, timeMs);
    return kind !== null && signature(cs, r, kind) === f.sig;
  };
  let cs = structuredClone(f.case);
  const name = Object.keys(cs.files).find((n) => n.endsWith('.yaml')) ?? Object.keys(cs.files)[0];
  if (name && typeof cs.files[name] === 'string') {
    for (const unit of ['\n', '']) {
      let parts = cs.files[name].split(unit);
      let chunk = Math.max(1, parts.length >> 1);
      while (chunk >= 1 && runs < budget) {
        let shrunk = false;
        for (let at = 0; at < parts.length && runs < budget; at += chunk) {
          const tryParts = [...parts.slice(0, at), ...parts.slice(at + chunk)];
          const tc = { ...cs, files: { ...cs.files, [name]: tryParts.join(unit) + (unit && !tryParts.join(unit).endsWith('\n') ? '\n' : '') } };
          if (await fails(tc)) { parts = tryParts; cs = tc; shrunk = true; at -= chunk; }
        }
        if (!shrunk) chunk >>= 1;
      }
      if (unit === '\n' && cs.files[name].length > 2000) break;
    }
  }
  // Drop argv words that do not matter.
  for (let k = cs.argv.length - 1; k >= 1 && runs < budget; k--) {
    const tc = { ...cs, argv: [...cs.argv.slice(0, k), ...cs.argv.slice(k + 1)] };
    if (await fails(tc)) cs = tc;
  }
  return { case: cs, runs };
}

/**
 * Peak RSS of one case alone in a fresh worker process (the figure a user running the CLI
 * on that input sees), and the worker's RSS at rest before it.
 */
export async function measureFresh(opts, cs) {
  const pool = new Pool({ ...opts, workers: 1 });
  try {
    const idle = await pool.workers[0].run({ kind: 'rest', argv: ['--version'], files: {} }, opts.timeMs);
    const r = await pool.workers[0].run(cs, opts.timeMs);
    return { case: cs, code: r.failure ?? r.code, peakKb: r.peakKb ?? 0, restKb: idle.peakKb ?? 0 };
  } finally {
    pool.close();
  }
}

export function formatCase(cs) {
  const lines = [`argv: ${JSON.stringify(cs.argv)}`];
  for (const [n, content] of Object.entries(cs.files)) {
    if (typeof content === 'string') {
      const shown = content.length > 1500 ? `${content.slice(0, 1500)}\n… (${content.length} characters)` : content;
      lines.push(`--- ${n}\n${shown}${shown.endsWith('\n') ? '' : '\n'}---`);
    } else lines.push(`--- ${n}: ${content.length} bytes (mutated ELF; regenerate with its case number)`);
  }
  if (cs.stdin !== undefined) {
    const t = typeof cs.stdin === 'string' && cs.stdin.length <= 1500 ? `\n${cs.stdin}${cs.stdin.endsWith('\n') ? '' : '\n'}---` : ` ${cs.stdin.length} ${typeof cs.stdin === 'string' ? 'characters' : 'bytes'} (regenerate with its case number)`;
    lines.push(`--- standard input:${t}`);
  }
  return lines.join('\n');
}

export function report(stats, { minimised = new Map() } = {}) {
  const out = [];
  const hist = [...stats.histogram].sort((a, b) => b[1] - a[1]);
  out.push(`seed ${stats.seed}: ${stats.cases} cases in ${(stats.ms / 1000).toFixed(1)} s`);
  out.push(`exit codes: ${hist.map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  out.push(`by kind: ${[...stats.byKind].map(([k, v]) => `${k} ${v.cases} (${(v.ms / v.cases).toFixed(1)} ms avg)`).join(', ')}`);
  out.push(`determinism: ${stats.determinism.checked} cases run twice, ${stats.determinism.differ} differed`);
  out.push(`peak RSS of the worker: ${(stats.peakKb / 1024).toFixed(0)} MB (case ${stats.peakCase}); largest growth in one case: ${(stats.growthKb / 1024).toFixed(0)} MB, in a bad-input case: ${(stats.growthBadKb / 1024).toFixed(0)} MB${stats.recycled ? `; workers replaced at rest past half the memory budget: ${stats.recycled}` : ''}`);
  if (stats.fresh) out.push(`peak RSS of the costliest bad-input case alone, in a fresh process: ${(stats.fresh.peakKb / 1024).toFixed(0)} MB (${stats.fresh.case.kind}, exit ${stats.fresh.code}; process at rest: ${(stats.fresh.restKb / 1024).toFixed(0)} MB)`);
  const failures = [...stats.failures.values()];
  const total = failures.reduce((a, f) => a + f.count, 0);
  out.push(`failures: ${total} in ${failures.length} distinct causes`);
  for (const f of failures) {
    out.push(`\n[${f.kind}] ${f.count}x ${f.sig}\n  first: case ${f.i} (${f.case.kind}${f.case.base ? `, from ${f.case.base}` : ''})`);
    if (f.result.stderr) out.push(`  stderr: ${f.result.stderr.split('\n').slice(0, 3).join('\n          ')}`);
    const m = minimised.get(f.sig);
    out.push(formatCase(m ?? f.case).replace(/^/gm, '  '));
  }
  out.push('\nslowest:');
  for (const s of stats.slowest) out.push(`  ${s.ms.toFixed(0).padStart(6)} ms (${s.cpuMs === undefined ? '-' : s.cpuMs.toFixed(0)} ms CPU)  case ${s.i} ${s.kind}${s.base ? ` (${s.base})` : ''} -> ${s.code}: ${JSON.stringify(s.argv).slice(0, 140)}`);
  return out.join('\n');
}
