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
    expect(m.footprint(first.find((t) => t.hart === 0)!)).toEqual({ reads: [], writes: [], kernel: ['sched'] }); // the call itself
    expect(m.footprint(first.find((t) => t.hart === 1)!)).toEqual({ reads: [], writes: [], kernel: ['sm'] });
    m.apply(first.find((t) => t.hart === 0)!);
    expect(m.footprint(m.transitions().find((t) => t.hart === 0)!)).toEqual({ reads: [[f, f + 4]], writes: [], kernel: [] });
  });
});
