/**
 * Replay: follows one schedule exactly with tracing on. Reports build witnesses from it
 * (api/witness.ts). A schedule that does not fit the spec is an Error with a one-line message.
 * A schedule that ends in a state it passed before, around a weakly fair cycle (every agent
 * enabled all along the cycle moves in it, explore/scc.ts; with eventual fetches, by
 * latest views only), shows a livelock: the witness the search gives one (explore/frontier.ts,
 * lasso).
 */
import type { Spec } from '../spec/types.js';
import type { Violation } from '../check/violation.js';
import { Machine } from '../model/machine.js';
import type { TraceEvent } from '../model/trace.js';
import { parseSchedule } from './schedule.js';
import { owedAgents, staleView } from './scc.js';

export interface ReplayResult {
  trace: TraceEvent[];
  violation?: Violation;
  /** The run ended with every task done (and no violation). */
  finished: boolean;
  /** Transitions still possible after the schedule, when it stopped short. */
  next: string[];
  /** The model in its final state (api/witness.ts reads site versions and symbols from it). */
  machine: Machine;
  preemptions: number;
  /** A livelock: the schedule's steps after `step` return to the state they start from, fairly; `event`: the trace index where they start. */
  cycle?: { step: number; event: number };
}

export function replay(spec: Spec, schedule: string): ReplayResult {
  const tokens = parseSchedule(schedule);
  const m = new Machine(spec);
  const trace: TraceEvent[] = (m.trace = []);
  let preemptions = 0;
  /** A benign finding made by the schedule's last transition (the execution went on after it). */
  let benign: Violation | undefined;
  /** Each state's exact name and its transition tokens (the state after i steps), to see a cycle. */
  const names: string[] = [];
  const enabled: string[][] = [];
  const marks: number[] = [];
  for (const [i, tok] of tokens.entries()) {
    marks.push(trace.length);
    const trans = m.transitions();
    names.push(m.fingerprint());
    enabled.push(trans.map((t) => t.token));
    const tr = trans.find((t) => t.token === tok);
    if (!tr) {
      throw new Error(`schedule step ${i + 1} '${tok}' is not possible here (possible: ${trans.map((t) => t.token).join(', ') || 'none'})`);
    }
    preemptions += tr.cost;
    const out = m.apply(tr);
    if (out.kind === 'violation') {
      if (i !== tokens.length - 1) throw new Error(`schedule step ${i + 1} already ends in a violation; ${tokens.length - i - 1} steps left over`);
      return { trace, violation: out.violation, finished: false, next: [], machine: m, preemptions };
    }
    if (out.kind === 'limit') throw new Error(out.reason);
    benign = out.kind === 'continue' && out.benign && i === tokens.length - 1 ? out.benign[0] : undefined;
    if (out.kind === 'end') {
      if (i !== tokens.length - 1) throw new Error(`schedule step ${i + 1} ends the execution (${out.reason}); ${tokens.length - i - 1} steps left over`);
      return { trace, finished: false, next: [], machine: m, preemptions };
    }
  }
  const next = m.transitions();
  if (benign) return { trace, violation: benign, finished: false, next: next.map((t) => t.token), machine: m, preemptions };
  if (next.length === 0) {
    const term = m.terminal();
    if (term.kind === 'done') {
      const v = term.violations[0];
      return { trace, violation: v, finished: !v, next: [], machine: m, preemptions };
    }
    return { trace, violation: term.violation ?? m.deadlock(), finished: false, next: [], machine: m, preemptions };
  }
  const k = names.indexOf(m.fingerprint());
  if (k >= 0) {
    const cycle = tokens.slice(k);
    // With eventual fetches a cycle that takes a stale view repeats it forever: not a behaviour.
    const fresh = !m.eventualFetch || !cycle.some(staleView);
    if (fresh && owedAgents(enabled.slice(k), cycle, m.eventualFetch).length === 0) return { trace, violation: m.livelock(new Set(names.slice(k)).size), finished: false, next: next.map((t) => t.token), machine: m, preemptions, cycle: { step: k, event: marks[k] } };
  }
  return { trace, finished: false, next: next.map((t) => t.token), machine: m, preemptions };
}
