/**
 * Patcher programs: declarative patch steps (spec) compiled to micro-operations, the unit of
 * one visible action, and their execution. Service steps go through the one registry
 * (kernel/services.ts) that RV64 patchers reach by ecall, so both kinds share one semantics.
 */
import type { Site, Step } from '../../spec/types.js';
import type { Core } from '../core.js';
import type { Outcome } from '../model.js';
import { fenceI } from '../fetch/fetch-model.js';
import { declaredStore } from '../sites/ledger.js';
import { finish } from '../tasks.js';
import { note } from '../trace.js';
import { stepService } from './services.js';

/** One patch operation: a declarative `write` (its stores are the micro-ops that carry `op`). */
export interface PatchOp {
  at: number;
  bytes: Uint8Array;
  /** Sites the write touches (indexes into spec.sites). */
  sites: number[];
}

export type MicroOp =
  | { k: 'store'; at: number; size: 1 | 2 | 4 | 8; value: bigint; op: number; first: boolean }
  | { k: 'fence.i' }
  | { k: 'fence' }
  | { k: 'cond_resched' }
  | { k: 'preempt_disable' }
  | { k: 'preempt_enable' }
  | { k: 'local_irq_disable' }
  | { k: 'local_irq_enable' }
  | { k: 'remote_fence_i'; harts: number[] | 'others' | 'all'; wait: boolean }
  | { k: 'stop_machine'; body: number; flush: 'fence.i' | 'none' };

export interface Programs {
  /** Top-level program per task index (empty for non-patchers). */
  tasks: MicroOp[][];
  /** Bodies of stop_machine steps, referenced by index. */
  bodies: MicroOp[][];
  ops: PatchOp[];
}

function le(bytes: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]);
  return v;
}

export function compilePrograms(steps: (Step[] | undefined)[], sites: readonly Site[]): Programs {
  const out: Programs = { tasks: [], bodies: [], ops: [] };
  const compile = (list: Step[]): MicroOp[] => {
    const ops: MicroOp[] = [];
    for (const st of list) {
      switch (st.op) {
        case 'write': {
          const opIndex = out.ops.length;
          const touched = sites
            .map((s, i) => (st.at < s.base + s.size && s.base < st.at + st.bytes.length ? i : -1))
            .filter((i) => i >= 0);
          out.ops.push({ at: st.at, bytes: st.bytes, sites: touched });
          let off = 0;
          st.stores.forEach((size, i) => {
            const at = st.at + off;
            if (at % size !== 0) {
              // A misaligned store is not single-copy atomic: one event per byte.
              for (let b = 0; b < size; b++) {
                ops.push({ k: 'store', at: at + b, size: 1, value: BigInt(st.bytes[off + b]), op: opIndex, first: i === 0 && b === 0 });
              }
            } else {
              ops.push({ k: 'store', at, size: size as 1 | 2 | 4 | 8, value: le(st.bytes, off, size), op: opIndex, first: i === 0 });
            }
            off += size;
          });
          break;
        }
        case 'flush_icache_all':
          // arch/riscv/mm/cacheflush.c flush_icache_all(): local_flush_icache_all(), then
          // the remote harts by SBI/IPI, waiting for them.
          ops.push({ k: 'fence.i' }, { k: 'remote_fence_i', harts: 'others', wait: true });
          break;
        case 'remote_fence_i':
          ops.push({ k: 'remote_fence_i', harts: st.harts, wait: st.wait });
          break;
        case 'stop_machine': {
          const body = out.bodies.length;
          out.bodies.push([]);
          out.bodies[body] = compile(st.steps);
          ops.push({ k: 'stop_machine', body, flush: st.flush });
          break;
        }
        default:
          ops.push({ k: st.op } as MicroOp);
      }
    }
    return ops;
  };
  for (const s of steps) out.tasks.push(s ? compile(s) : []);
  return out;
}

/** Executes one micro-op for task ti on hart h (a store may end the search: too many versions). */
export function microOp(k: Core, ti: number, h: number, op: MicroOp): Outcome {
  switch (op.k) {
    case 'store':
      return declaredStore(k, ti, h, op);
    case 'fence.i':
      fenceI(k, h);
      note(k, h, ti, 'service', 'fence.i');
      return { kind: 'continue' };
    case 'fence':
      note(k, h, ti, 'service', 'fence rw,rw');
      return { kind: 'continue' };
    default:
      stepService(k, ti, h, op);
      return { kind: 'continue' };
  }
}

/** One step of a declarative patcher: its next micro-op; the task ends after its last. */
export function patcherStep(k: Core, ti: number, h: number): Outcome {
  const t = k.ownTask(ti); // its program counter moves
  const prog = k.programs.tasks[ti];
  if (t.ip >= prog.length) {
    finish(k, ti, h);
    return { kind: 'continue' };
  }
  const op = prog[t.ip++];
  const out = k.microOp(ti, h, op);
  if (out.kind === 'continue' && t.ip >= prog.length && t.status === 'running' && !t.ipiWait.length) finish(k, ti, h);
  return out;
}
