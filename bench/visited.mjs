#!/usr/bin/env node
// The compact visited set (src/explore/fpset.ts) against the Map it replaced, in one process:
// states, wall time and bytes a visited state, and the ratios. A benchmark, not a test.
//
//   node --expose-gc bench/visited.mjs [spec.yaml ...]   (default: the library's largest specs)
import { build } from 'esbuild';
import { readFileSync, mkdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'bench/out'), { recursive: true });
const out = join(root, 'bench/out/visited-lib.mjs');
await build({
  stdin: { contents: "export { loadSpec } from './src/spec/load.ts'; export { explore } from './src/explore/explore.ts'; export { FpSet } from './src/explore/fpset.ts'; export { MapVisited } from './src/explore/visited.ts';", resolveDir: root, loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning',
  banner: { js: "import { createRequire as __r } from 'module'; const require = __r(import.meta.url);" },
});
const { loadSpec, explore, FpSet, MapVisited } = await import(pathToFileURL(out).href);
const specs = process.argv.slice(2).length ? process.argv.slice(2)
  : ['specs/v-b1-three-harts.yaml', 'specs/v-d1-migrating-caller.yaml', 'specs/d1-616-jalr-toggle-preempt-full.yaml'];

const gc = globalThis.gc ?? (() => {});
function run(spec, visited) {
  gc();
  const h0 = process.memoryUsage();
  const t0 = performance.now();
  const r = explore(spec, { strategy: 'exhaustive', naive: false, visited, maxStates: 0 || undefined });
  const ms = performance.now() - t0;
  const h1 = process.memoryUsage();
  return { states: r.stats.states, ms, verdict: r.verdict, bytes: (h1.heapUsed + h1.arrayBuffers) - (h0.heapUsed + h0.arrayBuffers) };
}

console.log('spec                                   states     map ms  fpset ms  time ratio   map B/state  fpset B/state');
for (const file of specs) {
  const abs = resolve(root, file);
  const spec = loadSpec(readFileSync(abs, 'utf8'), file, { readFile: (p) => readFileSync(p), resolvePath: (p) => resolve(dirname(abs), p) }).spec;
  // Warm up both, then take the faster of three interleaved runs each.
  run(spec, 'map'); run(spec, 'fpset');
  const best = { map: { ms: Infinity }, fpset: { ms: Infinity } };
  for (let i = 0; i < 3; i++) for (const v of ['map', 'fpset']) { const r = run(spec, v); if (r.ms < best[v].ms) best[v] = r; }
  const m = best.map, f = best.fpset;
  if (m.states !== f.states || m.verdict !== f.verdict) throw new Error(`${file}: the two sets disagree`);
  console.log(`${file.replace(/^specs\//, '').padEnd(38)} ${String(m.states).padStart(7)} ${m.ms.toFixed(0).padStart(10)} ${f.ms.toFixed(0).padStart(9)} ${(f.ms / m.ms).toFixed(2).padStart(10)}x ${(m.bytes / m.states).toFixed(0).padStart(13)} ${(f.bytes / f.states).toFixed(0).padStart(14)}`);
}
console.log('(bytes a state: heap + array buffers grown by one search: dominated by snapshots, not the set)');

// The sets alone: N distinct 64-bit fingerprints offered once each, then each again.
const N = 2_000_000;
const key = (i) => { const x = Math.imul(i, 0x9e3779b1) >>> 0, y = Math.imul(i ^ 0x5bd1e995, 0x85ebca6b) >>> 0; return String.fromCharCode(x & 0xffff, x >>> 16, y & 0xffff, y >>> 16); };
const keys = Array.from({ length: N }, (_, i) => key(i));
for (const [name, make] of [['map', () => new MapVisited()], ['fpset', () => new FpSet(1 << 30)]]) {
  gc();
  const h0 = process.memoryUsage();
  const t0 = performance.now();
  const s = make();
  for (let i = 0; i < N; i++) s.offer(keys[i], 0, i & 1023);
  for (let i = 0; i < N; i++) s.offer(keys[i], 1, 0);
  const ms = performance.now() - t0;
  gc();
  const h1 = process.memoryUsage();
  console.log(`${name.padEnd(6)} ${N} states: ${ms.toFixed(0)} ms, ${(((h1.heapUsed + h1.arrayBuffers) - (h0.heapUsed + h0.arrayBuffers)) / N).toFixed(1)} bytes a state${s.size !== N ? ' (MISMATCH)' : ''}`);
  globalThis.keep = s;
}
