import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';
import type { State } from '../../src/model/state.js';
import { explore, type ExploreOptions, type ExploreResult } from '../../src/explore/explore.js';
import { gen, specText } from '../explore/random-spec.js';
import { b2OnHarts } from '../helpers/b2-family.js';
import { librarySpec } from '../helpers/walks.js';

/**
 * Snapshots share tasks and harts with the running state until it changes one (copy-on-write:
 * Core.ownTask, Core.ownHart), and share the objects the model never changes once made (write
 * records, version contents, knowledge vectors, pass records, saved contexts). The types keep
 * a shared task or hart out of the code that changes one; this is the check at run time. Every
 * snapshot's shared objects are frozen as it is taken, so a change to one throws (modules are
 * strict), and every search must give the result it gives unfrozen: random specs under every
 * strategy (with --por and --naive too), and library specs that reach interrupts, kprobes,
 * IPIs, stop_machine's fn, RV64 patchers and stale fetches. The check fails when a step
 * changes a hart without ownHart (tried: requestStopMachine writing k.st.harts[h].task directly).
 */
function freezeDeep(x: unknown): void {
  if (x === null || typeof x !== 'object' || Object.isFrozen(x)) return;
  Object.freeze(x);
  for (const v of Object.values(x as object)) freezeDeep(v);
}

function freezeShared(st: State): void {
  // Not the state's own lists (the running state changes its copies of those), only what they hold.
  for (const t of st.tasks) freezeDeep(t);
  for (const h of st.harts) freezeDeep(h);
  for (const w of st.writes) freezeDeep(w);
  for (const vs of st.versions) for (const v of vs) freezeDeep(v);
  for (const d of st.dclk) freezeDeep(d);
}

/** Random specs (CI: 40; bench/soundness.sh sets more). */
const RUNS = Number(process.env.COW_RUNS ?? 40);

let frozen = 0;
const save = Machine.prototype.save;
function freezing(on: boolean): void {
  Machine.prototype.save = on
    ? function (this: Machine) {
        const s = save.call(this);
        freezeShared(s.state);
        frozen++;
        return s;
      }
    : save;
}

/** The result as compared: everything but timing. */
const plain = (r: ExploreResult) => JSON.stringify({ ...r, stats: { ...r.stats, ms: 0, rate: 0 }, finals: r.finals ? [...r.finals].sort() : null });

function same(spec: Spec, opts: ExploreOptions, what: string): void {
  freezing(false);
  const want = plain(explore(spec, opts));
  freezing(true);
  let got: string;
  try {
    got = plain(explore(spec, opts));
  } finally {
    freezing(false);
  }
  expect(got, what).toBe(want);
}

describe('copy-on-write snapshots: no step changes what a snapshot shares', () => {
  beforeAll(() => {
    frozen = 0;
  });
  afterAll(() => freezing(false));

  it(`random specs give the same results with every snapshot frozen (every strategy, ${RUNS} specs)`, () => {
    fc.assert(
      fc.property(gen, (g) => {
        const text = specText(g);
        const spec = loadSpec(text, 'random.yaml').spec!;
        same(spec, { strategy: 'exhaustive', naive: false, collectFinals: true, maxStates: 5_000 }, text);
        same(spec, { strategy: 'bounded', naive: false, maxStates: 5_000 }, text);
        same(spec, { strategy: 'exhaustive', naive: false, por: true, maxStates: 5_000 }, text);
        same(spec, { strategy: 'exhaustive', naive: true, maxStates: 3_000 }, text);
        same(spec, { strategy: 'random', naive: false, executions: 20, seed: 3 }, text);
      }),
      { seed: 0xc0e, numRuns: RUNS },
    );
    expect(frozen).toBeGreaterThan(10_000);
  });

  for (const name of ['v-d1-traced-irq-handler', 'v-kprobe-arm-stop-machine', 'f1-stop-machine-ipi-fence-i-deadlock', 'v-d1-rv64-patcher',
    'elf-63-enable-modify-preempt-full', 'g4-fence-i-without-observing-the-write@ir3-fetch', 'v-d1-no-ziccif@ziccid', 'd2-616-call-ops-pointer-race',
    'v-b2-interrupts-no-preempt', 'b3-nosync-smp']) {
    it(`gives the same result with every snapshot frozen (${name})`, () => {
      same(librarySpec(name), { strategy: 'exhaustive', naive: false, maxStates: 20_000 }, name);
    });
  }

  it('gives the same result with every snapshot frozen (B2 on 4 harts, symmetric)', () => {
    same(loadSpec(b2OnHarts(4), 'b2.yaml').spec!, { strategy: 'exhaustive', naive: false }, 'b2');
  });
});
