import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';

/**
 * `name` or `name@model`: specs/NAME.yaml (or `text` in its place), optionally under another
 * fetch model. Throws on a spec that does not load.
 */
export function librarySpec(id: string, text?: string): Spec {
  const [name, model] = id.split('@');
  const file = `specs/${name}.yaml`;
  const overrides = model ? [`fetch.model=${model}`] : [];
  const r = loadSpec(text ?? readFileSync(file, 'utf8'), file, { overrides, readFile: (p) => readFileSync(p), resolvePath: (p) => resolve(dirname(file), p) });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.spec;
}

/**
 * Seeded random walks of `walks` machines over `spec`, each of at most `steps` transitions and
 * ending at a violation or a final state; `visit` sees the machine after a step with
 * probability `sample` (one draw of `rand` a step, after the one choosing the transition).
 */
export function randomWalks(spec: Spec, rand: () => number, o: { walks: number; steps: number; sample: number }, visit: (m: Machine, walk: number, step: number) => void): void {
  for (let walk = 0; walk < o.walks; walk++) {
    const m = new Machine(spec);
    for (let step = 0; step < o.steps; step++) {
      const trans = m.transitions();
      if (!trans.length) break;
      if (m.apply(trans[Math.floor(rand() * trans.length)]).kind !== 'continue') break;
      if (rand() > o.sample) continue;
      visit(m, walk, step);
    }
  }
}
