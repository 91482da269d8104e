/**
 * Everything the explorer may know about a machine (docs/architecture.md): structured
 * transitions with the footprint of what they touch, apply, save/load, fingerprint and the
 * terminal outcome of a state. The explorer never sees the Machine class.
 */
import type { Violation } from '../check/violation.js';
import type { FinalView } from '../check/assertions.js';

/** What the first visible action of a transition touches. */
export interface Footprint {
  /** Byte ranges [lo, hi) of shared data or patchable code the action reads (fetch or load). */
  readonly reads: readonly (readonly [number, number])[];
  /** Byte ranges it writes (stores to shared data or patchable memory, AMOs). */
  readonly writes: readonly (readonly [number, number])[];
  /** Kernel state it synchronises on: stop_machine, IPIs, the scheduler. */
  readonly kernel: readonly ('sm' | 'ipi' | 'sched')[];
}

export interface Transition {
  /** Printing and replay only (grammar: src/model/token.ts); never parsed on the hot path. */
  readonly token: string;
  /** step: one visible action of the hart's task; switch: switch a task in, then step it; irq; ipi. */
  readonly kind: 'step' | 'switch' | 'irq' | 'ipi';
  readonly hart: number;
  /** The task that runs (-1: none, e.g. an IPI on an idle hart). */
  readonly task: number;
  /** Fetch view taken by the step (0 = latest). */
  readonly choice: number;
  /** Preemptions this transition costs: 1 for an involuntary task switch (docs/semantics.md). */
  readonly cost: 0 | 1;
  /** What the first visible action touches: Model.footprint(t) computes it on demand. */
}

export type Outcome =
  /** benign: violations reported without ending the execution (a mix of nops, properties.mixed-target). */
  | { kind: 'continue'; benign?: Violation[] }
  | { kind: 'violation'; violation: Violation }
  | { kind: 'limit'; reason: string }
  /** The execution cannot go on, but what stopped it is a property the spec switched off. */
  | { kind: 'end'; reason: string };

/** What a state with no transitions is. */
export type Terminal =
  /** Every task finished: assertions are judged on this final state. */
  | { kind: 'done'; violations: Violation[]; final: FinalView }
  /** Tasks remain but nothing can happen: a deadlock (violation undefined if the property is off). */
  | { kind: 'stuck'; violation?: Violation };

export interface Model<Snap = unknown> {
  /** Everything that can happen next, in a fixed order (hart, then step/switch/irq/ipi). */
  transitions(): Transition[];
  apply(t: Transition): Outcome;
  /** Only meaningful when transitions() is empty. */
  terminal(): Terminal;
  /** The livelock violation for a fair strongly connected component of `states` states, this state among them. */
  livelock(states: number): Violation;
  /** Whether the spec asks for deadlock/livelock to be reported. */
  readonly reportsDeadlock: boolean;
  /** Writes become visible to fetches eventually (FetchModel.eventual): a livelock's cycle takes latest views only. */
  readonly eventualFetch: boolean;
  save(): Snap;
  /** A new model of the same spec at its initial state that records nothing (no coverage): random probes beside a search (explore/probes.ts). */
  fresh(): Model<Snap>;
  /** `last`: the snapshot is never loaded again, so it may be taken over rather than copied. */
  load(s: Snap, last?: boolean): void;
  /** Names the whole state (a 64-bit hash as a short string key). */
  fingerprint(): string;
  /**
   * Names the whole state as exactly as fingerprint() does (equal names for equal states, and
   * otherwise different up to a hash collision), but from the canonical fingerprint of the
   * state, the renumbering it was taken under and the registers it hashes as zero: nearly free
   * after canonical() (computed first when the state changed since). The search keys its path
   * by it to find cycles. Equal to fingerprint() on a spec without interchangeable tasks.
   */
  exact(): string;
  /**
   * Names the state up to a symmetry of interchangeable tasks (model/symmetry.ts): equal for
   * states one permutation of them relates, so the visited set explores one of each. Equal to
   * fingerprint() when the spec has no such tasks. `exact`: a true canonical form (every
   * order of each group tried), for final states and tests; otherwise ties may keep two.
   */
  canonical(exact?: boolean): string;
  /**
   * The renumbering the last canonical() took its fingerprint under (old task -> new task,
   * old hart -> new hart), on a spec with interchangeable tasks: names a transition the same
   * way in every state one canonical fingerprint stands for (explore/por.ts). Empty on a spec
   * without them, and not meaningful before a canonical() of the current state.
   */
  canonicalMaps(): { readonly task: readonly number[]; readonly hart: readonly number[] };
  /** The groups of interchangeable tasks, by name (empty: none). */
  readonly symmetric: readonly (readonly string[])[];
  /** What transition t (enabled now) touches in its first visible action (for partial-order reduction). */
  footprint(t: Transition): Footprint;
  /**
   * After apply: the hart h whose caller this transition took from a task boundary into its
   * next call, stopping before the patchable fetch at the call's entry (an ftrace site at the
   * function's start), when this state may be passed through: its only successors searched
   * are that fetch's (one for each fetch view), as if the call were part of it. -1: an
   * ordinary state. The call is invisible (it sets the caller's own registers), so in any
   * schedule it moves to just before the fetch; a switch here costs what it costs at the
   * boundary or more (free there), and no interrupt can arrive at the boundary, so none may
   * here either. The call start's footprint already names the fetch (sched.ts callEntry). A
   * call counts one more in the caller's state, so no cycle passes through such a state
   * (docs/semantics.md, "Call starts passed through").
   */
  passThrough(): number;
  /**
   * Indices of `trans` (this state's transitions(), in their order) each of which forms a
   * persistent set alone: every transition not in it, in every state reachable without it, is
   * independent of it, and it stays enabled, so searching only it loses no behaviour, final
   * state or deadlock (sched.ts exitsFirst: stop_machine's stoppers exiting). Empty: none.
   */
  persistent(trans: readonly Transition[]): number[];
}
