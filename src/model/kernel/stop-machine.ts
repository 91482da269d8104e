/**
 * stop_machine (kernel/stop_machine.c multi_cpu_stop, arch/riscv/kernel/patch.c patch_text_cb):
 * the requester blocks and every hart's stopper is woken; each arrives with IRQs off and spins;
 * the last to arrive runs the body (declarative micro-ops) or the RV64 `fn`; then every hart
 * runs the flush, and the stoppers exit. The stopper's phase is its task's `ip`:
 * 0 arrive, 1 run or wait, 2 flush, 3 exit.
 *
 * With a cpumask of every hart (`stop_machine(fn, data, cpu_online_mask)`, 6.12's
 * arch_ftrace_update_code and patch_text), every stopper calls fn itself once all have
 * arrived (multi_cpu_stop: each CPU in the mask runs fn in MULTI_STOP_RUN), with IRQs off;
 * `runner` is ALL_HARTS, the stopper's `started` says its fn began, and there is no implicit
 * flush: fn synchronises and flushes as the kernel's does (patch_text_cb's atomic handshake
 * and local_flush_icache_all), through ordinary shared data the model sees.
 */
import type { Core } from '../core.js';
import type { Outcome } from '../model.js';
import { FN_RET } from '../layout.js';
import { ALL_HARTS, freshTask } from '../state.js';
import { finish } from '../tasks.js';
import { acquireAndFence } from '../fetch/fetch-model.js';
import { note } from '../trace.js';
import { join } from '../fetch/causal.js';

/**
 * Task ti on hart h calls stop_machine. Calls are serialised (kernel/stop_machine.c takes
 * stop_cpus_mutex): while another stop_machine runs, the caller blocks and retries when it
 * ends. Returns false when the caller must retry (the caller rewinds its step).
 */
export function requestStopMachine(k: Core, ti: number, h: number, body: number, fn: number, arg: bigint, flush: 'fence.i' | 'none', everyHart = false): boolean {
  const st = k.st;
  if (st.sm) {
    k.ownTask(ti).status = 'blocked';
    k.ownHart(h).task = -1;
    note(k, h, ti, 'service', 'stop_machine: another stop_machine runs; waits for it (stop_cpus_mutex)');
    return false;
  }
  st.sm = { phase: 'gather', requester: ti, body, fn, arg: arg.toString(), flush, arrived: [], runner: -1, ip: 0, flushed: [], fnStarted: false, retA0: false, clock: null };
  if (everyHart) st.sm.runner = ALL_HARTS;
  for (const s of k.layout.stopperOf) {
    st.tasks[s] = { ...freshTask(), status: 'ready', hart: k.layout.taskHarts[s][0] };
  }
  k.ownTask(ti).status = 'blocked';
  k.ownHart(h).task = -1;
  note(k, h, ti, 'service', 'stop_machine: wake every hart\'s stopper');
  return true;
}

export function stopperStep(k: Core, ti: number, h: number, choice: number): Outcome {
  const st = k.st;
  const sm = st.sm!;
  const t = k.ownTask(ti);
  switch (t.ip) {
    case 0:
      t.irqsOff = true; // multi_cpu_stop: MULTI_STOP_DISABLE_IRQ
      sm.arrived.push(h);
      sm.arrived.sort((a, b) => a - b); // a set: the order of arrival is never read (one state, not harts! of them)
      t.ip = 1;
      if (sm.arrived.length === k.spec.harts && sm.runner === ALL_HARTS) {
        sm.phase = 'run';
        note(k, h, ti, 'service', 'stopper arrives (IRQs off); all harts gathered: every hart runs fn');
      } else if (sm.arrived.length === k.spec.harts) {
        // arch/riscv/kernel/patch.c patch_text_cb(): the last CPU to arrive patches.
        sm.phase = 'run';
        sm.runner = h;
        note(k, h, ti, 'service', 'stopper arrives (IRQs off); all harts gathered: this hart runs fn');
      } else note(k, h, ti, 'service', 'stopper arrives (IRQs off), spins');
      return { kind: 'continue' };
    case 1: {
      if (sm.phase === 'flush') {
        t.ip = 2;
        return stopperStep(k, ti, h, choice);
      }
      // The runner executes fn: declarative body micro-ops, or RV64 code.
      if (sm.body < 0 && sm.runner === ALL_HARTS) {
        const cpu = k.cpus[ti];
        if (!t.started) {
          t.started = 1;
          cpu.pc = sm.fn;
          cpu.setReg(10, BigInt(sm.arg));
          cpu.setReg(1, BigInt(FN_RET));
          cpu.setReg(2, BigInt(k.layout.stackTop[ti]));
        }
        return k.runCode(ti, h, choice);
      }
      if (sm.body < 0) {
        const cpu = k.cpus[ti];
        if (!sm.fnStarted) {
          sm.fnStarted = true;
          cpu.pc = sm.fn;
          cpu.setReg(10, BigInt(sm.arg));
          cpu.setReg(1, BigInt(FN_RET));
          cpu.setReg(2, BigInt(k.layout.stackTop[ti]));
        }
        return k.runCode(ti, h, choice);
      }
      const body = k.programs.bodies[sm.body];
      if (sm.ip < body.length) {
        const out = k.microOp(ti, h, body[sm.ip++]);
        if (out.kind !== 'continue') return out;
      }
      if (sm.ip >= body.length && !t.ipiWait.length) {
        sm.phase = 'flush';
        sm.clock = st.harts[h].known;
      }
      return { kind: 'continue' };
    }
    case 2:
      // multi_cpu_stop's state machine acknowledges each step with atomics: every stopper
      // has seen the runner's stores when it leaves MULTI_STOP_RUN.
      if (sm.flush === 'fence.i') acquireAndFence(k, h, sm.clock);
      else k.ownHart(h).known = join(st.harts[h].known, sm.clock);
      sm.flushed.push(h);
      sm.flushed.sort((a, b) => a - b); // a set, as arrived
      t.ip = 3;
      note(k, h, ti, 'service', sm.flush === 'fence.i' ? 'stopper: fence.i' : 'stopper: done');
      return { kind: 'continue' };
    default: {
      t.irqsOff = false;
      finish(k, ti, h);
      note(k, h, ti, 'service', 'stopper exits (IRQs on)');
      if (k.layout.stopperOf.every((s) => st.tasks[s].status === 'inactive')) {
        // The requester returns; tasks waiting for stop_cpus_mutex retry (only stop_machine blocks tasks).
        for (let i = 0; i < st.tasks.length; i++) if (st.tasks[i].status === 'blocked') k.ownTask(i).status = 'ready';
        st.sm = null;
      }
      return { kind: 'continue' };
    }
  }
}

/** The stopper's RV64 fn returned (to FN_RET): every hart may flush now. */
export function fnReturned(k: Core, ti: number, h: number): void {
  const sm = k.st.sm!;
  if (sm.runner === ALL_HARTS) {
    // This hart's fn is done; stop_machine returns the first non-zero value (0 if none).
    const v = k.cpus[ti].getReg(10);
    if (sm.retA0 && v !== 0n) {
      k.cpus[sm.requester].setReg(10, v);
      k.hartChanged(sm.requester);
    }
    k.ownTask(ti).ip = 2;
    note(k, h, ti, 'service', 'fn returns on this hart');
    return;
  }
  if (k.st.sm!.retA0) {
    k.cpus[k.st.sm!.requester].setReg(10, k.cpus[ti].getReg(10));
    k.hartChanged(k.st.sm!.requester);
  }
  k.st.sm!.phase = 'flush';
  k.st.sm!.clock = k.st.harts[h].known;
  note(k, h, ti, 'service', 'fn returns');
}
