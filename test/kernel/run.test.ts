/**
 * The linked kernel objects run: the real `ftrace_make_call` (arch/riscv/kernel/ftrace.c) of
 * each version, placed by isa/link.ts and stubbed by its built-in table, executed by the RV64
 * emulator alone (one hart, no explorer), rewrites a traced function's entry in range.o into
 * `auipc t0; jalr t0` to `ftrace_caller` through the fixmap alias, as in the kernel, and
 * `ftrace_update_ftrace_func` retargets the trampoline's `ftrace_call` sites. A check
 * that relocated code is not only ld's bytes but runs, and a reference for what the model's
 * services must do (docs/kernel.md "What the model provides"): return stubs, __set_fixmap
 * mapping a text page at its alias, flush_icache_all, tp pointing at a zeroed task.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadKernelObjects, KernelStub } from '../../src/spec/kernel-objects.js';
import { SpecSource } from '../../src/spec/source.js';
import { Memory, PAGE_SIZE, PERM_R, PERM_W, PERM_X } from '../../src/emu/memory.js';
import { Hart } from '../../src/emu/hart.js';
import { KERNEL_PHYS } from '../../src/spec/kernel-stubs.js';

const ROOT = resolve(__dirname, '../..');
const FILES = ['arch/riscv/kernel/mcount-dyn.o', 'arch/riscv/kernel/mcount.o', 'arch/riscv/kernel/ftrace.o', 'arch/riscv/kernel/patch.o', 'mm/maccess.o', 'kernel/range.o'];
const TEXT = -0x7fe00000; // 0xffffffff80200000
const RET = 0x10000; // where the call returns: a page of ebreak
const STACK = 0x20000; // 64 KiB
const TASK = 0x40000; // the task_struct tp points at (zeroed: preempt_count 0, canary 0)
const REC = 0x50000; // struct dyn_ftrace { unsigned long ip; ... }
const [A0, A1, RA, SP, TP] = [10, 11, 1, 2, 4];
/** struct thread_info { unsigned long flags; int preempt_count; ... }, first in task_struct. */
const PREEMPT_COUNT = 8;

function boot(ver: string) {
  const text = `objects:\n  text: 0xffffffff80200000\n  dir: fixtures/kernel/out/${ver}\n  files: [${FILES.join(', ')}]\n  stubs: linux-${ver}\n  sites: patchable-entries\n`;
  const src = new SpecSource(text, 'k.yaml');
  const symbols = new Map<string, number>();
  const r = loadKernelObjects((src.data() as { objects: unknown }).objects, src, { readFile: (p) => new Uint8Array(readFileSync(p)), resolvePath: (p) => join(ROOT, p) }, symbols, 1);
  expect(r.diagnostics).toEqual([]);
  const mem = new Memory();
  for (const g of r.regions) mem.load(g.base, g.bytes, g.bytes.length, g.kind === 'code' ? PERM_R | PERM_X : PERM_R | PERM_W);
  mem.load(RET, new Uint8Array(new Uint32Array(PAGE_SIZE / 4).fill(0x00100073).buffer), PAGE_SIZE, PERM_R | PERM_X);
  mem.map(STACK, 0x10000, PERM_R | PERM_W);
  mem.map(TASK, 0x4000, PERM_R | PERM_W);
  mem.map(REC, PAGE_SIZE, PERM_R | PERM_W);
  return { ...r, symbols, mem };
}

/**
 * Calls `fn(args)` on one hart, serving stubs as the model would: return roles return, the
 * __set_fixmap service maps the text page of the physical address at the alias the code then
 * stores to (found by its first fault there) and copies it back when the fixmap is cleared.
 */
function call(k: ReturnType<typeof boot>, fn: number, args: bigint[]) {
  const hart = new Hart(k.mem, 0, { blocks: false });
  args.forEach((a, i) => hart.setReg(A0 + i, a));
  hart.setReg(RA, BigInt(RET));
  hart.setReg(SP, BigInt(STACK + 0x10000));
  hart.setReg(TP, BigInt(TASK));
  hart.pc = fn;
  const services: string[] = [];
  /** current_thread_info()->preempt_count when each service was called. */
  const preemptAtService: number[] = [];
  // Stores through the fixmap alias: the patch writes, as the model will see them.
  const aliasStores: { offset: number; size: number }[] = [];
  k.mem.setAccessHook((a) => {
    if (a.kind === 'write' && fixmap?.alias !== undefined && a.addr >= fixmap.alias && a.addr < fixmap.alias + PAGE_SIZE) aliasStores.push({ offset: a.addr - fixmap.alias, size: a.size });
  });
  const stubAt = (pc: number): KernelStub | undefined => k.stubs.find((s) => s.role.role !== 'data' && pc >= s.address && pc < s.address + s.size);
  let fixmap: { text: number; alias?: number } | null = null;
  /** The alias page, once learned: later __set_fixmap calls map their text page there again. */
  let alias: number | undefined;
  const offset = TEXT - KERNEL_PHYS; // kernel_map.va_kernel_pa_offset
  for (let n = 0; n < 10000; n++) {
    const stop = hart.run(100000);
    if (stop.kind === 'ebreak' && stop.pc >= RET && stop.pc < RET + PAGE_SIZE) return { a0: BigInt.asIntN(64, hart.getReg(A0)), services, aliasStores, preemptAtService };
    if (stop.kind === 'ebreak' && stubAt(stop.pc)) {
      const s = stubAt(stop.pc)!;
      const ret = () => { hart.pc = Number(BigInt.asIntN(64, hart.getReg(RA))); };
      if (s.role.role === 'return') { hart.setReg(A0, BigInt(s.role.value)); ret(); continue; }
      if (s.role.role === 'service') {
        services.push(s.role.service);
        preemptAtService.push(new DataView(k.mem.peek(TASK + PREEMPT_COUNT, 4).slice().buffer).getInt32(0, true));
        if (s.role.service === '__set_fixmap') {
          const phys = Number(hart.getReg(A1));
          // set_fixmap_offset(): phys may carry the in-page offset; the page holding it is mapped.
          if (phys !== 0) {
            fixmap = { text: phys - (phys % PAGE_SIZE) + offset, alias };
            if (alias !== undefined) k.mem.poke(alias, k.mem.peek(fixmap.text, PAGE_SIZE));
          }
          else if (fixmap?.alias !== undefined) {
            k.mem.poke(fixmap.text, k.mem.peek(fixmap.alias, PAGE_SIZE)); // the stores landed in text
            fixmap = null;
          }
        }
        ret();
        continue;
      }
      throw new Error(`${s.name} reached (${s.role.role === 'trap' ? s.role.why : s.role.role})`);
    }
    if ((stop.kind === 'store-fault' || stop.kind === 'load-fault') && fixmap && fixmap.alias === undefined && stop.addr !== undefined && !k.mem.isMapped(stop.addr)) {
      fixmap.alias = alias = stop.addr - (((stop.addr % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
      k.mem.load(fixmap.alias, k.mem.peek(fixmap.text, PAGE_SIZE), PAGE_SIZE, PERM_R | PERM_W);
      hart.pc = stop.pc;
      continue;
    }
    if (stop.kind === 'budget') continue;
    throw new Error(`stopped: ${JSON.stringify(stop)}`);
  }
  throw new Error('did not return');
}

/**
 * auipc REG, hi(off); jalr REG, lo(off)(REG): what make_call_t0 (REG = t0) and make_call_ra
 * (REG = ra) build (asm/ftrace.h).
 */
function callVia(reg: number, from: number, to: number): number[] {
  const off = to - from;
  const hi = ((off + 0x800) >> 12) & 0xfffff;
  const lo = off - (((off + 0x800) >> 12) << 12);
  return [((hi << 12) | (reg << 7) | 0x17) >>> 0, (((lo & 0xfff) << 20) | (reg << 15) | (reg << 7) | 0x67) >>> 0];
}
const callT0 = (from: number, to: number) => callVia(5, from, to);

for (const ver of ['6.12', '6.1']) {
  const missing = existsSync(join(ROOT, 'fixtures/kernel/out', ver, 'VERSION')) ? undefined : `fixtures/kernel/out/${ver} not built (fixtures/kernel/build.sh ${ver}); skipping the linux-${ver} run`;
  if (missing) console.warn(missing);
  describe.skipIf(missing)(`linux ${ver}: the real ftrace_make_call runs`, () => {
    for (const fn of ['add_range', 'add_range_with_merge']) {
      it(`patches ${fn}'s entry (${fn === 'add_range' ? '0' : '2'} mod 4) into a call of ftrace_caller through the fixmap`, () => {
        const k = boot(ver);
        const entry = k.entries.find((e) => e.name === fn)!;
        expect(entry.base & 3).toBe(fn === 'add_range' ? 0 : 2);
        const before = k.mem.peek(entry.base, 8);
        expect([...before]).toEqual([1, 0, 1, 0, 1, 0, 1, 0]); // 4 c.nop
        k.mem.poke(REC, new Uint8Array(new BigInt64Array([BigInt(entry.base)]).buffer));
        const caller = k.symbols.get('ftrace_caller')!;
        const r = call(k, k.symbols.get('ftrace_make_call')!, [BigInt(REC), BigInt.asUintN(64, BigInt(caller))]);
        expect(r.a0).toBe(0n);
        expect(r.services).toEqual(expect.arrayContaining(['__set_fixmap']));
        const after = new Uint32Array(k.mem.peek(entry.base, 8).slice().buffer);
        expect([...after]).toEqual(callT0(entry.base, caller));
        // copy_to_kernel_nofault() copies by the widest size both pointers are aligned to:
        // at a 2 mod 4 entry, four 2-byte stores: an instruction can be fetched half-written.
        const sizes = r.aliasStores.filter((x) => x.offset >= (entry.base & 0xfff) && x.offset < (entry.base & 0xfff) + 8).map((x) => x.size);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(8);
        if (fn === 'add_range_with_merge') expect(sizes).toEqual([2, 2, 2, 2]);
        console.log(`linux ${ver} ${fn} at ${(entry.base & 0xfff).toString(16)}: patch stores ${sizes.join('+')} bytes; services ${r.services.join(', ')}`);
        // 6.12's __patch_insn_write() maps the fixmap under an inline preempt_disable() (tp +
        // 8); 6.1's does not. Balanced on return.
        expect(r.preemptAtService.slice(0, 2)).toEqual(ver === '6.12' ? [1, 1] : [0, 0]);
        expect([...k.mem.peek(TASK + PREEMPT_COUNT, 4)]).toEqual([0, 0, 0, 0]);
      });
    }

    it('ftrace_update_ftrace_func retargets the trampoline\'s call sites to the new tracer', () => {
      const k = boot(ver);
      // 6.12 has one trampoline; 6.1 also ftrace_regs_caller with its ftrace_regs_call site.
      const sites = ver === '6.12' ? ['ftrace_call'] : ['ftrace_call', 'ftrace_regs_call'];
      expect(k.symbols.has('ftrace_regs_caller')).toBe(ver === '6.1');
      const tracer = k.symbols.get('add_range')!; // any kernel text address: the new ftrace_func_t
      const r = call(k, k.symbols.get('ftrace_update_ftrace_func')!, [BigInt.asUintN(64, BigInt(tracer))]);
      expect(r.a0).toBe(0n);
      for (const name of sites) {
        const at = k.symbols.get(name)!;
        expect([...new Uint32Array(k.mem.peek(at, 8).slice().buffer)], name).toEqual(callVia(1, at, tracer));
      }
      console.log(`linux ${ver}: ${sites.map((n) => `${n} at ${(k.symbols.get(n)! & 0xfff).toString(16)}`).join(', ')} -> add_range; patch stores ${r.aliasStores.map((x) => x.size).join('+')}`);
    });
  });
}
