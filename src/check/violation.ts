/**
 * Violations as values (DESIGN.md §4). The model produces them while it executes a
 * transition; the explorer groups them by signature; reports render them.
 */
import type { PropertyName } from '../spec/types.js';

export interface Violation {
  property: PropertyName;
  /**
   * mixed-target: 'auipc-jalr' | 'nop-jalr' | 'stale-ra' | 'mixed'; wild-jump: 'site-exit' |
   * 'not-code' | 'return'; torn-instruction: 'torn'; illegal-instruction: 'illegal';
   * deadlock: 'stop_machine' | 'ipi' | 'blocked'; assertion: 'assertion'.
   */
  kind: string;
  /** Site name, when one is involved. */
  site?: string;
  hart: number;
  task: string;
  /** pc of the instruction at fault. */
  pc: number;
  /** The address control went to (jumps), when there is one. */
  target?: number;
  /** mixed-target with a jump: 'benign' (a legitimate target of the site) or 'wild'. */
  landing?: 'benign' | 'wild';
  /** Site versions involved (mixed: [version of the earlier part, version of the instruction]). */
  versions?: number[];
  /** One line for people. */
  message: string;
  /**
   * Reported but not failing: a pass that ran only nops of different versions and fell
   * through (properties.mixed-target: strict makes it fail).
   */
  benign?: boolean;
  /** The legitimate targets of the site, for the trace. */
  legitimate?: number[];
}

/** What makes two violations "the same" for grouping and for the naive-vs-reduced comparison. */
export function signature(v: Violation): string {
  return [v.property, v.kind, v.site ?? '', v.task, (v.versions ?? []).join('/'), v.target ?? '', v.landing ?? ''].join('|');
}
