/**
 * Spec → memory: regions loaded with their permissions, shared and patchable ranges, the code
 * ranges with their instruction starts, one stack per task (stoppers included), and the
 * sentinel return addresses the model handles. Fixed for a spec: never part of the state.
 */
import { Memory, PERM_R, PERM_W, PERM_X } from '../emu/memory.js';
import type { KernelImage, Spec, TaskSpec } from '../spec/types.js';

/** A code stub of the kernel objects (docs/kernel.md): a slot whose fetch runs its role. */
export type CodeStub = KernelImage['stubs'][number];

/** Sentinel return addresses: outside every declared region, never mapped. */
export const DRIVER_RET = 0x7e5700000000;
export const IRQ_RET = DRIVER_RET + 0x100;
export const FN_RET = DRIVER_RET + 0x200;
export const CODE_RET = DRIVER_RET + 0x300;
export const TRAP_RET = DRIVER_RET + 0x400;
const STACK_BASE = 0x7f0000000000;
const STACK_STRIDE = 0x10000;
/** Task areas (`objects:`): the task_struct each task's tp points at, one per task. */
const TASK_AREA_BASE = 0x7f8000000000;
/** The fixmap's page table (`objects:`, kernel/fixmap.ts): one 8-byte entry per index. */
const FIXMAP_PTE = 0x7e6000000000;
/** FIXADDR_SIZE (arch/riscv/include/asm/pgtable.h, 64-bit): PMD_SIZE + FIX_FDT_SIZE (2 + 4 MiB). */
const FIXADDR_SIZE = 6 << 20;

/** The names the sentinels have in traces. */
export const SENTINEL_NAMES: readonly (readonly [number, string])[] = [
  [DRIVER_RET, '<caller driver>'],
  [IRQ_RET, '<irq return>'],
  [FN_RET, '<stop_machine return>'],
  [CODE_RET, '<task exit>'],
  [TRAP_RET, '<kprobe return>'],
];

export type TaskKind = TaskSpec['kind'] | 'stopper';

export interface CodeRange {
  base: number;
  end: number;
  starts: Set<number>;
  bytes: Uint8Array;
  patchable: boolean;
}

export class Layout {
  readonly shared: [number, number][] = [];
  readonly code: CodeRange[] = [];
  readonly patchable: [number, number][] = [];
  /** Per task (spec tasks, then one stopper per hart): name, kind, allowed harts, stack top. */
  readonly taskNames: string[] = [];
  readonly taskKinds: TaskKind[] = [];
  readonly taskHarts: number[][] = [];
  readonly stackTop: number[] = [];
  /** Per task, with `objects:`: the zeroed task area tp points at (docs/kernel.md); empty otherwise. */
  readonly taskArea: number[] = [];
  /** With `objects:`: the fixmap's virtual range [bottom, top) and its page table; an empty range otherwise. */
  readonly fixmap = { pte: 0, bottom: 0, top: 0 };
  /** Task index of hart h's stopper. */
  readonly stopperOf: number[] = [];
  /** Code stubs (service, return, trap roles) of `objects:`, and the range they lie in. */
  readonly stubs: CodeStub[] = [];
  private stubLo = 0;
  private stubHi = 0;

  constructor(readonly spec: Spec, mem: Memory) {
    for (const r of spec.regions) {
      const perm = r.kind === 'data' ? PERM_R | PERM_W : PERM_R | PERM_W | PERM_X;
      mem.load(r.base, r.bytes, r.bytes.length, perm);
      if (r.kind === 'data' && r.shared) this.shared.push([r.base, r.base + r.bytes.length]);
      if (r.kind !== 'data') {
        this.code.push({ base: r.base, end: r.base + r.bytes.length, starts: r.insnStarts, bytes: r.bytes, patchable: r.kind === 'patchable' });
      }
      if (r.kind === 'patchable') {
        mem.markPatchable(r.base, r.bytes.length);
        this.patchable.push([r.base, r.base + r.bytes.length]);
      }
    }
    for (const s of spec.sites) {
      mem.markPatchable(s.base, s.size);
      this.patchable.push([s.base, s.base + s.size]);
    }
    if (spec.kernel) {
      this.fixmap.top = spec.kernel.fixaddrTop;
      this.fixmap.bottom = spec.kernel.fixaddrTop - FIXADDR_SIZE;
      this.fixmap.pte = FIXMAP_PTE;
      mem.map(FIXMAP_PTE, (FIXADDR_SIZE / 4096) * 8, PERM_R | PERM_W);
    }
    for (const x of spec.kernel?.stubs ?? []) {
      if (x.role.role !== 'service' && x.role.role !== 'return' && x.role.role !== 'trap') continue;
      if (this.stubs.length === 0 || x.address < this.stubLo) this.stubLo = x.address;
      if (this.stubs.length === 0 || x.address + x.size > this.stubHi) this.stubHi = x.address + x.size;
      this.stubs.push(x);
    }
    spec.tasks.forEach((t, i) => this.addTask(mem, t.name, t.kind, t.harts, i, t.stack));
    for (let h = 0; h < spec.harts; h++) {
      this.stopperOf.push(this.taskNames.length);
      this.addTask(mem, `stopper/${h}`, 'stopper', [h], this.taskNames.length, 512);
    }
  }

  private addTask(mem: Memory, name: string, kind: TaskKind, harts: number[], index: number, stack: number): void {
    this.taskNames.push(name);
    this.taskKinds.push(kind);
    this.taskHarts.push(harts);
    const size = Math.min(stack, STACK_STRIDE);
    mem.map(STACK_BASE + index * STACK_STRIDE, size, PERM_R | PERM_W);
    this.stackTop.push(STACK_BASE + index * STACK_STRIDE + size);
    const thread = this.spec.kernel?.thread;
    if (thread) {
      // Private memory like the stack: its accesses are invisible, and it is hashed as memory.
      mem.map(TASK_AREA_BASE + index * STACK_STRIDE, thread.size, PERM_R | PERM_W);
      this.taskArea.push(TASK_AREA_BASE + index * STACK_STRIDE);
    }
  }

  /** The code stub whose slot holds pc, if any. */
  stubAt(pc: number): CodeStub | undefined {
    if (pc < this.stubLo || pc >= this.stubHi) return undefined;
    return this.stubs.find((x) => pc >= x.address && pc < x.address + x.size);
  }

  /**
   * With `objects:`, whether [addr, addr+size) lies on the stack of a task other than ti: real
   * kernel code hands out pointers to its stack (patch_text's struct patch_insn, whose
   * cpu_count every stopper spins on), so such an access is a shared one. A task's accesses to
   * its own stack stay invisible.
   */
  otherStack(ti: number, addr: number, size: number): boolean {
    if (!this.taskArea.length) return false;
    const i = Math.floor((addr - STACK_BASE) / STACK_STRIDE);
    if (i < 0 || i >= this.stackTop.length || i === ti) return false;
    return addr + size <= this.stackTop[i] && addr >= STACK_BASE + i * STACK_STRIDE;
  }

  /** With `objects:`, whether addr is on some task's stack (what otherStack accesses may carry knowledge through). */
  onStack(addr: number): boolean {
    if (!this.taskArea.length) return false;
    const i = Math.floor((addr - STACK_BASE) / STACK_STRIDE);
    return i >= 0 && i < this.stackTop.length && addr < this.stackTop[i];
  }

  isShared(addr: number, size: number): boolean {
    const rs = this.shared;
    for (let i = 0; i < rs.length; i++) if (addr < rs[i][1] && rs[i][0] < addr + size) return true;
    return false;
  }

  isPatchable(addr: number, size = 1): boolean {
    const rs = this.patchable;
    for (let i = 0; i < rs.length; i++) if (addr < rs[i][1] && rs[i][0] < addr + size) return true;
    return false;
  }

  siteAt(addr: number): number {
    const sites = this.spec.sites;
    for (let i = 0; i < sites.length; i++) if (addr >= sites[i].base && addr < sites[i].base + sites[i].size) return i;
    return -1;
  }

  codeAt(addr: number): CodeRange | undefined {
    const cs = this.code;
    for (let i = 0; i < cs.length; i++) if (addr >= cs[i].base && addr < cs[i].end) return cs[i];
    return undefined;
  }

  /** Whether any byte of [addr, addr+size) is declared code that no site or patchable region covers. */
  immutableCode(addr: number, size: number): boolean {
    for (let a = addr; a < addr + size; a++) if (this.codeAt(a) && !this.isPatchable(a)) return true;
    return false;
  }

  /** Whether addr lies in a declared region (code or data). */
  inRegion(addr: number): boolean {
    return !!this.codeAt(addr) || this.spec.regions.some((r) => addr >= r.base && addr < r.base + r.bytes.length);
  }
}
