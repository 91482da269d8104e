/**
 * Kernel services: the one registry. A declarative patch step and an RV64 task's `ecall`
 * (a7 = number, arguments in a0.., docs/spec-format.md) reach the same entry, so both kinds of
 * patcher share one semantics; adding a service is adding one entry. The dispatcher traces the
 * call once (`ecall NAME`, or the step's name); each body is a few lines.
 */
import type { Core } from '../core.js';
import type { Outcome } from '../model.js';
import { fenceI } from '../fetch/fetch-model.js';
import { closeOp, violation } from '../passes.js';
import { finish } from '../tasks.js';
import { note } from '../trace.js';
import { sendIpi } from './ipi.js';
import { setFixmap } from './fixmap.js';
import { requestStopMachine } from './stop-machine.js';
import type { MicroOp } from './programs.js';

export type ServiceName =
  | 'preempt_disable' | 'preempt_enable' | 'local_irq_disable' | 'local_irq_enable' | 'cond_resched'
  | 'remote_fence_i' | 'flush_icache_all' | 'stop_machine' | 'patch_done' | 'exit' | '__set_fixmap'
  | 'sbi_remote_fence_i' | 'flush_icache_all_sbi';

/**
 * How a service was reached: an RV64 ecall (arguments in registers), a call of a kernel
 * object's stub (`objects:`, docs/kernel.md: the RISC-V calling convention, a0.. in, a0 out;
 * pc is already the return address, `at` the stub's), or a declarative step.
 */
export type ServiceCall = { from: 'ecall' } | { from: 'stub'; at: number } | { from: 'step'; op: MicroOp };

export interface KernelService {
  readonly name: ServiceName;
  readonly ecall: number;
  /** Whether a declarative step traces the service's name (the ones that trace themselves do not). */
  readonly quiet?: boolean;
  run(k: Core, ti: number, h: number, call: ServiceCall): Outcome | null;
}

const flag = (name: ServiceName, ecall: number, body: (k: Core, ti: number) => void): KernelService => ({
  name,
  ecall,
  run(k, ti) {
    body(k, ti);
    return null;
  },
});

export const SERVICES: readonly KernelService[] = [
  flag('preempt_disable', 1, (k, ti) => { k.ownTask(ti).preempt++; }),
  flag('preempt_enable', 2, (k, ti) => { const t = k.ownTask(ti); t.preempt = Math.max(0, t.preempt - 1); }),
  flag('local_irq_disable', 3, (k, ti) => { k.ownTask(ti).irqsOff = true; }),
  flag('local_irq_enable', 4, (k, ti) => { k.ownTask(ti).irqsOff = false; }),
  // A voluntary switch point (kernel.preemption: voluntary).
  flag('cond_resched', 5, (k, ti) => { k.ownTask(ti).voluntary = true; }),
  {
    // a0: bit mask of target harts, 0 = every other hart; the caller waits for them.
    name: 'remote_fence_i', ecall: 6, quiet: true,
    run(k, ti, h, call) {
      if (call.from === 'step' && call.op.k === 'remote_fence_i') {
        sendIpi(k, ti, h, call.op.harts, call.op.wait);
        return null;
      }
      const mask = Number(BigInt.asUintN(32, k.cpus[ti].getReg(10)));
      sendIpi(k, ti, h, mask === 0 ? 'others' : Array.from({ length: k.spec.harts }, (_, x) => x).filter((x) => mask & (1 << x)), true);
      return null;
    },
  },
  {
    // arch/riscv/mm/cacheflush.c flush_icache_all(): local fence.i, then the other harts by IPI, waiting.
    name: 'flush_icache_all', ecall: 7, quiet: true,
    run(k, ti, h) {
      fenceI(k, h);
      sendIpi(k, ti, h, 'others', true);
      return null;
    },
  },
  {
    // ecall: a0 = fn, a1 = its argument (the stoppers flush with fence.i); step: a body of steps.
    name: 'stop_machine', ecall: 8, quiet: true,
    run(k, ti, h, call) {
      if (call.from === 'step' && call.op.k === 'stop_machine') {
        if (!requestStopMachine(k, ti, h, call.op.body, 0, 0n, call.op.flush)) k.ownTask(ti).ip--; // retry the step
        return null;
      }
      if (k.layout.taskKinds[ti] === 'stopper') return { kind: 'limit', reason: 'stop_machine called from inside stop_machine' };
      const cpu = k.cpus[ti];
      // stop_machine(fn, data, cpus): NULL runs fn on one hart (the last to arrive) and every
      // stopper flushes after it; a cpumask of every hart runs fn on each, which flushes as
      // it sees fit (6.12's patch_text_cb). A mask of some harts only is not modelled.
      let every = false;
      if (call.from === 'stub' && cpu.getReg(12) !== 0n) {
        const p = Number(BigInt.asIntN(64, cpu.getReg(12)));
        const mask = new DataView(k.mem.peek(p, 8).slice().buffer).getBigUint64(0, true);
        if (mask !== (1n << BigInt(k.spec.harts)) - 1n) return { kind: 'limit', reason: `stop_machine with cpumask 0x${mask.toString(16)}: only NULL or every hart (cpu_online_mask) is modelled` };
        every = true;
      }
      const fn = Number(BigInt.asIntN(64, cpu.getReg(10)));
      const ok = requestStopMachine(k, ti, h, -1, fn, cpu.getReg(11), every ? 'none' : 'fence.i', every);
      if (ok && every) cpu.setReg(10, 0n); // the requester's a0 collects the harts' non-zero returns
      if (!ok) {
        if (call.from === 'stub') cpu.pc = call.at; // retry the call
        else cpu.pc -= 4; // retry the ecall
      } else if (call.from === 'stub') k.st.sm!.retA0 = true; // stop_machine returns fn's value
      return null;
    },
  },
  // The RV64 patcher's stores since the last patch_done form one operation: a site version.
  { name: 'patch_done', ecall: 9, run: (k, ti) => closeOp(k, ti) },
  {
    // sbi_remote_fence_i(cpumask *): a0 = NULL for every hart, else a pointer to the mask's
    // first word. The firmware delivers it (not blocked by IRQs off) and the caller waits.
    name: 'sbi_remote_fence_i', ecall: 12, quiet: true,
    run(k, ti, h) {
      const p = Number(BigInt.asIntN(64, k.cpus[ti].getReg(10)));
      const mask = p === 0 ? -1 : Number(BigInt.asUintN(32, new DataView(k.mem.peek(p, 8).slice().buffer).getBigUint64(0, true)));
      sendIpi(k, ti, h, Array.from({ length: k.spec.harts }, (_, x) => x).filter((x) => mask & (1 << x)), true, true);
      return null;
    },
  },
  {
    // flush_icache_all() where RISCV_SBI and no IPI rfence (6.1's only path; later kernels
    // without riscv_use_ipi_for_rfence()): local fence.i, then sbi_remote_fence_i(NULL).
    name: 'flush_icache_all_sbi', ecall: 13, quiet: true,
    run(k, ti, h) {
      fenceI(k, h);
      sendIpi(k, ti, h, 'others', true, true);
      return null;
    },
  },
  // __set_fixmap(idx, phys, prot): map (phys != 0) or clear the fixmap slot (kernel/fixmap.ts).
  { name: '__set_fixmap', ecall: 11, quiet: true, run(k, ti, h) { setFixmap(k, ti, h); return null; } },
  {
    name: 'exit', ecall: 10,
    run(k, ti, h) {
      finish(k, ti, h);
      return closeOp(k, ti);
    },
  },
];

const BY_ECALL = new Map(SERVICES.map((s) => [s.ecall, s]));
const BY_NAME = new Map<string, KernelService>(SERVICES.map((s) => [s.name, s]));

/** A declarative step that is a service call. */
export function stepService(k: Core, ti: number, h: number, op: MicroOp): Outcome | null {
  const s = BY_NAME.get(op.k)!;
  const out = s.run(k, ti, h, { from: 'step', op });
  if (!s.quiet) note(k, h, ti, 'service', s.name);
  return out;
}

/**
 * Task ti on hart h reached the code stub `stub` whose role is service `service` (a call:
 * arguments in a0.., the return address in ra). The service runs with pc already at ra.
 */
export function stubService(k: Core, ti: number, h: number, stub: { name: string; address: number }, service: string): Outcome | null {
  const cpu = k.cpus[ti];
  const s = BY_NAME.get(service);
  if (k.trace) k.trace.push({ hart: h, task: k.layout.taskNames[ti], kind: 'service', pc: stub.address, text: `call ${stub.name}${s && s.name === stub.name ? '' : ` (service ${service})`}` });
  if (!s) return violation(k, { property: 'fault', kind: 'stub', pc: stub.address, message: `${stub.name} is given the service ${service}, which the model does not have (services: ${SERVICES.map((x) => x.name).join(', ')})` }, ti, h);
  cpu.pc = Number(BigInt.asIntN(64, cpu.getReg(1)));
  return s.run(k, ti, h, { from: 'stub', at: stub.address });
}

/** The ecall task ti just executed on hart h (pc is past it). Returns an outcome to stop with. */
export function ecallService(k: Core, ti: number, h: number): Outcome | null {
  const cpu = k.cpus[ti];
  const n = Number(cpu.getReg(17));
  const s = BY_ECALL.get(n);
  if (k.trace) k.trace.push({ hart: h, task: k.layout.taskNames[ti], kind: 'service', pc: cpu.pc - 4, text: `ecall ${s?.name ?? n}` });
  if (!s) return violation(k, { property: 'fault', kind: 'ecall', pc: cpu.pc - 4, message: `unknown ecall service a7=${n} at ${k.names.name(cpu.pc - 4)}` }, ti, h);
  return s.run(k, ti, h, { from: 'ecall' });
}
