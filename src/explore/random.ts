/**
 * Seeded random walks (each transition chosen uniformly), for specs too large to exhaust.
 * Never proves safety: the verdict is unsafe or inconclusive. Same seed, same walks.
 */
import type { Violation } from '../check/violation.js';
import { Machine } from '../model/machine.js';
import { formatSchedule } from './schedule.js';
import { Budget } from './budget.js';
import { Findings } from './findings.js';
import type { Strategy } from './strategy.js';

/** xorshift32: a small deterministic generator (walks must be reproducible from the seed). */
export function rng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A walk that has not ended after this many transitions is cut (random walks do not detect livelocks). */
const MAX_WALK = 100_000;

export const randomStrategy: Strategy = {
  name: 'random',
  run(spec, opts) {
    const now = opts.now ?? Date.now;
    const t0 = now();
    // Only time bounds random walks (their count is the budget).
    const budget = new Budget({ maxTime: opts.maxTime }, t0, now);
    const rand = rng(opts.seed ?? 1);
    const runs = opts.executions ?? 1000;
    const findings = new Findings();
    let executions = 0, steps = 0, maxDepth = 0;
    let limit: string | undefined;
    const record = (v: Violation, path: string[], cost: number) => {
      const found = { violation: v, schedule: formatSchedule(path), preemptions: cost, steps: path.length };
      opts.onViolation?.(found);
      findings.record(found);
    };
    walks: for (let i = 0; i < runs; i++) {
      const m = new Machine(spec);
      const path: string[] = [];
      let cost = 0;
      for (;;) {
        const over = budget.exceededSlow();
        if (over) {
          limit = over;
          break walks;
        }
        const all = m.transitions();
        const trans = opts.bound === undefined ? all : all.filter((t) => cost + t.cost <= opts.bound!);
        if (trans.length === 0) {
          executions++;
          if (all.length > 0) break; // only the bound stops this walk
          const term = m.terminal();
          if (term.kind === 'done') for (const v of term.violations) record(v, path, cost);
          else if (term.violation) record(term.violation, path, cost);
          break;
        }
        const tr = trans[Math.floor(rand() * trans.length)];
        path.push(tr.token);
        cost += tr.cost;
        steps++;
        maxDepth = Math.max(maxDepth, path.length);
        const out = m.apply(tr);
        if (out.kind === 'continue' && out.benign) for (const v of out.benign) record(v, path, cost);
        if (out.kind === 'violation') {
          executions++;
          record(out.violation, path, cost);
          break;
        }
        if (out.kind === 'end') {
          executions++;
          break;
        }
        if (out.kind === 'limit') {
          limit = out.reason;
          break walks;
        }
        if (path.length > MAX_WALK) {
          executions++;
          break;
        }
      }
    }
    const ms = now() - t0;
    const list = findings.list();
    return {
      verdict: list.some((f) => !f.violation.benign) ? 'unsafe' : 'inconclusive',
      complete: false,
      bound: opts.bound ?? null,
      findings: list,
      stats: { executions, states: steps, pruned: 0, maxDepth, ms, rate: ms > 0 ? Math.round((steps / ms) * 1000) : steps },
      limit: limit ?? `random walks: ${list.length ? `${list.length} violation${list.length === 1 ? '' : 's'}` : 'no violation'} in ${executions} executions (seed ${opts.seed ?? 1})`,
    };
  },
};
