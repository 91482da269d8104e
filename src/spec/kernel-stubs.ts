/**
 * Built-in stub tables: a role for every symbol the ftrace objects of a kernel version leave
 * undefined (fixtures/kernel/build.sh's six objects; found with `nm -u` less what they define
 * among themselves). A spec picks one with `objects.stubs: linux-6.12` and overrides entries
 * under `objects.roles`. The roles (docs/kernel.md):
 *
 * - service: the model runs a kernel service there (model/kernel/services.ts names);
 * - return:  returns `value` in a0 at once (a callee whose effect the property does not need);
 * - trap:    reaching it is a finding (the spec's assumption that it is unreached is wrong);
 * - data:    generated memory (`gen` says what: a count of harts, a hart mask, kernel_map…);
 * - address: an absolute address (a linker-script symbol such as __exittext_begin).
 */

import type { ThreadLayout } from './types.js';

export type DataGen =
  /** `size` zero bytes (a mutex, a static key, a pointer that starts NULL). */
  | { gen: 'zero'; size: number }
  /** A little-endian integer of `size` bytes. */
  | { gen: 'int'; size: 1 | 2 | 4 | 8; value: number }
  /** atomic_t __num_online_cpus: the spec's harts. */
  | { gen: 'harts'; size: 4 }
  /** struct cpumask: bit h set for each hart (one 64-bit word is enough for the model). */
  | { gen: 'hart-mask'; size: 8 }
  /**
   * struct kernel_mapping kernel_map (arch/riscv/include/asm/page.h): virt_addr = the text
   * address, phys_addr = 0x80200000, va_kernel_pa_offset = their difference, so
   * __pa_symbol(x) = x - va_kernel_pa_offset and the __set_fixmap service maps a physical page
   * back onto text by adding it. `layout` is the field order of the version.
   */
  | { gen: 'kernel-map'; layout: readonly KernelMapField[] };

export type KernelMapField = 'page_offset' | 'virt_addr' | 'virt_offset' | 'phys_addr' | 'size' | 'va_pa_offset' | 'va_kernel_pa_offset' | 'va_kernel_xip_pa_offset';

export type StubRole =
  | { role: 'service'; service: string }
  | { role: 'return'; value: number }
  | { role: 'trap'; why: string }
  | ({ role: 'data' } & DataGen)
  | { role: 'address'; address: number };

export type StubTable = Readonly<Record<string, StubRole>>;

/** The physical load address kernel_map describes (the usual RISC-V kernel base). */
export const KERNEL_PHYS = 0x80200000;

const common: Record<string, StubRole> = {
  // The patcher's kernel services.
  stop_machine_cpuslocked: { role: 'service', service: 'stop_machine' },
  flush_icache_all: { role: 'service', service: 'flush_icache_all' },
  __set_fixmap: { role: 'service', service: '__set_fixmap' },
  // Callees whose effect the properties do not need.
  mutex_lock: { role: 'return', value: 0 },
  mutex_unlock: { role: 'return', value: 0 },
  core_kernel_text: { role: 'return', value: 1 }, // every patched address is kernel text
  _printk: { role: 'return', value: 0 },
  __warn_printk: { role: 'return', value: 0 },
  // Unreached in the specs of specs/kernel/: reaching one is a finding.
  __stack_chk_fail: { role: 'trap', why: 'stack canary overwritten' },
  memset: { role: 'trap', why: 'memset is not modelled' },
  memmove: { role: 'trap', why: 'memmove is not modelled' },
  sort: { role: 'trap', why: 'sort (ftrace_process_locs) is not modelled' },
  vmalloc_to_page: { role: 'trap', why: 'patching module text is not modelled (core_kernel_text returns 1)' },
  __asm_copy_from_user: { role: 'trap', why: 'user copies are not modelled' },
  __asm_copy_to_user: { role: 'trap', why: 'user copies are not modelled' },
  strncpy_from_user: { role: 'trap', why: 'user copies are not modelled' },
  strnlen_user: { role: 'trap', why: 'user copies are not modelled' },
  function_graph_enter: { role: 'trap', why: 'the function graph tracer is not modelled' },
  ftrace_return_to_handler: { role: 'trap', why: 'the function graph tracer is not modelled' },
  // Generated data.
  __num_online_cpus: { role: 'data', gen: 'harts', size: 4 },
  __cpu_online_mask: { role: 'data', gen: 'hart-mask', size: 8 },
  pgtable_l4_enabled: { role: 'data', gen: 'int', size: 1, value: 0 }, // Sv39
  pgtable_l5_enabled: { role: 'data', gen: 'int', size: 1, value: 0 },
  system_state: { role: 'data', gen: 'int', size: 4, value: 2 }, // SYSTEM_RUNNING
  text_mutex: { role: 'data', gen: 'zero', size: 64 },
  function_trace_op: { role: 'data', gen: 'zero', size: 8 },
  __exittext_begin: { role: 'address', address: 0 },
  __exittext_end: { role: 'address', address: 0 },
};

/** Per kernel version: `stubs: linux-6.12` and `stubs: linux-6.1`. */
export const STUB_TABLES: Readonly<Record<string, StubTable>> = {
  'linux-6.12': {
    ...common,
    stop_machine: { role: 'service', service: 'stop_machine' },
    ftrace_modify_all_code: { role: 'return', value: 0 },
    vmemmap_start_pfn: { role: 'data', gen: 'zero', size: 8 },
    kernel_map: { role: 'data', gen: 'kernel-map', layout: ['page_offset', 'virt_addr', 'virt_offset', 'phys_addr', 'size', 'va_pa_offset', 'va_kernel_pa_offset'] },
  },
  'linux-6.1': {
    ...common,
    // 6.1's flush_icache_all() sends the remote fence.i through SBI whenever CONFIG_RISCV_SBI
    // (defconfig): the firmware delivers it, IRQs off or not (arch/riscv/mm/cacheflush.c).
    flush_icache_all: { role: 'service', service: 'flush_icache_all_sbi' },
    mem_map: { role: 'data', gen: 'zero', size: 8 },
    riscv_pfn_base: { role: 'data', gen: 'zero', size: 8 },
    riscv_isa_ext_keys: { role: 'data', gen: 'zero', size: 64 },
    kernel_map: { role: 'data', gen: 'kernel-map', layout: ['page_offset', 'virt_addr', 'phys_addr', 'size', 'va_pa_offset', 'va_kernel_pa_offset', 'va_kernel_xip_pa_offset'] },
  },
};

/**
 * The task area of each version (arch/riscv/include/asm/thread_info.h, asm-offsets): thread_info
 * is the first member of task_struct (THREAD_INFO_IN_TASK), {unsigned long flags; int
 * preempt_count; ...}, so preempt_count is at tp + 8 in both; the per-task stack canary
 * (STACKPROTECTOR_PER_TASK, TSK_STACK_CANARY) is at tp + 1200 in 6.12's defconfig and tp + 1104
 * in 6.1's (read from the objects' `ld a5, OFF(tp)` in functions built with the stack protector).
 */
export const THREAD_LAYOUTS: Readonly<Record<string, ThreadLayout>> = {
  'linux-6.12': { size: 0x4000, preemptCount: 8, canary: 1200 },
  'linux-6.1': { size: 0x4000, preemptCount: 8, canary: 1104 },
};

/** kernel_map.page_offset as generated (kernel-map below): the Sv39 linear map. */
export const PAGE_OFFSET = 0xffffffd800000000n;

/**
 * FIXADDR_TOP for Sv39 with the generated kernel_map (arch/riscv/include/asm/pgtable.h, the same
 * in 6.12 and 6.1): PCI_IO_START = VMEMMAP_START - 16M, VMEMMAP_START = VMALLOC_START -
 * 2^(VA_BITS - PAGE_SHIFT - 1 + STRUCT_PAGE_MAX_SHIFT) with VA_BITS 39 (pgtable_l4/l5_enabled are
 * 0) and a 64-byte struct page, VMALLOC_START = PAGE_OFFSET - KERN_VIRT_SIZE / 2 with
 * KERN_VIRT_SIZE = PTRS_PER_PGD / 2 * PGDIR_SIZE / 2 = 128 GiB. The code computes fix_to_virt()
 * itself from kernel_map.page_offset; the __set_fixmap service maps the page it will use.
 */
export function fixaddrTop(): number {
  const vmallocStart = PAGE_OFFSET - ((512n / 2n) * (1n << 30n)) / 2n / 2n;
  const vmemmapStart = vmallocStart - (1n << BigInt(39 - 12 - 1 + 6));
  return Number(BigInt.asIntN(64, vmemmapStart - (16n << 20n)));
}

/** The bytes of a generated-data stub for `harts` harts and text at `text`. */
export function generateData(d: DataGen, harts: number, text: number): Uint8Array {
  switch (d.gen) {
    case 'zero': return new Uint8Array(d.size);
    case 'int': return le(BigInt(d.value), d.size);
    case 'harts': return le(BigInt(harts), 4);
    case 'hart-mask': return le((1n << BigInt(harts)) - 1n, 8);
    case 'kernel-map': {
      const f: Record<KernelMapField, bigint> = {
        page_offset: PAGE_OFFSET, virt_addr: BigInt.asUintN(64, BigInt(text)), virt_offset: 0n,
        phys_addr: BigInt(KERNEL_PHYS), size: 0x2000000n, va_pa_offset: 0n,
        va_kernel_pa_offset: BigInt.asUintN(64, BigInt(text) - BigInt(KERNEL_PHYS)), va_kernel_xip_pa_offset: 0n,
      };
      const out = new Uint8Array(d.layout.length * 8);
      d.layout.forEach((k, i) => out.set(le(f[k], 8), i * 8));
      return out;
    }
  }
}

function le(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}
