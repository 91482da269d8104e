/**
 * The fixmap as the kernel's text patching uses it (arch/riscv/kernel/patch.c patch_map():
 * `set_fixmap_offset(FIX_TEXT_POKE0, page_to_phys(page) + offset_in_page(addr))`, and
 * patch_unmap(): `clear_fixmap(FIX_TEXT_POKE0)`). `__set_fixmap(idx, phys, prot)` maps the
 * page of `phys` at fix_to_virt(idx) = FIXADDR_TOP - (idx << 12); phys 0 unmaps it.
 *
 * The mapping is a page table in memory, as in the kernel (fixmap_pte): one 8-byte entry per
 * index holding the virtual text page it aliases (phys's page + kernel_map.va_kernel_pa_offset,
 * the inverse of __pa_symbol), or 0. Being memory, it is saved, restored and hashed with the
 * rest of memory, and needs nothing in the model state. Loads and stores through a mapped alias
 * are accesses of the aliased text bytes (run.ts translates them): a store there is a patch
 * write of the site, with provenance and versions, or a store to immutable code. An access
 * through an unmapped (or since cleared) alias is a fault, as the page fault it is in the kernel.
 */
import type { Core } from '../core.js';
import { note } from '../trace.js';
import { hexAddr } from '../../isa/symbols.js';

const PAGE = 4096;

/** The fixmap entry of idx (0: unmapped). */
function entry(k: Core, idx: number): number {
  const b = k.mem.peek(k.layout.fixmap.pte + idx * 8, 8);
  const lo = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  const hi = b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24);
  return hi * 4294967296 + lo;
}

/** Whether [addr, addr+size) touches the fixmap's virtual range. */
export function inFixmap(k: Core, addr: number, size: number): boolean {
  const f = k.layout.fixmap;
  return f.top !== f.bottom && addr < f.top && addr + size > f.bottom;
}

/** The text address an access of [addr, addr+size) in the fixmap range reaches, or null if that page is not mapped. */
export function fixmapTranslate(k: Core, addr: number, size: number): number | null {
  const f = k.layout.fixmap;
  const page = addr - (((addr % PAGE) + PAGE) % PAGE);
  if (addr + size > page + PAGE) return null; // crosses into the next slot: not one mapping
  const idx = (f.top - page) / PAGE;
  const text = entry(k, idx);
  return text === 0 ? null : text + (addr - page);
}

/** The fixmap index an address in the fixmap range belongs to. */
export function fixmapIndex(k: Core, addr: number): number {
  const page = addr - (((addr % PAGE) + PAGE) % PAGE);
  return (k.layout.fixmap.top - page) / PAGE;
}

/** __set_fixmap(idx = a0, phys = a1, prot = a2) for task ti on hart h. */
export function setFixmap(k: Core, ti: number, h: number): void {
  const cpu = k.cpus[ti];
  const idx = Number(BigInt.asUintN(32, cpu.getReg(10)));
  const phys = cpu.getReg(11);
  const f = k.layout.fixmap;
  const at = f.top - idx * PAGE;
  if (idx <= 0 || at < f.bottom) {
    note(k, h, ti, 'service', `__set_fixmap: index ${idx} is outside the fixmap; ignored`);
    return;
  }
  const text = phys === 0n ? 0 : Number(BigInt.asIntN(64, (phys & ~0xfffn) + BigInt(k.spec.kernel!.vaKernelPaOffset)));
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, BigInt(text), true);
  k.mem.poke(f.pte + idx * 8, bytes);
  note(k, h, ti, 'service', text === 0 ? `__set_fixmap: clear fixmap ${idx} (${hexAddr(at)})` : `__set_fixmap: map ${hexAddr(at)} (fixmap ${idx}) onto ${k.names.name(text)}`);
}
