#!/usr/bin/env node
// Emulator benchmark (a benchmark, not a test): runs each workload fixture under qemu-riscv64
// and under ftrace-race (end to end through the CLI, and in-process), prints instructions
// retired, MIPS and the wall-time ratio ours/qemu, then the costs of the checker's
// backtracking primitives (snapshot / restore / fingerprint). The workloads:
//   compute  fixtures/src/compute.c: sieve, CRC-32, a 64-bit matrix product, an LCG loop
//   branchy  fixtures/src/branchy.c: linked lists, a branchy matrix kernel, a state machine,
//            recursive descent and calls through a function-pointer table (CoreMark's kinds)
//
//   node build.mjs && node bench/emu.mjs [--workload compute|branchy|all] [--reps N]
//   (reps scales the workload; defaults 2400 and 2000: >= 0.5 s under qemu here)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : def; };
const WORKLOADS = { compute: '2400', branchy: '2000' };
const which = opt('--workload', 'all');
const names = which === 'all' ? Object.keys(WORKLOADS) : [which];
if (names.some((n) => !WORKLOADS[n])) { console.log(`--workload: ${Object.keys(WORKLOADS).join(', ')} or all`); process.exit(2); }
const cli = join(root, 'bin', 'ftrace-race.js');

// The library, bundled on the fly (dist/ only holds the CLI).
const lib = join(mkdtempSync(join(tmpdir(), 'ftr-bench-')), 'emu.mjs');
await build({
  stdin: {
    contents: "export { loadProcess, runProcess } from './src/emu/linux.ts'; export { Memory } from './src/emu/memory.ts';",
    resolveDir: root, loader: 'ts',
  },
  bundle: true, platform: 'node', format: 'esm', outfile: lib, logLevel: 'warning',
});
const { loadProcess, runProcess } = await import(lib);

// Wall time, and CPU time (user+sys) through /usr/bin/time when it exists: on a shared
// machine CPU time is the steadier figure.
const haveTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;
function timed(cmd, args) {
  const t0 = performance.now();
  const r = haveTime
    ? spawnSync('/usr/bin/time', ['-f', '@cpu %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  const m = /@cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  const cpu = m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN;
  const stderr = m ? r.stderr.slice(0, m.index) : r.stderr;
  return { ms, cpu, ...r, stderr };
}
const best = (runs) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));

const haveQemu = spawnSync('qemu-riscv64', ['--version']).status === 0;

function measure(name, reps) {
  const elf = join(root, 'fixtures', 'elf', `${name}-O2.elf`);
  console.log(`\nworkload ${name}: ${elf.replace(root + '/', '')} ${reps}`);

  // qemu-riscv64 (best of 3)
  let qemu;
  if (haveQemu) {
    qemu = best([0, 1, 2].map(() => timed('qemu-riscv64', [elf, reps])));
    if (qemu.status !== 0) throw new Error(`qemu-riscv64 failed: ${qemu.stderr}`);
  } else {
    console.log('qemu-riscv64 not found: only our own figures are printed (apt-get install qemu-user)');
  }

  // ftrace-race run, end to end: Node start-up, bundle load, decoder tables, run (best of 2)
  const ours = best([0, 1].map(() => timed(process.execPath, [cli, 'run', elf, reps, '--stats'])));
  if (ours.status !== 0) throw new Error(`ftrace-race run failed: ${ours.stderr}`);
  const retired = Number(/(\d+) instructions retired/.exec(ours.stderr)[1]);
  if (qemu && qemu.stdout !== ours.stdout) throw new Error('outputs differ between qemu-riscv64 and ftrace-race');

  // In-process: the emulator alone (no Node start-up), for the MIPS figure of the core
  const bytes = readFileSync(elf);
  let inproc = Infinity, inprocCpu = Infinity;
  for (let k = 0; k < 2; k++) {
    const p = loadProcess(bytes, { args: [elf, reps] });
    const t0 = performance.now(), c0 = process.cpuUsage();
    runProcess(p, { args: [], write: () => {} });
    inproc = Math.min(inproc, performance.now() - t0);
    const c = process.cpuUsage(c0);
    inprocCpu = Math.min(inprocCpu, (c.user + c.system) / 1000);
  }

  const mips = (ms) => (retired / (ms * 1000)).toFixed(1);
  const cpuNote = (r) => (Number.isFinite(r.cpu) ? `   cpu ${r.cpu.toFixed(0).padStart(6)} ms ${mips(r.cpu).padStart(7)} MIPS` : '');
  console.log(`instructions retired: ${retired}`);
  console.log('                       wall                       cpu (user+sys)');
  if (qemu) console.log(`qemu-riscv64        : ${qemu.ms.toFixed(0).padStart(6)} ms ${mips(qemu.ms).padStart(7)} MIPS${cpuNote(qemu)}`);
  console.log(`ftrace-race run    : ${ours.ms.toFixed(0).padStart(6)} ms ${mips(ours.ms).padStart(7)} MIPS${cpuNote(ours)}   (end to end, Node start-up included)`);
  console.log(`emulator in-process: ${inproc.toFixed(0).padStart(6)} ms ${mips(inproc).padStart(7)} MIPS   cpu ${inprocCpu.toFixed(0).padStart(6)} ms ${mips(inprocCpu).padStart(7)} MIPS`);
  if (qemu) {
    const cpuRatio = Number.isFinite(qemu.cpu) && Number.isFinite(ours.cpu) ? `, ${(ours.cpu / qemu.cpu).toFixed(2)}x in CPU time` : '';
    console.log(`ratio ours/qemu    : ${(ours.ms / qemu.ms).toFixed(2)}x wall end to end${cpuRatio} (${name})`);
    if (qemu.ms < 500) console.log(`note: qemu ran ${qemu.ms.toFixed(0)} ms; pass a larger reps for the >= 0.5 s the issue asks`);
  }
}

for (const name of names) measure(name, opt('--reps', WORKLOADS[name]));

// Backtracking primitives on a live process (mid-run of the compute workload)
const elf = join(root, 'fixtures', 'elf', 'compute-O2.elf');
const bytes = readFileSync(elf);
const p = loadProcess(bytes, { args: [elf, '5'] });
runProcess(p, { args: [], write: () => {}, maxSteps: 1_000_000 });
const { mem, hart } = p;
const N = 20000;
const per = (f, n = N) => { const t0 = performance.now(); for (let i = 0; i < n; i++) f(i); return ((performance.now() - t0) * 1000) / n; };
const snap = mem.snapshot();
const tSnap = per(() => mem.snapshot());
const tRestore = per(() => mem.restore(snap));
const sp = Number(hart.getReg(2));
// the usual explorer step: one page dirtied since the last snapshot (copy-on-write clone)
const tDirty = per((i) => { mem.restore(snap); mem.store(sp - 64, 8, BigInt(i)); });
const tFpWarm = per(() => mem.fingerprint());
const tFpDirty = per((i) => { mem.store(sp - 64, 8, BigInt(i)); mem.fingerprint(); }, 5000);
const hs = hart.snapshot();
const tHart = per(() => { hart.restore(hs); hart.snapshot(); });
const tHartFp = per(() => hart.fingerprint());
console.log(`\nbacktracking costs (${mem.pageCount} pages = ${mem.pageCount * 4} KiB materialised; untouched mapped pages cost nothing):`);
console.log(`  memory snapshot              ${tSnap.toFixed(2).padStart(8)} us`);
console.log(`  memory restore               ${tRestore.toFixed(2).padStart(8)} us`);
console.log(`  restore + 1 store (COW page) ${tDirty.toFixed(2).padStart(8)} us`);
console.log(`  fingerprint, nothing dirty   ${tFpWarm.toFixed(2).padStart(8)} us`);
console.log(`  fingerprint, 1 page dirty    ${tFpDirty.toFixed(2).padStart(8)} us`);
console.log(`  hart snapshot + restore      ${tHart.toFixed(2).padStart(8)} us`);
console.log(`  hart fingerprint             ${tHartFp.toFixed(2).padStart(8)} us`);
