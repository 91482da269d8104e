/**
 * A measurement, not a feature (docs/scale.md, "A two-phase design"): how many of a search's
 * states a second, sequential search would have to enter to find every signature's best
 * witness, if a first (parallel) one had left it each state's least label and the edges.
 * One thread, the single search itself, with a wrapper round its visited set (the edges it
 * offers, their costs, and each state's least label) and round Dfs.record (the states
 * violations leave from); then, per violation signature σ, the least cost c*(σ) of a violation
 * of σ, the least cost D_σ(s) from each state to one (backwards over the edges), and the states
 * with L(s) + D_σ(s) = c*(σ): those on a least path.
 *
 * Bundled and run by bench/least-paths.mjs.
 */
import { readFileSync } from 'node:fs';
import { loadSpec } from '../../src/spec/load.js';
import { Machine } from '../../src/model/machine.js';
import { Budget } from '../../src/explore/budget.js';
import { Dfs } from '../../src/explore/frontier.js';
import type { ExploreOptions } from '../../src/explore/strategy.js';
import type { Violation } from '../../src/check/violation.js';
import { signature } from '../../src/check/violation.js';
import type { VisitedSet } from '../../src/explore/visited.js';

const OPTS: ExploreOptions = { strategy: 'exhaustive', naive: false };
/** A label (preemptions, transitions) as one number, ordered as the search orders them. */
const W = (cost: number, depth: number) => cost * 4096 + depth;

interface Frame { key?: string; fp?: string; pass?: number; cost: number }
interface Inside { stack: Frame[]; path: string[]; visited: VisitedSet; record(v: Violation, cost: number): void }

function measure(file: string) {
  const spec = loadSpec(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p) }).spec!;
  const dfs = new Dfs(new Machine(spec), OPTS, Infinity, { executions: 0, nodes: 0 }, new Budget(OPTS, Date.now(), Date.now));
  const inside = dfs as unknown as Inside;
  const ids = new Map<string, number>();
  const id = (k: string) => {
    let i = ids.get(k);
    if (i === undefined) ids.set(k, (i = ids.size));
    return i;
  };
  const from: number[] = [], to: number[] = [], weight: number[] = [];
  const label = new Map<number, number>([[0, 0]]);
  const violations: { at: number; sig: string; w: number }[] = [];
  // The state the search is expanding: the nearest frame entered (passed-through frames have no name).
  const top = (): [number, number, number] => {
    for (let j = inside.stack.length - 1; j >= 0; j--) {
      const f = inside.stack[j];
      const k = f.key ?? f.fp;
      if (k !== undefined && !f.pass) return [id(k), f.cost, j];
    }
    return [-1, 0, 0];
  };
  const visited = inside.visited;
  const offer = visited.offer.bind(visited);
  visited.offer = (k, cost, depth) => {
    const [u, uc, ud] = top();
    const s = id(k);
    if (!(label.get(s)! <= W(cost, depth))) label.set(s, W(cost, depth));
    if (u >= 0) {
      from.push(u);
      to.push(s);
      weight.push(W(cost - uc, depth - ud));
    }
    return offer(k, cost, depth);
  };
  const record = inside.record.bind(dfs);
  inside.record = (v, cost) => {
    const [u, uc, ud] = top();
    violations.push({ at: u, sig: signature(v), w: W(cost - uc, inside.path.length - ud) });
    record(v, cost);
  };
  const t0 = performance.now();
  const limit = dfs.run();
  if (limit) throw new Error(`${file}: ${limit}`);
  const ms = performance.now() - t0;
  const n = ids.size;
  const back: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < from.length; i++) back[to[i]].push(i);
  const reach = new Uint8Array(n);
  const onLeast = new Uint8Array(n);
  const sigs = [...new Set(violations.map((v) => v.sig))].sort();
  const per: string[] = [];
  for (const sig of sigs) {
    const vs = violations.filter((v) => v.sig === sig);
    const best = Math.min(...vs.map((v) => label.get(v.at)! + v.w));
    // Backwards, label-correcting (the weights are small and the graph of these specs acyclic).
    const D = new Float64Array(n).fill(Infinity);
    const queue: number[] = [];
    for (const v of vs) if (v.w < D[v.at]) { D[v.at] = v.w; queue.push(v.at); }
    for (let i = 0; i < queue.length; i++) {
      const x = queue[i];
      reach[x] = 1;
      for (const e of back[x]) if (D[x] + weight[e] < D[from[e]]) { D[from[e]] = D[x] + weight[e]; queue.push(from[e]); }
    }
    let k = 0;
    for (let s = 0; s < n; s++) if (label.get(s)! + D[s] === best) { onLeast[s] = 1; k++; }
    per.push(`${k}`);
  }
  const count = (a: Uint8Array) => a.reduce((x, y) => x + y, 0);
  // The second search: the single search again, entering only the states on a least path.
  const again = new Dfs(new Machine(spec), OPTS, Infinity, { executions: 0, nodes: 0 }, new Budget(OPTS, Date.now(), Date.now));
  const v2 = (again as unknown as Inside).visited;
  const offer2 = v2.offer.bind(v2);
  let entered = 1;
  v2.offer = (k, cost, depth) => {
    const s = ids.get(k);
    if (s === undefined || !onLeast[s]) return false;
    const fresh = offer2(k, cost, depth);
    entered += fresh ? 1 : 0;
    return fresh;
  };
  const t1 = performance.now();
  if (again.run()) throw new Error(`${file}: the second search stopped early`);
  const ms2 = performance.now() - t1;
  const witnesses = (d: Dfs<unknown>) => d.findings.list().map((f) => `${signature(f.violation)} ${f.schedule} ${f.preemptions} ${f.steps}`).sort().join('\n');
  const same = witnesses(dfs) === witnesses(again);
  return { states: n, edges: from.length, sigs: sigs.length, reach: count(reach), least: count(onLeast), per, ms, ms2, entered, same };
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
console.log('states a second search must enter for every signature\'s best witness (docs/scale.md, "A two-phase design")');
console.log(`${'spec'.padEnd(10)} ${'states'.padStart(8)} ${'edges'.padStart(9)} ${'sigs'.padStart(5)} ${'reach a violation'.padStart(18)} ${'on a least path'.padStart(16)} ${'one s'.padStart(6)} ${'second s'.padStart(8)}  same witnesses  per signature`);
for (const file of process.argv.slice(2)) {
  const r = measure(file);
  const name = file.split('/').pop()!.replace(/\.yaml$/, '');
  console.log(`${name.padEnd(10)} ${String(r.states).padStart(8)} ${String(r.edges).padStart(9)} ${String(r.sigs).padStart(5)} ${`${r.reach} (${pct(r.reach, r.states)})`.padStart(18)} ${`${r.least} (${pct(r.least, r.states)})`.padStart(16)} ${(r.ms / 1000).toFixed(2).padStart(6)} ${(r.ms2 / 1000).toFixed(2).padStart(8)}  ${r.same ? 'yes' : 'NO'}  ${r.per.join(', ')}`);
  if (!r.same) process.exitCode = 1;
}
