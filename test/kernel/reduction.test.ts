/**
 * The reduction stays sound on the kernel's own code (STYLE.md 8): for specs of specs/kernel/
 * the reduced search finds exactly the violation signatures and final states of --naive. These
 * exercise what only `objects:` specs reach: stubs, task areas, the fixmap's page table in
 * memory, SBI fences.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import { signature } from '../../src/check/violation.js';

const ROOT = resolve(__dirname, '../..');
/**
 * The specs small enough for --naive (under 60,000 states). The every-hart stop_machine specs
 * are not: their stoppers' spin loops interleave without end in the naive search (more than
 * 60,000 states even without the caller), so that mode is covered by the verdict rows only.
 */
const SPECS = ['k612-make-call-stop-machine-preempt-full', 'k612-update-ftrace-func-preempt-full', 'k61-make-call-stop-machine-sbi', 'k61-make-call-stop-machine-ipi-deadlock'];

for (const name of SPECS) {
  const ver = name.startsWith('k612-') ? '6.12' : '6.1';
  const missing = existsSync(join(ROOT, 'fixtures/kernel/out', ver, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built (fixtures/kernel/build.sh ${ver}); skipping ${name}`;
  if (missing) console.warn(missing);
  describe.skipIf(missing)(`naive vs reduced: ${name}`, () => {
    it('agree on violations and final states', () => {
      const file = join(ROOT, 'specs/kernel', `${name}.yaml`);
      const spec = loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p), resolvePath: (p) => resolve(dirname(file), p) }).spec!;
      const opts = { strategy: 'bounded' as const, collectFinals: true, maxStates: 60_000 };
      const naive = explore(spec, { ...opts, naive: true });
      expect(naive.complete, naive.limit).toBe(true);
      const reduced = explore(spec, { ...opts, naive: false });
      expect(reduced.complete).toBe(true);
      const sigs = (r: typeof naive) => r.findings.map((f) => signature(f.violation)).sort();
      expect(sigs(reduced)).toEqual(sigs(naive));
      expect([...reduced.finals!].sort()).toEqual([...naive.finals!].sort());
      console.log(`${name}: naive ${naive.stats.states} states, reduced ${reduced.stats.states}; ${reduced.findings.length} signatures, ${reduced.finals!.size} final states`);
    });
  });
}
