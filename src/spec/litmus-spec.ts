/**
 * A litmus test (litmus.ts) as a Spec: one RV64 `code` task per thread pinned to its hart, each
 * thread's code in its own region at a fixed address, a `ret` after the last row so the task
 * ends, the locations in one shared data region, and the condition as an observation of the
 * final state. The Spec comes out of loadSpec, so it obeys every rule a YAML spec does.
 *
 * Mapping (docs/litmus.md):
 * - thread k's code at CODE_BASE + k * CODE_STRIDE, assembled without RVC (herd's RISC-V tests
 *   are 4-byte instructions; an explicit `c.*` mnemonic is still 2 bytes);
 * - with `Variant=self`, a thread whose labels are values in the init block (`N:reg=Pk:lbl`,
 *   `[x]=Pk:lbl`) has a `patchable` region: any task's store there is a patch write, and every
 *   fetch of it is an event of the fetch model; each such label is a site of its instruction's
 *   length; other threads' code is immutable;
 * - locations are 8-byte words at DATA_BASE, in order of first appearance;
 * - preemption none (one task per hart), interrupts off, exhaustive search.
 */
import { assemble } from '../isa/asm/index.js';
import { decode } from '../isa/decode.js';
import { formatBits } from '../isa/disasm.js';
import type { Insn } from '../isa/types.js';
import { loadSpec } from './load.js';
import { formatDiagnostic } from './diagnostic.js';
import type { LitmusDiagnostic, LitmusPos, LitmusProp, LitmusTarget, LitmusTest, LitmusValue } from './litmus.js';
import type { Spec } from './types.js';

export const CODE_BASE = 0x10000;
export const CODE_STRIDE = 0x1000;
export const DATA_BASE = 0x20000;

/** The instruction-fetch models of issue 8 (docs/semantics.md, Fetch models). */
export const LITMUS_MODELS = ['base', 'ziccid', 'ir-decode-w', 'ir-decode', 'ir3-fetch'] as const;
export type LitmusModel = (typeof LITMUS_MODELS)[number];

/** What an observation may read of a final state (the explorer's FinalView has these). */
export interface FinalValues {
  reg(task: number, reg: number): bigint;
  peek(addr: number, size: number): Uint8Array;
}

export interface LitmusWarning {
  pos: LitmusPos;
  message: string;
}

export interface LitmusProgram {
  test: LitmusTest;
  spec: Spec;
  /** The condition's registers and locations in a final state (herd's `0:a2=1; x=2;`) and whether the proposition holds. */
  observe(final: FinalValues): { state: string; holds: boolean };
  warnings: LitmusWarning[];
  /** Address of each thread's labels. */
  labels: Map<string, number>[];
  locations: Map<string, number>;
}

class BuildError extends Error {
  constructor(readonly pos: LitmusPos, message: string, readonly code: LitmusDiagnostic['code'] = 'value') {
    super(message);
  }
}

interface Code {
  bytes: Uint8Array;
  labels: Map<string, number>;
  /** Decoded instructions in address order, with the row they came from. */
  insns: { addr: number; insn: Insn; pos: LitmusPos; text: string }[];
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const s64 = (v: bigint) => BigInt.asIntN(64, v);

function le(bytes: Uint8Array, off = 0, n = bytes.length - off): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]);
  return v;
}

export function litmusToSpec(test: LitmusTest): { program?: LitmusProgram; diagnostics: LitmusDiagnostic[] } {
  try {
    return { program: build(test), diagnostics: [] };
  } catch (e) {
    if (e instanceof BuildError) return { diagnostics: [{ file: test.file, line: e.pos.line, column: e.pos.column, code: e.code, message: e.message }] };
    throw e;
  }
}

/** The spec under one fetch model. */
export function withFetchModel(spec: Spec, model: LitmusModel): Spec {
  return { ...spec, fetch: { ...spec.fetch, model } };
}

function assembleThread(test: LitmusTest, k: number): Code {
  const th = test.threads[k];
  const base = CODE_BASE + k * CODE_STRIDE;
  const lines: string[] = [];
  const at: LitmusPos[] = [];
  const seen = new Map<string, LitmusPos>();
  for (const c of th.cells) {
    for (const l of c.labels) {
      const prev = seen.get(l.name);
      if (prev) throw new BuildError(l.pos, `label '${l.name}' defined twice in P${k} (first at line ${prev.line})`, 'name');
      seen.set(l.name, l.pos);
      lines.push(`${l.name}:`);
      at.push(l.pos);
    }
    if (c.text) {
      lines.push(c.text);
      at.push(c.pos);
    }
  }
  lines.push('ret');
  at.push(th.cells.length ? th.cells[th.cells.length - 1].pos : test.pos);
  const r = assemble(lines.join('\n'), { base, rvc: false, file: test.file, line: 1, column: 1 });
  if (r.diagnostics.length) {
    const d = r.diagnostics[0];
    const p = at[d.line - 1] ?? test.pos;
    throw new BuildError({ line: p.line, column: p.column + Math.max(0, d.column - 1) }, `P${k}: ${d.message}`, 'asm');
  }
  const insns: Code['insns'] = [];
  for (const l of r.lines) {
    const bits = Number(le(r.bytes, l.offset, l.size));
    const insn = decode(bits);
    if (insn) insns.push({ addr: base + l.offset, insn, pos: at[l.line - 1] ?? test.pos, text: lines[l.line - 1] });
  }
  const labels = new Map<string, number>();
  for (const [name, addr] of r.symbols) labels.set(name, addr);
  return { bytes: r.bytes, labels, insns };
}

const STORES = new Set(['sb', 'sh', 'sw', 'sd']);
const LOADS = new Set(['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu']);

function build(test: LitmusTest): LitmusProgram {
  const self = test.variants.includes('self');
  const codes = test.threads.map((_, k) => assembleThread(test, k));
  const labelAddr = (thread: number, label: string, pos: LitmusPos): number => {
    const a = codes[thread].labels.get(label);
    if (a === undefined) throw new BuildError(pos, `no label '${label}' in P${thread}`, 'name');
    return a;
  };

  // Locations, in order of first appearance.
  const locations = new Map<string, number>();
  const addLoc = (name: string) => {
    if (/^P[0-9]+$/.test(name)) return;
    if (!locations.has(name)) {
      if (locations.size >= 64) throw new BuildError(test.pos, 'too many locations (at most 64)', 'limit');
      locations.set(name, DATA_BASE + 8 * locations.size);
    }
  };
  const visitProp = (p: LitmusProp, f: (lhs: LitmusTarget, rhs: LitmusValue) => void) => {
    if (p.kind === 'and' || p.kind === 'or') {
      visitProp(p.a, f);
      visitProp(p.b, f);
    } else if (p.kind === 'not') visitProp(p.a, f);
    else if (p.kind === 'eq') f(p.lhs, p.rhs);
  };
  for (const it of test.init) {
    if (it.target.kind === 'mem') addLoc(it.target.loc);
    if (it.value.kind === 'loc') addLoc(it.value.name);
  }
  visitProp(test.condition.prop, (lhs, rhs) => {
    if (lhs.kind === 'mem') addLoc(lhs.loc);
    if (rhs.kind === 'loc') addLoc(rhs.name);
  });

  // Escaping labels: code another store may reach.
  const escaping = new Map<string, { thread: number; label: string; addr: number; pos: LitmusPos }>();
  for (const it of test.init) {
    if (it.value.kind !== 'label') continue;
    const addr = labelAddr(it.value.thread, it.value.label, it.value.pos);
    escaping.set(`P${it.value.thread}:${it.value.label}`, { thread: it.value.thread, label: it.value.label, addr, pos: it.value.pos });
  }
  const patchable = test.threads.map((_, k) => self && [...escaping.values()].some((e) => e.thread === k));

  const regInit = new Map<string, LitmusValue>();
  for (const it of test.init) if (it.target.kind === 'reg') regInit.set(`${it.target.thread}:${it.target.reg}`, it.value);

  // The slot a register's instr:"..." value is stored to: one store of that register whose base holds a code label.
  const slotOf = (thread: number, reg: number): number | undefined => {
    const slots = new Set<number>();
    for (const { insn } of codes[thread].insns) {
      if (!STORES.has(insn.op) || insn.rs2 !== reg) continue;
      const b = regInit.get(`${thread}:${insn.rs1}`);
      if (b?.kind === 'label') slots.add(labelAddr(b.thread, b.label, b.pos) + insn.imm);
    }
    return slots.size === 1 ? [...slots][0] : undefined;
  };
  const threadOfAddr = (a: number): number | undefined => {
    const k = Math.floor((a - CODE_BASE) / CODE_STRIDE);
    return k >= 0 && k < test.threads.length ? k : undefined;
  };
  const encodeAt = (v: LitmusValue & { kind: 'instr' }, slot: number | undefined): Uint8Array => {
    if (!self) throw new BuildError(v.pos, 'instr:"..." values need Variant=self (herd\'s self-modifying form)');
    // Labels resolve only where the slot is known: in its thread's code, or (a data slot) the
    // labels exactly one thread defines. Without a slot a jump to a label has no encoding.
    const k = slot === undefined ? undefined : threadOfAddr(slot);
    let symbols = new Map<string, number>();
    if (k !== undefined) symbols = codes[k].labels;
    else if (slot !== undefined) {
      const dup = new Set<string>();
      for (const c of codes) {
        for (const [n, a] of c.labels) {
          if (symbols.has(n)) dup.add(n);
          else symbols.set(n, a);
        }
      }
      for (const n of dup) symbols.delete(n);
    }
    const r = assemble(v.asm, { base: slot ?? 0, rvc: false, symbols });
    if (r.diagnostics.length) {
      const d = r.diagnostics[0];
      const hint = slot === undefined && [...codes].some((c) => [...c.labels.keys()].some((n) => new RegExp(`\\b${n.replace(/[.$]/g, '\\$&')}\\b`).test(v.asm)))
        ? ' (a jump is encoded relative to its slot: the register must be stored by one store whose base register holds a code label)'
        : '';
      throw new BuildError({ line: v.pos.line, column: v.pos.column + Math.max(0, d.column - 1) }, `instr:"${v.asm}": ${d.message}${hint}`, 'asm');
    }
    let count = 0;
    for (let off = 0; off < r.bytes.length; off += (r.bytes[off] & 3) === 3 ? 4 : 2) count++;
    if (count !== 1) {
      throw new BuildError(v.pos, `instr:"${v.asm}" is ${count} instructions (${r.bytes.length} bytes): an instruction value is one instruction`, 'asm');
    }
    return r.bytes;
  };
  const scalar = (v: LitmusValue, slot: number | undefined): bigint => {
    switch (v.kind) {
      case 'int':
        return v.value;
      case 'loc':
        return BigInt(locations.get(v.name)!);
      case 'label':
        return BigInt(labelAddr(v.thread, v.label, v.pos));
      case 'instr':
        return le(encodeAt(v, slot));
    }
  };

  // Registers.
  const regs = test.threads.map(() => new Map<number, bigint>());
  const regPos = new Map<string, LitmusPos>();
  for (const it of test.init) {
    if (it.target.kind !== 'reg') continue;
    const t = it.target;
    const key = `${t.thread}:${t.reg}`;
    if (regPos.has(key)) throw new BuildError(t.pos, `${t.thread}:${t.name} initialised twice`);
    regPos.set(key, t.pos);
    if (t.reg === 0) throw new BuildError(t.pos, 'x0 (zero) cannot be initialised');
    if (t.reg === 1 || t.reg === 2) throw new BuildError(t.pos, `${t.name} is reserved: the task returns through ra, and sp is its stack`);
    const slot = it.value.kind === 'instr' ? slotOf(t.thread, t.reg) : undefined;
    regs[t.thread].set(t.reg, u64(scalar(it.value, slot)));
  }

  // Memory.
  const data = new Uint8Array(Math.max(8, 8 * locations.size));
  const memPos = new Map<string, LitmusPos>();
  for (const it of test.init) {
    if (it.target.kind !== 'mem') continue;
    const t = it.target;
    if (memPos.has(t.loc)) throw new BuildError(t.pos, `location '${t.loc}' initialised twice`);
    memPos.set(t.loc, t.pos);
    const off = locations.get(t.loc)! - DATA_BASE;
    let v = u64(scalar(it.value, it.value.kind === 'instr' ? DATA_BASE + off : undefined));
    for (let i = 0; i < 8; i++, v >>= 8n) data[off + i] = Number(v & 0xffn);
  }

  // Condition values, resolved once; the observed registers and locations, herd's order.
  type Atom = { lhs: LitmusTarget; expect: bigint; width: number | null };
  const atoms = new Map<LitmusProp, Atom>();
  const observed = new Map<string, LitmusTarget>();
  const resolveAtoms = (p: LitmusProp) => {
    if (p.kind === 'and' || p.kind === 'or') {
      resolveAtoms(p.a);
      resolveAtoms(p.b);
      return;
    }
    if (p.kind === 'not') return resolveAtoms(p.a);
    if (p.kind !== 'eq') return;
    const { lhs, rhs } = p;
    let slot: number | undefined;
    if (lhs.kind === 'code') slot = labelAddr(lhs.thread, lhs.label, lhs.pos);
    if (lhs.kind === 'mem') slot = locations.get(lhs.loc);
    if (rhs.kind === 'instr') {
      const bytes = encodeAt(rhs, slot);
      atoms.set(p, { lhs, expect: le(bytes), width: bytes.length });
    } else atoms.set(p, { lhs, expect: u64(scalar(rhs, slot)), width: null });
    if (lhs.kind === 'code') {
      if (!self) throw new BuildError(lhs.pos, 'a condition on code needs Variant=self');
      if (rhs.kind !== 'instr') throw new BuildError(rhs.pos, `code at P${lhs.thread}:${lhs.label} is compared with an instruction: write instr:"..."`);
    }
    const key = lhs.kind === 'reg' ? `0:${String(lhs.thread).padStart(2, '0')}:${String(lhs.reg).padStart(2, '0')}` : lhs.kind === 'mem' ? `1:${lhs.loc}` : `2:${lhs.thread}:${lhs.label}`;
    if (!observed.has(key)) observed.set(key, lhs);
  };
  resolveAtoms(test.condition.prop);
  const instrAtoms = new Set<string>();
  for (const a of atoms.values()) if (a.width !== null && a.lhs.kind === 'mem') instrAtoms.add(a.lhs.loc);
  const order = [...observed.keys()].sort();
  const shown = order.map((k) => observed.get(k)!);

  const raw = {
    name: test.name,
    description: `litmus test ${test.name}`,
    harts: test.threads.length,
    kernel: { preemption: 'none', interrupts: false },
    fetch: { atomic: 4 },
    memory: [
      ...codes.map((c, k) => ({ name: `P${k}`, kind: patchable[k] ? 'patchable' : 'code', at: CODE_BASE + k * CODE_STRIDE, bytes: Array.from(c.bytes) })),
      { name: 'litmus_data', kind: 'data', at: DATA_BASE, bytes: Array.from(data) },
    ],
    sites: [...new Map([...escaping.values()].filter((e) => patchable[e.thread]).map((e) => [e.addr, e])).values()]
      .sort((a, b) => a.addr - b.addr)
      .map((e) => {
        const c = codes[e.thread];
        const off = e.addr - (CODE_BASE + e.thread * CODE_STRIDE);
        return {
          name: `P${e.thread}.${e.label}`,
          at: e.addr,
          size: (c.bytes[off] & 3) === 3 ? 4 : 2,
          // A rewritten instruction may jump to any label: litmus code has no other targets.
          targets: codes.flatMap((cc) => [...new Set(cc.labels.values())]).filter((a) => a !== e.addr),
        };
      }),
    tasks: test.threads.map((_, k) => ({
      name: `P${k}`,
      hart: k,
      entry: CODE_BASE + k * CODE_STRIDE,
      regs: Object.fromEntries([...regs[k]].map(([r, v]) => [regName(r), `0x${v.toString(16)}`])),
    })),
    properties: { 'mixed-target': false },
    explore: { exhaustive: true, 'max-steps': 10000 },
  };
  const loaded = loadSpec(JSON.stringify(raw, null, 1), test.file);
  if (!loaded.spec) {
    throw new BuildError(test.pos, `cannot build the spec of ${test.name}: ${loaded.diagnostics.map(formatDiagnostic).join('; ')}`, 'spec');
  }
  const spec: Spec = { ...loaded.spec, observe: shown.filter((t) => t.kind === 'reg').map((t) => ({ task: (t as { thread: number }).thread, reg: (t as { reg: number }).reg })) };

  const readTarget = (f: FinalValues, t: LitmusTarget): { value: bigint; bytes?: Uint8Array; addr?: number } => {
    if (t.kind === 'reg') return { value: u64(f.reg(t.thread, t.reg)) };
    if (t.kind === 'mem') {
      const addr = locations.get(t.loc)!;
      return { value: le(f.peek(addr, 8)), addr };
    }
    const addr = labelAddr(t.thread, t.label, t.pos);
    const first = f.peek(addr, 2);
    const n = (first[0] & 3) === 3 ? 4 : 2;
    const bytes = f.peek(addr, n);
    return { value: le(bytes), bytes, addr };
  };
  const evalProp = (p: LitmusProp, f: FinalValues): boolean => {
    switch (p.kind) {
      case 'and':
        return evalProp(p.a, f) && evalProp(p.b, f);
      case 'or':
        return evalProp(p.a, f) || evalProp(p.b, f);
      case 'not':
        return !evalProp(p.a, f);
      case 'const':
        return p.value;
      case 'eq': {
        const a = atoms.get(p)!;
        const v = readTarget(f, a.lhs);
        if (a.width === null) return v.value === a.expect;
        const mask = (1n << BigInt(8 * a.width)) - 1n;
        if (a.lhs.kind === 'code' && v.bytes!.length !== a.width) return false;
        return (v.value & mask) === a.expect && (a.lhs.kind !== 'mem' || v.value >> BigInt(8 * a.width) === 0n);
      }
    }
  };
  // Targets compared with an address print addresses by name, as herd does (`0:a4=P0:fn`).
  const pointers = new Set<string>();
  for (const [p, a] of atoms) if (p.kind === 'eq' && (p.rhs.kind === 'loc' || p.rhs.kind === 'label')) pointers.add(targetKey(a.lhs));
  const names = new Map<bigint, string>();
  for (const [n, a] of locations) names.set(BigInt(a), n);
  codes.forEach((c, k) => {
    for (const [n, a] of c.labels) if (!names.has(BigInt(a))) names.set(BigInt(a), `P${k}:${n}`);
  });
  const num = (t: LitmusTarget, v: bigint) => (pointers.has(targetKey(t)) && names.has(v) ? names.get(v)! : String(s64(v)));
  const uniqueLabels = new Map<string, number>();
  for (const c of codes) for (const [n, a] of c.labels) uniqueLabels.set(n, uniqueLabels.has(n) ? NaN : a);
  const show = (f: FinalValues, t: LitmusTarget): string => {
    const v = readTarget(f, t);
    if (t.kind === 'reg') return `${t.thread}:${t.name}=${num(t, v.value)};`;
    if (t.kind === 'mem') {
      if (instrAtoms.has(t.loc) && v.value >> 32n === 0n) return `${t.loc}=${instrText(Number(v.value), v.addr!, uniqueLabels)};`;
      return `${t.loc}=${num(t, v.value)};`;
    }
    return `P${t.thread}:${t.label}=${instrText(Number(v.value), v.addr!, codes[t.thread].labels)};`;
  };
  return {
    test,
    spec,
    observe: (f) => ({ state: shown.map((t) => show(f, t)).join(' '), holds: evalProp(test.condition.prop, f) }),
    warnings: dataReorderings(codes, regInit, locations, labelAddr),
    labels: codes.map((c) => c.labels),
    locations,
  };
}

function targetKey(t: LitmusTarget): string {
  return t.kind === 'reg' ? `${t.thread}:${t.reg}` : t.kind === 'mem' ? t.loc : `P${t.thread}:${t.label}`;
}

function regName(r: number): string {
  return `x${r}`;
}

/**
 * herd prints an instruction value as instr:"..." — here the project's disassembly with one
 * space after the mnemonic, and a jump or branch to a label of `labels` written with the label
 * (`j L`, as the test wrote it) rather than the address.
 */
function instrText(bits: number, pc: number, labels: ReadonlyMap<string, number>): string {
  let t = formatBits(bits >>> 0, pc).replace(/\t/, ' ');
  const insn = decode(bits >>> 0);
  if (insn && (insn.op === 'jal' || /^b(eq|ne|lt|ge|ltu|geu)$/.test(insn.op))) {
    const target = pc + insn.imm;
    const name = [...labels].find(([, a]) => a === target)?.[0];
    if (name) t = t.replace(/[0-9a-f]+( <[^>]*>)?$/, name);
  }
  return `instr:"${t}"`;
}

type Access = { i: number; kind: 'R' | 'W' | 'RW'; addr: number | undefined; deps: Set<number>; aq: boolean; rl: boolean; pos: LitmusPos; text: string };

/**
 * Pairs of one thread's explicit accesses to different locations that RVWMO does not order
 * (no fence between them for their kinds, no address, data or control dependency, no aq/rl):
 * hardware may perform them out of program order, this model never does (data memory is
 * sequentially consistent: docs/semantics.md). A pair is reported only when other threads
 * touch both locations, the only way the order can be observed. Straight-line reading of the
 * code (back edges are ignored): a warning may be conservative, never silent.
 */
function dataReorderings(
  codes: Code[],
  regInit: Map<string, LitmusValue>,
  locations: Map<string, number>,
  labelAddr: (t: number, l: string, p: LitmusPos) => number,
): LitmusWarning[] {
  const perThread: Access[][] = [];
  const fences: { i: number; pred: number; succ: number }[][] = [];
  for (const [k, c] of codes.entries()) {
    const known = new Map<number, number>();
    for (const [key, v] of regInit) {
      const [t, r] = key.split(':').map(Number);
      if (t !== k) continue;
      if (v.kind === 'loc') known.set(r, locations.get(v.name)!);
      if (v.kind === 'label') known.set(r, labelAddr(v.thread, v.label, v.pos));
    }
    const taint = new Map<number, Set<number>>();
    const ctrl = new Set<number>();
    const acc: Access[] = [];
    const fs: { i: number; pred: number; succ: number }[] = [];
    const src = (r: number) => taint.get(r) ?? new Set<number>();
    c.insns.forEach(({ insn, pos, text }, i) => {
      const op = insn.op;
      const isAmo = op.startsWith('amo') || op.startsWith('lr.') || op.startsWith('sc.');
      const union = (...ss: Set<number>[]) => new Set(ss.flatMap((s) => [...s]));
      if (LOADS.has(op) || STORES.has(op) || isAmo) {
        const addr = known.has(insn.rs1) ? known.get(insn.rs1)! + (isAmo ? 0 : insn.imm) : undefined;
        const kind = LOADS.has(op) || op.startsWith('lr.') ? 'R' : STORES.has(op) ? 'W' : 'RW';
        const deps = union(src(insn.rs1), kind !== 'R' ? union(src(insn.rs2), ctrl) : new Set());
        acc.push({ i, kind, addr, deps, aq: insn.aq, rl: insn.rl, pos, text });
        if (kind !== 'W' || op.startsWith('sc.')) {
          taint.set(insn.rd, new Set([i]));
          known.delete(insn.rd);
        }
      } else if (op === 'fence') {
        fs.push({ i, pred: insn.name === 'fence.tso' ? 0b0011 : insn.pred, succ: insn.name === 'fence.tso' ? 0b0011 : insn.succ });
      } else if (/^b(eq|ne|lt|ge|ltu|geu)$/.test(op)) {
        for (const d of union(src(insn.rs1), src(insn.rs2))) ctrl.add(d);
      } else if (insn.rd !== 0 && op !== 'fence.i' && op !== 'ecall' && op !== 'ebreak') {
        const t = op === 'lui' || op === 'auipc' || op === 'jal' ? new Set<number>() : union(src(insn.rs1), src(insn.rs2));
        taint.set(insn.rd, t);
        known.delete(insn.rd);
        if (op === 'addi' && insn.rs1 === 0) known.set(insn.rd, insn.imm);
      }
    });
    perThread.push(acc);
    fences.push(fs);
  }
  const R = 0b0010;
  const W = 0b0001;
  const bits = (k: Access['kind']) => (k === 'R' ? R : k === 'W' ? W : R | W);
  // Another thread reads or writes the location, or fetches it (it is in that thread's code).
  const codeOf = (addr: number) => Math.floor((addr - CODE_BASE) / CODE_STRIDE);
  const touchedElsewhere = (k: number, addr: number | undefined) =>
    addr === undefined ||
    (addr >= CODE_BASE && addr < CODE_BASE + codes.length * CODE_STRIDE && codeOf(addr) !== k) ||
    perThread.some((acc, j) => j !== k && acc.some((a) => a.addr === undefined || a.addr === addr));
  const out: LitmusWarning[] = [];
  for (const [k, acc] of perThread.entries()) {
    for (let x = 0; x < acc.length; x++) {
      for (let y = x + 1; y < acc.length; y++) {
        const a = acc[x];
        const b = acc[y];
        if (a.addr !== undefined && a.addr === b.addr) continue;
        if (a.aq || b.rl) continue;
        if (b.deps.has(a.i)) continue;
        if (fences[k].some((f) => f.i > a.i && f.i < b.i && (f.pred & bits(a.kind)) && (f.succ & bits(b.kind)))) continue;
        if (!touchedElsewhere(k, a.addr) || !touchedElsewhere(k, b.addr)) continue;
        const shape = a.kind === 'W' && b.kind === 'R' ? 'store buffering' : a.kind === 'R' && b.kind === 'W' ? 'load buffering' : 'message passing';
        const what = `${a.kind === 'W' ? 'a store' : a.kind === 'R' ? 'a load' : 'an AMO'} then ${b.kind === 'W' ? 'a store' : b.kind === 'R' ? 'a load' : 'an AMO'}`;
        out.push({
          pos: a.pos,
          message: `P${k}: '${a.text.trim()}' (line ${a.pos.line}) and '${b.text.trim()}' (line ${b.pos.line}) are ${what} to different locations with no fence, dependency or aq/rl ordering them: RVWMO lets the hart perform them out of order (${shape}), but data memory is sequentially consistent in this model, so an outcome that needs the reordering is not produced`,
        });
      }
    }
  }
  return out;
}
