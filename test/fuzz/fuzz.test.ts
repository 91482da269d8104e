import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module shared with bench/fuzz.mjs
import { buildBundle, measureFresh, Pool, report, runCases } from './harness.mjs';

/**
 * The CI-sized fuzz run (docs/fuzz.md): a fixed seed, a few thousand small cases through
 * `main(argv, io)` in one worker process, each under a time and memory budget. Any exit 70,
 * death, over-budget case or nondeterministic output fails, with its reproducer printed.
 * The long run is `node bench/fuzz.mjs`.
 */
const CASES = 2000;

describe('fuzz (seeded, CI size)', () => {
  let pool: { close(): void } | undefined;
  afterAll(() => pool?.close());

  it(`${CASES} cases of seed 1: no internal error, death, hang or nondeterminism`, async () => {
    const opts = { bundle: await buildBundle(), workers: 1, timeMs: 10_000, memMb: 1024 };
    pool = new Pool(opts);
    const stats = await runCases({ pool, seed: 1, count: CASES, small: true, checkEvery: 20 });
    pool!.close();
    stats.fresh = await measureFresh(opts, stats.growthBadCase);
    const text = report(stats);
    expect(stats.failures.size, text).toBe(0);
    expect(stats.cases).toBe(CASES);
    expect(stats.determinism.checked).toBeGreaterThan(50);
    // The costliest malformed input, alone: far below the exploration's heap limit (2048 MB).
    expect(stats.fresh.peakKb / 1024, text).toBeLessThan(400);
  }, 180_000);
});
