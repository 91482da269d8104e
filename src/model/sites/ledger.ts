/**
 * The one ledger of patch writes: every store to patchable memory as a write record (id,
 * address, bytes, and the site version its patch operation makes), the versions of each site,
 * and the RV64 patch operations still open. Memory keeps the per-byte provenance (write id);
 * this ledger says what each id means. Fetch models read old contents from it.
 */
import { hexAddr } from '../../isa/symbols.js';
import type { PassInsn } from '../../check/passes.js';
import type { Core } from '../core.js';
import type { Outcome } from '../model.js';
import type { TaskState } from '../state.js';
import type { MicroOp } from '../kernel/programs.js';
import { ownWrite, publish } from '../fetch/causal.js';

/** Versions a site may reach in one execution before the search stops with a limit. */
export const MAX_VERSIONS = 30;

/** A plain array of a typed array's elements (Array.from would go through the iterator protocol). */
export function toArray(xs: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) out.push(xs[i]);
  return out;
}

/**
 * Site s's list of versions becomes `list`. The lists, and the list of them, are shared with
 * snapshots (state.ts cloneState): each change replaces them, never changes one in place.
 */
function setVersions(st: Core['st'], s: number, list: number[][]): void {
  const all = st.versions.slice();
  all[s] = list;
  st.versions = all;
}

/** The index in k.st.writes of the last write at or before time T to byte a, or -1 (the byte's first contents). */
function writeAt(k: Core, a: number, T: number): number {
  const writes = k.st.writes;
  let at = -1;
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i];
    if (w.id > T) break;
    if (a >= w.at && a < w.at + w.bytes.length) at = i;
  }
  return at;
}

/** The byte at a before any write: declared code, else memory. */
function firstByte(k: Core, a: number): number {
  const c = k.layout.codeAt(a);
  return c ? c.bytes[a - c.base] : k.mem.peek(a, 1)[0];
}

/** The byte at a as seen at write time T (contentAt's bytes, one at a time, without the lists). */
export function byteAt(k: Core, a: number, T: number): number {
  const i = writeAt(k, a, T);
  if (i < 0) return firstByte(k, a);
  const w = k.st.writes[i];
  return w.bytes[a - w.at];
}

/** Content of [addr, addr+n) as seen at write time T (provenance per byte). */
export function contentAt(k: Core, addr: number, n: number, T: number): { bytes: number[]; wids: number[] } {
  const bytes: number[] = [];
  const wids: number[] = [];
  for (let a = addr; a < addr + n; a++) {
    const i = writeAt(k, a, T);
    const w = i < 0 ? null : k.st.writes[i];
    bytes.push(w ? w.bytes[a - w.at] : firstByte(k, a));
    wids.push(w ? w.id : 0);
  }
  return { bytes, wids };
}

/** An instruction start in declared code (sites: in any version so far). */
export function isInsnStart(k: Core, addr: number): boolean {
  const s = k.layout.siteAt(addr);
  if (s >= 0) {
    const site = k.spec.sites[s];
    for (const v of k.st.versions[s]) {
      let off = 0;
      while (off < v.length) {
        if (site.base + off === addr) return true;
        off += (v[off] & 3) === 3 ? 4 : 2;
      }
    }
    return false;
  }
  const c = k.layout.codeAt(addr);
  return !!c && c.starts.has(addr - c.base);
}

/** Bitmask of the site's versions whose bytes at pc equal `bytes`. */
export function versionMask(k: Core, site: number, pc: number, bytes: number[]): number {
  const s = k.spec.sites[site];
  const off = pc - s.base;
  let mask = 0;
  k.st.versions[site].forEach((v, i) => {
    for (let j = 0; j < bytes.length; j++) {
      const b = off + j < v.length ? v[off + j] : k.mem.peek(pc + j, 1)[0];
      if (b !== bytes[j]) return;
    }
    mask |= 1 << i;
  });
  return mask;
}

/** The site version a write id belongs to: the version its patch operation made. */
export function versionOfWrite(k: Core, site: number, wid: number): number {
  if (wid === 0) return 0;
  const w = k.st.writes.find((x) => x.id === wid);
  return w?.v.find((x) => x[0] === site)?.[1] ?? 0;
}

/** Versions the bytes' writes belong to (for torn reports). */
export function versionsOfWrites(k: Core, site: number, pc: number, wids: number[]): number[] {
  const out = new Set<number>();
  for (let i = 0; i < wids.length; i++) {
    const w = wids[i];
    if (w === 0) { out.add(0); continue; }
    const byte = k.st.writes.find((x) => x.id === w);
    if (!byte) continue;
    const val = byte.bytes[pc + i - byte.at];
    const s = k.spec.sites[site];
    const vs = k.st.versions[site];
    for (let v = 1; v < vs.length; v++) if (vs[v][pc + i - s.base] === val) { out.add(v); break; }
  }
  return [...out].sort((a, b) => a - b);
}

/** Whether a pass read a byte of a patch operation still open on the site. */
export function readsOpenOp(k: Core, site: number, insns: PassInsn[]): boolean {
  const open: number[] = [];
  for (const t of k.st.tasks) for (const x of t.opSites) if (x[0] === site) open.push(x[1]);
  if (!open.length) return false;
  return insns.some((r) => r.wids.some((w) => w !== 0 && open.includes(versionOfWrite(k, site, w))));
}

/**
 * One store of a declarative `write` (all its bytes are known in advance): the first store of
 * the operation makes the new version of every site it touches.
 */
export function declaredStore(k: Core, ti: number, h: number, op: Extract<MicroOp, { k: 'store' }>): Outcome {
  const st = k.st;
  const v: [number, number][] = [];
  if (op.first) {
    const p = k.programs.ops[op.op];
    for (const s of p.sites) {
      const site = k.spec.sites[s];
      const content = toArray(k.mem.peek(site.base, site.size));
      for (let a = p.at; a < p.at + p.bytes.length; a++) if (a >= site.base && a < site.base + site.size) content[a - site.base] = p.bytes[a - p.at];
      const vs = st.versions[s];
      if (vs.length >= MAX_VERSIONS) return { kind: 'limit', reason: `site '${site.name}' has more than ${MAX_VERSIONS} versions` };
      setVersions(st, s, [...vs, content]);
      k.cov?.versionMade(s, vs.length + 1);
    }
  }
  for (const s of k.programs.ops[op.op].sites) v.push([s, st.versions[s].length - 1]);
  k.mem.store(op.at, op.size, op.value, ti);
  const id = k.mem.lastWriteId;
  const bytes: number[] = [];
  for (let i = 0; i < op.size; i++) bytes.push(Number((op.value >> BigInt(8 * i)) & 0xffn));
  st.writes = [...st.writes, { id, at: op.at, hart: h, clock: ownWrite(k, h, id), bytes, v }]; // shared with snapshots: replaced, never changed
  publish(k, h, op.at, op.size);
  if (k.trace) {
    const s = k.layout.siteAt(op.at);
    k.trace.push({ hart: h, task: k.layout.taskNames[ti], kind: 'store', pc: op.at, size: op.size, text: `store ${op.size} bytes at ${hexAddr(op.at)}: ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')} (write #${id}${s >= 0 ? `, site ${k.spec.sites[s].name} v${st.versions[s].length - 1}` : ''})`, site: s >= 0 ? k.spec.sites[s].name : undefined, write: { id, ...(s >= 0 ? { site: k.spec.sites[s].name, version: st.versions[s].length - 1 } : {}) } });
  }
  return { kind: 'continue' };
}

/**
 * Records an RV64 store to patchable memory, already performed by the hart. It belongs to the
 * version the task's next patch_done declares: that pending version is the site's content when
 * the operation began with the operation's stores so far applied, as for a declarative write.
 */
export function codeStore(k: Core, h: number, t: TaskState, addr: number, size: number): Outcome | null {
  const st = k.st;
  const bytes = toArray(k.mem.peek(addr, size));
  const v: [number, number][] = [];
  for (let s = 0; s < k.spec.sites.length; s++) {
    const site = k.spec.sites[s];
    if (!(addr < site.base + site.size && site.base < addr + size)) continue;
    const vs = st.versions[s];
    let open = t.opSites.find((x) => x[0] === s);
    if (!open) {
      if (vs.length >= MAX_VERSIONS) return { kind: 'limit', reason: `site '${site.name}' has more than ${MAX_VERSIONS} versions` };
      open = [s, vs.length];
      setVersions(st, s, [...vs, toArray(k.mem.peek(site.base, site.size))]);
      k.cov?.versionMade(s, vs.length + 1);
      t.opSites.push(open);
    } else {
      // Version contents are shared between saved states: replace, never mutate.
      const content = vs[open[1]].slice();
      for (let a = addr; a < addr + size; a++) if (a >= site.base && a < site.base + site.size) content[a - site.base] = bytes[a - addr];
      const next = vs.slice();
      next[open[1]] = content;
      setVersions(st, s, next);
    }
    v.push([s, open[1]]);
  }
  const id = k.mem.lastWriteId;
  st.writes = [...st.writes, { id, at: addr, hart: h, clock: ownWrite(k, h, id), bytes, v }];
  return null;
}
