/**
 * The model's own state (beside memory and harts): tasks, per-hart fetch state, stop_machine,
 * the site versions and write records (sites/ledger.ts), deferred pass verdicts. One plain
 * object, copied for backtracking by cloneState and hashed by hashState; test/model/state-hash
 * proves that every field cloneState keeps is hashed.
 */
import type { PassInsn, PassState } from '../check/passes.js';

/**
 * A task's open site passes, by site index (undefined: none; an array, not an object keyed by
 * index, because enumerating an object's index keys costs ~30x a loop over an array).
 */
export type Passes = (PassState | undefined)[];

/**
 * The brand of a task or hart the running state owns (Core.ownTask, Core.ownHart): only an
 * owned one may be changed. A type only (no such property exists at run time): a TaskView,
 * what snapshots and the running state share, is not assignable to TaskState, so a shared
 * task cannot reach code that changes it without going through ownTask.
 */
declare const OWNED: unique symbol;

/** A site pass as snapshots share it. */
export interface PassView {
  readonly insns: readonly PassInsn[];
  readonly resumeAt: number | null;
}

/** A saved interrupt or trap context (never changed once made). */
export interface SavedContext {
  readonly regs: readonly number[];
  readonly pc: number;
  readonly passes: readonly (PassView | undefined)[];
}

/** A task as the running state and its snapshots share it: read-only (ownTask gives one to change). */
export interface TaskView {
  readonly status: TaskState['status'];
  readonly hart: number;
  readonly preempt: number;
  readonly irqsOff: boolean;
  readonly started: number;
  readonly ip: number;
  readonly ipiWait: readonly number[];
  readonly voluntary: boolean;
  readonly partial: { readonly pc: number; readonly bytes: readonly number[]; readonly wids: readonly number[] } | null;
  readonly passes: readonly (PassView | undefined)[];
  readonly irq: SavedContext | null;
  readonly trap: SavedContext | null;
  readonly opSites: readonly (readonly [number, number])[];
}

export interface TaskState {
  readonly [OWNED]: true;
  status: 'ready' | 'running' | 'blocked' | 'done' | 'inactive';
  /** Hart it runs on (running) or last ran on; -1 never ran. */
  hart: number;
  preempt: number;
  irqsOff: boolean;
  /** Caller: calls started. Code task: 1 once started. */
  started: number;
  /** Patcher: index into its program. Stopper: phase (0 arrive, 1 run/wait, 2 flush, 3 exit). */
  ip: number;
  /** Harts whose IPI this task waits for (replaced on change, never changed: snapshots share it). */
  ipiWait: readonly number[];
  /** Stopped at cond_resched: a voluntary switch point. */
  voluntary: boolean;
  /** First half of an instruction whose fetch needs two events (never changed once made). */
  partial: TaskView['partial'];
  /** Site passes by site index (the task's own copies: a task is copied whole before a change). */
  passes: Passes;
  /** In an interrupt handler: what to restore at IRQ_RET. */
  irq: SavedContext | null;
  /** In a kprobe's trap handler: what to restore at TRAP_RET, and the probed pc. */
  trap: SavedContext | null;
  /**
   * RV64 patcher: [site, version] for each site written since the last patch_done: the
   * pending version those stores belong to (declared by the next patch_done, or by the task's end).
   */
  opSites: [number, number][];
}

/**
 * A knowledge vector (docs/semantics.md, "Fetch models"): per writer hart, the id of the latest
 * patch write by that hart in this hart's causal past (its own writes, and what its loads and
 * the kernel's synchronisation brought in). Never mutated once made: replaced on change, so
 * snapshots and write records share them.
 */
export type Clock = readonly number[];

/** A hart's model state as the running state and its snapshots share it: read-only (ownHart gives one to change). */
export interface HartView {
  readonly task: number;
  readonly raised: readonly (readonly [number, number])[];
  readonly seen: readonly (readonly [number, number])[];
  readonly known: Clock;
  readonly fenced: Clock;
  readonly ipiClock: Clock | null;
  readonly irqs: number;
  readonly ipiPending: boolean;
}

export interface HartSt {
  readonly [OWNED]: true;
  task: number;
  /** Per-byte fetch floors [address, write id]: ziccid raises them at every fetch, ir3-fetch at fence.i. */
  raised: [number, number][];
  /** ir3-fetch: per byte, the latest write an earlier fetch read it from (folded into raised, and its writer's knowledge into known, at fence.i). */
  seen: [number, number][];
  /** The hart's causal past. */
  known: Clock;
  /** Its causal past at its last fence.i: the writes its fetches may no longer miss. */
  fenced: Clock;
  /** Knowledge the senders of pending IPIs had when they sent them (null: none pending). */
  ipiClock: Clock | null;
  irqs: number;
  ipiPending: boolean;
}

export interface SmState {
  phase: 'gather' | 'run' | 'flush';
  requester: number;
  body: number;
  /** RV64 stop_machine: fn/arg instead of a body. */
  fn: number;
  arg: string;
  flush: 'fence.i' | 'none';
  arrived: number[];
  /** The stopper's hart that runs the body or fn (-1 until all arrived), or ALL_HARTS. */
  runner: number;
  ip: number;
  flushed: number[];
  fnStarted: boolean;
  /** The requester called the stop_machine stub: fn's return value becomes its a0. */
  retA0: boolean;
  /** The runner's knowledge when the body or fn finished: every stopper acquires it before its flush. */
  clock: Clock | null;
}

/** SmState.runner when fn runs on every hart (stop_machine with a cpumask of all of them). */
export const ALL_HARTS = -2;

export interface Write {
  id: number;
  at: number;
  /** The hart that made it, and its knowledge then (this write included). */
  hart: number;
  clock: Clock;
  bytes: number[];
  /** [site, version] pairs: the version of each site this write's patch operation makes. */
  v: [number, number][];
}

/** A pass whose verdict waits for the RV64 patch operation it read bytes of (docs/semantics.md). */
export interface Deferred {
  task: number;
  hart: number;
  site: number;
  insns: PassInsn[];
  /** The instruction that left the site was a jump (jal/jalr). */
  jump: boolean;
  pc: number;
  next: number;
}

export interface State {
  /**
   * Shared with snapshots element by element (copy-on-write): read here, changed only through
   * Core.ownTask / Core.ownHart, which put the running state's own copy in its place.
   */
  tasks: TaskView[];
  harts: HartView[];
  sm: SmState | null;
  /** Site versions: content of each version (version 0 = initial). Read-only: a change replaces the lists (snapshots share them). */
  versions: readonly (readonly number[][])[];
  /** Read-only, as are the lists below: a change replaces the list (snapshots share it). */
  writes: readonly Write[];
  /** Passes that read bytes of a still-open RV64 patch operation: judged when it closes. */
  deferred: readonly Deferred[];
  /** Shared data bytes [address, knowledge of the hart that last stored to it], by address. */
  dclk: readonly [number, Clock][];
}

export function freshTask(): TaskState {
  return { status: 'ready', hart: -1, preempt: 0, irqsOff: false, started: 0, ip: 0, ipiWait: [], voluntary: false, partial: null, passes: [], irq: null, trap: null, opSites: [] } as unknown as TaskState;
}

/** A task's own copy, to change (explicit literals, not spreads: one hidden class per kind, several times faster in V8). */
export function cloneTask(t: TaskView): TaskState {
  return {
    status: t.status,
    hart: t.hart,
    preempt: t.preempt,
    irqsOff: t.irqsOff,
    started: t.started,
    ip: t.ip,
    ipiWait: t.ipiWait, // replaced on change, never changed (kernel/ipi.ts)
    voluntary: t.voluntary,
    partial: t.partial,
    passes: clonePasses(t.passes),
    irq: t.irq,
    trap: t.trap,
    opSites: t.opSites.length ? t.opSites.map((x) => [x[0], x[1]] as [number, number]) : [],
  } as unknown as TaskState;
}

/** A hart's own copy, to change. */
export function cloneHart(h: HartView): HartSt {
  return {
    task: h.task,
    raised: h.raised.length ? h.raised.map((e) => [e[0], e[1]] as [number, number]) : [],
    seen: h.seen.length ? h.seen.map((e) => [e[0], e[1]] as [number, number]) : [],
    known: h.known,
    fenced: h.fenced,
    ipiClock: h.ipiClock,
    irqs: h.irqs,
    ipiPending: h.ipiPending,
  } as unknown as HartSt;
}

/**
 * Copy of the model state for backtracking. Tasks and harts are shared, copied only when the
 * running state changes one (copy-on-write: Core.ownTask, Core.ownHart); so are the objects
 * the model never changes once made (site version contents, pass instruction records,
 * half-fetched instructions, saved interrupt contexts, write records, knowledge vectors), and
 * the lists of versions, writes, deferred passes and data knowledge, which a change replaces
 * (never changes in place). stop_machine's state, changed in place, is copied.
 */
export function cloneState(st: State): State {
  return {
    tasks: st.tasks.slice(),
    harts: st.harts.slice(),
    sm: st.sm && cloneSm(st.sm),
    // Replaced on every change, never changed in place (sites/ledger.ts, passes.ts, fetch/causal.ts): shared.
    versions: st.versions,
    writes: st.writes,
    deferred: st.deferred,
    dclk: st.dclk,
  };
}

export function clonePasses(p: readonly (PassView | undefined)[]): Passes {
  const out: Passes = p.length ? new Array(p.length) : [];
  for (let k = 0; k < p.length; k++) {
    const x = p[k];
    out[k] = x && { insns: x.insns.slice(), resumeAt: x.resumeAt };
  }
  return out;
}

/** A copy of stop_machine's state (an explicit literal: a spread is several times slower). */
function cloneSm(sm: SmState): SmState {
  return {
    phase: sm.phase,
    requester: sm.requester,
    body: sm.body,
    fn: sm.fn,
    arg: sm.arg,
    flush: sm.flush,
    arrived: sm.arrived.slice(),
    runner: sm.runner,
    ip: sm.ip,
    flushed: sm.flushed.slice(),
    fnStarted: sm.fnStarted,
    retA0: sm.retA0,
    clock: sm.clock,
  };
}

/** A task's open passes: site index, resume point and the instructions, in site order. */
function hashPasses(h: Hasher, passes: readonly (PassView | undefined)[]): void {
  for (let k = 0; k < passes.length; k++) {
    const p = passes[k];
    if (p === undefined) continue;
    h.mix(k | 0x10000);
    h.mix(p.resumeAt === null ? -1 : p.resumeAt | 0);
    for (let j = 0; j < p.insns.length; j++) {
      const r = p.insns[j];
      h.mix(r.pc | 0);
      mixAll(h, r.bytes);
      mixAll(h, r.wids);
    }
  }
}

/** A saved interrupt or trap context (regs, pc, passes), or its absence as `none`. */
function hashSaved(h: Hasher, x: TaskState['irq'], none: number): void {
  if (x === null) {
    h.mix(none);
    return;
  }
  h.mix(0x7b000000 | x.regs.length);
  mixAll(h, x.regs); // int32 halves of the registers
  h.mix(x.pc | 0);
  h.mix(Math.floor(x.pc / 4294967296) | 0);
  h.mix(0x7d);
  hashPasses(h, x.passes);
  h.mix(0x7e);
}

/**
 * Every field of TaskState, and where it is hashed: in the task's digest (taskDigest, compared
 * by sameTask), or beside it (the hart numbers, which a renaming changes). This stops
 * compiling when a field is added and not placed.
 */
const TASK_FIELDS: Record<keyof TaskView, 'digest' | 'beside'> = {
  status: 'digest', preempt: 'digest', irqsOff: 'digest', started: 'digest', ip: 'digest', voluntary: 'digest',
  opSites: 'digest', partial: 'digest', passes: 'digest', irq: 'digest', trap: 'digest',
  hart: 'beside', ipiWait: 'beside',
};
void TASK_FIELDS;

const SCRATCH = new Int32Array(2);

/** Mixes taskDigest(t) into h, taken afresh. */
export function mixTaskDigest(h: Hasher, t: TaskView): void {
  taskDigest(t, SCRATCH, 0);
  h.mix(SCRATCH[0]);
  h.mix(SCRATCH[1]);
}

/**
 * The digest of a task's fields that hold no hart number (TASK_FIELDS), as two hash words at
 * out[at], out[at + 1]: mixed into the state's hash in the task's place.
 */
export function taskDigest(t: TaskView, out: { [i: number]: number }, at: number): void {
  const h = DIGEST;
  h.a = 0x811c9dc5 | 0;
  h.b = 0x9e3779b9 | 0;
  h.mix(statusCode(t.status));
  h.mix(t.preempt);
  h.mix(t.irqsOff ? 1 : 0);
  h.mix(t.started);
  h.mix(t.ip);
  h.mix(t.voluntary ? 1 : 0);
  h.mix(0x5b000000 | t.opSites.length);
  for (let k = 0; k < t.opSites.length; k++) {
    h.mix(0x5b000002);
    h.int(t.opSites[k][0]);
    h.int(t.opSites[k][1]);
  }
  if (t.partial) h.value(t.partial);
  else h.mix(0x5e);
  hashPasses(h, t.passes);
  hashSaved(h, t.irq, 0x5f);
  hashSaved(h, t.trap, 0x60);
  out[at] = h.a;
  out[at + 1] = h.b;
}

/**
 * Whether two tasks have the same digest fields (TASK_FIELDS), so that one's taskDigest is the
 * other's. Half-fetched instructions, pass instruction records and saved contexts are never
 * changed once made (a task's copies share them), so the same object is the same value; a new
 * object that happens to be equal only counts as a change (the digest is then computed).
 */
export function sameTask(x: TaskView, y: TaskView): boolean {
  if (x.status !== y.status || x.preempt !== y.preempt || x.irqsOff !== y.irqsOff || x.started !== y.started || x.ip !== y.ip || x.voluntary !== y.voluntary) return false;
  if (x.partial !== y.partial || x.irq !== y.irq || x.trap !== y.trap) return false;
  const a = x.opSites, b = y.opSites;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k][0] !== b[k][0] || a[k][1] !== b[k][1]) return false;
  const p = x.passes, q = y.passes;
  if (p.length !== q.length) return false;
  for (let k = 0; k < p.length; k++) {
    const u = p[k], v = q[k];
    if (u === v) continue;
    if (u === undefined || v === undefined || u.resumeAt !== v.resumeAt || u.insns.length !== v.insns.length) return false;
    for (let j = 0; j < u.insns.length; j++) if (u.insns[j] !== v.insns[j]) return false;
  }
  return true;
}

/** Where hashState takes task i's digest from (Machine keeps them while tasks are unchanged). */
export interface TaskDigests {
  /** Mixes taskDigest of the state's task i into h. */
  mixTask(h: Hasher, i: number): void;
}

/** A task's status as the number hashed (a switch: a keyed lookup by the string cost more). */
function statusCode(s: TaskState['status']): number {
  switch (s) {
    case 'ready': return 1;
    case 'running': return 2;
    case 'blocked': return 3;
    case 'done': return 4;
    case 'inactive': return 5;
  }
}

/**
 * A renumbering of tasks and harts (model/symmetry.ts): old task i is new task task[i], new
 * task j is old task taskInv[j]; likewise for harts. Negative numbers (none, all harts) stay.
 */
export interface Renaming {
  task: readonly number[];
  taskInv: readonly number[];
  hart: readonly number[];
  hartInv: readonly number[];
}

const renamed = (map: readonly number[], x: number): number => (x >= 0 ? map[x] : x);

/**
 * An entry of a list of harts renumbered by `map`: a hart, or an ipiWait entry's firmware wait
 * sbiWait(x) = -(x + 1) (kernel/ipi.ts), which is hart x's too.
 */
export const renamedWait = (map: readonly number[], e: number): number => (e >= 0 ? map[e] : -(map[-e - 1] + 1));

/** A knowledge vector, its entries in the renumbered harts' order (mixAll without a renaming). */
function mixClock(h: Hasher, c: Clock, R: Renaming | null): void {
  if (R === null) {
    mixAll(h, c);
    return;
  }
  const inv = R.hartInv;
  for (let w = 0; w < c.length; w++) h.mix(c[inv[w]]);
}

/**
 * The state's hash, field by field (the generic Hasher.value for rarely present parts). With
 * a renaming R: the hash of the state with its tasks and harts renumbered by R (exactly
 * hashState(h, permuteState(st, ...)) of model/symmetry.ts, without building that state;
 * test/model/symmetry-hash.test.ts compares the two).
 */
export function hashState(h: Hasher, st: State, R: Renaming | null = null, digests: TaskDigests | null = null): void {
  // Indexed loops and mixAll: the same mixes, in the same order, as plain for-of loops over
  // each field, without iterator objects (this runs for every state the search reaches).
  const tasks = st.tasks;
  for (let i = 0; i < tasks.length; i++) {
    const j = R ? R.taskInv[i] : i;
    const t = tasks[j];
    // What a task holds apart from hart numbers, as its digest (kept while the task is
    // unchanged: TaskDigests), then the hart numbers it holds, renamed.
    if (digests) digests.mixTask(h, j);
    else mixTaskDigest(h, t);
    h.mix(R ? renamed(R.hart, t.hart) : t.hart);
    // Same mixes as h.value on this array of small integers, without the type dispatch. The
    // wait is a set (entries leave it in any order: kernel/ipi.ts): hashed sorted, so one set
    // has one hash whatever order its harts were listed or renamed in.
    const w = t.ipiWait;
    h.mix(0x5b000000 | w.length);
    if (w.length === 1) h.int(R ? renamedWait(R.hart, w[0]) : w[0]);
    else if (w.length > 1) for (const e of sortedRenamed(w, R ? R.hart : null)) h.int(e);
  }
  const harts = st.harts;
  for (let i = 0; i < harts.length; i++) {
    const x = harts[R ? R.hartInv[i] : i];
    h.mix(R ? renamed(R.task, x.task) : x.task);
    h.mix(x.irqs);
    h.mix(x.ipiPending ? 1 : 0);
    h.mix(0x5b000000 | x.raised.length);
    for (let k = 0; k < x.raised.length; k++) {
      h.mix(x.raised[k][0] | 0);
      h.mix(x.raised[k][1]);
    }
    h.mix(0x5b000000 | x.seen.length);
    for (let k = 0; k < x.seen.length; k++) {
      h.mix(x.seen[k][0] | 0);
      h.mix(x.seen[k][1]);
    }
    mixClock(h, x.known, R);
    mixClock(h, x.fenced, R);
    if (x.ipiClock) mixClock(h, x.ipiClock, R);
    else h.mix(0x5d);
  }
  if (st.sm) hashSm(h, st.sm, R);
  else h.mix(0x5c);
  for (let i = 0; i < st.versions.length; i++) {
    const vs = st.versions[i];
    h.mix(vs.length);
    for (let k = 0; k < vs.length; k++) mixAll(h, vs[k]);
  }
  h.mix(st.deferred.length);
  for (let i = 0; i < st.deferred.length; i++) {
    const d = st.deferred[i];
    h.value(R ? { ...d, task: renamed(R.task, d.task), hart: renamed(R.hart, d.hart) } : d);
  }
  for (let i = 0; i < st.writes.length; i++) {
    const w = st.writes[i];
    h.mix(w.id);
    h.mix(w.at | 0);
    h.mix(R ? renamed(R.hart, w.hart) : w.hart);
    mixClock(h, w.clock, R);
    mixAll(h, w.bytes);
    for (let k = 0; k < w.v.length; k++) {
      h.mix(w.v[k][0]);
      h.mix(w.v[k][1]);
    }
  }
  h.mix(st.dclk.length);
  for (let i = 0; i < st.dclk.length; i++) {
    h.mix(st.dclk[i][0] | 0);
    mixClock(h, st.dclk[i][1], R);
  }
}

const SM_PHASE = { gather: 1, run: 2, flush: 3 } as const;
/** Every field of SmState, hashed by hashSm: this stops compiling when one is added and not hashed. */
const SM_FIELDS: Record<keyof SmState, true> = { phase: true, requester: true, body: true, fn: true, arg: true, flush: true, arrived: true, runner: true, ip: true, flushed: true, fnStarted: true, retA0: true, clock: true };
void SM_FIELDS;

/** stop_machine's state, field by field (Hasher.value would hash every key's name too). */
function hashSm(h: Hasher, sm: SmState, R: Renaming | null): void {
  h.mix(0x7b00 | SM_PHASE[sm.phase]);
  h.mix(R ? renamed(R.task, sm.requester) : sm.requester);
  h.mix(sm.body);
  h.int(sm.fn);
  h.str(sm.arg);
  h.mix(sm.flush === 'none' ? 0 : 1);
  h.mix(0x5b000000 | sm.arrived.length);
  mixHarts(h, sm.arrived, R);
  h.mix(R ? renamed(R.hart, sm.runner) : sm.runner);
  h.mix(sm.ip);
  h.mix(0x5b000000 | sm.flushed.length);
  mixHarts(h, sm.flushed, R);
  h.mix((sm.fnStarted ? 1 : 0) | (sm.retA0 ? 2 : 0));
  if (sm.clock) {
    h.mix(0x5b000000 | sm.clock.length);
    mixClock(h, sm.clock, R);
  } else h.mix(0x5d);
}

/** A stop_machine member list: as it stands, or renumbered by R and sorted (as permuteState keeps it). */
function mixHarts(h: Hasher, list: readonly number[], R: Renaming | null): void {
  if (R === null) {
    mixAll(h, list);
    return;
  }
  mixAll(h, sortedRenamed(list, R.hart));
}

/** The harts of a list renumbered by `map` (null: as they are), in ascending order (insertion sort: a few harts). */
function sortedRenamed(list: readonly number[], map: readonly number[] | null): number[] {
  const out = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) {
    const x = map ? renamedWait(map, list[i]) : list[i];
    let j = i;
    for (; j > 0 && out[j - 1] > x; j--) out[j] = out[j - 1];
    out[j] = x;
  }
  return out;
}

/** h.mix of each element of xs[from, to) in order, with the hash words in locals. */
export function mixAll(h: Hasher, xs: ArrayLike<number>, from = 0, to = xs.length): void {
  let a = h.a, b = h.b;
  for (let i = from; i < to; i++) {
    const x = xs[i];
    a = Math.imul(a ^ x, 0x01000193); a ^= a >>> 15;
    b = Math.imul(b ^ x, 0x5bd1e995); b ^= b >>> 13;
  }
  h.a = a;
  h.b = b;
}

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * A 64-bit structural hash of plain data; keys and array boundaries are mixed in. Two 32-bit
 * lanes with different multipliers; each step is a bijection of the lane for a given input
 * (xor, odd multiply, xorshift), so states differing in one input cannot meet on the way, and
 * text() finalises both lanes (each output bit depends on every input bit).
 */
export class Hasher {
  // Lanes start as int32 values (the same bits as the unsigned constants): the fields then
  // never hold a number outside int32, and hashing a state takes ~0.7x the time.
  a = 0x811c9dc5 | 0;
  b = 0x9e3779b9 | 0;
  mix(x: number): void {
    let a = Math.imul(this.a ^ x, 0x01000193);
    let b = Math.imul(this.b ^ x, 0x5bd1e995);
    this.a = a ^ (a >>> 15);
    this.b = b ^ (b >>> 13);
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
    const a = fmix32(this.a ^ Math.imul(this.b, 0x27d4eb2d)), b = fmix32(this.b ^ 0x165667b1 ^ this.a);
    return String.fromCharCode(a & 0xffff, a >>> 16, b & 0xffff, b >>> 16);
  }
}

/** The hasher taskDigest reuses (one at a time: a digest hashes nothing that takes another). */
const DIGEST = new Hasher();
