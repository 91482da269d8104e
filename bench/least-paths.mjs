#!/usr/bin/env node
// How many states a sequential search would enter to find every signature's best witness, given
// each state's least label and the edges (docs/scale.md, "A two-phase design"):
// bench/shared/least-paths.ts, bundled here with esbuild and run on the scale family.
// A measurement, not a feature.
//
//   node bench/least-paths.mjs [--specs unsafe6,stale6,safe6]
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specText } from './scale-family.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--specs');
const names = (i > 0 ? process.argv[i + 1] : 'unsafe6,stale6,safe6').split(',');
const dir = mkdtempSync(join(tmpdir(), 'ftr-least-'));
const out = join(dir, 'least-paths.mjs');
buildSync({
  entryPoints: [join(root, 'bench/shared/least-paths.ts')],
  bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning',
  banner: { js: "import { createRequire as __r } from 'module'; const require = __r(import.meta.url);" },
});
const files = names.map((s) => {
  const m = /^(safe|stale|unsafe)(\d)$/.exec(s.trim());
  if (!m) throw new Error(`--specs: family and harts, as unsafe6: ${s}`);
  const file = join(dir, `${m[1]}${m[2]}.yaml`);
  writeFileSync(file, specText(m[1], Number(m[2])));
  return file;
});
const r = spawnSync(process.execPath, [out, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 2);
