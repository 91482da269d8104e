/**
 * YAML spec -> resolved Spec (types.ts): parse with positions, apply `--set` overrides,
 * validate against the JSON Schema, place regions, assemble asm blocks (two passes so blocks
 * may refer to each other's labels), resolve symbols, check sites and patch writes.
 * All problems come back as diagnostics with `file:line:col`; nothing is thrown for bad input.
 */
import { assemble } from '../isa/asm/index.js';
import type { SpecDiagnostic } from './diagnostic.js';
import { applyOverrides, parseOverrides } from './overrides.js';
import { Path, SpecSource } from './source.js';
import type {
  Assertion,
  ExploreOptions,
  Preemption,
  PropertyName,
  Region,
  RegionKind,
  Site,
  SourceLoc,
  Spec,
  Step,
  TaskSpec,
} from './types.js';
import { validateSpecData } from './validate.js';
import { loadElfInput, PatchableEntry } from './elf-input.js';
import { loadKernelObjects } from './kernel-objects.js';
import { KERNEL_PHYS, THREAD_LAYOUTS, fixaddrTop } from './kernel-stubs.js';
import { asmBytesBound, InputLimits, limitsOf, yamlShape } from './limits.js';
import { ElfError, parseElf } from '../isa/elf.js';

export interface LoadOptions {
  /** `--set path=value` strings. */
  overrides?: readonly string[];
  /** Reads a file named by the spec (elf:), relative paths already resolved against the spec. */
  readFile?: (path: string) => Uint8Array;
  /** Resolves a path named in the spec relative to the spec file. */
  resolvePath?: (path: string) => string;
  /** Input limits (src/spec/limits.ts); unset fields take DEFAULT_LIMITS. */
  limits?: Partial<InputLimits>;
  /** Milliseconds clock for the `prepareMs` limit (default performance.now). */
  now?: () => number;
}

export interface LoadResult {
  spec?: Spec;
  diagnostics: SpecDiagnostic[];
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any;

const REG_NAMES: Record<string, number> = (() => {
  const abi = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
    's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
  const m: Record<string, number> = { fp: 8 };
  abi.forEach((n, i) => { m[n] = i; m[`x${i}`] = i; });
  return m;
})();

export function regNumber(name: string): number | undefined {
  return REG_NAMES[name];
}

/** Signed 64-bit JS number of an unsigned or signed 64-bit value, if in the modelled range. */
export function toAddress(v: bigint): number | undefined {
  const s = BigInt.asIntN(64, v);
  if (s > BigInt(Number.MAX_SAFE_INTEGER) || s < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
  return Number(s);
}

class Resolver {
  readonly diags: SpecDiagnostic[] = [];
  readonly symbols = new Map<string, number>();
  readonly regions: Region[] = [];
  /** Upper bound of the bytes of each asm block (by spec path), judged before assembling it. */
  private readonly asmBound = new Map<string, number>();
  /** Bytes of modelled memory allocated so far (regions and ELF segments). */
  memoryBytes = 0;
  private timedOut = false;
  private outOfMemory = false;

  constructor(readonly src: SpecSource, readonly raw: Raw, readonly opts: LoadOptions, readonly limits: InputLimits, readonly deadline: number, readonly now: () => number) {}

  /** Whether loading is past its time limit; reported once, at the spec's first line. */
  overTime(): boolean {
    if (!this.timedOut && this.now() > this.deadline) {
      this.timedOut = true;
      this.error('limit', { file: this.src.file, line: 1, column: 1 }, `loading the spec took more than ${this.limits.prepareMs} ms (limit prepareMs)`);
    }
    return this.timedOut;
  }

  /** Counts `bytes` of modelled memory; false (and a diagnostic at `path`) past the limit. */
  allocate(bytes: number, path: Path): boolean {
    if (this.outOfMemory) return false;
    if (this.memoryBytes + bytes > this.limits.memoryBytes) {
      this.outOfMemory = true;
      this.error('limit', this.loc(path), `the spec's memory would exceed ${this.limits.memoryBytes} bytes (${this.memoryBytes} allocated, ${bytes} more asked; limit memoryBytes)`);
      return false;
    }
    this.memoryBytes += bytes;
    return true;
  }

  error(code: SpecDiagnostic['code'], loc: SourceLoc, message: string): void {
    this.diags.push({ code, ...loc, message });
  }

  loc(path: Path): SourceLoc {
    return this.src.loc(path);
  }

  /** Evaluates an address field: integer, hex string, symbol, symbol+/-offset. */
  value(v: unknown, path: Path, what = 'address'): bigint | undefined {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v !== 'string') {
      this.error('schema', this.loc(path), `${what} expected`);
      return undefined;
    }
    const s = v.trim();
    if (/^0[xX][0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*$/.test(s)) return BigInt(s.replace(/_/g, ''));
    if (/^-?[0-9]+$/.test(s)) return BigInt(s);
    const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)(?:\s*([+-])\s*(0[xX][0-9a-fA-F]+|[0-9]+))?$/.exec(s);
    if (!m) {
      this.error('schema', this.loc(path), `'${s}' is not a number, symbol or symbol+offset`);
      return undefined;
    }
    const base = this.symbols.get(m[1]);
    if (base === undefined) {
      this.error('symbol', this.loc(path), `unknown symbol '${m[1]}'`);
      return undefined;
    }
    const off = m[3] ? BigInt(m[3]) : 0n;
    return BigInt(base) + (m[2] === '-' ? -off : off);
  }

  address(v: unknown, path: Path): number | undefined {
    const b = this.value(v, path);
    if (b === undefined) return undefined;
    const a = toAddress(b);
    if (a === undefined) this.error('schema', this.loc(path), `address 0x${BigInt.asUintN(64, b).toString(16)} is outside the modelled range (sign-extended +-2^53)`);
    return a;
  }

  regionAt(addr: number, size = 1): Region | undefined {
    return this.regions.find((r) => addr >= r.base && addr + size <= r.base + r.bytes.length);
  }

  isInsnStart(addr: number): boolean {
    const r = this.regionAt(addr);
    return !!r && r.kind !== 'data' && r.insnStarts.has(addr - r.base);
  }

  /** Assembles `text` (at spec path `path`) at `base`; diagnostics mapped to the spec file. */
  assembleAt(text: string, path: Path, base: number, rvc: boolean, report: boolean, own?: ReadonlySet<string>) {
    // The assembler allocates what a block emits (.space, .fill, .align): bound it first.
    const key = path.join('.');
    const bound = this.asmBound.get(key) ?? asmBytesBound(text);
    if (!this.asmBound.has(key)) {
      let spent = 0;
      for (const b of this.asmBound.values()) spent += b;
      if (spent + bound > this.limits.asmBytes) {
        this.error('limit', this.loc(path), `asm here may emit up to ${bound} bytes; with the blocks before it that is more than the ${this.limits.asmBytes} bytes allowed (limit asmBytes)`);
      }
      this.asmBound.set(key, bound);
    }
    let spent = 0;
    for (const b of this.asmBound.values()) spent += b;
    // Past a limit (already reported): not assembled, and callers report nothing more for it.
    if (spent > this.limits.asmBytes || this.overTime()) return { limited: true, bytes: new Uint8Array(0), symbols: new Map<string, number>(), lines: [], passes: 0, diagnostics: [{ file: this.src.file, line: 1, column: 1, message: 'not assembled (limit)', code: 'syntax' as const }] };
    let symbols: ReadonlyMap<string, number> = this.symbols;
    if (own?.size) symbols = new Map([...this.symbols].filter(([k]) => !own.has(k)));
    // The time limit is asked inside the assembler too: one block cannot run past it.
    const a = assemble(text, { base, rvc, symbols, file: this.src.file, line: 1, column: 1, stop: () => this.overTime() });
    if (a.interrupted) return { ...a, limited: true, diagnostics: [{ file: this.src.file, line: 1, column: 1, message: 'not assembled (limit)', code: 'syntax' as const }] };
    const r = { limited: false, ...a };
    if (report) {
      for (const d of r.diagnostics) {
        this.error('asm', this.src.within(path, d.line, d.column), d.message);
      }
    }
    return r;
  }

  // ---- regions -------------------------------------------------------------------------

  regionsFromRaw(): void {
    const list: Raw[] = this.raw.memory ?? [];
    type Pending = { raw: Raw; path: Path; base: number; bytes: Uint8Array; lines: { offset: number; size: number; line: number }[]; own: Set<string> };
    const pending: Pending[] = [];
    // Pass 1: place and size every region, collecting labels (unknown-symbol errors ignored).
    let cursor: number | undefined;
    const ends = new Map<string, number>();
    for (const [i, r] of list.entries()) {
      const path: Path = ['memory', i];
      let base: number | undefined;
      const align = r.align ?? 8;
      if (r.at !== undefined) base = this.address(r.at, [...path, 'at']);
      else if (r.after !== undefined) {
        const end = ends.get(r.after);
        if (end === undefined) {
          this.error('symbol', this.loc([...path, 'after']), `'after: ${r.after}' names no earlier region`);
          continue;
        }
        base = Math.ceil(end / align) * align;
      } else if (cursor !== undefined) base = Math.ceil(cursor / align) * align;
      else {
        this.error('schema', this.loc(path), `the first region needs 'at'`);
        continue;
      }
      if (base === undefined) continue;
      if (this.symbols.has(r.name)) this.error('symbol', this.loc([...path, 'name']), `duplicate symbol '${r.name}'`);
      this.symbols.set(r.name, base);
      let bytes: Uint8Array = new Uint8Array(0);
      let lines: Pending['lines'] = [];
      const own = new Set<string>();
      // An asm block with errors (reported in pass 2) is not also called empty.
      let asmErrors = false;
      if (typeof r.asm === 'string') {
        const a = this.assembleAt(r.asm, [...path, 'asm'], base, r.rvc ?? true, false);
        if (a.limited) continue;
        bytes = a.bytes;
        asmErrors = a.diagnostics.length > 0;
        for (const [name, addr] of a.symbols) {
          if (this.symbols.has(name)) {
            this.error('symbol', this.loc([...path, 'asm']), `symbol '${name}' is defined twice (also ${name === r.name ? 'the region name' : 'elsewhere'})`);
            continue;
          }
          this.symbols.set(name, addr);
          own.add(name);
        }
      } else if (r.bytes !== undefined) {
        bytes = parseBytes(r.bytes);
      }
      if (!this.allocate(Math.max(bytes.length, r.size ?? 0), path)) continue;
      if (r.size !== undefined) {
        if (r.size < bytes.length) this.error('schema', this.loc([...path, 'size']), `size ${r.size} is smaller than the content (${bytes.length} bytes)`);
        else if (r.size > bytes.length) {
          const b = new Uint8Array(r.size);
          b.set(bytes);
          bytes = b;
        }
      } else if (bytes.length === 0 && !asmErrors) {
        this.error('schema', this.loc(path), `region '${r.name}' is empty: give asm, bytes or size`);
      }
      pending.push({ raw: r, path, base, bytes, lines, own });
      cursor = base + bytes.length;
      ends.set(r.name, cursor);
    }
    // Pass 2: assemble with every symbol known; sizes must not change.
    for (const p of pending) {
      const r = p.raw;
      if (typeof r.asm === 'string') {
        const a = this.assembleAt(r.asm, [...p.path, 'asm'], p.base, r.rvc ?? true, true, p.own);
        if (a.diagnostics.length) continue;
        if (a.bytes.length > p.bytes.length || (r.size === undefined && a.bytes.length !== p.bytes.length)) {
          this.error('asm', this.loc([...p.path, 'asm']), `region '${r.name}' changed size between assembler passes (${p.bytes.length} -> ${a.bytes.length} bytes): a symbol value decides an instruction's length; place the region with 'at'`);
          continue;
        }
        p.bytes.set(a.bytes);
        p.lines = a.lines;
      }
      const kind = r.kind as RegionKind;
      const insnStarts = new Set<number>();
      const lineOf = new Map<number, number>();
      if (kind !== 'data') {
        if (typeof r.asm === 'string') {
          for (const l of p.lines) {
            if (l.size > 0) {
              insnStarts.add(l.offset);
              lineOf.set(l.offset, this.src.within([...p.path, 'asm'], l.line, 1).line);
            }
          }
        } else linearSweep(p.bytes, insnStarts);
      }
      this.regions.push({
        name: r.name,
        kind,
        base: p.base,
        bytes: p.bytes,
        shared: kind === 'data' ? r.shared ?? true : false,
        insnStarts,
        lines: lineOf,
        loc: this.loc(p.path),
      });
    }
  }

  checkOverlaps(): void {
    const sorted = [...this.regions].sort((a, b) => a.base - b.base);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1], cur = sorted[i];
      if (cur.base < prev.base + prev.bytes.length) {
        this.error('overlap', cur.loc, `region '${cur.name}' (0x${hex(cur.base)}..0x${hex(cur.base + cur.bytes.length)}) overlaps '${prev.name}' (0x${hex(prev.base)}..0x${hex(prev.base + prev.bytes.length)})`);
      }
    }
  }

  // ---- symbols, sites --------------------------------------------------------------------

  extraSymbols(): void {
    const syms = this.raw.symbols ?? {};
    for (const [name, v] of Object.entries(syms)) {
      const a = this.address(v, ['symbols', name]);
      if (a === undefined) continue;
      if (this.symbols.has(name) && this.symbols.get(name) !== a) {
        this.error('symbol', this.src.keyLoc(['symbols'], name), `symbol '${name}' is already defined as 0x${hex(this.symbols.get(name)!)}`);
      }
      this.symbols.set(name, a);
    }
  }

  sites(): Site[] {
    const out: Site[] = [];
    for (const [i, s] of ((this.raw.sites ?? []) as Raw[]).entries()) {
      const path: Path = ['sites', i];
      const base = this.address(s.at, [...path, 'at']);
      if (base === undefined) continue;
      const region = this.regionAt(base, s.size);
      if (!region || region.kind === 'data') {
        this.error('site', this.loc([...path, 'at']), `site '${s.name}' (0x${hex(base)}, ${s.size} bytes) is not inside declared code`);
        continue;
      }
      if (!region.insnStarts.has(base - region.base)) {
        this.error('site', this.loc([...path, 'at']), `site '${s.name}' starts at 0x${hex(base)}, which is not an instruction start in '${region.name}'`);
        continue;
      }
      if (typeof s.initial === 'string') {
        // The code region decides compression (`rvc:` or `.option norvc` inside it), so
        // `initial` matches if it assembles to the bytes there with RVC on or off.
        const at = base - region.base;
        const tries = [true, false].map((rvc) => this.assembleAt(s.initial, [...path, 'initial'], base, rvc, rvc));
        const a = tries[0];
        if (a.diagnostics.length === 0) {
          const fits = (b: Uint8Array) => b.length <= s.size && equalBytes(region.bytes.subarray(at, at + b.length), b);
          if (!tries.some((t) => t.diagnostics.length === 0 && fits(t.bytes))) {
            this.error('site', this.loc([...path, 'initial']), `site '${s.name}' is not where its code is: 'initial' assembles to ${hexBytes(a.bytes)}${equalBytes(a.bytes, tries[1].bytes) ? '' : ` (${hexBytes(tries[1].bytes)} without RVC)`} but 0x${hex(base)} holds ${hexBytes(region.bytes.subarray(at, at + Math.max(a.bytes.length, tries[1].bytes.length, 1)))}`);
          }
        }
      }
      const targets: number[] = [];
      for (const [j, t] of ((s.targets ?? []) as unknown[]).entries()) {
        const a = this.address(t, [...path, 'targets', j]);
        if (a === undefined) continue;
        if (!this.isInsnStart(a)) this.error('site', this.loc([...path, 'targets', j]), `target 0x${hex(a)} of site '${s.name}' is not an instruction start in declared code`);
        targets.push(a);
      }
      targets.push(base + s.size);
      if (out.some((o) => o.name === s.name)) this.error('site', this.loc([...path, 'name']), `duplicate site '${s.name}'`);
      for (const o of out) {
        if (base < o.base + o.size && o.base < base + s.size) this.error('overlap', this.loc(path), `site '${s.name}' overlaps site '${o.name}'`);
      }
      let trap: number | undefined;
      if (s.trap !== undefined) {
        trap = this.address(s.trap.handler, [...path, 'trap', 'handler']);
        if (trap !== undefined && !this.isInsnStart(trap)) this.error('site', this.loc([...path, 'trap', 'handler']), `trap handler 0x${hex(trap)} of site '${s.name}' is not an instruction start in declared code`);
      }
      out.push({ name: s.name, base, size: s.size, targets, trap, loc: this.loc(path) });
    }
    return out;
  }

  // ---- tasks and steps -------------------------------------------------------------------

  hartSet(v: unknown, harts: number, path: Path): number[] {
    const all = Array.from({ length: harts }, (_, i) => i);
    if (v === undefined || v === 'any') return all;
    const list = (typeof v === 'number' ? [v] : (v as number[])).slice().sort((a, b) => a - b);
    for (const h of list) if (h >= harts) this.error('task', this.loc(path), `hart ${h} does not exist (harts: ${harts})`);
    return [...new Set(list.filter((h) => h < harts))];
  }

  isPatchable(addr: number, size: number, sites: Site[]): boolean {
    for (let a = addr; a < addr + size; a++) {
      const r = this.regionAt(a);
      if (!r) return false;
      if (r.kind === 'patchable') continue;
      if (r.kind === 'code' && sites.some((s) => a >= s.base && a < s.base + s.size)) continue;
      return false;
    }
    return true;
  }

  steps(list: Raw[], path: Path, sites: Site[]): Step[] {
    const out: Step[] = [];
    for (const [i, st] of list.entries()) {
      const p: Path = [...path, i];
      if (typeof st === 'string') {
        out.push({ op: st } as Step);
      } else if (st.write) {
        const w = st.write;
        const wp: Path = [...p, 'write'];
        const at = this.address(w.at, [...wp, 'at']);
        if (at === undefined) continue;
        let bytes: Uint8Array;
        if (typeof w.asm === 'string') {
          const a = this.assembleAt(w.asm, [...wp, 'asm'], at, w.rvc ?? false, true);
          if (a.diagnostics.length) continue;
          bytes = a.bytes;
        } else bytes = parseBytes(w.bytes);
        if (bytes.length === 0) {
          this.error('write', this.loc(wp), 'empty write');
          continue;
        }
        if (!this.isPatchable(at, bytes.length, sites)) {
          this.error('write', this.loc([...wp, 'at']), `write of ${bytes.length} bytes at 0x${hex(at)} is not inside a patch site or patchable region`);
          continue;
        }
        const stores = this.storeSizes(w.stores, at, bytes.length, [...wp, 'stores']);
        if (!stores) continue;
        out.push({ op: 'write', at, bytes, stores, loc: this.loc(wp) });
      } else if (st.stop_machine) {
        const sm = st.stop_machine;
        out.push({ op: 'stop_machine', steps: this.steps(sm.steps ?? [], [...p, 'stop_machine', 'steps'], sites), flush: sm.flush ?? 'fence.i' });
      } else if (st.remote_fence_i) {
        const r = st.remote_fence_i;
        // The IPI targets must be harts of this machine (the schema only bounds them by 8).
        const harts = this.raw.harts as number;
        if (Array.isArray(r.harts)) {
          for (const [j, h] of (r.harts as number[]).entries()) {
            if (h >= harts) this.error('task', this.loc([...p, 'remote_fence_i', 'harts', j]), `hart ${h} does not exist (harts: ${harts})`);
          }
        }
        out.push({ op: 'remote_fence_i', harts: r.harts ?? 'others', wait: r.wait ?? true });
      }
    }
    return out;
  }

  /**
   * Store sizes of a patch write. `auto` follows copy_to_kernel_nofault (mm/maccess.c): the
   * alignment of dst|src is judged once, then 8-, 4-, 2-, 1-byte loops run while they fit;
   * the source buffer is taken as 8-aligned, so only the destination decides.
   */
  storeSizes(v: unknown, at: number, len: number, path: Path): number[] | undefined {
    if (v === undefined || v === 'auto') {
      const out: number[] = [];
      let left = len;
      for (const s of [8, 4, 2, 1]) {
        if (((at % s) + s) % s !== 0) continue;
        while (left >= s) { out.push(s); left -= s; }
      }
      return out;
    }
    const list = typeof v === 'number' ? Array(Math.floor(len / v)).fill(v) : (v as number[]);
    const sum = list.reduce((a, b) => a + b, 0);
    if (sum !== len) {
      this.error('write', this.loc(path), `store sizes add up to ${sum} bytes but the write is ${len} bytes`);
      return undefined;
    }
    return list;
  }

  tasks(sites: Site[], harts: number): TaskSpec[] {
    const out: TaskSpec[] = [];
    for (const [i, t] of (this.raw.tasks as Raw[]).entries()) {
      const path: Path = ['tasks', i];
      if (out.some((o) => o.name === t.name)) this.error('task', this.loc([...path, 'name']), `duplicate task '${t.name}'`);
      const regs = new Map<number, bigint>();
      for (const [name, v] of Object.entries(t.regs ?? {})) {
        const n = REG_NAMES[name];
        const val = this.value(v, [...path, 'regs', name], 'value');
        if (n !== undefined && val !== undefined) regs.set(n, BigInt.asIntN(64, val));
      }
      const common = {
        name: t.name as string,
        harts: this.hartSet(t.hart, harts, [...path, 'hart']),
        regs,
        stack: t.stack ?? 512,
        start: (t.start ?? 'ready') as 'ready' | 'running',
      };
      if (t.call !== undefined) {
        const call = this.address(t.call, [...path, 'call']);
        if (call === undefined) continue;
        if (!this.isInsnStart(call)) this.error('task', this.loc([...path, 'call']), `call target 0x${hex(call)} is not an instruction start in declared code`);
        out.push({ ...common, kind: 'caller', call, times: t.times ?? 1 });
      } else if (t.entry !== undefined) {
        const entry = this.address(t.entry, [...path, 'entry']);
        if (entry === undefined) continue;
        if (!this.isInsnStart(entry)) this.error('task', this.loc([...path, 'entry']), `entry 0x${hex(entry)} is not an instruction start in declared code`);
        out.push({ ...common, kind: 'code', entry });
      } else {
        out.push({ ...common, kind: 'patcher', steps: this.steps(t.patch ?? [], [...path, 'patch'], sites) });
      }
    }
    return out;
  }

  assertions(tasks: TaskSpec[], sites: Site[]): Assertion[] {
    const out: Assertion[] = [];
    for (const [i, a] of ((this.raw.assertions ?? []) as Raw[]).entries()) {
      const path: Path = ['assertions', i];
      if (a.memory) {
        const at = this.address(a.memory.at, [...path, 'memory', 'at']);
        const eq = this.value(a.memory.equals, [...path, 'memory', 'equals'], 'value');
        if (at !== undefined && eq !== undefined) out.push({ name: a.name, kind: 'memory', at, size: a.memory.size ?? 8, equals: BigInt.asIntN(64, eq) });
      } else if (a.register) {
        const task = tasks.findIndex((t) => t.name === a.register.task);
        const reg = REG_NAMES[a.register.reg];
        const eq = this.value(a.register.equals, [...path, 'register', 'equals'], 'value');
        if (task < 0) this.error('task', this.loc([...path, 'register', 'task']), `unknown task '${a.register.task}'`);
        else if (reg === undefined) this.error('schema', this.loc([...path, 'register', 'reg']), `unknown register '${a.register.reg}'`);
        else if (eq !== undefined) out.push({ name: a.name, kind: 'register', task, reg, equals: BigInt.asIntN(64, eq) });
      } else if (a.site) {
        const site = sites.findIndex((s) => s.name === a.site.name);
        if (site < 0) this.error('site', this.loc([...path, 'site', 'name']), `unknown site '${a.site.name}'`);
        else out.push({ name: a.name, kind: 'site', site, version: a.site.version });
      }
    }
    return out;
  }
}

function linearSweep(bytes: Uint8Array, starts: Set<number>): void {
  let off = 0;
  while (off + 2 <= bytes.length) {
    starts.add(off);
    const lo = bytes[off] | (bytes[off + 1] << 8);
    off += (lo & 3) === 3 ? 4 : 2;
  }
}

export function parseBytes(v: unknown): Uint8Array {
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  const s = String(v).replace(/\s+/g, '');
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hex(a: number): string {
  return BigInt.asUintN(64, BigInt(a)).toString(16);
}

/** Bytes in hex for a message: the first 32 and the count, so one diagnostic stays one short line. */
function hexBytes(b: Uint8Array, max = 32): string {
  const shown = Array.from(b.subarray(0, max), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > max ? `${shown} ... (${b.length} bytes)` : shown;
}

/** Loads a spec from its text. `file` is used in diagnostics and for the default name. */
export function loadSpec(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const limits = limitsOf(opts.limits);
  const now = opts.now ?? (() => performance.now());
  const deadline = now() + limits.prepareMs;
  const at1 = (code: SpecDiagnostic['code'], message: string): LoadResult => ({ diagnostics: [{ code, file, line: 1, column: 1, message }] });
  if (text.length > limits.specBytes) return at1('limit', `the spec has ${text.length} characters, more than ${limits.specBytes} (limit specBytes)`);
  // Depth and size before composing: composing, toJS and validation recurse per level.
  const shape = yamlShape(text, limits);
  if (shape) return { diagnostics: [{ code: 'limit', ...offsetLoc(text, file, shape.offset), message: shape.message }] };
  const src = new SpecSource(text, file);
  const syntax = src.syntaxErrors();
  if (syntax.length) return { diagnostics: syntax };
  const { overrides, errors } = parseOverrides(opts.overrides ?? []);
  if (errors.length) return { diagnostics: errors.map((message) => ({ code: 'override', file, line: 1, column: 1, message })) };
  const od = applyOverrides(src, overrides, limits);
  if (od.length) return { diagnostics: od };
  const data = src.dataOrDiagnostic(limits.yamlAliases);
  if (data.diagnostic) return { diagnostics: [data.diagnostic] };
  const raw = data.value;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { diagnostics: [{ code: 'schema', file, line: 1, column: 1, message: 'a spec is a YAML mapping (harts:, tasks:, ...)' }] };
  }
  const schemaDiags = validateSpecData(raw, src);
  if (schemaDiags.length) return { diagnostics: schemaDiags };
  const counts = countDiagnostics(raw as Raw, src, limits);
  if (counts.length) return { diagnostics: counts };
  if (now() > deadline) return at1('limit', `loading the spec took more than ${limits.prepareMs} ms (limit prepareMs)`);
  const r = new Resolver(src, raw as Raw, opts, limits, deadline, now);
  const rawSpec = raw as Raw;
  let entries: PatchableEntry[] = [];
  if (rawSpec.elf) {
    const pre = elfPreflight(rawSpec.elf, src, opts, r);
    if (pre.diagnostics.length) return { diagnostics: pre.diagnostics };
    const e = loadElfInput(rawSpec.elf, src, pre.opts, r.symbols);
    r.diags.push(...e.diagnostics);
    r.regions.push(...e.regions);
    entries = e.entries;
    if (e.diagnostics.length) return { diagnostics: r.diags };
  }
  let kernel: Spec['kernel'];
  let objectEntries: PatchableEntry[] = [];
  if (rawSpec.objects) {
    const k = loadKernelObjects(rawSpec.objects, src, opts, r.symbols, rawSpec.harts);
    r.diags.push(...k.diagnostics);
    if (k.diagnostics.length) return { diagnostics: r.diags };
    r.regions.push(...k.regions);
    objectEntries = k.entries;
    const text = r.address(rawSpec.objects.text, ['objects', 'text'])!;
    kernel = { stubs: k.stubs, vaKernelPaOffset: text - KERNEL_PHYS, fixaddrTop: fixaddrTop(), thread: THREAD_LAYOUTS[rawSpec.objects.stubs ?? 'linux-6.12'] };
  }
  r.regionsFromRaw();
  if (r.diags.length) return { diagnostics: dedupe(r.diags) };
  r.checkOverlaps();
  r.extraSymbols();
  if (r.symbols.size > limits.symbols) r.error('limit', r.loc([]), `the spec defines ${r.symbols.size} symbols, more than ${limits.symbols} (limit symbols)`);
  if (r.diags.length) return { diagnostics: dedupe(r.diags) };
  const sites = r.sites();
  if (r.diags.length) return { diagnostics: dedupe(r.diags) };
  if (rawSpec.elf) {
    const es = elfSites(rawSpec.elf, r, sites, entries, 'elf');
    sites.push(...es);
  }
  if (rawSpec.objects) sites.push(...elfSites(rawSpec.objects, r, sites, objectEntries, 'objects'));
  const harts = rawSpec.harts as number;
  const tasks = r.tasks(sites, harts);
  const assertions = r.assertions(tasks, sites);
  let handler: number | undefined;
  const irq = rawSpec.kernel?.interrupts;
  if (irq && typeof irq === 'object' && irq.handler !== undefined) handler = r.address(irq.handler, ['kernel', 'interrupts', 'handler']);
  r.overTime();
  if (r.diags.length) return { diagnostics: dedupe(r.diags) };
  const exp = rawSpec.expect;
  const expect: Spec['expect'] = exp === undefined ? { verdict: 'safe' as const, violations: [] } : typeof exp === 'string' ? { verdict: exp as 'safe' | 'unsafe', violations: [] } : {
    verdict: exp.verdict,
    property: exp.property as PropertyName | undefined,
    kind: exp.kind as string | undefined,
    violations: exp.violations ? exp.violations.map((v: { property: PropertyName; kind?: string; site?: string }) => ({ property: v.property, kind: v.kind, site: v.site })) : exp.property ? [{ property: exp.property, kind: exp.kind }] : [],
  };
  const ex = rawSpec.explore ?? {};
  const explore: ExploreOptions = {
    bound: ex.bound,
    exhaustive: ex.exhaustive ?? false,
    reduction: ex.reduction ?? 'default',
    maxStates: ex['max-states'],
    maxTime: ex['max-time'],
    maxMemory: ex['max-memory'],
    maxSteps: ex['max-steps'] ?? 100000,
  };
  const props = rawSpec.properties ?? {};
  const spec: Spec = {
    name: rawSpec.name ?? file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, ''),
    file,
    description: rawSpec.description,
    source: rawSpec.source,
    harts,
    preemption: (rawSpec.kernel?.preemption ?? 'none') as Preemption,
    trapRewind: rawSpec.kernel?.['trap-rewind'] === true,
    stopperEntry: rawSpec.kernel?.['stop-machine-entry'] === 'outside-sites' ? 'outside-sites' : 'anywhere',
    interrupts: {
      enabled: irq === true || (typeof irq === 'object' && irq !== null),
      handler,
      harts: r.hartSet(typeof irq === 'object' && irq ? irq.harts : undefined, harts, ['kernel', 'interrupts', 'harts']),
      max: typeof irq === 'object' && irq ? irq.max ?? 1 : 1,
    },
    fetch: {
      atomic: rawSpec.fetch?.atomic ?? 4,
      coherence: rawSpec.fetch?.coherence ?? 'coherent',
      // fetch.model wins; the first format's coherence key is an alias; the default is the architecture without Ziccid.
      model: rawSpec.fetch?.model ?? (rawSpec.fetch?.coherence === 'coherent' ? 'latest' : rawSpec.fetch?.coherence === 'fence.i' ? 'ziccid' : 'base'),
    },
    regions: r.regions,
    symbols: r.symbols,
    sites,
    tasks,
    properties: {
      'mixed-target': props['mixed-target'] === undefined ? true : props['mixed-target'] !== false,
      'torn-instruction': props['torn-instruction'] ?? true,
      'wild-jump': props['wild-jump'] ?? true,
      'illegal-instruction': props['illegal-instruction'] ?? true,
      deadlock: props.deadlock ?? true,
    },
    strictMixes: props['mixed-target'] === 'strict',
    assertions,
    expect,
    hasExpect: exp !== undefined,
    explore,
    ...(kernel ? { kernel } : {}),
  };
  return { spec, diagnostics: [] };
}

/** Sites from the ELF's or the kernel objects' __patchable_function_entries (elf.sites, objects.sites), see elf-input.ts. */
function elfSites(rawElf: Raw, r: Resolver, existing: Site[], entries: PatchableEntry[], key: 'elf' | 'objects'): Site[] {
  const wanted = rawElf.sites;
  if (!wanted) return [];
  const targets: number[] = [];
  for (const [j, t] of ((rawElf.targets ?? []) as unknown[]).entries()) {
    const a = r.address(t, [key, 'targets', j]);
    if (a !== undefined) targets.push(a);
  }
  const out: Site[] = [];
  for (const e of entries) {
    if (wanted !== 'patchable-entries' && !(wanted as string[]).includes(e.name)) continue;
    // -fpatchable-function-entry=N,M with M > 0: the function's site is its entry at the
    // symbol (what the call lands on and the patcher rewrites into auipc + jalr); the M
    // pre-entry nops before it (the call-ops pointer slot of CALL_OPS kernels, data the
    // trampoline loads) are a site of their own, `<func>.ops`, so writes to it are allowed
    // and reported apart (docs/spec-format.md `elf`).
    const ops = { base: e.base - e.pre, end: e.base };
    if (e.pre > 0 && !existing.some((s) => s.name === `${e.name}.ops` || (s.base < ops.end && ops.base < s.base + s.size))) {
      out.push({ name: `${e.name}.ops`, base: e.base - e.pre, size: e.pre, targets: [e.base], loc: r.loc([key]) });
    }
    if (existing.some((s) => s.name === e.name)) continue;
    const size = rawElf['site-size'] ?? e.size;
    out.push({ name: e.name, base: e.base, size, targets: [...targets, e.base + size], loc: r.loc([key]) });
  }
  if (Array.isArray(wanted)) {
    for (const [j, name] of (wanted as string[]).entries()) {
      if (!entries.some((e) => e.name === name)) r.error('elf', r.loc([key, 'sites', j]), `function '${name}' has no entry in __patchable_function_entries`);
    }
  }
  return out;
}

/** 1-based line and column of a character offset into `text`. */
function offsetLoc(text: string, file: string, offset: number): SourceLoc {
  let line = 1, start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { file, line, column: offset - start + 1 };
}

/** Counts of tasks, regions, sites and steps against their limits, before anything is built. */
function countDiagnostics(raw: Raw, src: SpecSource, limits: InputLimits): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const count = (key: string, what: string, limit: number, name: keyof InputLimits) => {
    const n = Array.isArray(raw[key]) ? raw[key].length : 0;
    if (n > limit) out.push({ code: 'limit', ...src.loc([key]), message: `the spec has ${n} ${what}, more than ${limit} (limit ${name})` });
  };
  count('tasks', 'tasks', limits.tasks, 'tasks');
  count('memory', 'memory regions', limits.regions, 'regions');
  count('sites', 'sites', limits.sites, 'sites');
  // Declarative steps of every task, nested stop_machine steps included (no recursion).
  let steps = 0;
  const pending: unknown[] = ((raw.tasks ?? []) as Raw[]).map((t) => t?.patch ?? []);
  while (pending.length) {
    const list = pending.pop();
    if (!Array.isArray(list)) continue;
    steps += list.length;
    for (const st of list) if (st && typeof st === 'object' && st.stop_machine) pending.push(st.stop_machine.steps);
  }
  if (steps > limits.steps) out.push({ code: 'limit', ...src.loc(['tasks']), message: `the tasks have ${steps} patch steps, more than ${limits.steps} (limit steps)` });
  const symbols = raw.symbols && typeof raw.symbols === 'object' ? Object.keys(raw.symbols).length : 0;
  if (symbols > limits.symbols) out.push({ code: 'limit', ...src.loc(['symbols']), message: `the spec has ${symbols} symbols, more than ${limits.symbols} (limit symbols)` });
  return out;
}

/**
 * Reads and parses the `elf:` file once before elf-input.ts builds regions from it, so that
 * its size, segment sizes (allocated and swept per byte there) and symbol count are checked
 * against the limits first. Read and parse errors are left to elf-input.ts to report.
 */
function elfPreflight(rawElf: Raw, src: SpecSource, opts: LoadOptions, r: Resolver): { diagnostics: SpecDiagnostic[]; opts: LoadOptions } {
  if (!opts.readFile || typeof rawElf.file !== 'string') return { diagnostics: [], opts };
  const path = opts.resolvePath ? opts.resolvePath(rawElf.file) : rawElf.file;
  let bytes: Uint8Array;
  try {
    bytes = opts.readFile(path);
  } catch {
    return { diagnostics: [], opts };
  }
  const once: LoadOptions = { ...opts, readFile: (p) => (p === path ? bytes : opts.readFile!(p)) };
  const loc = src.loc(['elf', 'file']);
  const fail = (message: string) => ({ diagnostics: [{ code: 'limit' as const, ...loc, message: `${rawElf.file}: ${message}` }], opts: once });
  if (bytes.length > r.limits.elfBytes) return fail(`${bytes.length} bytes, more than ${r.limits.elfBytes} (limit elfBytes)`);
  let elf;
  try {
    elf = parseElf(bytes);
  } catch (e) {
    if (e instanceof ElfError) return { diagnostics: [], opts: once };
    throw e;
  }
  if (elf.symbols.length > r.limits.symbols) return fail(`${elf.symbols.length} symbols, more than ${r.limits.symbols} (limit symbols)`);
  if (rawElf.load !== false) {
    const total = elf.segments.reduce((a, seg) => a + seg.memsz, 0);
    if (r.memoryBytes + total > r.limits.memoryBytes) return fail(`its segments take ${total} bytes of memory, more than ${r.limits.memoryBytes} (limit memoryBytes)`);
    r.memoryBytes += total;
  }
  return { diagnostics: [], opts: once };
}

function dedupe(d: SpecDiagnostic[]): SpecDiagnostic[] {
  const seen = new Set<string>();
  return d.filter((x) => {
    const k = `${x.line}:${x.column}:${x.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort((a, b) => a.line - b.line || a.column - b.column);
}
