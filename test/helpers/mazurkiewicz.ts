/**
 * The reference count of Mazurkiewicz traces (docs/semantics.md, "Partial-order reduction"):
 * every schedule of a spec is executed (a plain recursive search, no reduction of any kind),
 * and each complete execution is named by the least of its linearisations under the
 * independence relation of src/explore/por.ts — built by taking, again and again, the event
 * with the least token among those no earlier dependent event still precedes. Two executions
 * are one trace exactly when they get one name; the number of names is the number of traces.
 * An execution that ends in a violation is named by the causal past of its last event.
 */
import type { Spec } from '../../src/spec/types.js';
import { Machine } from '../../src/model/machine.js';
import type { Footprint, Transition } from '../../src/model/model.js';
import { independent } from '../../src/explore/por.js';

interface Event {
  t: Transition;
  fp: Footprint;
}

/**
 * An execution that ends in a violation (or a property switched off) ends with that event:
 * its class is the trace of that event's causal past, the events it depends on, transitively
 * (an event independent of it may or may not have run before it, and the violation is the
 * same: the search with sleep sets runs it once).
 */
function causalPast(events: readonly Event[]): Event[] {
  const keep = new Array<boolean>(events.length).fill(false);
  keep[events.length - 1] = true;
  for (let i = events.length - 2; i >= 0; i--) {
    for (let j = i + 1; j < events.length && !keep[i]; j++) if (keep[j] && !independent(events[i], events[j].t, events[j].fp)) keep[i] = true;
  }
  return events.filter((_, i) => keep[i]);
}

function traceName(events: readonly Event[]): string {
  const left = events.map((_, i) => i);
  const out: string[] = [];
  while (left.length) {
    let best = -1;
    for (let k = 0; k < left.length; k++) {
      const j = left[k];
      // Available when no event still left before it depends on it.
      let free = true;
      for (let q = 0; q < k && free; q++) if (!independent(events[left[q]], events[j].t, events[j].fp)) free = false;
      if (free && (best < 0 || events[j].t.token < events[left[best]].t.token)) best = k;
    }
    out.push(events[left[best]].t.token);
    left.splice(best, 1);
  }
  return out.join('.');
}

/** The name of an execution that ended (`ended`: by its last event, a violation or a stop). */
function executionName(path: readonly Event[], ended: boolean): string {
  return ended ? '!' + traceName(causalPast(path)) : traceName(path);
}

/** The trace of the execution a schedule runs (replayed on a fresh machine). */
export function nameOfSchedule(spec: Spec, schedule: readonly string[]): string {
  const m = new Machine(spec);
  const path: Event[] = [];
  let ended = false;
  for (const tok of schedule) {
    const t = m.transitions().find((x) => x.token === tok);
    if (!t) throw new Error(`schedule ${schedule.join('.')}: ${tok} is not enabled`);
    path.push({ t, fp: m.footprint(t) });
    const out = m.apply(t);
    ended = out.kind === 'violation' || out.kind === 'end';
  }
  return executionName(path, ended);
}

/** The traces of the whole tree, by name; null if it has a cycle or passes `limit` executions. */
export function traceNames(spec: Spec, limit = 20_000): { executions: number; names: Set<string> } | null {
  const m = new Machine(spec);
  const names = new Set<string>();
  const path: Event[] = [];
  const onPath = new Set<string>();
  let executions = 0;
  const walk = (): boolean => {
    const trans = m.transitions();
    if (trans.length === 0) {
      executions++;
      names.add(executionName(path, false));
      return executions <= limit;
    }
    const fp = m.fingerprint();
    if (onPath.has(fp)) return false; // a cycle: traces are not counted
    onPath.add(fp);
    const snap = m.save();
    for (const t of trans) {
      m.load(snap);
      path.push({ t, fp: m.footprint(t) });
      const out = m.apply(t);
      let ok = true;
      if (out.kind === 'violation' || out.kind === 'end') {
        executions++;
        names.add(executionName(path, true));
        ok = executions <= limit;
      } else if (out.kind === 'limit') ok = false;
      else ok = walk();
      path.pop();
      if (!ok) return false;
    }
    onPath.delete(fp);
    return true;
  };
  return walk() ? { executions, names } : null;
}
