import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSpec } from '../../src/spec/load.js';
import { explore, type ExploreOptions } from '../../src/explore/explore.js';
import { FETCH_MODELS, type FetchModel, type FetchModelName } from '../../src/model/fetch/fetch-model.js';
import type { Core } from '../../src/model/core.js';
import { gen, specText } from '../explore/random-spec.js';
import { librarySpec } from '../helpers/walks.js';

/**
 * A fetch's views on the hot path (FetchModel.view and viewCount: no lists, one scratch buffer)
 * against their reference, FetchModel.views (the list, built the plain way): every call the
 * searches below make to either is checked against views() on the same state, under every
 * fetch model. The searches are the soundness test's random specs and the bundled specs with
 * stale fetches, each under all six models. A run must meet fetches with more than one view
 * (stale fetches), and fetches whose later writes give the same instruction (views merged).
 */
const RUNS = Number(process.env.VIEWS_RUNS ?? 60);
const MODELS = Object.keys(FETCH_MODELS) as FetchModelName[];

const saved = new Map<FetchModelName, Pick<FetchModel, 'view' | 'viewCount'>>();
let checked = 0, many = 0, merged = 0;

beforeAll(() => {
  for (const name of MODELS) {
    const fm = FETCH_MODELS[name];
    const { view, viewCount } = fm;
    saved.set(name, { view, viewCount });
    const mut = fm as { -readonly [K in keyof FetchModel]: FetchModel[K] };
    mut.view = (k: Core, h: number, addr: number, n: number, choice: number) => {
      const want = fm.views(k, h, addr, n);
      const got = view(k, h, addr, n, choice);
      expect(got, `${name}: view(${h}, ${addr.toString(16)}, ${n}, ${choice})`).toBe(want[Math.min(choice, want.length - 1)]);
      checked++;
      return got;
    };
    mut.viewCount = (k: Core, h: number, addr: number, n: number) => {
      const want = fm.views(k, h, addr, n);
      const got = viewCount(k, h, addr, n);
      expect(got, `${name}: viewCount(${h}, ${addr.toString(16)}, ${n})`).toBe(want.length);
      if (want.length > 1) many++;
      if (want.length > 1 && staleWrites(k, addr, n) + 1 > want.length) merged++;
      checked++;
      return got;
    };
  }
});

afterAll(() => {
  for (const [name, fns] of saved) Object.assign(FETCH_MODELS[name], fns);
});

/** Writes to [addr, addr+n) so far: more than the views (less one, the floor) when some were merged. */
function staleWrites(k: Core, addr: number, n: number): number {
  return k.st.writes.filter((w) => w.at < addr + n && addr < w.at + w.bytes.length).length;
}

const opts: ExploreOptions = { strategy: 'exhaustive', naive: false, maxStates: 5_000 };

describe('a fetch\'s views without lists are its views()', () => {
  it(`random specs under their fetch model and under every other (${RUNS} specs)`, () => {
    const before = checked;
    fc.assert(
      fc.property(gen, fc.constantFrom(...MODELS), (g, model) => {
        const spec = loadSpec(specText(g), 'random.yaml').spec!;
        explore(spec, opts);
        explore({ ...spec, fetch: { ...spec.fetch, model } }, opts);
      }),
      { seed: 0x71e_05, numRuns: RUNS },
    );
    expect(checked - before).toBeGreaterThan(10_000);
  });

  const stale = ['g3-fetched-new-fence-i-fetches-old', 'g4-fence-i-without-observing-the-write', 'v-d1-no-fence-i', 'v-b2-fence-i-coherence-no-flush', 'c2-sd-pair-fetch8-no-preempt', 'e1-static-key-unaligned-two-sh'];
  for (const name of stale) {
    it(`${name} under every fetch model`, () => {
      for (const model of MODELS) explore(librarySpec(`${name}@${model}`), opts);
    });
  }

  it('the searches met fetches of several views, and views merged by instruction', () => {
    expect(many).toBeGreaterThan(1_000);
    expect(merged).toBeGreaterThan(0);
  });
});
