/**
 * Findings: violating schedules grouped by violation signature, each represented by its best
 * witness in one total order — fewest preemptions, then fewest steps, then schedule text
 * (code-unit order, not the locale's) — so the output never depends on discovery order,
 * worker count or shard.
 */
import { signature } from '../check/violation.js';
import type { Violation } from '../check/violation.js';
import type { Finding, FoundSchedule } from './strategy.js';

/** a before b in the witness order. */
export function better(a: FoundSchedule, b: FoundSchedule): boolean {
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  if (a.steps !== b.steps) return a.steps < b.steps;
  return a.schedule < b.schedule;
}

export function compareFindings(a: FoundSchedule, b: FoundSchedule): number {
  return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

export class Findings {
  private readonly map = new Map<string, Finding>();

  get size(): number {
    return this.map.size;
  }

  record(found: FoundSchedule): void {
    this.merge(found, 1);
  }

  /**
   * record() of a violation whose schedule text is made only when it can be the witness kept:
   * a schedule with more preemptions, or as many and more steps, than the signature's witness
   * is only counted (its text could not win).
   */
  recordLazy(violation: Violation, preemptions: number, steps: number, schedule: () => string): void {
    const key = signature(violation);
    const prev = this.map.get(key);
    if (prev && (preemptions > prev.preemptions || (preemptions === prev.preemptions && steps > prev.steps))) {
      prev.schedules++;
      return;
    }
    this.mergeAt(key, prev, { violation, schedule: schedule(), preemptions, steps }, 1);
  }

  /** Adds another search's finding: its schedules are counted, the better witness kept (a part of a partitioned search). */
  add(f: Finding): void {
    this.merge(f, f.schedules);
  }

  private merge(found: FoundSchedule, schedules: number): void {
    const key = signature(found.violation);
    this.mergeAt(key, this.map.get(key), found, schedules);
  }

  private mergeAt(key: string, prev: Finding | undefined, found: FoundSchedule, schedules: number): void {
    if (!prev) {
      this.map.set(key, { ...found, schedules });
      return;
    }
    const total = prev.schedules + schedules;
    if (better(found, prev)) Object.assign(prev, found);
    prev.schedules = total;
  }

  /** Adds the signatures of `other` this set lacks (an earlier bound's findings). */
  keepMissing(other: Findings): void {
    for (const [k, f] of other.map) if (!this.map.has(k)) this.map.set(k, f);
  }

  /** As plain data, in the witness order (a checkpoint). */
  export(): Finding[] {
    return this.list().map((f) => ({ ...f }));
  }

  restore(list: readonly Finding[]): void {
    for (const f of list) this.map.set(signature(f.violation), { ...f });
  }

  list(): Finding[] {
    return [...this.map.values()].sort(compareFindings);
  }
}
