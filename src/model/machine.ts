/**
 * The machine model (DESIGN.md §3, docs/semantics.md), composed from its parts: the layout,
 * one emulator hart per task, the fetch model chosen once for the spec, the model state, and
 * the functions in run.ts, sched.ts, kernel/*, fetch/*, sites/ledger.ts that act on them. It
 * implements `Model`, the explorer's whole view, and FinalView for assertions.
 *
 * A transition is one visible action of one hart (a fetch event from patchable code, an
 * access to shared data, a kernel service, a task boundary) followed by the invisible
 * instructions up to the next visible action; or a scheduling decision (switch the task on a
 * hart, deliver an interrupt or an IPI).
 */
import { Memory, MemSnapshot } from '../emu/memory.js';
import { Hart, HartState } from '../emu/hart.js';
import { Symbolizer } from '../isa/symbols.js';
import type { Spec } from '../spec/types.js';
import type { Violation } from '../check/violation.js';
import { checkAssertions, FinalView } from '../check/assertions.js';
import type { Core } from './core.js';
import type { Footprint, Model, Outcome, Terminal, Transition } from './model.js';
import { CODE_RET, DRIVER_RET, Layout, SENTINEL_NAMES } from './layout.js';
import { cloneHart, cloneState, cloneTask, freshTask, Hasher, HartSt, mixTaskDigest, sameTask, State, taskDigest, TaskState } from './state.js';
import { TraceEvent } from './trace.js';
import { compilePrograms, microOp, MicroOp, patcherStep, Programs } from './kernel/programs.js';
import { enterIrq } from './kernel/irq.js';
import { takeIpi } from './kernel/ipi.js';
import { stopperStep } from './kernel/stop-machine.js';
import { FETCH_MODELS, FetchModel } from './fetch/fetch-model.js';
import { deadlock, exitsFirst, footprint, livelock, singleStopMachine, transitions } from './sched.js';
import { rewindIntoSite, switchable, taskDone } from './tasks.js';
import { runCode } from './run.js';
import type { CoverageSink } from './coverage.js';
import { note } from './trace.js';
import { canonicalFingerprint, CanonicalMaps, findSymmetry, Symmetry } from './symmetry.js';
import { machineFingerprint, regsDigest, regsHashed } from './fingerprint.js';

export interface Snapshot {
  mem: MemSnapshot;
  cpus: HartState[];
  state: State;
  steps: number[];
  /** Per task, state.ts taskDigest of state.tasks[i] at 3i, 3i + 1, and 1 at 3i + 2 once it is there. */
  digests: number[];
  /** The snapshot that lent digests when this one was taken (Machine.base). */
  base: Snapshot | null;
  /** Loaded with `last`: the machine took its objects over and changes them (it lends nothing since). */
  consumed: boolean;
  /** Per group member, its slot key in this state, or -1 (Machine.slotKey). */
  slotKeys: number[];
}


export class Machine implements Model<Snapshot>, Core, FinalView {
  readonly mem = new Memory();
  readonly cpus: Hart[] = [];
  readonly layout: Layout;
  readonly programs: Programs;
  readonly fetch: FetchModel;
  readonly names: Symbolizer;
  private cur!: State;
  steps: number[];
  trace: TraceEvent[] | null = null;
  benign: Violation[] = [];
  callStarted = -1;
  readonly runCode = (ti: number, h: number, choice: number): Outcome => runCode(this, ti, h, choice);
  readonly microOp = (ti: number, h: number, op: MicroOp): Outcome => microOp(this, ti, h, op);
  readonly hartChanged = (ti: number): void => {
    this.cpuSnap[ti] = null;
  };
  /**
   * Per task: a hart snapshot equal to its hart's current state, or null (changed since).
   * Only apply() changes harts, and only the hart of the task it steps (interrupt entry,
   * a switched-in or running task's instructions and services): it clears that entry. A hart
   * left alone keeps one snapshot object, shared by every save until it runs again.
   */
  private cpuSnap: (HartState | null)[] = [];
  /** Per task: a register assertion reads its final registers (so they stay in the fingerprint when it is done). */
  private readonly regsRead: boolean[];
  /** Interchangeable tasks (model/symmetry.ts), found once for the spec. */
  readonly symmetry: Symmetry;
  /** Filled by canonical(): the renumbering it took the fingerprint under (canonicalMaps()). */
  private maps: CanonicalMaps = { task: [], hart: [] };
  /** The last canonical() of the current state (null: the state changed since), for exact(). */
  private canonKey: string | null = null;
  /**
   * Task digests (mixTask): digests[3i..3i+1] is task i's while digests[3i + 2] is `epoch`,
   * which load() and apply() advance. `base`: a snapshot not consumed, the one the state was
   * copied from or an earlier one, whose tasks lend their digests to the state's equal tasks
   * (a snapshot's objects never change until a load with `last` consumes it).
   * (Past 2^31 changes an int32 stamp never equals the epoch again: every digest is then
   * taken afresh, slower and still right.)
   */
  private digests: Int32Array;
  /**
   * Copy-on-write of tasks and harts (ownTask, ownHart): ownT[i] is 1 when st.tasks[i] is the
   * running state's own copy, shared with no snapshot; ownH likewise. A save, a load and
   * setting st share everything again.
   */
  private ownT: Uint8Array;
  private ownH: Uint8Array;
  /** Slot keys of group members (slotKey): slotLive[m] is member m's while slotAt[m] is `epoch`. */
  private slotLive: number[];
  private slotAt: number[];
  private epoch = 1;
  private base: Snapshot | null = null;
  /** Task digests a snapshot lent (a count for tests and measurements). */
  digestsLent = 0;
  /** singleStopMachine, once per machine (persistent). */
  private single: boolean | undefined;

  /**
   * `keepDigests: false` is the reference path (tests): every task digest taken afresh, nothing
   * kept or lent, so a state's fingerprint is computed from the state alone.
   */
  constructor(readonly spec: Spec, readonly cov: CoverageSink | null = null, private readonly keepDigests = true) {
    const layout = (this.layout = new Layout(spec, this.mem));
    this.fetch = FETCH_MODELS[spec.fetch.model];
    this.names = new Symbolizer(spec.symbols, (a) => layout.inRegion(a), SENTINEL_NAMES, new Set(spec.regions.map((r) => r.name)));
    const tasks: TaskState[] = [];
    layout.taskNames.forEach((_, i) => {
      const cpu = new Hart(this.mem, i, { blocks: false });
      cpu.setReg(2, BigInt(layout.stackTop[i]));
      if (layout.taskArea.length) cpu.setReg(4, BigInt(layout.taskArea[i])); // tp = current
      this.cpus.push(cpu);
      const t = freshTask();
      if (layout.taskKinds[i] === 'stopper') t.status = 'inactive';
      tasks.push(t);
    });
    this.programs = compilePrograms(spec.tasks.map((t) => (t.kind === 'patcher' ? t.steps : undefined)), spec.sites);
    // Registers and entry points.
    spec.tasks.forEach((t, i) => {
      const cpu = this.cpus[i];
      for (const [r, v] of t.regs) cpu.setReg(r, v);
      if (!t.regs.has(2)) cpu.setReg(2, BigInt(layout.stackTop[i]));
      if (t.kind === 'caller') cpu.pc = DRIVER_RET;
      else if (t.kind === 'code') {
        cpu.pc = t.entry;
        if (!t.regs.has(1)) cpu.setReg(1, BigInt(CODE_RET));
      }
    });
    const zero: number[] = new Array(spec.harts).fill(0);
    const harts: HartSt[] = Array.from({ length: spec.harts }, () => cloneHart({ task: -1, raised: [], seen: [], known: zero, fenced: zero, ipiClock: null, irqs: 0, ipiPending: false }));
    // Initial placement: tasks marked `start: running` first, then the rest in spec order,
    // each on the lowest allowed idle hart.
    const order = spec.tasks.map((_, i) => i).sort((a, b) => Number(spec.tasks[b].start === 'running') - Number(spec.tasks[a].start === 'running') || a - b);
    for (const i of order) {
      const h = spec.tasks[i].harts.find((x) => harts[x].task < 0);
      if (h !== undefined) {
        harts[h].task = i;
        tasks[i].status = 'running';
        tasks[i].hart = h;
      }
    }
    const versions = spec.sites.map((s) => [Array.from(this.mem.peek(s.base, s.size))]);
    this.st = { tasks, harts, sm: null, versions, writes: [], deferred: [], dclk: [] };
    this.steps = layout.taskNames.map(() => 0);
    this.cpuSnap = layout.taskNames.map(() => null);
    this.regsRead = layout.taskNames.map((_, i) => spec.assertions.some((a) => a.kind === 'register' && a.task === i) || !!spec.observe?.some((o) => o.task === i));
    this.symmetry = findSymmetry(this);
    this.digests = new Int32Array(3 * tasks.length);
    this.ownT = new Uint8Array(tasks.length);
    const members = this.symmetry.groups.reduce((n, g) => n + g.tasks.length, 0);
    this.slotLive = new Array<number>(members).fill(-1);
    this.slotAt = new Array<number>(members).fill(0);
    this.ownH = new Uint8Array(spec.harts);
  }

  /** The model state. Setting it (load, or a test putting a state of its own) drops what was kept of the last one. */
  get st(): State {
    return this.cur;
  }

  set st(v: State) {
    this.cur = v;
    this.canonKey = null;
    this.epoch++;
    // Initialised by the constructor after the state is first set.
    this.ownT?.fill(0);
    this.ownH?.fill(0);
  }

  slotKey(m: number, task: number, hart: number, stopper: number): number {
    if (!this.keepDigests) return -1;
    if (this.slotAt[m] === this.epoch) return this.slotLive[m];
    const b = this.base;
    if (b === null || b.consumed) return -1;
    const key = b.slotKeys[m];
    if (key < 0) return -1;
    const st = this.cur, bs = b.state;
    // Everything a slot key reads: the member's and its stopper's task state and registers, its hart's state.
    if (st.tasks[task] !== bs.tasks[task] || st.tasks[stopper] !== bs.tasks[stopper] || st.harts[hart] !== bs.harts[hart]) return -1;
    if (this.cpuSnap[task] !== b.cpus[task] || this.cpuSnap[stopper] !== b.cpus[stopper]) return -1;
    this.keepSlotKey(m, key);
    return key;
  }

  keepSlotKey(m: number, key: number): void {
    this.slotLive[m] = key;
    this.slotAt[m] = this.epoch;
  }

  ownTask(ti: number): TaskState {
    const tasks = this.cur.tasks;
    if (this.ownT[ti] === 0) {
      tasks[ti] = cloneTask(tasks[ti]);
      this.ownT[ti] = 1;
    }
    return tasks[ti] as TaskState;
  }

  ownHart(h: number): HartSt {
    const harts = this.cur.harts;
    if (this.ownH[h] === 0) {
      harts[h] = cloneHart(harts[h]);
      this.ownH[h] = 1;
    }
    return harts[h] as HartSt;
  }

  get symmetric(): readonly (readonly string[])[] {
    return this.symmetry.groups.map((g) => g.tasks.map((t) => this.layout.taskNames[t]));
  }

  get taskNames(): readonly string[] {
    return this.layout.taskNames;
  }

  get reportsDeadlock(): boolean {
    return this.spec.properties.deadlock;
  }

  get eventualFetch(): boolean {
    return this.fetch.eventual;
  }

  hashRegs(h: Hasher, ti: number, dead: readonly number[]): void {
    const snap = this.cpuSnap[ti];
    // Two lists are asked for: none, and the symmetry's dead registers (one array).
    const slot = dead.length === 0 ? 0 : dead === this.symmetry.dead ? 2 : -1;
    let a: number, b: number;
    if (snap === null || slot < 0) [a, b] = regsDigest(this.cpus[ti].r, dead);
    else {
      const memo = (snap.memo ??= []);
      if (memo[slot] === undefined) [memo[slot], memo[slot + 1]] = regsDigest(this.cpus[ti].r, dead);
      a = memo[slot];
      b = memo[slot + 1];
    }
    h.mix(a);
    h.mix(b);
  }

  mixTask(h: Hasher, ti: number): void {
    const d = this.digests;
    const at = 3 * ti;
    if (!this.keepDigests || at >= d.length) {
      // The reference path, or a state with more tasks than the spec's (a test's).
      mixTaskDigest(h, this.st.tasks[ti]);
      return;
    }
    if (d[at + 2] !== this.epoch) {
      const t = this.st.tasks[ti];
      const b = this.base;
      // Copy-on-write: a task no step changed is the snapshot's own object.
      if (b !== null && !b.consumed && (t === b.state.tasks[ti] || sameTask(t, b.state.tasks[ti]))) {
        const bd = b.digests;
        if (bd[at + 2] !== 1) {
          taskDigest(b.state.tasks[ti], bd, at);
          bd[at + 2] = 1;
        }
        d[at] = bd[at];
        d[at + 1] = bd[at + 1];
        this.digestsLent++;
      } else taskDigest(t, d, at);
      d[at + 2] = this.epoch;
    }
    h.mix(d[at]);
    h.mix(d[at + 1]);
  }

  // ---- snapshots -------------------------------------------------------------------------

  fresh(): Machine {
    return new Machine(this.spec, null, this.keepDigests);
  }

  save(): Snapshot {
    const cpus: HartState[] = new Array(this.cpus.length);
    for (let i = 0; i < cpus.length; i++) {
      let c = this.cpuSnap[i];
      if (c === null) c = this.cpuSnap[i] = this.cpus[i].snapshot();
      cpus[i] = c;
    }
    // The digests taken of the state since it last changed are the copy's.
    const n = this.st.tasks.length;
    const digests = new Array<number>(3 * n).fill(0); // a plain array: cheaper to make than a typed one
    const d = this.digests;
    for (let at = 0; at < 3 * n; at += 3) {
      if (d[at + 2] !== this.epoch) continue;
      digests[at] = d[at];
      digests[at + 1] = d[at + 1];
      digests[at + 2] = 1;
    }
    // The snapshot shares the state's tasks and harts: a change from now on copies one first.
    this.ownT.fill(0);
    this.ownH.fill(0);
    const slotKeys = this.slotLive.slice();
    for (let m = 0; m < slotKeys.length; m++) if (this.slotAt[m] !== this.epoch) slotKeys[m] = -1;
    return { mem: this.mem.snapshot(), cpus, state: cloneState(this.st), steps: this.steps.slice(), digests, base: this.base, consumed: false, slotKeys };
  }

  load(s: Snapshot, last = false): void {
    // Setting st below drops what was kept of the state before (canonKey, the epoch's digests).
    this.mem.restore(s.mem);
    for (let i = 0; i < this.cpus.length; i++) {
      if (this.cpuSnap[i] === s.cpus[i]) continue; // the hart is still in that state
      this.cpus[i].restore(s.cpus[i]);
      this.cpuSnap[i] = s.cpus[i];
    }
    if (last) {
      // The state takes the snapshot's objects over and changes them: it lends nothing
      // more, the snapshot it was taken with may (its digests are the state's until it changes).
      s.consumed = true;
      this.st = s.state;
      this.steps = s.steps;
      this.base = s.base;
      const d = this.digests, sd = s.digests;
      for (let at = 0; at < d.length; at += 3) {
        if (sd[at + 2] !== 1) continue;
        d[at] = sd[at];
        d[at + 1] = sd[at + 1];
        d[at + 2] = this.epoch;
      }
      for (let m = 0; m < s.slotKeys.length; m++) if (s.slotKeys[m] >= 0) this.keepSlotKey(m, s.slotKeys[m]);
    } else {
      this.st = cloneState(s.state);
      this.steps = s.steps.slice();
      this.base = s;
    }
  }

  /**
   * Names the whole state: memory with provenance and LR reservations, the registers of every
   * live task and of finished tasks an assertion reads, the model state. A 64-bit hash
   * (collisions: ~n^2/2^65 for n states).
   */
  fingerprint(): string {
    return machineFingerprint(this, this.regsRead, this.st);
  }

  /** The fingerprint modulo the symmetry of interchangeable tasks (the plain one when there is none). */
  canonical(exact = false): string {
    if (!this.symmetry.groups.length) return this.fingerprint();
    if (exact) return canonicalFingerprint(this, this.symmetry, this.regsRead, true);
    return (this.canonKey = canonicalFingerprint(this, this.symmetry, this.regsRead, false, this.maps));
  }

  /**
   * Model.exact: the canonical fingerprint with its renumbering and the values of the
   * registers it hashed as zero. The canonical fingerprint names the renumbered state with
   * those registers zero; the renumbering undoes the renaming and the values restore the
   * registers, so two states get one name only when their fingerprints are equal (up to a
   * collision of either hash). test/model/exact-name.test.ts compares it with fingerprint().
   */
  exact(): string {
    const sym = this.symmetry;
    if (!sym.groups.length) return this.fingerprint();
    const key = this.canonKey ?? this.canonical();
    const h = new Hasher();
    for (let i = 0; i < 4; i++) h.mix(key.charCodeAt(i));
    const { task, hart } = this.maps;
    for (let i = 0; i < task.length; i++) h.mix(task[i]);
    for (let i = 0; i < hart.length; i++) h.mix(hart[i]);
    for (let t = 0; t < sym.deadOf.length; t++) {
      const dead = sym.deadOf[t];
      if (dead.length === 0 || !regsHashed(this, this.regsRead, t)) continue;
      const r = this.cpus[t].r;
      for (const x of dead) {
        h.mix(r[2 * x]);
        h.mix(r[2 * x + 1]);
      }
    }
    return h.text();
  }

  /** The renumbering of the last canonical() on a spec with symmetry (Model.canonicalMaps). */
  canonicalMaps(): CanonicalMaps {
    return this.maps;
  }

  // ---- the explorer's view ------------------------------------------------------------------

  transitions(): Transition[] {
    return transitions(this);
  }

  apply(t: Transition): Outcome {
    this.canonKey = null;
    this.epoch++;
    this.callStarted = -1;
    const out = this.step(t);
    if (this.benign.length === 0) return out;
    const benign = this.benign;
    this.benign = [];
    return out.kind === 'continue' ? { kind: 'continue', benign } : out;
  }

  private step(t: Transition): Outcome {
    const st = this.st;
    const h = t.hart;
    if (t.kind === 'ipi') {
      takeIpi(this, h);
      return { kind: 'continue' };
    }
    if (t.kind === 'irq') {
      const on = st.harts[h].task;
      this.cpuSnap[on] = null;
      this.mem.clearReservation(on); // as for a switch: the trap return clears it
      enterIrq(this, h);
      return { kind: 'continue' };
    }
    if (t.kind === 'switch') {
      const to = t.task;
      const from = st.harts[h].task;
      const preempt = from >= 0 && switchable(this, h) === 'preempt';
      if (from >= 0 && st.tasks[from].status === 'running') this.ownTask(from).status = 'ready';
      // The trap that switches a task out returns through the kernel's exit path, whose sc
      // clears any reservation (arch/riscv/kernel/entry.S, ret_from_exception): a task's
      // lr/sc pair never succeeds across a context switch.
      if (from >= 0) this.mem.clearReservation(from);
      this.ownHart(h).task = to;
      const tt = this.ownTask(to);
      tt.status = 'running';
      tt.hart = h;
      tt.voluntary = false;
      const names = this.layout.taskNames;
      note(this, h, to, 'switch', from >= 0 ? `${preempt ? 'preempt' : 'switch'} ${names[from]} -> ${names[to]}` : `schedule ${names[to]}`);
      this.cpuSnap[to] = null;
      if (rewindIntoSite(this, to)) note(this, h, to, 'note', `trap return rewinds ${names[to]} to the start of the site`);
    }
    const ti = st.harts[h].task;
    this.cpuSnap[ti] = null; // the step may change this task's hart (see cpuSnap)
    if (st.tasks[ti].voluntary) this.ownTask(ti).voluntary = false;
    const kind = this.layout.taskKinds[ti];
    if (kind === 'patcher') return patcherStep(this, ti, h);
    if (kind === 'stopper') return stopperStep(this, ti, h, t.choice);
    return runCode(this, ti, h, t.choice);
  }

  terminal(): Terminal {
    if (!this.allDone()) return { kind: 'stuck', violation: this.reportsDeadlock ? deadlock(this) : undefined };
    return { kind: 'done', violations: checkAssertions(this), final: this };
  }

  /** Why nothing can happen, whether or not the spec reports deadlocks (replay shows it). */
  deadlock(): Violation {
    return deadlock(this);
  }

  livelock(states: number): Violation {
    return livelock(this, states);
  }

  footprint(t: Transition): Footprint {
    return footprint(this, t);
  }

  persistent(trans: readonly Transition[]): number[] {
    return exitsFirst(this, trans, (this.single ??= singleStopMachine(this)));
  }

  passThrough(): number {
    const h = this.callStarted;
    if (h < 0) return -1;
    // An interrupt cannot arrive at a task boundary (irqDeliverable), but can once the call
    // has started: that state is not passed through where interrupts reach the hart.
    const ir = this.spec.interrupts;
    return ir.enabled && ir.harts.includes(h) ? -1 : h;
  }

  // ---- queries (reports, assertions, tests) ------------------------------------------------

  taskDone(i: number): boolean {
    return taskDone(this, i);
  }

  allDone(): boolean {
    return this.st.tasks.every((_, i) => taskDone(this, i));
  }

  versionsOf(site: number): readonly number[][] {
    return this.st.versions[site];
  }

  peek(addr: number, size: number): Uint8Array {
    return this.mem.peek(addr, size);
  }

  reg(task: number, reg: number): bigint {
    return this.cpus[task].getReg(reg);
  }

  symbolize(addr: number): string {
    return this.names.name(addr);
  }
}
