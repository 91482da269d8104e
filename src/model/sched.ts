/**
 * Scheduling: the transitions enabled in a state, in a fixed order (hart, then step, switch,
 * interrupt, IPI), and why nothing can happen when none is (deadlock) or why an execution can
 * cycle forever (livelock).
 */
import type { Violation } from '../check/violation.js';
import type { Core } from './core.js';
import type { Footprint, Transition } from './model.js';
import { decodeCached } from '../emu/hart.js';
import { firstFetchBytes } from './fetch/unit.js';
import { memAccess } from './run.js';
import { SERVICES } from './kernel/services.js';

const SERVICE_NAMES = new Map(SERVICES.map((s) => [s.ecall, s.name as string]));
import { tokenOf } from './token.js';
import { fetchChoices } from './fetch/unit.js';
import { preemptCountBytes, stepEnabled, switchable, taskDone } from './tasks.js';
import { irqDeliverable } from './kernel/irq.js';
import { ipiDeliverable, waitedHart } from './kernel/ipi.js';
import { fixmapTranslate, inFixmap } from './kernel/fixmap.js';
import { DRIVER_RET } from './layout.js';
import { ALL_HARTS } from './state.js';

function push(out: Transition[], kind: Transition['kind'], hart: number, task: number, choice: number, cost: 0 | 1): void {
  out.push({ token: tokenOf(kind, hart, task, choice), kind, hart, task, choice, cost });
}

export function transitions(k: Core): Transition[] {
  const out: Transition[] = [];
  const st = k.st;
  for (let h = 0; h < k.spec.harts; h++) {
    // Harts run in parallel: interleaving them is not a preemption. Only switching a task
    // out involuntarily (kernel preemption) counts against the bound (docs/semantics.md).
    const cur = st.harts[h].task;
    if (cur >= 0 && stepEnabled(k, cur)) {
      const n = fetchChoices(k, cur, h);
      for (let c = 0; c < n; c++) push(out, 'step', h, cur, c, 0);
    }
    // A switch is always followed by a step of the task switched in (one transition):
    // switching twice in a row would only re-order who waits, and would make cycles.
    const sw = switchable(k, h);
    if (sw) {
      // Ready tasks allowed on h, in task order; a ready stopper alone if there is one.
      const ready: number[] = [];
      let stopper = -1;
      for (let i = 0; i < st.tasks.length; i++) {
        if (i !== cur && st.tasks[i].status === 'ready' && k.layout.taskHarts[i].includes(h)) {
          ready.push(i);
          if (stopper < 0 && k.layout.taskKinds[i] === 'stopper') stopper = i;
        }
      }
      // kernel.stop-machine-entry: outside-sites: the stopper waits while the task on h is
      // inside a patch site (it may still switch to other ready tasks).
      const held = stopper >= 0 && cur >= 0 && k.spec.stopperEntry === 'outside-sites' && k.layout.siteAt(k.cpus[cur].pc) >= 0;
      for (const i of stopper >= 0 && !held ? [stopper] : stopper >= 0 ? ready.filter((x) => k.layout.taskKinds[x] !== 'stopper') : ready) {
        const n = fetchChoices(k, i, h);
        for (let c = 0; c < n; c++) push(out, 'switch', h, i, c, sw === 'preempt' ? 1 : 0);
      }
    }
    if (irqDeliverable(k, h)) push(out, 'irq', h, cur, 0, 0);
    if (ipiDeliverable(k, h)) push(out, 'ipi', h, cur, 0, 0);
  }
  return out;
}

/** Why nothing can happen (transitions() is empty and tasks remain). */
export function deadlock(k: Core): Violation {
  const st = k.st;
  const names = k.layout.taskNames;
  const stuck = st.tasks.findIndex((_, i) => !taskDone(k, i));
  const waiting = st.tasks.findIndex((t) => t.ipiWait.length > 0);
  let kind = 'blocked';
  let message = 'no hart can make progress';
  if (waiting >= 0) {
    kind = 'ipi';
    const harts = st.tasks[waiting].ipiWait.map(waitedHart);
    message = `${names[waiting]} waits for a remote fence.i IPI on hart ${harts.join(', ')}, which has interrupts off`;
  } else if (st.sm) {
    kind = 'stop_machine';
    const missing = Array.from({ length: k.spec.harts }, (_, h) => h).filter((h) => !st.sm!.arrived.includes(h));
    message = `stop_machine cannot gather hart ${missing.join(', ')}: its task can never be switched out (preemption: ${k.spec.preemption})`;
  }
  const who = waiting >= 0 ? waiting : stuck;
  return { property: 'deadlock', kind, hart: Math.max(0, st.tasks[who]?.hart ?? 0), task: names[who] ?? '?', pc: k.cpus[who]?.pc ?? 0, message };
}

/** An execution that can cycle forever without every task finishing, in a fair component of `states` states (explore/scc.ts finds it). */
export function livelock(k: Core, states: number): Violation {
  const st = k.st;
  const names = k.layout.taskNames;
  const stuck = st.tasks.map((_, i) => i).filter((i) => !taskDone(k, i));
  const sm = st.sm;
  let message = `an execution can run forever (a fair cycle through ${states} state${states === 1 ? '' : 's'}) while ${stuck.map((i) => names[i]).join(', ')} never finish${stuck.length === 1 ? 'es' : ''}`;
  if (sm && sm.phase === 'gather') {
    const missing = Array.from({ length: k.spec.harts }, (_, h) => h).filter((h) => !sm.arrived.includes(h));
    message += `: stop_machine never gathers hart ${missing.join(', ')}`;
  }
  const who = stuck.find((i) => st.tasks[i].status === 'running' && k.layout.taskKinds[i] !== 'stopper') ?? stuck[0] ?? 0;
  return { property: 'deadlock', kind: 'livelock', hart: Math.max(0, st.tasks[who].hart), task: names[who], pc: k.cpus[who].pc, message };
}

const NONE: Footprint = { reads: [], writes: [], kernel: [] };

/**
 * The bytes a caller at its task boundary fetches first when its next call starts, if the
 * call's entry is patchable (an ftrace site at the function's start): null when it finishes
 * instead, or its entry is ordinary code.
 */
export function callEntry(k: Core, ti: number): [number, number] | null {
  const spec = k.spec.tasks[ti];
  if (spec.kind !== 'caller' || k.st.tasks[ti].started >= spec.times) return null;
  const n = firstFetchBytes(k, spec.call);
  return k.layout.isPatchable(spec.call, n) ? [spec.call, spec.call + n] : null;
}
const SERVICE_KERNEL: Record<string, Footprint['kernel'][number]> = {
  preempt_disable: 'sched', preempt_enable: 'sched', local_irq_disable: 'sched', local_irq_enable: 'sched', cond_resched: 'sched',
  remote_fence_i: 'ipi', flush_icache_all: 'ipi', stop_machine: 'sm', patch_done: 'sched', exit: 'sched',
  sbi_remote_fence_i: 'ipi', flush_icache_all_sbi: 'ipi', __set_fixmap: 'sched',
};

/**
 * A kernel action whose effect on memory is not modelled byte by byte (a service, an
 * interrupt, a patch operation closed by patch_done or exit): it reads and writes every
 * patchable byte, so it is ordered against every fetch and patch write of another hart.
 */
function kernelAction(k: Core, tag: Footprint['kernel'][number]): Footprint {
  return { reads: k.layout.patchable, writes: k.layout.patchable, kernel: [tag] };
}

/**
 * A stopper's step (kernel/stop-machine.ts stopperStep): arriving and leaving touch only
 * stop_machine's state; the runner's body op touches what that op does; the flush raises the
 * hart's fetch floors, which depends on every patch write.
 */
function stopperFootprint(k: Core, ti: number, h: number): Footprint | null {
  const sm = k.st.sm;
  const ip = k.st.tasks[ti].ip;
  if (!sm || ip === 0 || ip >= 3) return { ...NONE, kernel: ['sm'] };
  if (ip === 2 || sm.phase === 'flush') return { ...NONE, reads: k.layout.patchable, kernel: ['sm'] };
  if (sm.body >= 0) {
    const op = sm.runner === h || sm.runner === ALL_HARTS ? k.programs.bodies[sm.body][sm.ip] : undefined;
    if (op?.k === 'store') return { ...NONE, writes: [[op.at, op.at + op.size]], kernel: ['sm'] };
    return kernelAction(k, 'sm');
  }
  if (!sm.fnStarted && sm.runner !== ALL_HARTS) return kernelAction(k, 'sm');
  return null; // RV64 fn code runs: the footprint of its next instruction
}

/**
 * What the first visible action of transition t touches, from the state it is enabled in
 * (LAYOUT.md 4.3 example 4): the pending instruction fetch or data access of the task, the
 * store of a declarative step, the kernel state a service or a scheduling decision
 * synchronises on. The invisible run after the action touches nothing another hart can see.
 * fence.i reads every patchable byte (what it orders depends on every write there).
 * explore/por.ts decides independence on these: keep every effect another hart can observe
 * in them.
 */
export function footprint(k: Core, t: Transition): Footprint {
  if (t.kind === 'ipi') return kernelAction(k, 'ipi');
  if (t.kind === 'irq') return kernelAction(k, 'sched');
  const ti = t.task;
  const kind = k.layout.taskKinds[ti];
  // A switch reads and sets the scheduling state of its hart and tasks, then steps the task.
  // Whether it may happen and whether it costs a preemption (tasks.ts switchable) also reads
  // the preempt_count in the thread_info of the task it switches out, which with `objects:`
  // is memory another hart's code could store to: named, so such a store does not commute
  // with it (sleep sets under a preemption bound rely on a transition's cost staying put).
  const sched: Footprint['kernel'] = t.kind === 'switch' ? ['sched'] : [];
  const out = t.kind === 'switch' ? k.st.harts[t.hart].task : -1;
  const count = out >= 0 ? preemptCountBytes(k, out) : null;
  const st = k.st.tasks[ti];
  const withSched = (f: Footprint): Footprint => (sched.length ? { ...f, reads: count ? [...f.reads, count] : f.reads, kernel: [...sched, ...f.kernel] } : f);
  if (kind === 'patcher') {
    const op = k.programs.tasks[ti][st.ip];
    if (!op) return withSched(kernelAction(k, 'sched'));
    if (op.k === 'store') return withSched({ ...NONE, writes: [[op.at, op.at + op.size]] });
    if (op.k === 'fence.i') return withSched({ ...NONE, reads: k.layout.patchable });
    if (op.k === 'fence') return withSched(NONE);
    return withSched(kernelAction(k, SERVICE_KERNEL[op.k === 'stop_machine' ? 'stop_machine' : op.k] ?? 'sched'));
  }
  if (kind === 'stopper') {
    const f = stopperFootprint(k, ti, t.hart);
    if (f) return withSched(f);
  }
  const cpu = k.cpus[ti];
  const pc = cpu.pc;
  if (st.partial) {
    const a = st.partial.pc + st.partial.bytes.length;
    return withSched({ ...NONE, reads: [[a, a + 4 - st.partial.bytes.length]] });
  }
  // A caller between its calls starts the next one or finishes: it touches its own task and its
  // hart only (runCode's DRIVER_RET case), which every transition of that hart or task shares.
  // A call whose entry is a patchable fetch also names that fetch: the search may pass through
  // the state between the two (Model.passThrough), making them one transition.
  if (pc === DRIVER_RET && kind === 'caller' && !st.irq) {
    const entry = callEntry(k, ti);
    return withSched(entry ? { ...NONE, reads: [entry] } : NONE);
  }
  if (k.layout.codeAt(pc) === undefined) return withSched(kernelAction(k, 'sched')); // another boundary or return the model handles
  const stub = k.layout.stubAt(pc);
  if (stub) return withSched(stub.role.role === 'service' ? kernelAction(k, SERVICE_KERNEL[stub.role.service] ?? 'sched') : NONE);
  const n = firstFetchBytes(k, pc);
  if (k.layout.isPatchable(pc, n)) return withSched({ ...NONE, reads: [[pc, pc + n]] });
  const c = k.layout.codeAt(pc)!;
  const off = pc - c.base;
  const lo = c.bytes[off] | (c.bytes[off + 1] << 8);
  const bits = (lo & 3) === 3 ? (lo | (c.bytes[off + 2] << 16) | (c.bytes[off + 3] << 24)) >>> 0 : lo;
  const insn = decodeCached(bits);
  if (!insn) return withSched(NONE);
  if (insn.op === 'ecall') return withSched(kernelAction(k, SERVICE_KERNEL[SERVICE_NAMES.get(Number(cpu.getReg(17))) ?? ''] ?? 'sched'));
  if (insn.op === 'fence.i') return withSched({ ...NONE, reads: k.layout.patchable });
  const acc = memAccess(insn, cpu);
  if (!acc) return withSched(NONE);
  // Through the fixmap: the aliased text, and the mapping itself (kernel state).
  if (inFixmap(k, acc.addr, acc.size)) {
    const to = fixmapTranslate(k, acc.addr, acc.size);
    if (to === null) return withSched({ ...NONE, kernel: ['sched'] });
    const tr: [number, number] = [to, to + acc.size];
    return withSched({ ...NONE, reads: !acc.write || insn.op.startsWith('amo') ? [tr] : [], writes: acc.write ? [tr] : [], kernel: ['sched'] });
  }
  const r: [number, number] = [acc.addr, acc.addr + acc.size];
  const reads = !acc.write || insn.op.startsWith('amo') ? [r] : [];
  const writes = acc.write ? [r] : [];
  return withSched({ ...NONE, reads, writes });
}

/**
 * Whether a spec can make no stop_machine request but one declarative patcher's single step:
 * no RV64 code task, no kernel objects (their code may call the service through a stub), no
 * stop_machine with an RV64 fn (its stores are arbitrary), and no ecall anywhere the model can
 * fetch from (none in declared code, no byte 0x73 in a patch store or in patchable code, torn
 * instructions checked, so only versions run). Then while stop_machine's stoppers exit nothing
 * can ask for another one (exitsFirst).
 */
export function singleStopMachine(k: Core): boolean {
  const { spec, layout, programs } = k;
  if (spec.kernel || !spec.properties['torn-instruction']) return false;
  if (layout.taskKinds.some((kind) => kind === 'code')) return false;
  let requests = 0;
  for (const prog of [...programs.tasks, ...programs.bodies]) {
    for (const op of prog) {
      if (op.k === 'stop_machine' && (++requests > 1 || op.body < 0)) return false;
      if (op.k === 'store' && hasByte(op.value, op.size, 0x73)) return false;
    }
  }
  for (const c of layout.code) {
    const b = c.bytes;
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== 0x73) continue;
      if (c.patchable) return false;
      if (i % 2 === 0 && b[i + 1] === 0 && b[i + 2] === 0 && b[i + 3] === 0) return false;
    }
  }
  return true;
}

function hasByte(v: bigint, size: number, byte: number): boolean {
  for (let i = 0; i < size; i++) if (Number((v >> BigInt(8 * i)) & 0xffn) === byte) return true;
  return false;
}

/**
 * Indices of `trans` (the state's transitions) each of which alone is a persistent set
 * (Godefroid, LNCS 1032, ch. 4): the exits of stop_machine's stoppers, once every hart has
 * flushed, when no other request can come (singleStopMachine). An exit touches only its
 * stopper, its hart (idle after it) and stop_machine's state; the last one also wakes the
 * requester and ends stop_machine. No other transition reads or changes any of that — the
 * stoppers' harts run nothing else until they exit, and no task can ask for stop_machine —
 * so exits commute with every other transition and with each other, none is ever disabled,
 * and taking one first loses no behaviour. Empty: none known.
 */
export function exitsFirst(k: Core, trans: readonly Transition[], single: boolean): number[] {
  const sm = k.st.sm;
  if (!single || !sm || sm.phase !== 'flush' || sm.flushed.length !== k.spec.harts) return [];
  const out: number[] = [];
  for (let i = 0; i < trans.length; i++) {
    const t = trans[i];
    if (t.kind === 'step' && k.layout.taskKinds[t.task] === 'stopper' && k.st.tasks[t.task].ip >= 3) out.push(i);
  }
  return out;
}

