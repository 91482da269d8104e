import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadSpec } from '../../src/spec/load.js';
import { explore, replay } from '../../src/explore/explore.js';
import { explorePart, explorePartitioned, mergeParts, splitSearch } from '../../src/explore/partition.js';
import type { ExploreOptions, ExploreResult } from '../../src/explore/strategy.js';
import { decodeCheckpoint, encodeCheckpoint, type SearchCheckpoint } from '../../src/explore/checkpoint.js';
import { Components, type Component } from '../../src/explore/scc.js';
import { Machine } from '../../src/model/machine.js';
import { signature } from '../../src/check/violation.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Livelocks are judged on the strongly connected components of the state graph (explore/scc.ts),
 * not on the simple cycles a search closes on its path. Two harts each spinning on a flag nobody
 * sets: every cycle the search closes moves one hart only, unfair to the other, yet the execution
 * that alternates them runs forever under weak fairness. The search before scc.ts called that
 * spec safe in every mode, --naive included.
 */

const FC = 'auipc t0, 0xff5c0\njalr t0, 1984(t0)\n';
const FRC = 'auipc t0, 0xff5c1\njalr t0, -1900(t0)\n';

/** The B1 layout with a `poll` routine (spins until `flag` is set) and a `set` routine (sets it). */
function spec(harts: number, tasks: unknown[], loads = 1) {
  const r = loadSpec(specYaml(harts, tasks, loads), 'pollers.yaml');
  if (!r.spec) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n'));
  return r.spec;
}

function specYaml(harts: number, tasks: unknown[], loads = 1): string {
  const poll = `poll:\n  la t1, flag\n1:\n${'  ld t2, 0(t1)\n'.repeat(loads)}  beqz t2, 1b\n  ret\nset:\n  la t1, flag\n  li t2, 1\n  sd t2, 0(t1)\n  ret\n`;
  const s = {
    name: 'pollers',
    harts,
    kernel: { preemption: 'none', interrupts: false },
    fetch: { atomic: 4 },
    memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: `ftrace_caller:\n  nop\n  jr t0\n${poll}` },
      { name: 't2', kind: 'code', at: '0xffffffff8000c7c4', asm: 'ftrace_regs_caller:\n  nop\n  jr t0\n' },
      { name: 'text', kind: 'code', at: '0xffffffff80a4bf30', rvc: false, asm: `f:\n${FC}addi a0, a0, 1\nret\n` },
      { name: 'flag', kind: 'data', at: '0xffffffff81000000', size: 8 },
    ],
    sites: [{ name: 'f', at: 'f', size: 8, targets: ['ftrace_caller', 'ftrace_regs_caller'] }],
    tasks,
  };
  return stringify(s);
}

const patcher = (hart: number) => ({ name: 'patcher', hart, patch: [{ stop_machine: { steps: [{ write: { at: 'f', asm: FRC } }] } }] });
/** Two pollers on their own harts, nothing sets the flag. */
const pollersOnly = () => spec(2, [{ name: 'p0', hart: 0, entry: 'poll' }, { name: 'p1', hart: 1, entry: 'poll' }]);
/** The same as two interchangeable tasks (`call:`), with a two-load loop: their cycles meet permuted images. */
const symPollers = () => spec(2, [{ name: 'p0', hart: 0, call: 'poll' }, { name: 'p1', hart: 1, call: 'poll' }], 2);
/** Two pollers and a stop_machine patcher on a third hart: stop_machine never gathers them. */
const pollersAndPatcher = () => spec(3, [{ name: 'p0', hart: 0, entry: 'poll' }, { name: 'p1', hart: 1, entry: 'poll' }, patcher(2)]);
/** A poller whose flag another hart sets: every cycle leaves the setter's step untaken (unfair), so no livelock. */
const pollerAndSetter = () => spec(2, [{ name: 'p0', hart: 0, entry: 'poll' }, { name: 's', hart: 1, entry: 'set' }]);

const MODES: [string, ExploreOptions][] = [
  ['bounded', { strategy: 'bounded', naive: false }],
  ['bounded --naive', { strategy: 'bounded', naive: true, maxStates: 50_000 }],
  ['exhaustive', { strategy: 'exhaustive', naive: false }],
  ['exhaustive, map', { strategy: 'exhaustive', naive: false, visited: 'map' }],
  ['exhaustive --naive', { strategy: 'exhaustive', naive: true, maxStates: 50_000 }],
  ['exhaustive --por', { strategy: 'exhaustive', naive: false, por: true }],
  ['exhaustive --no-symmetry', { strategy: 'exhaustive', naive: false, symmetry: false }],
];
const kinds = (r: ExploreResult) => [...new Set(r.findings.map((f) => `${f.violation.property}/${f.violation.kind}`))].sort();
const sigs = (r: ExploreResult) => r.findings.map((f) => signature(f.violation)).sort();
const timeless = (r: ExploreResult) => ({ ...r, stats: { ...r.stats, ms: 0, rate: 0 } });

describe('livelocks are fair components, not simple cycles', () => {
  it('two harts spinning on a flag nobody sets: a livelock in every search mode and split (was safe)', () => {
    const s = pollersOnly();
    for (const [name, o] of MODES) {
      const r = explore(s, o);
      expect(r.verdict, name).toBe('unsafe');
      expect(kinds(r), name).toEqual(['deadlock/livelock']);
      expect(r.findings[0].violation.message, name).toMatch(/a fair cycle through \d+ states?/);
      expect(r.complete, name).toBe(true);
      for (const target of [2, 64]) {
        const p = explorePartitioned(s, o, target);
        expect(sigs(p), `${name}, split ${target}`).toEqual(sigs(r));
        expect(p.stats.unjudged, `${name}, split ${target}`).toBeUndefined();
      }
    }
  });

  it('with a stop_machine patcher on a third hart: both pollers keep it from gathering, as the naive search says', () => {
    const s = pollersAndPatcher();
    const naive = explore(s, { strategy: 'exhaustive', naive: true, maxStates: 50_000 });
    expect(naive.findings.map((f) => f.violation.message).join('\n')).toMatch(/stop_machine never gathers hart 0/);
    for (const [name, o] of MODES) {
      const r = explore(s, o);
      expect(sigs(r), name).toEqual(sigs(naive));
      expect(explorePartitioned(s, o, 8).findings.map((f) => signature(f.violation)).sort(), name).toEqual(sigs(naive));
    }
  });

  it('a poller whose flag another hart sets is no livelock: its only cycles leave the setter waiting (unfair)', () => {
    const s = pollerAndSetter();
    for (const [name, o] of MODES) {
      const r = explore(s, o);
      expect(r.verdict, name).toBe('safe');
      expect(r.complete, name).toBe(true);
    }
  });

  it('interchangeable pollers: the search up to symmetry gives itself up on a permuted cycle and says so; the result is the one without symmetry', () => {
    const s = symPollers();
    expect(new Machine(s).symmetric.length).toBeGreaterThan(0);
    const plain = explore(s, { strategy: 'exhaustive', naive: false, symmetry: false });
    expect(kinds(plain)).toEqual(['deadlock/livelock']);
    for (const o of [{ strategy: 'exhaustive', naive: false }, { strategy: 'bounded', naive: false }] as ExploreOptions[]) {
      const r = explore(s, o);
      expect(r.stats.symmetryAbandoned).toMatch(/permuted image/);
      expect(r.stats.symmetry).toBeUndefined();
      expect(sigs(r)).toEqual(sigs(plain));
    }
    // A split whose top meets a permuted cycle is made again without symmetry, parts and all.
    for (const target of [2, 8]) {
      const p = explorePartitioned(s, { strategy: 'exhaustive', naive: false }, target);
      expect(sigs(p)).toEqual(sigs(plain));
      expect(p.stats.states).toBe(plain.stats.states);
      expect(p.stats.symmetryAbandoned).toMatch(/permuted image/);
    }
    // Shards cannot search the other shards' parts again: a merge of parts that met one is inconclusive, naming the part.
    const o: ExploreOptions = { strategy: 'exhaustive', naive: false };
    const split = splitSearch(s, o, 2);
    expect(split.top.symmetryAbandoned).toBeUndefined();
    const merged = mergeParts(s, o, split, split.parts.map((p) => explorePart(s, o, p)), 0);
    expect(merged.verdict).toBe('inconclusive');
    expect(merged.limit).toMatch(/^symmetry reduction given up \(a cycle returns to a permuted image of a state, and livelocks are judged on exact states\): search again with --no-symmetry in part \d+ of \d+$/);
  });

  it('stopped and resumed inside a component, the search ends as one that never stopped', () => {
    let inside = 0;
    for (const s of [pollersAndPatcher(), symPollers()]) {
      for (const o of [
        { strategy: 'bounded', naive: false },
        { strategy: 'exhaustive', naive: false },
        { strategy: 'exhaustive', naive: true, maxStates: 50_000 },
        { strategy: 'exhaustive', naive: false, por: true },
      ] as ExploreOptions[]) {
        const whole = explore(s, o);
        let resume: SearchCheckpoint | undefined;
        let stops = 0;
        let result: ExploreResult;
        for (;;) {
          let calls = 0;
          let written: Uint8Array | undefined;
          result = explore(s, { ...o, checkpointKey: 'k', resume, checkpoint: { due: () => (++calls % 2 === 0 ? 'stop' : null), write: (cp) => (written = encodeCheckpoint(cp)), stopped: () => 'stopped' } });
          if (result.limit !== 'stopped') break;
          stops++;
          resume = decodeCheckpoint(written!);
          // A stop where the components' stack holds an edge back of a component not yet complete.
          if (resume.dfs.scc!.nodes.some((n) => n.taken.length > 0)) inside++;
        }
        expect(stops, JSON.stringify(o)).toBeGreaterThan(0);
        expect(timeless(result), JSON.stringify(o)).toEqual(timeless(whole));
      }
    }
    expect(inside).toBeGreaterThan(0);
  });
});

describe('a livelock\'s witness is a lasso that replays', () => {
  it('every livelock witness, in every mode, replays to the livelock: the schedule ends around a fair cycle', () => {
    for (const s of [pollersOnly(), pollersAndPatcher(), symPollers()]) {
      for (const [name, o] of MODES) {
        for (const f of explore(s, o).findings.filter((x) => x.violation.kind === 'livelock')) {
          const r = replay(s, f.schedule);
          expect(r.violation && signature(r.violation), `${name}: ${f.schedule}`).toBe(signature(f.violation));
          expect(r.violation!.message).toBe(f.violation.message);
          expect(r.cycle!.step, f.schedule).toBeLessThan(f.steps);
          expect(r.preemptions).toBe(f.preemptions);
        }
      }
    }
  });

  it('replay tells a fair cycle from an unfair one', () => {
    // Both pollers at their loops after h0.h1: h0 alone around the loop leaves h1 waiting.
    const s = pollersOnly();
    expect(replay(s, 'h0.h1.h0').violation).toBeUndefined();
    expect(replay(s, 'h0.h1.h0').cycle).toBeUndefined();
    const fair = replay(s, 'h0.h1.h0.h1');
    expect(fair.violation?.kind).toBe('livelock');
    expect(fair.cycle?.step).toBe(2);
    // The setter's step is enabled all along the poller's loop and never taken.
    expect(replay(pollerAndSetter(), 'h0.h0').violation).toBeUndefined();
  });

  it('check marks the cycle in the trace; replay of the witness exits 1 with the livelock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-ll-'));
    const file = join(dir, 'pollers.yaml');
    writeFileSync(file, readPollers());
    const io = bufferIo();
    const report = join(dir, 'report.html');
    expect(await main(['check', file, '--no-timing', '--width', '100', '--report', `html:${report}`], io)).toBe(1);
    expect(readFileSync(report, 'utf8')).toMatch(/<g class="span cycle" data-from="\d+" data-to="\d+">/);
    expect(io.out).toMatch(/deadlock \(livelock\)/);
    expect(io.out).toMatch(/-- the cycle: the schedule's last 2 steps return to this state/);
    const schedule = /schedule: (\S+)/.exec(io.out)![1];
    const again = bufferIo();
    expect(await main(['replay', file, '--schedule', schedule], again)).toBe(1);
    expect(again.out).toMatch(/an execution can run forever \(a fair cycle through 1 state\)/);
    expect(again.out).toMatch(/-- the cycle:/);
  });
});

describe('shards of a spec with livelocks', () => {
  it('merge replays each livelock from its shard file (its schedule ends around the cycle) and finds the livelock --workers finds (it runs the single search: a cycle)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftr-ll-sh-'));
    const file = join(dir, 'pollers.yaml');
    writeFileSync(file, specYaml(3, [{ name: 'p0', hart: 0, entry: 'poll' }, { name: 'p1', hart: 1, entry: 'poll' }, patcher(2)]));
    const workers = bufferIo();
    expect(await main(['check', file, '--exhaustive', '--workers', '2', '--no-timing'], workers)).toBe(1);
    expect(workers.out).toMatch(/stop_machine never\s+gathers/);
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      files.push(join(dir, `s${i}.bin`));
      expect(await main(['check', file, '--exhaustive', '--shard', `${i}/3`, '--shard-out', files[i], '--no-timing'], bufferIo())).toBe(0);
    }
    const merged = bufferIo();
    expect(await main(['merge', ...files, '--no-timing'], merged)).toBe(1);
    expect(merged.out).toMatch(/stop_machine never\s+gathers/);
    expect(workers.out).toMatch(/--workers: the single search, on one thread: the state graph has a cycle/);
  });
});

/** pollersOnly as the YAML a user writes. */
function readPollers(): string {
  return stringify({
    name: 'pollers',
    harts: 2,
    kernel: { preemption: 'none', interrupts: false },
    fetch: { atomic: 4 },
    memory: [
      { name: 't1', kind: 'code', at: '0xffffffff8000c6f0', asm: 'ftrace_caller:\n  nop\n  jr t0\npoll:\n  la t1, flag\n1:\n  ld t2, 0(t1)\n  beqz t2, 1b\n  ret\n' },
      { name: 'flag', kind: 'data', at: '0xffffffff81000000', size: 8 },
    ],
    tasks: [{ name: 'p0', hart: 0, entry: 'poll' }, { name: 'p1', hart: 1, entry: 'poll' }],
  });
}

/**
 * scc.ts alone, on random labelled graphs: a depth-first search with a visited set drives it as
 * frontier.ts does, and the components it returns are compared with ones computed by brute
 * force (mutual reachability), each judged by the definition: fair when every label enabled in
 * all of its states is on an edge inside it.
 */
describe('Components (Tarjan on the fly) against brute force (fast-check, seeded)', () => {
  const graph = fc.integer({ min: 1, max: 9 }).chain((n) =>
    fc.array(fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: n - 1 })), { maxLength: 4, selector: ([t]) => t }), { minLength: n, maxLength: n }),
  );

  function search(adj: [string, number][][]): Component[] & { sets: number[][] } {
    const comps = new Components();
    const out = [] as unknown as Component[] & { sets: number[][] };
    out.sets = [];
    const seen = new Set<number>();
    const node = new Map<number, ReturnType<Components['open']>>();
    const members: number[] = [];
    const visit = (v: number, parent: ReturnType<Components['open']> | undefined, token: string | undefined) => {
      seen.add(v);
      const n = comps.open(adj[v].map(([t]) => ({ token: t })), String(v), undefined);
      node.set(v, n);
      members.push(v);
      for (const [t, w] of adj[v]) {
        if (!seen.has(w)) visit(w, n, t);
        else {
          const u = comps.find(String(w));
          if (u) comps.edge(n, u, t, false);
        }
      }
      const before = members.lastIndexOf(v);
      const c = comps.close(n, parent, token);
      if (c || n.low === n.index) {
        const set = members.splice(before).sort((a, b) => a - b);
        if (c) {
          out.push(c);
          out.sets.push(set);
        }
      }
    };
    visit(0, undefined, undefined);
    return out;
  }

  function brute(adj: [string, number][][]): { set: number[]; fair: boolean }[] {
    const n = adj.length;
    const reach = adj.map((_, s) => {
      const r = new Set<number>();
      const st = adj[s].map(([, w]) => w);
      while (st.length) {
        const w = st.pop()!;
        if (r.has(w)) continue;
        r.add(w);
        st.push(...adj[w].map(([, x]) => x));
      }
      return r;
    });
    const from0 = new Set([0, ...reach[0]]);
    const done = new Set<number>();
    const out: { set: number[]; fair: boolean }[] = [];
    for (let v = 0; v < n; v++) {
      if (!from0.has(v) || done.has(v)) continue;
      const set = [...from0].filter((w) => (w === v || (reach[v].has(w) && reach[w].has(v)))).sort((a, b) => a - b);
      set.forEach((w) => done.add(w));
      const inside = new Set(set);
      const edges = set.flatMap((w) => adj[w].filter(([, x]) => inside.has(x)));
      if (edges.length === 0) continue;
      const always = ['a', 'b', 'c', 'd'].filter((t) => set.every((w) => adj[w].some(([u]) => u === t)));
      out.push({ set, fair: always.every((t) => edges.some(([u]) => u === t)) });
    }
    return out;
  }

  it('the same components with an edge inside, judged fair or not the same (1,000 graphs)', () => {
    let fair = 0, unfair = 0;
    fc.assert(
      fc.property(graph, (adj) => {
        const got = search(adj);
        const want = brute(adj);
        const mine = got.sets.map((set, i) => ({ set, fair: got[i].fair, states: got[i].states }));
        const key = (x: { set: number[] }) => x.set.join(',');
        expect(mine.map((x) => ({ set: x.set, fair: x.fair })).sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...want].sort((a, b) => key(a).localeCompare(key(b))));
        for (const x of mine) expect(x.states).toBe(x.set.length);
        for (const w of want) w.fair ? fair++ : unfair++;
      }),
      { numRuns: 1000, seed: 0x5cc },
    );
    expect(fair).toBeGreaterThan(50);
    expect(unfair).toBeGreaterThan(50);
  });
});
