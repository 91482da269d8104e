/**
 * The execution of one visible action of an RV64 task and the invisible run after it
 * (docs/semantics.md): task boundaries at the sentinel addresses, the fetch (through the fetch
 * model and the atomic unit), torn and illegal instructions, execution, patch stores, site
 * passes and control-flow checks, stopping before the next visible action.
 */
import { decodeCached } from '../emu/hart.js';
import type { Hart } from '../emu/hart.js';
import type { Insn } from '../isa/types.js';
import { hexAddr } from '../isa/symbols.js';
import type { TaskSpec } from '../spec/types.js';
import type { PassInsn } from '../check/passes.js';
import type { Core } from './core.js';
import type { Outcome } from './model.js';
import { CODE_RET, DRIVER_RET, FN_RET, IRQ_RET, TRAP_RET } from './layout.js';
import { enterTrap, leaveTrap } from './kernel/trap.js';
import { firstFetchBytes } from './fetch/unit.js';
import { observe, publish } from './fetch/causal.js';
import { fenceI } from './fetch/fetch-model.js';
import { codeStore, contentAt, isInsnStart, readsOpenOp, versionMask, versionsOfWrites } from './sites/ledger.js';
import { finish } from './tasks.js';
import { closeOp, judge, violation } from './passes.js';
import { returnFromIrq } from './kernel/irq.js';
import { fnReturned } from './kernel/stop-machine.js';
import { ecallService, stubService } from './kernel/services.js';
import { fetchedInfo, traceInsn } from './trace.js';
import { fixmapIndex, fixmapTranslate, inFixmap } from './kernel/fixmap.js';

const LOADS: Record<string, number> = { lb: 1, lbu: 1, lh: 2, lhu: 2, lw: 4, lwu: 4, ld: 8 };
const STORES: Record<string, number> = { sb: 1, sh: 2, sw: 4, sd: 8 };

/** The data access an instruction will make, from the registers it reads now. */
export function memAccess(insn: Insn, cpu: Hart): { addr: number; size: number; write: boolean } | null {
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

function validTarget(k: Core, ti: number, addr: number): boolean {
  const kind = k.layout.taskKinds[ti];
  const t = k.st.tasks[ti];
  if (addr === DRIVER_RET) return kind === 'caller';
  if (addr === IRQ_RET) return t.irq !== null;
  if (addr === FN_RET) return kind === 'stopper';
  if (addr === CODE_RET) return kind === 'code';
  if (addr === TRAP_RET) return t.trap !== null;
  return isInsnStart(k, addr);
}

/** Write ids of immutable code, by length: all 0, one shared list of each (never changed). */
const ZERO_IDS: readonly number[][] = [[], [0], [0, 0], [0, 0, 0], [0, 0, 0, 0]];

/**
 * Runs task ti's code on hart h: one visible action (with fetch choice `choice`), then the
 * invisible instructions after it, stopping before the next visible one.
 */
export function runCode(k: Core, ti: number, h: number, choice: number): Outcome {
  const layout = k.layout;
  const t = k.ownTask(ti); // its step changes it (its pc's site passes, fetch halves, counts)
  const cpu = k.cpus[ti];
  const kind = layout.taskKinds[ti];
  const name = (a: number) => k.names.name(a);
  if (kind === 'code') t.started = 1;
  let first = true;
  // The entry of the call this action started (-1: none): a patchable entry stops it at once.
  let entry = -1;
  for (;;) {
    if (++k.steps[ti] > k.spec.explore.maxSteps) {
      return { kind: 'limit', reason: `task ${layout.taskNames[ti]} ran more than ${k.spec.explore.maxSteps} instructions (explore.max-steps)` };
    }
    const pc = cpu.pc;
    // Sentinels: task boundaries and returns the model handles.
    if (pc === DRIVER_RET && kind === 'caller' && !t.irq) {
      const spec = k.spec.tasks[ti] as Extract<TaskSpec, { kind: 'caller' }>;
      if (t.started >= spec.times) {
        finish(k, ti, h);
        return { kind: 'continue' };
      }
      if (!first) return { kind: 'continue' };
      t.started++;
      cpu.setReg(1, BigInt(DRIVER_RET));
      cpu.setReg(2, BigInt(layout.stackTop[ti]));
      cpu.pc = spec.call;
      if (k.trace) k.trace.push({ hart: h, task: layout.taskNames[ti], kind: 'note', text: `call ${name(spec.call)} (${t.started}/${spec.times})` });
      first = false;
      entry = spec.call;
      continue;
    }
    if (pc === IRQ_RET && t.irq) {
      returnFromIrq(k, ti, h);
      return { kind: 'continue' };
    }
    if (pc === TRAP_RET && t.trap) {
      const out = leaveTrap(k, ti, h);
      if (out) return out;
      continue;
    }
    if (pc === FN_RET && kind === 'stopper') {
      fnReturned(k, ti, h);
      // fn's stores after its last patch_done form an operation that ends with fn.
      return closeOp(k, ti) ?? { kind: 'continue' };
    }
    if (pc === CODE_RET && kind === 'code') {
      finish(k, ti, h);
      // Stores after the last patch_done form an operation that ends with the task.
      return closeOp(k, ti) ?? { kind: 'continue' };
    }
    // ---- a kernel object's code stub (docs/kernel.md): its role runs in place of the ebreak there
    const stub = layout.stubAt(pc);
    if (stub) {
      const role = stub.role;
      if (role.role === 'return') {
        cpu.setReg(10, BigInt(role.value));
        cpu.pc = Number(BigInt.asIntN(64, cpu.getReg(1)));
        if (k.trace) k.trace.push({ hart: h, task: layout.taskNames[ti], kind: 'note', pc, text: `${stub.name} returns ${role.value} (stub)` });
        if (!validTarget(k, ti, cpu.pc)) return violation(k, { property: 'wild-jump', kind: 'return', pc, target: cpu.pc, message: `return from the stub ${stub.name} to ${hexAddr(cpu.pc)}, which is not an instruction start in declared code (clobbered ra)` }, ti, h);
        continue;
      }
      if (role.role === 'trap') return violation(k, { property: 'fault', kind: 'stub-trap', pc, message: `${stub.name} reached (a trap stub: ${role.why})` }, ti, h);
      if (role.role === 'service') {
        // A kernel service is a visible action, as an ecall is.
        if (!first) return { kind: 'continue' };
        first = false;
        const out = stubService(k, ti, h, stub, role.service);
        if (out) return out;
        if (t.status !== 'running' || t.ipiWait.length || t.voluntary) return { kind: 'continue' };
        if (!validTarget(k, ti, cpu.pc)) return violation(k, { property: 'wild-jump', kind: 'return', pc, target: cpu.pc, message: `return from the stub ${stub.name} to ${hexAddr(cpu.pc)}, which is not an instruction start in declared code (clobbered ra)` }, ti, h);
        continue;
      }
    }
    // ---- fetch: every instruction fetch from patchable memory is its own event (a scheduling
    // point); one crossing the fetch.atomic boundary is two. Immutable code is read directly.
    if (pc % 2 !== 0) {
      // RISC-V with C: instructions are 2-byte aligned (instruction-address-misaligned).
      return violation(k, { property: 'fault', kind: 'misaligned-pc', pc, target: pc, message: `instruction fetch at ${name(pc)}: the address is not 2-byte aligned (instruction-address-misaligned)` }, ti, h);
    }
    // Immutable code is read in place (no per-instruction lists: it has no writes to name).
    let bytes: number[] | null = null;
    let wids: number[] = ZERO_IDS[0];
    let imm: Uint8Array | null = null;
    let immOff = 0, immLen = 0;
    let visible = false;
    if (t.partial) {
      // The second fetch event of an instruction split by the atomic unit.
      const p = t.partial;
      const start = p.pc + p.bytes.length;
      const n = 4 - p.bytes.length;
      const T = k.fetch.view(k, h, start, n, choice);
      const c = contentAt(k, start, n, T);
      k.fetch.fetched(k, h, start, n, T, c);
      bytes = [...p.bytes, ...c.bytes];
      wids = [...p.wids, ...c.wids];
      t.partial = null;
      visible = true;
    } else {
      const n = firstFetchBytes(k, pc);
      if (layout.isPatchable(pc, n)) {
        if (!first) {
          // Right after a call start (nothing ran since): the call's entry fetch is next.
          if (pc === entry) k.callStarted = h;
          return { kind: 'continue' };
        }
        const T = k.fetch.view(k, h, pc, n, choice);
        const c = contentAt(k, pc, n, T);
        k.fetch.fetched(k, h, pc, n, T, c);
        const len = (c.bytes[0] & 3) === 3 ? 4 : 2;
        if (n < len) {
          t.partial = { pc, bytes: c.bytes, wids: c.wids };
          if (k.trace) k.trace.push({ hart: h, task: layout.taskNames[ti], kind: 'note', pc, text: `fetch ${n} bytes at ${name(pc)} (first half)`, fetched: fetchedInfo(k, pc, n, c.wids) });
          return { kind: 'continue' };
        }
        bytes = c.bytes;
        wids = c.wids;
        visible = true;
      } else {
        const c = layout.codeAt(pc);
        if (!c) {
          if (!k.spec.properties['wild-jump']) return { kind: 'end', reason: 'execution outside declared code (property off)' };
          return violation(k, { property: 'wild-jump', kind: 'not-code', pc, target: pc, message: `execution at ${hexAddr(pc)}, outside declared code` }, ti, h);
        }
        imm = c.bytes;
        immOff = pc - c.base;
        immLen = Math.min(immOff + 4, imm.length) - immOff; // the bytes up to the end of the code
      }
    }
    let lo: number, bits: number;
    if (bytes) {
      lo = bytes[0] | (bytes[1] << 8);
      bits = (lo & 3) === 3 ? (lo | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0 : lo;
    } else {
      // Past the end of the code a byte reads as undefined, 0 in the shifts, as from a short list.
      const b = imm!, o = immOff;
      lo = (immLen > 0 ? b[o] : 0) | (immLen > 1 ? b[o + 1] << 8 : 0);
      bits = (lo & 3) === 3 ? (lo | (immLen > 2 ? b[o + 2] << 16 : 0) | (immLen > 3 ? b[o + 3] << 24 : 0)) >>> 0 : lo;
    }
    const len = (lo & 3) === 3 ? 4 : 2;
    const insn = decodeCached(bits);
    const siteIdx = layout.siteAt(pc);
    const used = bytes ? wids.slice(0, len) : ZERO_IDS[Math.min(len, immLen)];
    if (!bytes && siteIdx >= 0) bytes = Array.from(imm!.subarray(immOff, immOff + immLen)); // not reached: sites are patchable
    // torn-instruction: bytes from different writes that match no version.
    if (siteIdx >= 0 && used.some((w) => w !== used[0])) {
      const mask = versionMask(k, siteIdx, pc, bytes!.slice(0, len));
      if (mask === 0 && k.spec.properties['torn-instruction']) {
        traceInsn(k, ti, h, pc, bits, len, insn, used);
        return violation(k, { property: 'torn-instruction', kind: 'torn', site: k.spec.sites[siteIdx].name, pc, versions: versionsOfWrites(k, siteIdx, pc, used), message: `torn instruction at ${name(pc)}: bytes ${bytes!.slice(0, len).map((b) => b.toString(16).padStart(2, '0')).join(' ')} from writes ${[...new Set(used)].join(', ')} form ${insn ? 'an instruction' : 'an encoding'} no version has` }, ti, h);
      }
    }
    if (!insn) {
      traceInsn(k, ti, h, pc, bits, len, insn, used);
      if (!k.spec.properties['illegal-instruction']) return { kind: 'end', reason: 'illegal instruction (property off)' };
      return violation(k, { property: 'illegal-instruction', kind: 'illegal', site: siteIdx >= 0 ? k.spec.sites[siteIdx].name : undefined, pc, message: `illegal instruction 0x${bits.toString(16)} at ${name(pc)}` }, ti, h);
    }
    if (k.cov) k.cov.insn(k, pc, siteIdx, used);
    let acc = memAccess(insn, cpu);
    // An access through the fixmap (kernel/fixmap.ts) depends on the global mapping: visible,
    // and performed on the text bytes it aliases.
    const viaFixmap = acc !== null && inFixmap(k, acc.addr, acc.size);
    let alias = 0;
    if (viaFixmap) {
      if (!visible && !first) return { kind: 'continue' };
      const to = fixmapTranslate(k, acc!.addr, acc!.size);
      if (to === null) {
        traceInsn(k, ti, h, pc, bits, len, insn, used);
        return violation(k, { property: 'fault', kind: 'fixmap', pc, target: acc!.addr, message: `${acc!.write ? 'store' : 'load'} at ${name(pc)} through the fixmap alias ${hexAddr(acc!.addr)} (fixmap ${fixmapIndex(k, acc!.addr)}), which is not mapped (cleared or never set): a page fault` }, ti, h);
      }
      alias = to - acc!.addr;
      acc = { addr: to, size: acc!.size, write: acc!.write };
    }
    // Every access another hart can observe or affect is a scheduling point: shared data and
    // patchable memory, loads and stores alike (and AMOs, LR/SC), and kernel services.
    const sharedAcc = acc !== null && (layout.isShared(acc.addr, acc.size) || layout.isPatchable(acc.addr, acc.size) || layout.otherStack(ti, acc.addr, acc.size));
    if (!visible && (sharedAcc || insn.op === 'ecall') && !first) return { kind: 'continue' };
    if (acc && acc.write && layout.immutableCode(acc.addr, acc.size)) {
      traceInsn(k, ti, h, pc, bits, len, insn, used);
      return violation(k, { property: 'fault', kind: 'store-to-code', pc, target: acc.addr, message: `store at ${name(pc)} to immutable code at ${name(acc.addr)} (outside every site and patchable region)` }, ti, h);
    }
    first = false;
    // ---- site pass bookkeeping (before executing: the instruction belongs to the pass)
    if (siteIdx >= 0) {
      const site = k.spec.sites[siteIdx];
      let pass = t.passes[siteIdx];
      if (!pass || (pass.resumeAt !== null && pass.resumeAt !== pc)) pass = { insns: [], resumeAt: null };
      pass.resumeAt = null;
      const rec: PassInsn = { off: pc - site.base, bytes: bytes!.slice(0, len), wids: used, op: insn.op, rd: insn.rd, rs1: insn.rs1, pc };
      pass.insns.push(rec);
      t.passes[siteIdx] = pass;
    }
    // ---- a kprobe: an ebreak in a site with a trap handler traps instead of faulting
    if (insn.op === 'ebreak' && siteIdx >= 0 && k.spec.sites[siteIdx].trap !== undefined && !t.trap) {
      traceInsn(k, ti, h, pc, bits, len, insn, used);
      enterTrap(k, ti, h, siteIdx, pc);
      continue;
    }
    // ---- execute
    const before = k.trace && insn.op === 'jalr' ? cpu.getReg(insn.rs1) : 0n;
    let stop;
    if (viaFixmap) {
      // The access goes to the aliased text: the base register holds the text address for
      // the one instruction, and gets its value back unless the instruction wrote it.
      const base = cpu.getReg(insn.rs1);
      cpu.setReg(insn.rs1, BigInt.asIntN(64, base + BigInt(alias)));
      stop = cpu.execute(insn);
      if (!(insn.rd === insn.rs1 && (LOADS[insn.op] || /^(lr|sc|amo)/.test(insn.op)))) cpu.setReg(insn.rs1, base);
    } else stop = cpu.execute(insn);
    const next = cpu.pc;
    traceInsn(k, ti, h, pc, bits, len, insn, used, before);
    if (insn.op === 'fence.i') fenceI(k, h);
    if (sharedAcc && !stop) {
      // What this hart learns from the bytes it read, and passes on with the bytes it wrote.
      const sc = insn.op.startsWith('sc.');
      if (!acc!.write || (!sc && insn.op.startsWith('amo'))) {
        observe(k, h, acc!.addr, acc!.size);
        if (k.trace && insn.rd) {
          const wids = layout.isPatchable(acc!.addr, acc!.size) ? Array.from({ length: acc!.size }, (_, j) => k.mem.provenance(acc!.addr + j)) : undefined;
          k.trace[k.trace.length - 1].load = { addr: acc!.addr, size: acc!.size, value: cpu.getReg(insn.rd), ...(wids ? { wids } : {}) };
        }
      }
      if (acc!.write && (!sc || cpu.getReg(insn.rd) === 0n)) {
        if (layout.isPatchable(acc!.addr, acc!.size)) {
          const out = codeStore(k, h, t, acc!.addr, acc!.size);
          if (out) return out;
          if (k.trace) {
            // The RV64 patch store, annotated like a declarative one: its write id and site version.
            const s = layout.siteAt(acc!.addr);
            const ev = k.trace[k.trace.length - 1];
            const w = k.st.writes[k.st.writes.length - 1];
            ev.write = { id: w.id, ...(s >= 0 ? { site: k.spec.sites[s].name, version: w.v.find((x) => x[0] === s)?.[1] } : {}) };
          }
        }
        publish(k, h, acc!.addr, acc!.size);
      }
    }
    if (stop) {
      if (stop.kind === 'ecall') {
        const out = ecallService(k, ti, h);
        if (out) return out;
        if (t.status !== 'running' || t.ipiWait.length || t.voluntary) return { kind: 'continue' };
        continue;
      }
      if (stop.kind === 'illegal') {
        return violation(k, { property: 'illegal-instruction', kind: 'illegal', pc, message: `illegal instruction at ${name(pc)}${stop.detail ? `: ${stop.detail}` : ''}` }, ti, h);
      }
      return violation(k, { property: 'fault', kind: stop.kind, pc, target: stop.addr, message: `${stop.kind} at ${name(pc)}${stop.addr !== undefined ? ` (address ${hexAddr(stop.addr)})` : ''}` }, ti, h);
    }
    // ---- control flow and passes
    const seq = pc + len;
    if (siteIdx >= 0) {
      const site = k.spec.sites[siteIdx];
      if (next < site.base || next >= site.base + site.size) {
        const pass = t.passes[siteIdx]!; // set above: this instruction is in the site
        // A call out of the site whose return address is inside it suspends the pass; a
        // mix that lands on a legitimate target is then judged when the pass really ends
        // (the old entry's `ld ra` after the call shows whether `ra` is stale).
        const link = insn.op === 'jal' || insn.op === 'jalr' ? insn.rd : 0;
        const suspend = link !== 0 && seq >= site.base && seq < site.base + site.size;
        const jump = insn.op === 'jalr' || insn.op === 'jal';
        const v = judge(k, ti, h, siteIdx, pass.insns, jump, pc, next, suspend, readsOpenOp(k, siteIdx, pass.insns));
        if (v) return v;
        if (suspend) pass.resumeAt = seq;
        else t.passes[siteIdx] = undefined;
      }
    }
    if (next !== seq) {
      if (!validTarget(k, ti, next)) {
        // __set_fixmap maps with FIXMAP_PAGE_NORMAL (PAGE_KERNEL: no execute): a fetch there faults.
        if (inFixmap(k, next, 2)) return violation(k, { property: 'fault', kind: 'fixmap', pc, target: next, message: `jump from ${name(pc)} into the fixmap at ${hexAddr(next)}: the alias is mapped without execute permission (an instruction page fault)` }, ti, h);
        if (!k.spec.properties['wild-jump']) return { kind: 'end', reason: 'wild jump (property off)' };
        const ret = insn.op === 'jalr' && insn.rd === 0 && insn.rs1 === 1;
        return violation(k, { property: 'wild-jump', kind: ret ? 'return' : 'not-code', pc, target: next, message: `${ret ? 'return' : 'jump'} from ${name(pc)} to ${hexAddr(next)}, which is not an instruction start in declared code${ret ? ' (clobbered ra)' : ''}` }, ti, h);
      }
    } else if (!layout.codeAt(next) && next !== DRIVER_RET && next !== IRQ_RET && next !== FN_RET && next !== CODE_RET && next !== TRAP_RET) {
      return violation(k, { property: 'wild-jump', kind: 'not-code', pc, target: next, message: `execution runs off the end of declared code after ${name(pc)}` }, ti, h);
    }
  }
}
