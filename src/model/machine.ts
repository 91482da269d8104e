/**
 * The machine model (DESIGN.md §3, docs/semantics.md): harts, tasks, preemption, interrupts,
 * stop_machine, IPIs, the instruction-fetch models and the site passes that the properties are
 * judged on. The explorer sees it through a small interface: `transitions()` lists what can
 * happen next (each a compact token), `apply(token)` performs one, `save()/load()` backtrack,
 * `fingerprint()` names the state.
 *
 * A transition is one visible action of one hart (a fetch event from patchable code, an
 * access to shared data, a kernel service, a task boundary) followed by the invisible
 * instructions up to the next visible action; or a scheduling decision (switch the task on a
 * hart, deliver an interrupt or an IPI).
 */
import { Memory, MemSnapshot, PERM_R, PERM_W, PERM_X } from '../emu/memory.js';
import { decodeCached, Hart, HartState } from '../emu/hart.js';
import type { Insn } from '../isa/types.js';
import type { Spec, TaskSpec } from '../spec/types.js';
import type { Violation } from '../check/violation.js';
import { classifyPass, PassInsn, PassState } from '../check/passes.js';
import { compilePrograms, MicroOp, Programs } from './program.js';

/** Sentinel return addresses: outside every declared region, never mapped. */
export const DRIVER_RET = 0x7e5700000000;
export const IRQ_RET = DRIVER_RET + 0x100;
export const FN_RET = DRIVER_RET + 0x200;
export const CODE_RET = DRIVER_RET + 0x300;
const STACK_BASE = 0x7f0000000000;
const STACK_STRIDE = 0x10000;
const MAX_VERSIONS = 30;

export const SERVICES: Record<number, string> = {
  1: 'preempt_disable',
  2: 'preempt_enable',
  3: 'local_irq_disable',
  4: 'local_irq_enable',
  5: 'cond_resched',
  6: 'remote_fence_i',
  7: 'flush_icache_all',
  8: 'stop_machine',
  9: 'patch_done',
  10: 'exit',
};

export type TaskKind = TaskSpec['kind'] | 'stopper';

interface TaskState {
  status: 'ready' | 'running' | 'blocked' | 'done' | 'inactive';
  /** Hart it runs on (running) or last ran on; -1 never ran. */
  hart: number;
  preempt: number;
  irqsOff: boolean;
  /** Caller: calls started. Code task: 1 once started. */
  started: number;
  /** Patcher: index into its program. Stopper: phase (0 arrive, 1 run/wait, 2 flush, 3 exit). */
  ip: number;
  /** Harts whose IPI this task waits for. */
  ipiWait: number[];
  /** Stopped at cond_resched: a voluntary switch point. */
  voluntary: boolean;
  /** First half of an instruction whose fetch needs two events. */
  partial: { pc: number; bytes: number[]; wids: number[] } | null;
  /** Site passes by site index. */
  passes: Record<number, PassState>;
  /** In an interrupt handler: what to restore at IRQ_RET. */
  irq: { regs: number[]; pc: number; passes: Record<number, PassState> } | null;
  /**
   * RV64 patcher: [site, version] for each site written since the last patch_done: the
   * pending version those stores belong to (declared by the next patch_done, or by the task's end).
   */
  opSites: [number, number][];
}

interface HartSt {
  task: number;
  /** Bytes of the last atomic fetch, usable by the next sequential instructions. */
  buf: { task: number; start: number; bytes: number[]; wids: number[] } | null;
  /** fence.i floor: every write with id <= floor is visible to this hart's fetches. */
  floor: number;
  /** Per-byte floors raised by fetches (address -> write id). */
  raised: [number, number][];
  irqs: number;
  ipiPending: boolean;
}

interface SmState {
  phase: 'gather' | 'run' | 'flush';
  requester: number;
  body: number;
  /** RV64 stop_machine: fn/arg instead of a body. */
  fn: number;
  arg: string;
  flush: 'fence.i' | 'none';
  arrived: number[];
  runner: number;
  ip: number;
  flushed: number[];
  fnStarted: boolean;
}

interface Write {
  id: number;
  at: number;
  bytes: number[];
  /** [site, version] pairs: the version of each site this write's patch operation makes. */
  v: [number, number][];
}

interface State {
  tasks: TaskState[];
  harts: HartSt[];
  sm: SmState | null;
  /** Site versions: content of each version (version 0 = initial). */
  versions: number[][][];
  writes: Write[];
  /** Passes that read bytes of a still-open RV64 patch operation: judged when it closes. */
  deferred: Deferred[];
}

/** A pass whose verdict waits for the RV64 patch operation it read bytes of (docs/semantics.md). */
interface Deferred {
  task: number;
  hart: number;
  site: number;
  insns: PassInsn[];
  /** The instruction that left the site was a jump (jal/jalr). */
  jump: boolean;
  pc: number;
  next: number;
}

export interface Snapshot {
  mem: MemSnapshot;
  cpus: HartState[];
  state: unknown;
  steps: number[];
}

/** One executed instruction or kernel action, for traces (recorded only when tracing). */
export interface TraceEvent {
  hart: number;
  task: string;
  kind: 'insn' | 'service' | 'switch' | 'irq' | 'ipi' | 'store' | 'note';
  pc?: number;
  bits?: number;
  size?: number;
  insn?: Insn;
  /** Per fetched byte: write id and the site version it belongs to (undefined: immutable). */
  fetched?: { addr: number; wid: number; version?: number }[];
  /** Registers that matter: auipc result, jalr target. */
  regs?: { name: string; value: bigint }[];
  text?: string;
  site?: string;
}

export interface Transition {
  token: string;
  hart: number;
  /** Preemptions this transition costs: 1 for an involuntary task switch (docs/semantics.md). */
  cost: number;
}

export type Outcome =
  | { kind: 'continue' }
  | { kind: 'violation'; violation: Violation }
  | { kind: 'limit'; reason: string }
  /** The execution cannot go on, but what stopped it is a property the spec switched off. */
  | { kind: 'end'; reason: string };

const LOADS: Record<string, number> = { lb: 1, lbu: 1, lh: 2, lhu: 2, lw: 4, lwu: 4, ld: 8 };
const STORES: Record<string, number> = { sb: 1, sh: 2, sw: 4, sd: 8 };

function memAccess(insn: Insn, cpu: Hart): { addr: number; size: number; write: boolean } | null {
  const op = insn.op;
  const l = LOADS[op];
  if (l) return { addr: cpu.getRegNum(insn.rs1) + insn.imm, size: l, write: false };
  const s = STORES[op];
  if (s) return { addr: cpu.getRegNum(insn.rs1) + insn.imm, size: s, write: true };
  if (op.startsWith('lr.') || op.startsWith('sc.') || op.startsWith('amo')) {
    return { addr: cpu.getRegNum(insn.rs1), size: op.endsWith('.d') ? 8 : 4, write: !op.startsWith('lr.') };
  }
  return null;
}

const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

export class Machine {
  readonly mem = new Memory();
  readonly cpus: Hart[] = [];
  readonly taskNames: string[] = [];
  readonly taskKinds: TaskKind[] = [];
  readonly taskHarts: number[][] = [];
  readonly programs: Programs;
  private state!: State;
  /** Instructions executed per task in this execution (budget, not part of the state). */
  private steps: number[] = [];
  trace: TraceEvent[] | null = null;
  private sharedRanges: [number, number][] = [];
  private codeRanges: { base: number; end: number; starts: Set<number>; bytes: Uint8Array; patchable: boolean }[] = [];
  private patchableRanges: [number, number][] = [];
  private readonly stackTop: number[] = [];
  /**
   * Per task: a hart snapshot equal to its hart's current state, or null (changed since).
   * Only apply() changes harts, and only the hart of the task it steps (interrupt entry,
   * a switched-in or running task's instructions and services): it clears that entry. A hart
   * left alone keeps one snapshot object, shared by every save until it runs again.
   */
  private cpuSnap: (HartState | null)[] = [];
  readonly stopperOf: number[] = [];

  constructor(readonly spec: Spec) {
    const mem = this.mem;
    for (const r of spec.regions) {
      const perm = r.kind === 'data' ? PERM_R | PERM_W : PERM_R | PERM_W | PERM_X;
      mem.load(r.base, r.bytes, r.bytes.length, perm);
      if (r.kind === 'data' && r.shared) this.sharedRanges.push([r.base, r.base + r.bytes.length]);
      if (r.kind !== 'data') {
        this.codeRanges.push({ base: r.base, end: r.base + r.bytes.length, starts: r.insnStarts, bytes: r.bytes, patchable: r.kind === 'patchable' });
      }
      if (r.kind === 'patchable') {
        mem.markPatchable(r.base, r.bytes.length);
        this.patchableRanges.push([r.base, r.base + r.bytes.length]);
      }
    }
    for (const s of spec.sites) {
      mem.markPatchable(s.base, s.size);
      this.patchableRanges.push([s.base, s.base + s.size]);
    }
    const tasks: TaskState[] = [];
    spec.tasks.forEach((t, i) => {
      this.addTask(t.name, t.kind, t.harts, i, t.stack);
      tasks.push(this.freshTask());
    });
    for (let h = 0; h < spec.harts; h++) {
      this.stopperOf.push(this.taskNames.length);
      this.addTask(`stopper/${h}`, 'stopper', [h], this.taskNames.length, 512);
      tasks.push({ ...this.freshTask(), status: 'inactive' });
    }
    this.programs = compilePrograms(spec.tasks.map((t) => (t.kind === 'patcher' ? t.steps : undefined)), spec.sites);
    // Registers and entry points.
    spec.tasks.forEach((t, i) => {
      const cpu = this.cpus[i];
      for (const [r, v] of t.regs) cpu.setReg(r, v);
      if (!t.regs.has(2)) cpu.setReg(2, BigInt(this.stackTop[i]));
      if (t.kind === 'caller') cpu.pc = DRIVER_RET;
      else if (t.kind === 'code') {
        cpu.pc = t.entry;
        if (!t.regs.has(1)) cpu.setReg(1, BigInt(CODE_RET));
      }
    });
    const harts: HartSt[] = Array.from({ length: spec.harts }, () => ({ task: -1, buf: null, floor: 0, raised: [], irqs: 0, ipiPending: false }));
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
    const versions = spec.sites.map((s) => [Array.from(mem.peek(s.base, s.size))]);
    this.state = { tasks, harts, sm: null, versions, writes: [], deferred: [] };
    this.steps = this.taskNames.map(() => 0);
    this.cpuSnap = this.taskNames.map(() => null);
  }

  private addTask(name: string, kind: TaskKind, harts: number[], index: number, stack: number): void {
    this.taskNames.push(name);
    this.taskKinds.push(kind);
    this.taskHarts.push(harts);
    const size = Math.min(stack, STACK_STRIDE);
    const top = STACK_BASE + index * STACK_STRIDE + size;
    this.mem.map(STACK_BASE + index * STACK_STRIDE, size, PERM_R | PERM_W);
    this.stackTop.push(top);
    const cpu = new Hart(this.mem, index, { blocks: false });
    cpu.setReg(2, BigInt(top));
    this.cpus.push(cpu);
  }

  private freshTask(): TaskState {
    return { status: 'ready', hart: -1, preempt: 0, irqsOff: false, started: 0, ip: 0, ipiWait: [], voluntary: false, partial: null, passes: {}, irq: null, opSites: [] };
  }

  // ---- snapshots -------------------------------------------------------------------------

  save(): Snapshot {
    const cpus: HartState[] = new Array(this.cpus.length);
    for (let i = 0; i < cpus.length; i++) {
      let c = this.cpuSnap[i];
      if (c === null) c = this.cpuSnap[i] = this.cpus[i].snapshot();
      cpus[i] = c;
    }
    return { mem: this.mem.snapshot(), cpus, state: cloneState(this.state), steps: this.steps.slice() };
  }

  /**
   * Restores a snapshot. `last`: the caller will never load this snapshot again, so its model
   * state is taken over rather than copied (the snapshot must not be used afterwards).
   */
  load(s: Snapshot, last = false): void {
    this.mem.restore(s.mem);
    for (let i = 0; i < this.cpus.length; i++) {
      if (this.cpuSnap[i] === s.cpus[i]) continue; // the hart is still in that state
      this.cpus[i].restore(s.cpus[i]);
      this.cpuSnap[i] = s.cpus[i];
    }
    if (last) {
      this.state = s.state as State;
      this.steps = s.steps;
    } else {
      this.state = cloneState(s.state as State);
      this.steps = s.steps.slice();
    }
  }

  /**
   * Names the whole state: memory with provenance, the registers of every live task, the
   * model state. A 64-bit hash (collisions: ~n^2/2^65 for n states, negligible here).
   */
  fingerprint(): string {
    const h = new Hasher();
    h.str(this.mem.fingerprint());
    // Registers of live tasks, straight from the hart's words (Hart.fingerprint builds strings).
    for (let i = 0; i < this.cpus.length; i++) {
      const st = this.state.tasks[i].status;
      if (st === 'done' || st === 'inactive') {
        h.mix(0x2d);
        continue;
      }
      const c = this.cpus[i];
      h.mix(c.pc | 0);
      h.mix(Math.floor(c.pc / 4294967296) | 0);
      // Hasher.mix over x1..x31, unrolled into locals (the hottest loop of the search).
      const r = c.r;
      let a = h.a, b = h.b;
      for (let k = 2; k < 64; k++) {
        const x = r[k];
        a = Math.imul(a ^ x, 0x01000193);
        b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 15);
      }
      h.a = a;
      h.b = b;
    }
    hashState(h, this.state);
    return h.text();
  }

  // ---- queries ---------------------------------------------------------------------------

  private isShared(addr: number, size: number): boolean {
    const rs = this.sharedRanges;
    for (let i = 0; i < rs.length; i++) if (addr < rs[i][1] && rs[i][0] < addr + size) return true;
    return false;
  }

  isPatchable(addr: number, size = 1): boolean {
    const rs = this.patchableRanges;
    for (let i = 0; i < rs.length; i++) if (addr < rs[i][1] && rs[i][0] < addr + size) return true;
    return false;
  }

  siteAt(addr: number): number {
    const sites = this.spec.sites;
    for (let i = 0; i < sites.length; i++) if (addr >= sites[i].base && addr < sites[i].base + sites[i].size) return i;
    return -1;
  }

  private codeAt(addr: number) {
    const cs = this.codeRanges;
    for (let i = 0; i < cs.length; i++) if (addr >= cs[i].base && addr < cs[i].end) return cs[i];
    return undefined;
  }

  /** An instruction start in declared code (sites: in any version so far). */
  isInsnStart(addr: number): boolean {
    const s = this.siteAt(addr);
    if (s >= 0) {
      const site = this.spec.sites[s];
      for (const v of this.state.versions[s]) {
        let off = 0;
        while (off < v.length) {
          if (site.base + off === addr) return true;
          off += (v[off] & 3) === 3 ? 4 : 2;
        }
      }
      return false;
    }
    const c = this.codeAt(addr);
    return !!c && c.starts.has(addr - c.base);
  }

  taskDone(i: number): boolean {
    const st = this.state.tasks[i].status;
    return st === 'done' || st === 'inactive';
  }

  allDone(): boolean {
    return this.state.tasks.every((_, i) => this.taskDone(i));
  }

  versionsOf(site: number): number[][] {
    return this.state.versions[site];
  }

  private stepEnabled(ti: number): boolean {
    const t = this.state.tasks[ti];
    if (t.status !== 'running' || t.ipiWait.length) return false;
    if (this.taskKinds[ti] !== 'stopper') return true;
    const sm = this.state.sm;
    if (!sm) return false;
    switch (t.ip) {
      case 0: return true;
      case 1: return sm.phase === 'flush' || (sm.phase === 'run' && sm.runner === t.hart);
      case 2: return true;
      default: return sm.flushed.length === this.spec.harts;
    }
  }

  private atBoundary(ti: number): boolean {
    const kind = this.taskKinds[ti];
    const t = this.state.tasks[ti];
    if (kind === 'caller') return this.cpus[ti].pc === DRIVER_RET && !t.irq;
    if (kind === 'code') return t.started === 0;
    if (kind === 'patcher') return t.ip === 0;
    return false;
  }

  /** Whether the task on hart h may be switched out now: 'free', 'preempt' (counts), or null. */
  private switchable(h: number): 'free' | 'preempt' | null {
    const cur = this.state.harts[h].task;
    if (cur < 0) return 'free';
    const t = this.state.tasks[cur];
    if (this.taskKinds[cur] === 'stopper') return null;
    if (t.partial || t.ipiWait.length || t.irq) return null;
    if (this.atBoundary(cur)) return 'free';
    const p = this.spec.preemption;
    if (p === 'voluntary' && t.voluntary) return 'free';
    if (p === 'full' && t.preempt === 0 && !t.irqsOff) return 'preempt';
    return null;
  }

  /** Everything that can happen next, in a fixed order (hart, then step/switch/irq/ipi). */
  transitions(): Transition[] {
    const out: Transition[] = [];
    const st = this.state;
    for (let h = 0; h < this.spec.harts; h++) {
      // Harts run in parallel: interleaving them is not a preemption. Only switching a task
      // out involuntarily (kernel preemption) counts against the bound (docs/semantics.md).
      const actorCost = 0;
      const cur = st.harts[h].task;
      if (cur >= 0 && this.stepEnabled(cur)) {
        const n = this.fetchChoices(cur, h);
        for (let c = 0; c < n; c++) out.push({ token: c === 0 ? `h${h}` : `h${h}/${c}`, hart: h, cost: actorCost });
      }
      // A switch is always followed by a step of the task switched in (one transition):
      // switching twice in a row would only re-order who waits, and would make cycles.
      const sw = this.switchable(h);
      if (sw) {
        // Ready tasks allowed on h, in task order; a ready stopper alone if there is one.
        const ready: number[] = [];
        let stopper = -1;
        for (let i = 0; i < st.tasks.length; i++) {
          if (i !== cur && st.tasks[i].status === 'ready' && this.taskHarts[i].includes(h)) {
            ready.push(i);
            if (stopper < 0 && this.taskKinds[i] === 'stopper') stopper = i;
          }
        }
        for (const i of stopper >= 0 ? [stopper] : ready) {
          const n = this.fetchChoices(i, h);
          for (let c = 0; c < n; c++) out.push({ token: c === 0 ? `h${h}>t${i}` : `h${h}>t${i}/${c}`, hart: h, cost: actorCost + (sw === 'preempt' ? 1 : 0) });
        }
      }
      const ir = this.spec.interrupts;
      if (ir.enabled && cur >= 0 && st.harts[h].irqs < ir.max && ir.harts.includes(h)) {
        const t = st.tasks[cur];
        const kind = this.taskKinds[cur];
        if ((kind === 'caller' || kind === 'code') && t.status === 'running' && !t.irqsOff && !t.partial && !t.irq && !t.ipiWait.length && !this.atBoundary(cur)) {
          out.push({ token: `i${h}`, hart: h, cost: actorCost });
        }
      }
      if (st.harts[h].ipiPending) {
        const t = cur >= 0 ? st.tasks[cur] : null;
        if (!t || (!t.irqsOff && !t.partial && !t.irq)) out.push({ token: `p${h}`, hart: h, cost: actorCost });
      }
    }
    return out;
  }

  /** Why nothing can happen (called when transitions() is empty and tasks remain). */
  deadlock(): Violation {
    const st = this.state;
    const stuck = st.tasks.findIndex((t, i) => !this.taskDone(i));
    const waiting = st.tasks.findIndex((t) => t.ipiWait.length > 0);
    let kind = 'blocked';
    let message = 'no hart can make progress';
    if (waiting >= 0) {
      kind = 'ipi';
      const harts = st.tasks[waiting].ipiWait;
      message = `${this.taskNames[waiting]} waits for a remote fence.i IPI on hart ${harts.join(', ')}, which has interrupts off`;
    } else if (st.sm) {
      kind = 'stop_machine';
      const missing = Array.from({ length: this.spec.harts }, (_, h) => h).filter((h) => !st.sm!.arrived.includes(h));
      message = `stop_machine cannot gather hart ${missing.join(', ')}: its task can never be switched out (preemption: ${this.spec.preemption})`;
    }
    const who = waiting >= 0 ? waiting : stuck;
    return { property: 'deadlock', kind, hart: Math.max(0, st.tasks[who]?.hart ?? 0), task: this.taskNames[who] ?? '?', pc: this.cpus[who]?.pc ?? 0, message };
  }

  /** An execution that can cycle forever without every task finishing (see explore.ts). */
  livelock(length: number): Violation {
    const st = this.state;
    const stuck = st.tasks.map((_, i) => i).filter((i) => !this.taskDone(i));
    const sm = st.sm;
    let message = `an execution can run forever (a fair cycle of ${length} transitions) while ${stuck.map((i) => this.taskNames[i]).join(', ')} never finish${stuck.length === 1 ? 'es' : ''}`;
    if (sm && sm.phase === 'gather') {
      const missing = Array.from({ length: this.spec.harts }, (_, h) => h).filter((h) => !sm.arrived.includes(h));
      message += `: stop_machine never gathers hart ${missing.join(', ')}`;
    }
    const who = stuck.find((i) => st.tasks[i].status === 'running' && this.taskKinds[i] !== 'stopper') ?? stuck[0] ?? 0;
    return { property: 'deadlock', kind: 'livelock', hart: Math.max(0, st.tasks[who].hart), task: this.taskNames[who], pc: this.cpus[who].pc, message };
  }

  // ---- fetch -----------------------------------------------------------------------------

  private floorOf(h: number, addr: number): number {
    const hs = this.state.harts[h];
    let f = hs.floor;
    const raised = hs.raised;
    for (let i = 0; i < raised.length; i++) if (raised[i][0] === addr && raised[i][1] > f) f = raised[i][1];
    return f;
  }

  /** Content of [addr, addr+n) as seen at write time T (provenance per byte). */
  private contentAt(addr: number, n: number, T: number): { bytes: number[]; wids: number[] } {
    const bytes: number[] = [];
    const wids: number[] = [];
    for (let a = addr; a < addr + n; a++) {
      let val = -1, wid = 0;
      for (const w of this.state.writes) {
        if (w.id > T) break;
        if (a >= w.at && a < w.at + w.bytes.length) {
          val = w.bytes[a - w.at];
          wid = w.id;
        }
      }
      if (val < 0) {
        const c = this.codeAt(a);
        val = c ? c.bytes[a - c.base] : this.mem.peek(a, 1)[0];
      }
      bytes.push(val);
      wids.push(wid);
    }
    return { bytes, wids };
  }

  /** The candidate views of one atomic fetch of [addr, addr+n): write times, latest first. */
  private fetchViews(h: number, addr: number, n: number): number[] {
    const latest = this.mem.writeSeq;
    if (this.spec.fetch.coherence === 'coherent') return [latest];
    let floor = 0;
    for (let a = addr; a < addr + n; a++) if (this.isPatchable(a)) floor = Math.max(floor, this.floorOf(h, a));
    const times = [floor];
    for (const w of this.state.writes) {
      if (w.id > floor && w.at < addr + n && addr < w.at + w.bytes.length) times.push(w.id);
    }
    // Distinct contents only, latest first.
    const seen = new Set<string>();
    const out: number[] = [];
    for (const T of times.reverse()) {
      const key = this.contentAt(addr, n, T).bytes.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        out.push(T);
      }
    }
    return out;
  }

  private chunkEnd(addr: number): number {
    const M = this.spec.fetch.atomic;
    return (Math.floor(addr / M) + 1) * M;
  }

  /** Number of fetch choices of the next step of task ti on hart h (1 unless stale fetches). */
  private fetchChoices(ti: number, h: number): number {
    if (this.spec.fetch.coherence === 'coherent') return 1;
    const kind = this.taskKinds[ti];
    if (kind === 'patcher' || (kind === 'stopper' && !this.state.sm?.fnStarted)) return 1;
    const t = this.state.tasks[ti];
    const cpu = this.cpus[ti];
    const pc = cpu.pc;
    if (t.partial) {
      const start = this.chunkEnd(t.partial.pc);
      return this.fetchViews(h, start, this.spec.fetch.atomic).length;
    }
    if (!this.isPatchable(pc, 4) || this.bufferServes(h, ti, pc)) return 1;
    const end = this.chunkEnd(pc);
    return this.fetchViews(h, pc, end - pc).length;
  }

  private bufferServes(h: number, ti: number, pc: number): boolean {
    const b = this.state.harts[h].buf;
    if (!b || b.task !== ti || pc < b.start || pc + 2 > b.start + b.bytes.length) return false;
    const lo = b.bytes[pc - b.start];
    const len = (lo & 3) === 3 ? 4 : 2;
    return pc + len <= b.start + b.bytes.length;
  }

  private raise(h: number, addr: number, n: number, T: number): void {
    if (this.spec.fetch.coherence === 'coherent') return;
    const hs = this.state.harts[h];
    for (let a = addr; a < addr + n; a++) {
      if (!this.isPatchable(a)) continue;
      const e = hs.raised.find((x) => x[0] === a);
      if (e) e[1] = Math.max(e[1], T);
      else if (T > hs.floor) hs.raised.push([a, T]);
    }
  }

  private fenceI(h: number): void {
    const hs = this.state.harts[h];
    hs.floor = this.mem.writeSeq;
    hs.raised = [];
    hs.buf = null;
  }

  // ---- applying transitions --------------------------------------------------------------

  /** Performs the transition named by `token`; returns what happened. */
  apply(token: string): Outcome {
    const st = this.state;
    const m = parseToken(token);
    const h = m.hart;
    const hs = st.harts[h];
    if (m.kind === 'p') {
      this.fenceI(h);
      hs.ipiPending = false;
      for (const t of st.tasks) t.ipiWait = t.ipiWait.filter((x) => x !== h);
      this.note(h, hs.task, 'ipi', 'IPI: remote fence.i');
      return { kind: 'continue' };
    }
    if (m.kind === 'i') {
      hs.irqs++;
      hs.buf = null;
      const ti = hs.task;
      const t = st.tasks[ti];
      const handler = this.spec.interrupts.handler;
      this.cpuSnap[ti] = null;
      if (handler !== undefined) {
        const cpu = this.cpus[ti];
        t.irq = { regs: toArray(cpu.r), pc: cpu.pc, passes: t.passes };
        t.passes = {};
        cpu.pc = handler;
        cpu.setReg(1, BigInt(IRQ_RET));
      }
      this.note(h, ti, 'irq', handler !== undefined ? 'interrupt: handler runs' : 'interrupt (timer tick)');
      return { kind: 'continue' };
    }
    if (m.to >= 0) {
      const to = m.to;
      const from = hs.task;
      const preempt = from >= 0 && this.switchable(h) === 'preempt';
      if (from >= 0 && st.tasks[from].status === 'running') st.tasks[from].status = 'ready';
      hs.task = to;
      hs.buf = null;
      st.tasks[to].status = 'running';
      st.tasks[to].hart = h;
      st.tasks[to].voluntary = false;
      this.note(h, to, 'switch', from >= 0 ? `${preempt ? 'preempt' : 'switch'} ${this.taskNames[from]} -> ${this.taskNames[to]}` : `schedule ${this.taskNames[to]}`);
    }
    const ti = hs.task;
    this.cpuSnap[ti] = null; // the step may change this task's hart (see cpuSnap)
    const choice = m.choice;
    const t = st.tasks[ti];
    t.voluntary = false;
    const kind = this.taskKinds[ti];
    if (kind === 'patcher') return this.patcherStep(ti, h);
    if (kind === 'stopper') return this.stopperStep(ti, h, choice);
    return this.runCode(ti, h, choice);
  }

  private note(h: number, ti: number, kind: TraceEvent['kind'], text: string): void {
    if (this.trace) this.trace.push({ hart: h, task: ti >= 0 ? this.taskNames[ti] : '-', kind, text });
  }

  private finish(ti: number, h: number): void {
    const t = this.state.tasks[ti];
    t.status = this.taskKinds[ti] === 'stopper' ? 'inactive' : 'done';
    t.passes = {};
    this.state.harts[h].task = -1;
    this.state.harts[h].buf = null;
  }

  // ---- kernel actions (shared by declarative patchers, stoppers running fn, ecalls) -------

  private doStore(ti: number, h: number, op: Extract<MicroOp, { k: 'store' }>): Outcome {
    const st = this.state;
    const v: [number, number][] = [];
    if (op.first) {
      const p = this.programs.ops[op.op];
      for (const s of p.sites) {
        const site = this.spec.sites[s];
        const content = toArray(this.mem.peek(site.base, site.size));
        for (let a = p.at; a < p.at + p.bytes.length; a++) if (a >= site.base && a < site.base + site.size) content[a - site.base] = p.bytes[a - p.at];
        const vs = st.versions[s];
        if (vs.length >= MAX_VERSIONS) return { kind: 'limit', reason: `site '${site.name}' has more than ${MAX_VERSIONS} versions` };
        vs.push(content);
      }
    }
    for (const s of this.programs.ops[op.op].sites) v.push([s, st.versions[s].length - 1]);
    this.mem.store(op.at, op.size, op.value, ti);
    const id = this.mem.lastWriteId;
    const bytes: number[] = [];
    for (let i = 0; i < op.size; i++) bytes.push(Number((op.value >> BigInt(8 * i)) & 0xffn));
    st.writes.push({ id, at: op.at, bytes, v });
    if (this.trace) {
      const s = this.siteAt(op.at);
      this.trace.push({ hart: h, task: this.taskNames[ti], kind: 'store', pc: op.at, size: op.size, text: `store ${op.size} bytes at ${hexAddr(op.at)}: ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')} (write #${id}${s >= 0 ? `, site ${this.spec.sites[s].name} v${st.versions[s].length - 1}` : ''})`, site: s >= 0 ? this.spec.sites[s].name : undefined });
    }
    return { kind: 'continue' };
  }

  /** Executes one micro-op for task ti on hart h (a store may end the search: too many versions). */
  private microOp(ti: number, h: number, op: MicroOp): Outcome {
    const st = this.state;
    const t = st.tasks[ti];
    switch (op.k) {
      case 'store':
        return this.doStore(ti, h, op);
      case 'fence.i':
        this.fenceI(h);
        this.note(h, ti, 'service', 'fence.i');
        break;
      case 'fence':
        this.note(h, ti, 'service', 'fence rw,rw');
        break;
      case 'cond_resched':
        t.voluntary = true;
        this.note(h, ti, 'service', 'cond_resched');
        break;
      case 'preempt_disable': t.preempt++; this.note(h, ti, 'service', 'preempt_disable'); break;
      case 'preempt_enable': t.preempt = Math.max(0, t.preempt - 1); this.note(h, ti, 'service', 'preempt_enable'); break;
      case 'local_irq_disable': t.irqsOff = true; this.note(h, ti, 'service', 'local_irq_disable'); break;
      case 'local_irq_enable': t.irqsOff = false; this.note(h, ti, 'service', 'local_irq_enable'); break;
      case 'ipi': {
        const all = Array.from({ length: this.spec.harts }, (_, x) => x);
        const targets = op.harts === 'others' ? all.filter((x) => x !== h) : op.harts === 'all' ? all : op.harts;
        for (const x of targets) {
          if (x === h) this.fenceI(h);
          else st.harts[x].ipiPending = true;
        }
        if (op.wait) t.ipiWait = targets.filter((x) => x !== h);
        this.note(h, ti, 'service', `remote fence.i IPI to hart ${targets.join(', ')}${op.wait ? ', waiting' : ''}`);
        break;
      }
      case 'stop_machine':
        this.requestStopMachine(ti, h, op.body, 0, 0n, op.flush);
        break;
    }
    return { kind: 'continue' };
  }

  private requestStopMachine(ti: number, h: number, body: number, fn: number, arg: bigint, flush: 'fence.i' | 'none'): void {
    const st = this.state;
    st.sm = { phase: 'gather', requester: ti, body, fn, arg: arg.toString(), flush, arrived: [], runner: -1, ip: 0, flushed: [], fnStarted: false };
    for (const s of this.stopperOf) {
      st.tasks[s] = { ...this.freshTask(), status: 'ready', hart: this.taskHarts[s][0] };
    }
    st.tasks[ti].status = 'blocked';
    st.harts[h].task = -1;
    st.harts[h].buf = null;
    this.note(h, ti, 'service', 'stop_machine: wake every hart\'s stopper');
  }

  private patcherStep(ti: number, h: number): Outcome {
    const t = this.state.tasks[ti];
    const prog = this.programs.tasks[ti];
    if (t.ip >= prog.length) {
      this.finish(ti, h);
      return { kind: 'continue' };
    }
    const op = prog[t.ip++];
    const out = this.microOp(ti, h, op);
    if (out.kind === 'continue' && t.ip >= prog.length && t.status === 'running' && !t.ipiWait.length) this.finish(ti, h);
    return out;
  }

  private stopperStep(ti: number, h: number, choice: number): Outcome {
    const st = this.state;
    const sm = st.sm!;
    const t = st.tasks[ti];
    switch (t.ip) {
      case 0:
        t.irqsOff = true; // multi_cpu_stop: MULTI_STOP_DISABLE_IRQ
        sm.arrived.push(h);
        t.ip = 1;
        if (sm.arrived.length === this.spec.harts) {
          // arch/riscv/kernel/patch.c patch_text_cb(): the last CPU to arrive patches.
          sm.phase = 'run';
          sm.runner = h;
          this.note(h, ti, 'service', 'stopper arrives (IRQs off); all harts gathered: this hart runs fn');
        } else this.note(h, ti, 'service', 'stopper arrives (IRQs off), spins');
        return { kind: 'continue' };
      case 1: {
        if (sm.phase === 'flush') {
          t.ip = 2;
          return this.stopperStep(ti, h, choice);
        }
        // The runner executes fn: declarative body micro-ops, or RV64 code.
        if (sm.body < 0) {
          const cpu = this.cpus[ti];
          if (!sm.fnStarted) {
            sm.fnStarted = true;
            cpu.pc = sm.fn;
            cpu.setReg(10, BigInt(sm.arg));
            cpu.setReg(1, BigInt(FN_RET));
            cpu.setReg(2, BigInt(this.stackTop[ti]));
          }
          return this.runCode(ti, h, choice);
        }
        const body = this.programs.bodies[sm.body];
        if (sm.ip < body.length) {
          const out = this.microOp(ti, h, body[sm.ip++]);
          if (out.kind !== 'continue') return out;
        }
        if (sm.ip >= body.length && !t.ipiWait.length) {
          sm.phase = 'flush';
        }
        return { kind: 'continue' };
      }
      case 2:
        if (sm.flush === 'fence.i') this.fenceI(h);
        sm.flushed.push(h);
        t.ip = 3;
        this.note(h, ti, 'service', sm.flush === 'fence.i' ? 'stopper: fence.i' : 'stopper: done');
        return { kind: 'continue' };
      default: {
        t.irqsOff = false;
        this.finish(ti, h);
        this.note(h, ti, 'service', 'stopper exits (IRQs on)');
        if (this.stopperOf.every((s) => st.tasks[s].status === 'inactive')) {
          const r = sm.requester;
          st.tasks[r].status = 'ready';
          st.sm = null;
        }
        return { kind: 'continue' };
      }
    }
  }

  // ---- RV64 execution --------------------------------------------------------------------

  private violation(v: Omit<Violation, 'task' | 'hart'>, ti: number, h: number): Outcome {
    return { kind: 'violation', violation: { ...v, task: this.taskNames[ti], hart: h } };
  }

  /**
   * Runs task ti's code on hart h: one visible action (with fetch choice `choice`), then the
   * invisible instructions after it, stopping before the next visible one.
   */
  private runCode(ti: number, h: number, choice: number): Outcome {
    const st = this.state;
    const t = st.tasks[ti];
    const cpu = this.cpus[ti];
    const hs = st.harts[h];
    const kind = this.taskKinds[ti];
    if (kind === 'code') t.started = 1;
    let first = true;
    for (;;) {
      if (++this.steps[ti] > this.spec.explore.maxSteps) {
        return { kind: 'limit', reason: `task ${this.taskNames[ti]} ran more than ${this.spec.explore.maxSteps} instructions (explore.max-steps)` };
      }
      const pc = cpu.pc;
      // Sentinels: task boundaries and returns the model handles.
      if (pc === DRIVER_RET && kind === 'caller' && !t.irq) {
        const spec = this.spec.tasks[ti] as Extract<TaskSpec, { kind: 'caller' }>;
        if (t.started >= spec.times) {
          this.finish(ti, h);
          return { kind: 'continue' };
        }
        if (!first) return { kind: 'continue' };
        t.started++;
        cpu.setReg(1, BigInt(DRIVER_RET));
        cpu.setReg(2, BigInt(this.stackTop[ti]));
        cpu.pc = spec.call;
        if (this.trace) this.trace.push({ hart: h, task: this.taskNames[ti], kind: 'note', text: `call ${this.symbolize(spec.call)} (${t.started}/${spec.times})` });
        first = false;
        continue;
      }
      if (pc === IRQ_RET && t.irq) {
        cpu.r.set(t.irq.regs);
        cpu.pc = t.irq.pc;
        t.passes = clonePasses(t.irq.passes); // the saved passes are shared with snapshots
        t.irq = null;
        this.note(h, ti, 'irq', 'return from interrupt');
        return { kind: 'continue' };
      }
      if (pc === FN_RET && kind === 'stopper') {
        st.sm!.phase = 'flush';
        this.note(h, ti, 'service', 'fn returns');
        // fn's stores after its last patch_done form an operation that ends with fn.
        return this.closeOp(ti) ?? { kind: 'continue' };
      }
      if (pc === CODE_RET && kind === 'code') {
        this.finish(ti, h);
        // Stores after the last patch_done form an operation that ends with the task.
        return this.closeOp(ti) ?? { kind: 'continue' };
      }
      // ---- fetch
      let bytes: number[];
      let wids: number[];
      let visible = false;
      if (t.partial) {
        // The second atomic fetch of a split instruction.
        const p = t.partial;
        const start = this.chunkEnd(p.pc);
        const M = this.spec.fetch.atomic;
        const views = this.fetchViews(h, start, M);
        const T = views[Math.min(choice, views.length - 1)];
        const c = this.contentAt(start, M, T);
        this.raise(h, start, M, T);
        if (this.spec.fetch.coherence === 'coherent') this.latestProvenance(start, M, c);
        bytes = [...p.bytes, ...c.bytes];
        wids = [...p.wids, ...c.wids];
        hs.buf = { task: ti, start: p.pc, bytes, wids };
        t.partial = null;
        visible = true;
      } else if (this.isPatchable(pc, 4) && !this.bufferServes(h, ti, pc)) {
        if (!first) return { kind: 'continue' };
        const end = this.chunkEnd(pc);
        const views = this.fetchViews(h, pc, end - pc);
        const T = views[Math.min(choice, views.length - 1)];
        const c = this.contentAt(pc, end - pc, T);
        if (this.spec.fetch.coherence === 'coherent') this.latestProvenance(pc, end - pc, c);
        this.raise(h, pc, end - pc, T);
        hs.buf = { task: ti, start: pc, bytes: c.bytes, wids: c.wids };
        const len = (c.bytes[0] & 3) === 3 ? 4 : 2;
        if (c.bytes.length < len) {
          t.partial = { pc, bytes: c.bytes, wids: c.wids };
          if (this.trace) this.trace.push({ hart: h, task: this.taskNames[ti], kind: 'note', pc, text: `fetch ${c.bytes.length} bytes at ${this.symbolize(pc)} (first half)`, fetched: this.fetchedInfo(pc, c.bytes.length, c.wids) });
          return { kind: 'continue' };
        }
        bytes = c.bytes;
        wids = c.wids;
        visible = true;
      } else if (this.bufferServes(h, ti, pc)) {
        // Served by the last atomic fetch: no new fetch event, but an interrupt or a
        // preemption here would discard the buffer, so it is a scheduling point if either can happen.
        const b = hs.buf!;
        const off = pc - b.start;
        if (!first && this.canBeInterrupted(ti, h)) return { kind: 'continue' };
        bytes = b.bytes.slice(off);
        wids = b.wids.slice(off);
      } else {
        const c = this.codeAt(pc);
        if (!c) {
          if (!this.spec.properties['wild-jump']) return { kind: 'end', reason: 'execution outside declared code (property off)' };
          return this.violation({ property: 'wild-jump', kind: 'not-code', pc, target: pc, message: `execution at ${hexAddr(pc)}, outside declared code` }, ti, h);
        }
        const off = pc - c.base;
        // Plain loops: Array.from on a typed subarray goes through the iterator protocol.
        const n = Math.min(off + 4, c.bytes.length) - off;
        bytes = [];
        wids = [];
        for (let k = 0; k < n; k++) {
          bytes.push(c.bytes[off + k]);
          wids.push(0);
        }
        hs.buf = null;
      }
      const lo = bytes[0] | (bytes[1] << 8);
      const len = (lo & 3) === 3 ? 4 : 2;
      const bits = len === 4 ? (lo | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0 : lo;
      const insn = decodeCached(bits);
      const siteIdx = this.siteAt(pc);
      const used = wids.slice(0, len);
      // torn-instruction: bytes from different writes that match no version.
      if (siteIdx >= 0 && new Set(used).size > 1) {
        const mask = this.versionMask(siteIdx, pc, bytes.slice(0, len));
        if (mask === 0 && this.spec.properties['torn-instruction']) {
          this.traceInsn(ti, h, pc, bits, len, insn, used);
          return this.violation({ property: 'torn-instruction', kind: 'torn', site: this.spec.sites[siteIdx].name, pc, versions: this.versionsOfWrites(siteIdx, pc, used), message: `torn instruction at ${this.symbolize(pc)}: bytes ${bytes.slice(0, len).map((b) => b.toString(16).padStart(2, '0')).join(' ')} from writes ${[...new Set(used)].join(', ')} form ${insn ? 'an instruction' : 'an encoding'} no version has` }, ti, h);
        }
      }
      if (!insn) {
        this.traceInsn(ti, h, pc, bits, len, insn, used);
        if (!this.spec.properties['illegal-instruction']) return { kind: 'end', reason: 'illegal instruction (property off)' };
        return this.violation({ property: 'illegal-instruction', kind: 'illegal', site: siteIdx >= 0 ? this.spec.sites[siteIdx].name : undefined, pc, message: `illegal instruction 0x${bits.toString(16)} at ${this.symbolize(pc)}` }, ti, h);
      }
      const acc = memAccess(insn, cpu);
      if (!visible) {
        const dataVisible = acc !== null && (this.isShared(acc.addr, acc.size) || (acc.write && this.isPatchable(acc.addr, acc.size)));
        if (dataVisible || insn.op === 'ecall') {
          if (!first) return { kind: 'continue' };
        }
      }
      first = false;
      // ---- site pass bookkeeping (before executing: the instruction belongs to the pass)
      if (siteIdx >= 0) {
        const site = this.spec.sites[siteIdx];
        let pass = t.passes[siteIdx];
        if (!pass || (pass.resumeAt !== null && pass.resumeAt !== pc)) pass = { insns: [], resumeAt: null };
        pass.resumeAt = null;
        const rec: PassInsn = { off: pc - site.base, bytes: bytes.slice(0, len), wids: used, op: insn.op, rd: insn.rd, rs1: insn.rs1, pc };
        pass.insns.push(rec);
        t.passes[siteIdx] = pass;
      }
      // ---- execute
      const before = this.trace && insn.op === 'jalr' ? cpu.getReg(insn.rs1) : 0n;
      const stop = cpu.execute(insn);
      const next = cpu.pc;
      this.traceInsn(ti, h, pc, bits, len, insn, used, before);
      if (insn.op === 'fence.i') this.fenceI(h);
      if (acc && acc.write && this.isPatchable(acc.addr, acc.size) && !stop) {
        // The store belongs to the version the task's next patch_done declares: that pending
        // version is the site's content when the operation began with the operation's stores
        // so far applied, as for a declarative write (whose bytes are all known in advance).
        const bytes = toArray(this.mem.peek(acc.addr, acc.size));
        const v: [number, number][] = [];
        for (let s = 0; s < this.spec.sites.length; s++) {
          const site = this.spec.sites[s];
          if (!(acc.addr < site.base + site.size && site.base < acc.addr + acc.size)) continue;
          const vs = st.versions[s];
          let open = t.opSites.find((x) => x[0] === s);
          if (!open) {
            if (vs.length >= MAX_VERSIONS) return { kind: 'limit', reason: `site '${site.name}' has more than ${MAX_VERSIONS} versions` };
            open = [s, vs.length];
            vs.push(toArray(this.mem.peek(site.base, site.size)));
            t.opSites.push(open);
          } else {
            // Version contents are shared between saved states: replace, never mutate.
            const content = vs[open[1]].slice();
            for (let a = acc.addr; a < acc.addr + acc.size; a++) if (a >= site.base && a < site.base + site.size) content[a - site.base] = bytes[a - acc.addr];
            vs[open[1]] = content;
          }
          v.push([s, open[1]]);
        }
        st.writes.push({ id: this.mem.lastWriteId, at: acc.addr, bytes, v });
      }
      if (stop) {
        if (stop.kind === 'ecall') {
          const out = this.service(ti, h);
          if (out) return out;
          if (t.status !== 'running' || t.ipiWait.length || t.voluntary) return { kind: 'continue' };
          continue;
        }
        if (stop.kind === 'illegal') {
          return this.violation({ property: 'illegal-instruction', kind: 'illegal', pc, message: `illegal instruction at ${this.symbolize(pc)}${stop.detail ? `: ${stop.detail}` : ''}` }, ti, h);
        }
        return this.violation({ property: 'fault', kind: stop.kind, pc, target: stop.addr, message: `${stop.kind} at ${this.symbolize(pc)}${stop.addr !== undefined ? ` (address ${hexAddr(stop.addr)})` : ''}` }, ti, h);
      }
      // ---- control flow and passes
      const seq = pc + len;
      if (next !== seq && hs.buf && (next < hs.buf.start || next >= hs.buf.start + hs.buf.bytes.length)) hs.buf = null;
      if (siteIdx >= 0) {
        const site = this.spec.sites[siteIdx];
        if (next < site.base || next >= site.base + site.size) {
          const pass = t.passes[siteIdx];
          // A call out of the site whose return address is inside it suspends the pass; a
          // mix that lands on a legitimate target is then judged when the pass really ends
          // (the old entry's `ld ra` after the call shows whether `ra` is stale).
          const link = insn.op === 'jal' || insn.op === 'jalr' ? insn.rd : 0;
          const suspend = link !== 0 && seq >= site.base && seq < site.base + site.size;
          const v = this.endPass(ti, h, siteIdx, pass, insn, pc, next, suspend);
          if (v) return v;
          if (suspend) pass.resumeAt = seq;
          else delete t.passes[siteIdx];
        }
      }
      if (next !== seq) {
        if (!this.validTarget(ti, next)) {
          if (!this.spec.properties['wild-jump']) return { kind: 'end', reason: 'wild jump (property off)' };
          const ret = insn.op === 'jalr' && insn.rd === 0 && insn.rs1 === 1;
          return this.violation({ property: 'wild-jump', kind: ret ? 'return' : 'not-code', pc, target: next, message: `${ret ? 'return' : 'jump'} from ${this.symbolize(pc)} to ${hexAddr(next)}, which is not an instruction start in declared code${ret ? ' (clobbered ra)' : ''}` }, ti, h);
        }
      } else if (!this.codeAt(next) && next !== DRIVER_RET && next !== IRQ_RET && next !== FN_RET && next !== CODE_RET) {
        return this.violation({ property: 'wild-jump', kind: 'not-code', pc, target: next, message: `execution runs off the end of declared code after ${this.symbolize(pc)}` }, ti, h);
      }
    }
  }

  private canBeInterrupted(ti: number, h: number): boolean {
    const t = this.state.tasks[ti];
    if (t.irqsOff || t.irq) return false;
    if (this.spec.preemption === 'full' && t.preempt === 0) return true;
    const ir = this.spec.interrupts;
    return ir.enabled && this.state.harts[h].irqs < ir.max && ir.harts.includes(h);
  }

  private latestProvenance(addr: number, n: number, c: { bytes: number[]; wids: number[] }): void {
    for (let i = 0; i < n; i++) c.wids[i] = this.mem.provenance(addr + i);
  }

  private validTarget(ti: number, addr: number): boolean {
    const kind = this.taskKinds[ti];
    const t = this.state.tasks[ti];
    if (addr === DRIVER_RET) return kind === 'caller';
    if (addr === IRQ_RET) return t.irq !== null;
    if (addr === FN_RET) return kind === 'stopper';
    if (addr === CODE_RET) return kind === 'code';
    return this.isInsnStart(addr);
  }

  /** Bitmask of the site's versions whose bytes at pc equal `bytes`. */
  versionMask(site: number, pc: number, bytes: number[]): number {
    const s = this.spec.sites[site];
    const off = pc - s.base;
    let mask = 0;
    this.state.versions[site].forEach((v, i) => {
      for (let k = 0; k < bytes.length; k++) {
        const b = off + k < v.length ? v[off + k] : this.mem.peek(pc + k, 1)[0];
        if (b !== bytes[k]) return;
      }
      mask |= 1 << i;
    });
    return mask;
  }

  /** Versions the bytes' writes belong to (for torn reports). */
  private versionsOfWrites(site: number, pc: number, wids: number[]): number[] {
    const out = new Set<number>();
    for (let i = 0; i < wids.length; i++) {
      const w = wids[i];
      if (w === 0) { out.add(0); continue; }
      const byte = this.state.writes.find((x) => x.id === w);
      if (!byte) continue;
      const val = byte.bytes[pc + i - byte.at];
      const s = this.spec.sites[site];
      const vs = this.state.versions[site];
      for (let v = 1; v < vs.length; v++) if (vs[v][pc + i - s.base] === val) { out.add(v); break; }
    }
    return [...out].sort((a, b) => a - b);
  }

  /**
   * Closes task ti's RV64 patch operation (patch_done, or the task's end): its pending
   * versions are final, and the passes that read its bytes are judged now.
   */
  private closeOp(ti: number): Outcome | null {
    const st = this.state;
    const t = st.tasks[ti];
    if (!t.opSites.length) return null;
    const closed = t.opSites;
    t.opSites = [];
    if (!st.deferred.length) return null;
    const keep: Deferred[] = [];
    let out: Outcome | null = null;
    for (const d of st.deferred) {
      if (out || !closed.some((x) => x[0] === d.site) || this.readsOpenOp(d.site, d.insns)) { keep.push(d); continue; }
      out = this.judgePass(d.task, d.hart, d.site, d.insns, d.jump, d.pc, d.next, false);
    }
    st.deferred = keep;
    return out;
  }

  /** Whether a pass read a byte of a patch operation still open on the site. */
  private readsOpenOp(site: number, insns: PassInsn[]): boolean {
    const open: number[] = [];
    for (const t of this.state.tasks) for (const x of t.opSites) if (x[0] === site) open.push(x[1]);
    if (!open.length) return false;
    return insns.some((r) => r.wids.some((w) => w !== 0 && open.includes(this.versionOfWrite(site, w))));
  }

  private endPass(ti: number, h: number, siteIdx: number, pass: PassState, insn: Insn, pc: number, next: number, suspend: boolean): Outcome | null {
    const jump = insn.op === 'jalr' || insn.op === 'jal';
    // A pass that read bytes of an RV64 patch operation still open is judged against the
    // pending version as it stands (the operation's start content with its stores so far).
    // A mix now stays a mix (later stores only move that version further from what the pass
    // read), but consistency with it may not survive the operation's later stores: such a
    // pass is judged again when the operation closes (a suspended pass waits for its end).
    const open = this.readsOpenOp(siteIdx, pass.insns);
    return this.judgePass(ti, h, siteIdx, pass.insns, jump, pc, next, suspend, open);
  }

  private judgePass(ti: number, h: number, siteIdx: number, insns: PassInsn[], jump: boolean, pc: number, next: number, suspend: boolean, open = false): Outcome | null {
    const site = this.spec.sites[siteIdx];
    const masks = insns.map((r) => this.versionMask(siteIdx, r.pc, r.bytes));
    const cls = classifyPass({ insns, resumeAt: null }, masks);
    if (!cls && open) {
      if (!suspend) this.state.deferred.push({ task: ti, hart: h, site: siteIdx, insns: insns.slice(), jump, pc, next });
      return null;
    }
    const legit = site.targets.includes(next);
    if (cls && suspend && legit && cls.kind !== 'auipc-jalr' && cls.kind !== 'nop-jalr') return null;
    if (cls && this.spec.properties['mixed-target']) {
      return this.violation({
        property: 'mixed-target',
        kind: cls.kind,
        site: site.name,
        pc: cls.pc,
        target: jump ? next : undefined,
        landing: jump ? (legit ? 'benign' : 'wild') : undefined,
        versions: cls.versions,
        legitimate: site.targets,
        message: `${cls.kind} mix in site ${site.name}: ${cls.describe} (versions ${cls.versions.join(' and ')})${jump ? `, jumps to ${this.symbolize(next)}: ${legit ? 'a legitimate target (benign)' : 'no legitimate target (wild)'}` : ''}`,
      }, ti, h);
    }
    if (!cls && !legit && this.spec.properties['wild-jump']) {
      return this.violation({ property: 'wild-jump', kind: 'site-exit', site: site.name, pc, target: next, legitimate: site.targets, message: `control leaves site ${site.name} from ${this.symbolize(pc)} to ${this.symbolize(next)}, which is not one of its targets (${site.targets.map((x) => this.symbolize(x)).join(', ')})` }, ti, h);
    }
    return null;
  }

  /** ecall services (a7 = number, docs/spec-format.md). Returns an outcome to stop with. */
  private service(ti: number, h: number): Outcome | null {
    const cpu = this.cpus[ti];
    const t = this.state.tasks[ti];
    const n = Number(cpu.getReg(17));
    const a0 = cpu.getReg(10);
    const name = SERVICES[n];
    if (this.trace) this.trace.push({ hart: h, task: this.taskNames[ti], kind: 'service', pc: cpu.pc - 4, text: `ecall ${name ?? n}` });
    switch (name) {
      case 'preempt_disable': t.preempt++; return null;
      case 'preempt_enable': t.preempt = Math.max(0, t.preempt - 1); return null;
      case 'local_irq_disable': t.irqsOff = true; return null;
      case 'local_irq_enable': t.irqsOff = false; return null;
      case 'cond_resched': t.voluntary = true; return null;
      case 'remote_fence_i': {
        const mask = Number(BigInt.asUintN(32, a0));
        const harts = mask === 0 ? 'others' as const : Array.from({ length: this.spec.harts }, (_, x) => x).filter((x) => mask & (1 << x));
        return this.microOp(ti, h, { k: 'ipi', harts, wait: true }).kind === 'continue' ? null : { kind: 'continue' };
      }
      case 'flush_icache_all':
        this.fenceI(h);
        this.microOp(ti, h, { k: 'ipi', harts: 'others', wait: true });
        return null;
      case 'stop_machine':
        if (this.taskKinds[ti] === 'stopper') return { kind: 'limit', reason: 'stop_machine called from inside stop_machine' };
        this.requestStopMachine(ti, h, -1, Number(BigInt.asIntN(64, a0)), cpu.getReg(11), 'fence.i');
        return null;
      case 'patch_done':
        return this.closeOp(ti);
      case 'exit':
        this.finish(ti, h);
        return this.closeOp(ti);
      default:
        return this.violation({ property: 'fault', kind: 'ecall', pc: cpu.pc - 4, message: `unknown ecall service a7=${n} at ${this.symbolize(cpu.pc - 4)}` }, ti, h);
    }
  }

  // ---- tracing helpers -------------------------------------------------------------------

  private fetchedInfo(pc: number, n: number, wids: number[]): TraceEvent['fetched'] {
    const out: NonNullable<TraceEvent['fetched']> = [];
    const s = this.siteAt(pc);
    for (let i = 0; i < n; i++) {
      const addr = pc + i;
      if (!this.isPatchable(addr)) { out.push({ addr, wid: 0 }); continue; }
      out.push({ addr, wid: wids[i], version: s >= 0 ? this.versionOfWrite(s, wids[i]) : undefined });
    }
    return out;
  }

  /** The site version a write id belongs to: the version its patch operation made. */
  private versionOfWrite(site: number, wid: number): number {
    if (wid === 0) return 0;
    const w = this.state.writes.find((x) => x.id === wid);
    return w?.v.find((x) => x[0] === site)?.[1] ?? 0;
  }

  /**
   * Records an instruction for the trace. `before` is the value of rs1 read before an executed
   * instruction ran (it may also be its rd); omitted for one that is not executed (torn,
   * illegal): then the registers are still those it would read, and a jalr's target is the
   * one it would compute.
   */
  private traceInsn(ti: number, h: number, pc: number, bits: number, len: number, insn: Insn | undefined, wids: number[], before?: bigint): void {
    if (!this.trace) return;
    const cpu = this.cpus[ti];
    const regs: { name: string; value: bigint }[] = [];
    const executed = before !== undefined;
    if (insn?.op === 'auipc' && insn.rd && executed) regs.push({ name: ABI[insn.rd], value: cpu.getReg(insn.rd) });
    if (insn?.op === 'jalr') {
      const base = executed ? before : cpu.getReg(insn.rs1);
      // jalr: target = (rs1 + imm) & ~1 (RISC-V unprivileged ISA, 2.5.1).
      const target = executed ? BigInt(cpu.pc) : BigInt.asIntN(64, (base + BigInt(insn.imm)) & ~1n);
      regs.push({ name: 'target', value: target }, { name: ABI[insn.rs1], value: base });
    }
    const s = this.siteAt(pc);
    this.trace.push({ hart: h, task: this.taskNames[ti], kind: 'insn', pc, bits, size: len, insn, fetched: this.isPatchable(pc, len) ? this.fetchedInfo(pc, len, wids) : undefined, regs, site: s >= 0 ? this.spec.sites[s].name : undefined });
  }

  /** `symbol+0xoff` for an address, or hex. */
  symbolize(addr: number): string {
    if (addr === DRIVER_RET) return '<caller driver>';
    if (addr === IRQ_RET) return '<irq return>';
    if (addr === FN_RET) return '<stop_machine return>';
    if (addr === CODE_RET) return '<task exit>';
    let best: [string, number] | undefined;
    for (const [name, a] of this.spec.symbols) {
      if (a <= addr && addr - a < 0x10000 && (!best || a > best[1] || (a === best[1] && name < best[0]))) {
        if (this.codeAt(a) || this.spec.regions.some((r) => a >= r.base && a < r.base + r.bytes.length)) best = [name, a];
      }
    }
    if (!best) return hexAddr(addr);
    return addr === best[1] ? best[0] : `${best[0]}+0x${(addr - best[1]).toString(16)}`;
  }

  /** Final-state value of a register of a task, for assertions. */
  reg(task: number, reg: number): bigint {
    return this.cpus[task].getReg(reg);
  }
}

/** A transition token taken apart: kind (h step, i interrupt, p IPI), hart, task switched in (-1 none), fetch choice. */
interface ParsedToken {
  kind: 'h' | 'i' | 'p';
  hart: number;
  to: number;
  choice: number;
}

/** Tokens are few and recur at every state: each is parsed once. */
const parsedTokens = new Map<string, ParsedToken>();

function parseToken(token: string): ParsedToken {
  let p = parsedTokens.get(token);
  if (p === undefined) {
    const m = /^([hip])(\d+)(?:>t(\d+))?(?:\/(\d+))?$/.exec(token);
    if (!m) throw new Error(`bad transition token ${token}`);
    p = { kind: m[1] as ParsedToken['kind'], hart: Number(m[2]), to: m[3] !== undefined ? Number(m[3]) : -1, choice: m[4] !== undefined ? Number(m[4]) : 0 };
    if (parsedTokens.size < 4096) parsedTokens.set(token, p);
  }
  return p;
}

/** A plain array of a typed array's elements (Array.from would go through the iterator protocol). */
function toArray(xs: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) out.push(xs[i]);
  return out;
}

export function hexAddr(a: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(a)).toString(16);
}

/**
 * Copy of the model state for backtracking. Objects the model never mutates once made (site
 * version contents, pass instruction records, fetch buffers, half-fetched instructions, saved
 * interrupt contexts, write records) are shared; everything the model mutates in place is copied.
 */
function cloneState(st: State): State {
  return {
    // Explicit literals, not spreads: one hidden class per kind, several times faster in V8.
    tasks: st.tasks.map((t): TaskState => ({
      status: t.status,
      hart: t.hart,
      preempt: t.preempt,
      irqsOff: t.irqsOff,
      started: t.started,
      ip: t.ip,
      ipiWait: t.ipiWait.length ? t.ipiWait.slice() : [],
      voluntary: t.voluntary,
      partial: t.partial,
      passes: clonePasses(t.passes),
      irq: t.irq,
      opSites: t.opSites.length ? t.opSites.map((x) => [x[0], x[1]] as [number, number]) : [],
    })),
    harts: st.harts.map((h): HartSt => ({
      task: h.task,
      buf: h.buf,
      floor: h.floor,
      raised: h.raised.length ? h.raised.map((e) => [e[0], e[1]] as [number, number]) : [],
      irqs: h.irqs,
      ipiPending: h.ipiPending,
    })),
    sm: st.sm && { ...st.sm, arrived: st.sm.arrived.slice(), flushed: st.sm.flushed.slice() },
    versions: st.versions.map((v) => v.slice()),
    writes: st.writes.slice(), // a write record is never changed once pushed
    deferred: st.deferred.length ? st.deferred.slice() : [],
  };
}

function clonePasses(p: Record<number, PassState>): Record<number, PassState> {
  const out: Record<number, PassState> = {};
  for (const k in p) out[k] = { insns: p[k].insns.slice(), resumeAt: p[k].resumeAt };
  return out;
}

const STATUS: Record<TaskState['status'], number> = { ready: 1, running: 2, blocked: 3, done: 4, inactive: 5 };

/** The state's hash, field by field (the generic Hasher.value for rarely present parts). */
function hashState(h: Hasher, st: State): void {
  // Indexed loops and mixAll: the same mixes, in the same order, as plain for-of loops over
  // each field, without iterator objects (this runs for every state the search reaches).
  const tasks = st.tasks;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    h.mix(STATUS[t.status]);
    h.mix(t.hart);
    h.mix(t.preempt);
    h.mix(t.irqsOff ? 1 : 0);
    h.mix(t.started);
    h.mix(t.ip);
    h.mix(t.voluntary ? 1 : 0);
    // Same mixes as h.value on these arrays of small integers, without the type dispatch.
    h.mix(0x5b000000 | t.ipiWait.length);
    for (let k = 0; k < t.ipiWait.length; k++) h.int(t.ipiWait[k]);
    h.mix(0x5b000000 | t.opSites.length);
    for (let k = 0; k < t.opSites.length; k++) {
      h.mix(0x5b000002);
      h.int(t.opSites[k][0]);
      h.int(t.opSites[k][1]);
    }
    if (t.partial) h.value(t.partial);
    else h.mix(0x5e);
    for (const k in t.passes) {
      const p = t.passes[k];
      h.mix(Number(k) | 0x10000);
      h.mix(p.resumeAt === null ? -1 : p.resumeAt | 0);
      for (let j = 0; j < p.insns.length; j++) {
        const r = p.insns[j];
        h.mix(r.pc | 0);
        mixAll(h, r.bytes);
        mixAll(h, r.wids);
      }
    }
    if (t.irq) h.value(t.irq);
    else h.mix(0x5f);
  }
  const harts = st.harts;
  for (let i = 0; i < harts.length; i++) {
    const x = harts[i];
    h.mix(x.task);
    h.mix(x.floor);
    h.mix(x.irqs);
    h.mix(x.ipiPending ? 1 : 0);
    if (x.buf) {
      h.mix(x.buf.task);
      h.mix(x.buf.start | 0);
      mixAll(h, x.buf.bytes);
      mixAll(h, x.buf.wids);
    } else h.mix(0x5d);
    for (let k = 0; k < x.raised.length; k++) {
      h.mix(x.raised[k][0] | 0);
      h.mix(x.raised[k][1]);
    }
  }
  if (st.sm) h.value(st.sm);
  else h.mix(0x5c);
  for (let i = 0; i < st.versions.length; i++) {
    const vs = st.versions[i];
    h.mix(vs.length);
    for (let k = 0; k < vs.length; k++) mixAll(h, vs[k]);
  }
  h.mix(st.deferred.length);
  for (let i = 0; i < st.deferred.length; i++) h.value(st.deferred[i]);
  for (let i = 0; i < st.writes.length; i++) {
    const w = st.writes[i];
    h.mix(w.id);
    h.mix(w.at | 0);
    mixAll(h, w.bytes);
    for (let k = 0; k < w.v.length; k++) {
      h.mix(w.v[k][0]);
      h.mix(w.v[k][1]);
    }
  }
}

/** h.mix of each element in order, with the hash words in locals. */
function mixAll(h: Hasher, xs: readonly number[]): void {
  let a = h.a, b = h.b;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 15);
  }
  h.a = a;
  h.b = b;
}

/** A 64-bit structural hash of plain data; keys and array boundaries are mixed in. */
class Hasher {
  a = 0x811c9dc5;
  b = 0x9e3779b9;
  mix(x: number): void {
    this.a = Math.imul(this.a ^ x, 0x01000193);
    this.b = Math.imul(this.b ^ x, 0x5bd1e995) ^ (this.b >>> 15);
  }
  /** As value(v) for a number. */
  int(v: number): void {
    if ((v | 0) === v) this.mix(v);
    else this.value(v);
  }
  str(s: string): void {
    this.mix(s.length | 0x40000000);
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
  }
  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) this.mix(v);
        else { this.mix(0x51); this.str(String(v)); }
        return;
      case 'boolean': this.mix(v ? 0x71 : 0x70); return;
      case 'string': this.str(v); return;
      case 'undefined': this.mix(0x55); return;
      case 'object':
        if (v === null) { this.mix(0x5e); return; }
        if (Array.isArray(v)) {
          this.mix(0x5b000000 | v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
          return;
        }
        this.mix(0x7b);
        for (const k in v as Record<string, unknown>) {
          this.str(k);
          this.value((v as Record<string, unknown>)[k]);
        }
        this.mix(0x7d);
        return;
      default:
        this.str(String(v));
    }
  }
  /**
   * The 64 bits as a 4-character key (16 bits a character): one flat short string, cheap to
   * make and to look up in the visited set (no hex digits, no concatenation).
   */
  text(): string {
    const a = this.a, b = this.b;
    return String.fromCharCode(a & 0xffff, a >>> 16, b & 0xffff, b >>> 16);
  }
}
