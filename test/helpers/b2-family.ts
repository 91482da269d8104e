import { readFileSync } from 'node:fs';

/**
 * SCENARIOS B2 (specs/b2-stop-machine-preempt-none.yaml) on `harts` harts: callers `caller`,
 * `caller1`, … pinned to harts 0 … harts−2, each calling f `times` times, and the patcher on
 * the last hart — the family bench/scale.mjs measures, for tests of symmetry, stop_machine's
 * sets and checkpoints.
 */
export function b2OnHarts(harts: number, times = 2): string {
  const text = readFileSync('specs/b2-stop-machine-preempt-none.yaml', 'utf8');
  const tasks = '  - name: caller\n    hart: 0\n    call: f\n    times: 2\n  - name: patcher\n    hart: 1\n';
  if (!text.includes(tasks)) throw new Error('specs/b2-stop-machine-preempt-none.yaml changed: update test/helpers/b2-family.ts');
  const callers = Array.from({ length: harts - 1 }, (_, i) => `  - name: caller${i ? i : ''}\n    hart: ${i}\n    call: f\n    times: ${times}\n`).join('');
  return text.replace('harts: 2', `harts: ${harts}`).replace(tasks, `${callers}  - name: patcher\n    hart: ${harts - 1}\n`);
}
