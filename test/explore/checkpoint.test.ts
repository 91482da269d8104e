import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadSpec } from '../../src/spec/load.js';
import { explore } from '../../src/explore/explore.js';
import type { ExploreOptions, ExploreResult } from '../../src/explore/strategy.js';
import { decodeCheckpoint, encodeCheckpoint, type SearchCheckpoint } from '../../src/explore/checkpoint.js';

/**
 * Checkpoint/resume (issue 9): a search stopped between two transitions, written to bytes,
 * read back and resumed — as often as it is stopped — ends with the result of a search that
 * never stopped: verdict, findings and their witnesses, statistics (but time).
 */
const SPECS = ['b1-stop-machine-preempt-full', 'v-b1-three-harts', 'd1-616-jalr-toggle-preempt-full', 'f1-stop-machine-ipi-fence-i-deadlock', 'v-d1-rv64-patcher', 'g4-fence-i-without-observing-the-write'];

const load = (name: string) => {
  const file = `specs/${name}.yaml`;
  return loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p) }).spec!;
};
const timeless = (r: ExploreResult) => ({ ...r, stats: { ...r.stats, ms: 0, rate: 0 } });

/** Runs to the end, stopping every `every`-th time a checkpoint is offered (every 64 transitions) and resuming from the written bytes. */
function interrupted(spec: ReturnType<typeof load>, opts: ExploreOptions, every: number): { result: ExploreResult; stops: number } {
  let resume: SearchCheckpoint | undefined;
  let stops = 0;
  for (;;) {
    let calls = 0;
    let written: Uint8Array | undefined;
    const result = explore(spec, {
      ...opts,
      checkpointKey: 'k',
      resume,
      checkpoint: {
        due: () => (++calls % every === 0 ? 'stop' : null),
        write: (cp) => (written = encodeCheckpoint(cp)),
        stopped: () => 'stopped for a checkpoint',
      },
    });
    if (result.limit !== 'stopped for a checkpoint') return { result, stops };
    stops++;
    resume = decodeCheckpoint(written!);
  }
}

describe('checkpoint and resume', () => {
  for (const name of SPECS) {
    it(`${name}: stopped and resumed many times, the search ends as one that never stopped`, () => {
      const spec = load(name);
      for (const opts of [
        { strategy: 'bounded', naive: false },
        { strategy: 'exhaustive', naive: false, visited: 'map' },
        { strategy: 'exhaustive', naive: true, maxStates: 30_000 },
      ] as ExploreOptions[]) {
        const whole = explore(spec, opts);
        const { result, stops } = interrupted(spec, opts, 2);
        expect(stops).toBeGreaterThan(0);
        expect(timeless(result), `${name} ${JSON.stringify(opts)}`).toEqual(timeless(whole));
      }
    });
  }

  it('a checkpoint for another spec or options, and a damaged file, are refused with one line', () => {
    const spec = load('b1-stop-machine-preempt-full');
    let bytes: Uint8Array | undefined;
    let calls = 0;
    explore(spec, { strategy: 'bounded', naive: false, checkpointKey: 'k', checkpoint: { due: () => (++calls === 3 ? 'stop' : null), write: (cp) => (bytes = encodeCheckpoint(cp)), stopped: () => 'x' } });
    const cp = decodeCheckpoint(bytes!);
    expect(cp.dfs.path.length).toBeGreaterThan(3);
    expect(() => explore(spec, { strategy: 'bounded', naive: false, checkpointKey: 'other', resume: cp })).toThrow(/another spec or other options/);
    expect(() => decodeCheckpoint(bytes!.subarray(0, bytes!.length - 1))).toThrow(/cut short/);
    expect(() => decodeCheckpoint(new TextEncoder().encode('harts: 2\n'))).toThrow(/does not start with/);
    // A frontier that does not replay (a file edited by hand) is refused, not explored wrongly.
    const edited = { ...cp, dfs: { ...cp.dfs, path: cp.dfs.path.map((t, i) => (i === 1 ? 'h9' : t)) } };
    expect(() => explore(spec, { strategy: 'bounded', naive: false, checkpointKey: 'k', resume: edited })).toThrow(/path does not fit this spec \(step 2 'h9'\)/);
  });
});
