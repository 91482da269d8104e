/**
 * The internal view every part of the model works on: the spec, memory, one emulator hart per
 * task, the layout, the fetch model chosen once for the spec, the model state and the trace.
 * `Machine` implements it; the parts (run, sched, kernel/*, fetch/*, sites/ledger, trace) are
 * functions over it, so each can be read, tested and replaced alone.
 */
import type { Memory } from '../emu/memory.js';
import type { Hart } from '../emu/hart.js';
import type { Spec } from '../spec/types.js';
import type { Symbolizer } from '../isa/symbols.js';
import type { Layout } from './layout.js';
import type { Hasher, HartSt, State, TaskState } from './state.js';
import type { Programs, MicroOp } from './kernel/programs.js';
import type { FetchModel } from './fetch/fetch-model.js';
import type { TraceEvent } from './trace.js';
import type { Outcome } from './model.js';
import type { Violation } from '../check/violation.js';
import type { CoverageSink } from './coverage.js';

export interface Core {
  readonly spec: Spec;
  readonly mem: Memory;
  /** One emulator hart per task (its registers travel with the task). */
  readonly cpus: Hart[];
  readonly layout: Layout;
  readonly programs: Programs;
  readonly fetch: FetchModel;
  readonly names: Symbolizer;
  st: State;
  /** Instructions executed per task in this execution (a budget, not part of the state). */
  steps: number[];
  trace: TraceEvent[] | null;
  /** Coverage of the search, when asked for (not part of the state). */
  readonly cov: CoverageSink | null;
  /** Benign findings of the transition being applied (reported, the execution goes on). */
  benign: Violation[];
  /**
   * The hart whose caller the transition being applied started a call on, stopping before the
   * patchable fetch at the call's entry (-1: none); Model.passThrough.
   */
  callStarted: number;
  /**
   * Hooks that close the one cycle of the model's parts: a stopper runs RV64 `fn` code and
   * declarative body micro-ops, and both reach the stopper again (model/machine.ts wires them).
   */
  readonly runCode: (ti: number, h: number, choice: number) => Outcome;
  readonly microOp: (ti: number, h: number, op: MicroOp) => Outcome;
  /**
   * A part changed the registers of task ti while another task ran (stop_machine's return value
   * for its requester): the saved copy of ti's hart is stale (Machine.cpuSnap).
   */
  readonly hartChanged: (ti: number) => void;
  /**
   * Mixes fingerprint.ts regsDigest of task ti's registers (`dead` as zero) into h: the digest
   * is kept with the hart's snapshot while the hart is unchanged, so a state's fingerprint
   * hashes only the registers of the tasks that ran since.
   */
  hashRegs(h: Hasher, ti: number, dead: readonly number[]): void;
  /**
   * Mixes state.ts taskDigest of task ti of `st` into h: the digest is kept while the task is
   * unchanged, from the snapshot the state was loaded from, so a fingerprint hashes only the
   * tasks that changed since.
   */
  mixTask(h: Hasher, ti: number): void;
  /**
   * Task ti of `st` to change: the running state's own copy (made on the first change since the
   * state was loaded or saved; st.tasks[ti] is that copy from then on). Tasks are shared with
   * snapshots until then (copy-on-write), so nothing may change one any other way, nor keep
   * a task read before a save or load.
   */
  ownTask(ti: number): TaskState;
  /** Hart h's model state to change, likewise (st.harts[h]). */
  ownHart(h: number): HartSt;
  /**
   * The slot key (model/symmetry.ts) of group member m, whose task, hart and stopper are given,
   * when the machine has it for this state (kept since the state last changed, or lent by the
   * snapshot it was copied from when the member's task, stopper, hart and registers are that
   * snapshot's own); -1 when not. keepSlotKey gives it the key computed.
   */
  slotKey(m: number, task: number, hart: number, stopper: number): number;
  keepSlotKey(m: number, key: number): void;
}
