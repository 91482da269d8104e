#!/usr/bin/env node
// What one visited set shared by the parts' threads would buy (docs/scale.md, "What replaces
// it"): bench/shared/shared-visited.ts, bundled here with esbuild and run on the scale family.
// A benchmark, not a test; a measurement, not a feature (its report would depend on the
// threads' timing). Prints the single search's time against the shared-table search on one
// and on two threads, and checks verdict, signatures and states against the single search.
//
//   node bench/shared-visited.mjs [--runs 3] [--specs unsafe5,stale6,safe6]
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specText } from './scale-family.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const dir = mkdtempSync(join(tmpdir(), 'ftr-shared-'));
const out = join(dir, 'shared-visited.mjs');
buildSync({
  entryPoints: [join(root, 'bench/shared/shared-visited.ts')],
  bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning',
  banner: { js: "import { createRequire as __r } from 'module'; const require = __r(import.meta.url);" },
});
const files = arg('--specs', 'unsafe5,stale6,safe6').split(',').map((s) => {
  const m = /^(safe|stale|unsafe)(\d)$/.exec(s.trim());
  if (!m) throw new Error(`--specs: family and harts, as unsafe5: ${s}`);
  const file = join(dir, `${m[1]}${m[2]}.yaml`);
  writeFileSync(file, specText(m[1], Number(m[2])));
  return file;
});
const r = spawnSync(process.execPath, [out, out, arg('--runs', '3'), ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 2);
