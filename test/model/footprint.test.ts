import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadSpec } from '../../src/spec/load.js';
import { Machine } from '../../src/model/machine.js';

/** Transitions say what their first visible action touches (the ground partial-order reduction needs). */
function machine(name: string) {
  const file = `specs/${name}.yaml`;
  const r = loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p) });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return { m: new Machine(r.spec), spec: r.spec };
}

describe('footprints', () => {
  it('a load of the CALL_OPS literal and the patch store that rewrites it touch the same bytes', () => {
    const { m, spec } = machine('g2-call-ops-literal-loaded-twice');
    const lit = spec.symbols.get('f_ops')!;
    // The reader's first step runs up to its first load of the literal.
    m.apply(m.transitions().find((t) => t.hart === 0)!);
    const trans = m.transitions();
    const reader = trans.find((t) => t.hart === 0)!;
    const patcher = trans.find((t) => t.hart === 1)!;
    expect(m.footprint(reader)).toEqual({ reads: [[lit, lit + 8]], writes: [], kernel: [] });
    expect(m.footprint(patcher)).toEqual({ reads: [], writes: [[lit, lit + 8]], kernel: [] });
  });

  it("a caller's fetch of the site and the stop_machine request", () => {
    const { m, spec } = machine('b1-stop-machine-preempt-full');
    const f = spec.symbols.get('f')!;
    const first = m.transitions();
    // The call itself touches only the caller and its hart; it names the fetch at its entry (a
    // patch site), which the search runs with it (Model.passThrough).
    expect(m.footprint(first.find((t) => t.hart === 0)!)).toEqual({ reads: [[f, f + 4]], writes: [], kernel: [] });
    // A kernel service is ordered against every fetch and patch write: it reads and writes every patchable byte.
    const patchable = m.layout.patchable;
    expect(patchable.some(([lo, hi]) => lo <= f && f + 8 <= hi)).toBe(true);
    expect(m.footprint(first.find((t) => t.hart === 1)!)).toEqual({ reads: patchable, writes: patchable, kernel: ['sm'] });
    m.apply(first.find((t) => t.hart === 0)!);
    expect(m.passThrough()).toBe(0);
    expect(m.footprint(m.transitions().find((t) => t.hart === 0)!)).toEqual({ reads: [[f, f + 4]], writes: [], kernel: [] });
  });

  it("stop_machine's stoppers: arriving touches its state only, the runner's store the site, the flush every patchable byte", () => {
    const { m, spec } = machine('b2-stop-machine-preempt-none');
    const f = spec.symbols.get('f')!;
    const patchable = m.layout.patchable;
    const seen = new Map<string, unknown>();
    // Always take the patcher's or a stopper's transition when there is one: the stoppers gather, one stores, all flush.
    for (let i = 0; i < 200 && m.transitions().length; i++) {
      const trans = m.transitions();
      const t = trans.find((x) => m.taskNames[x.task]?.startsWith('stopper')) ?? trans.find((x) => m.taskNames[x.task] === 'patcher') ?? trans[0];
      const fp = m.footprint(t);
      if (m.taskNames[t.task]?.startsWith('stopper') && t.kind === 'step') {
        const what = fp.writes.length ? 'store' : fp.reads.length ? 'flush' : 'sm';
        if (!seen.has(what)) seen.set(what, fp);
      }
      if (m.apply(t).kind !== 'continue') break;
    }
    expect(seen.get('sm')).toEqual({ reads: [], writes: [], kernel: ['sm'] });
    expect(seen.get('store')).toEqual({ reads: [], writes: [[f, f + 8]], kernel: ['sm'] });
    expect(seen.get('flush')).toEqual({ reads: patchable, writes: [], kernel: ['sm'] });
  });
});

/**
 * What sleep sets under a preemption bound rest on (docs/semantics.md, "Preemption bounding"):
 * two transitions that commute by their footprints (explore/por.ts independent) leave each
 * other enabled with the cost they had, so every ordering of a Mazurkiewicz trace has the same
 * preemptions; and a stopper's exit taken alone (Model.persistent) leaves every other
 * transition enabled at its cost. Checked on every state of seeded random walks through the
 * bundled specs and random specs.
 */
describe('independent transitions keep each other enabled at the same cost', () => {
  it('on random walks through bundled and random specs', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { loadSpecFile } = await import('../../src/cli/input.js');
    const { independent } = await import('../../src/explore/por.js');
    const fc = (await import('fast-check')).default;
    const { gen, specText } = await import('../explore/random-spec.js');
    // specs/kernel/ too (kernel objects, when fixtures/kernel/build.sh has built them): their
    // switches read the preempt_count in thread_info, memory the model's code can store to.
    const files = [...readdirSync('specs'), ...readdirSync('specs/kernel').map((f) => `kernel/${f}`)].filter((f) => f.endsWith('.yaml')).sort();
    const specs = files.map((f) => loadSpecFile(join('specs', f), f).spec).filter((s) => s !== undefined);
    fc.sample(gen, { seed: 0xc0_57, numRuns: 60 }).forEach((g) => specs.push(loadSpec(specText(g), 'random.yaml').spec!));
    let seed = 0x2545f491;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    let pairs = 0, preempting = 0, exits = 0;
    for (const spec of specs) {
      for (let walk = 0; walk < 4; walk++) {
        const m = new Machine(spec);
        for (let step = 0; step < 60; step++) {
          const trans = m.transitions();
          if (trans.length === 0) break;
          const snap = m.save();
          for (const a of trans) {
            const fa = m.footprint(a);
            for (const b of trans) {
              if (a === b || !independent({ t: a, fp: fa }, b, m.footprint(b))) continue;
              const out = m.apply(b);
              if (out.kind === 'continue') {
                const again = m.transitions().find((t) => t.token === a.token);
                expect(again?.cost, `${spec.tasks.map((t) => t.name).join(',')}: ${a.token} after ${b.token}`).toBe(a.cost);
                pairs++;
                if (a.cost) preempting++;
              }
              m.load(snap);
            }
          }
          // The stoppers' exits taken first (Model.persistent, --por) leave the rest as they were too.
          for (const i of m.persistent(trans)) {
            const out = m.apply(trans[i]);
            if (out.kind === 'continue') {
              const after = m.transitions();
              for (const t of trans) {
                if (t === trans[i]) continue;
                expect(after.find((x) => x.token === t.token)?.cost, `${t.token} after the exit ${trans[i].token}`).toBe(t.cost);
                exits++;
              }
            }
            m.load(snap);
          }
          const out = m.apply(trans[rand(trans.length)]);
          if (out.kind !== 'continue') break;
        }
      }
    }
    console.log(`footprints: ${pairs} independent pairs checked, ${preempting} with a preempting switch; ${exits} transitions after a persistent exit`);
    expect(preempting).toBeGreaterThan(100);
    expect(exits).toBeGreaterThan(20);
  });
});
