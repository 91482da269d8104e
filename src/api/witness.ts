/**
 * The Witness: what every report renders (text, JSON, SARIF, JUnit, HTML). Plain JSON data —
 * addresses and register values as hex strings, disassembly as text, site versions by index —
 * produced by replaying the schedule with tracing on, so reports never need a live model.
 */
import { formatBits, formatInsn } from '../isa/disasm.js';
import { ABI_NAMES } from '../isa/regs.js';
import { hexAddr, Symbolizer } from '../isa/symbols.js';
import type { SourceLoc, Spec, Step } from '../spec/types.js';
import type { Violation } from '../check/violation.js';
import { replay } from '../explore/replay.js';
import { SENTINEL_NAMES } from '../model/layout.js';
import type { TraceEvent } from '../model/trace.js';

export interface WitnessEvent {
  hart: number;
  task: string;
  kind: TraceEvent['kind'];
  /** Address of the instruction or store, hex. */
  pc?: string;
  /** `symbol+0xoff` of pc. */
  symbol?: string;
  /** Disassembly (objdump's text, tabs as spaces) of an instruction event. */
  disasm?: string;
  /** Per fetched byte of patchable memory: the write that produced it and its site version (null: not in a site). */
  fetched?: { wid: number; version: number | null }[];
  /** Registers that matter (auipc result, jalr target and base), hex. */
  regs?: { name: string; value: string }[];
  text?: string;
  site?: string;
  /** Spec line of the instruction (its asm line) or of the patch step that stored; absent when unknown. */
  line?: number;
  /** A store to patchable memory: the write id and, in a site, the version it made. */
  write?: { id: number; site?: string; version?: number };
  /** A load of shared data or patchable memory: the address (and its symbol), the value read, the write ids of patchable bytes. */
  load?: { addr: string; symbol: string; value: string; wids?: number[] };
  /** Fetched site bytes older than the site's latest version at the time of the fetch. */
  stale?: { site: string; saw: number[]; latest: number };
  /**
   * A jalr: how its target came about. `hi` is the auipc of the same task that last wrote the
   * base register (absent when another instruction wrote it); target = (base + lo) & ~1.
   */
  jump?: {
    target: string;
    base: { reg: string; value: string };
    lo: number;
    loVersion: number | null;
    hi?: { pc: string; symbol: string; offset: string; version: number | null };
  };
}

export interface WitnessSite {
  name: string;
  base: string;
  /** Every version the execution made, as instructions (`auipc t0,0xff5c0; jalr t0,1984(t0)`). */
  versions: string[];
  /** Declared legitimate targets (the fall-through is one as well). */
  targets: { address: string; symbol: string }[];
  loc: SourceLoc;
}

/** The legend of the schedule's task numbers: `t2` is tasks[2]. */
export interface WitnessTask {
  id: string;
  name: string;
  harts: number[];
}

export interface Witness {
  spec: { name: string; file: string; harts: number };
  schedule: string;
  preemptions: number;
  steps: number;
  /** The violation the schedule ends in (none: it completes, or stops with transitions left). */
  violation?: Violation & { pcSymbol: string; legitimateSymbols?: string[] };
  finished: boolean;
  /** Transitions still possible when the schedule stopped short. */
  next: string[];
  /** A livelock's cycle: the schedule's steps after `step` (events from index `event`) return to the state they start from. */
  cycle?: { step: number; event: number };
  events: WitnessEvent[];
  sites: WitnessSite[];
  tasks: WitnessTask[];
}

/** A site version as instructions. */
export function siteText(content: number[], base: number): string {
  const out: string[] = [];
  let off = 0;
  while (off < content.length) {
    const lo = content[off] | ((content[off + 1] ?? 0) << 8);
    const len = (lo & 3) === 3 ? 4 : 2;
    const bits = len === 4 ? (lo | ((content[off + 2] ?? 0) << 16) | ((content[off + 3] ?? 0) << 24)) >>> 0 : lo;
    out.push(formatBits(bits, base + off).replace(/\t/g, ' '));
    off += len;
  }
  return out.join('; ');
}

const hex64 = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16);

/** Replays `schedule` and returns its witness. Throws Error (one line) for a schedule that does not fit. */
/**
 * `found`: the violation the search reported for the schedule. A livelock's schedule ends
 * around its fair cycle, which replay sees; should it not (a lasso the search could not
 * complete, explore/frontier.ts), the witness carries the one found.
 */
export function buildWitness(spec: Spec, file: string, schedule: string, steps: number, found?: Violation): Witness {
  const r = replay(spec, schedule);
  const m = r.machine;
  const names = labelsFirst(spec, (a) => m.layout.inRegion(a));
  const writes = writeSteps(spec);
  /** Per site, the latest version stored so far; per task, the last auipc by destination register. */
  const latest = new Map<string, number>();
  const auipcs = new Map<string, { ev: TraceEvent; version: number | null }>();
  const events: WitnessEvent[] = r.trace.map((ev) => {
    const out: WitnessEvent = { hart: ev.hart, task: ev.task, kind: ev.kind };
    if (ev.pc !== undefined) {
      out.pc = hexAddr(ev.pc);
      out.symbol = names.name(ev.pc);
      const line = ev.kind === 'store' ? writes.find((w) => ev.pc! >= w.at && ev.pc! < w.at + w.bytes.length)?.loc.line : lineOf(spec, ev.pc);
      if (line !== undefined) out.line = line;
    }
    if (ev.write) {
      out.write = { ...ev.write };
      if (ev.write.site !== undefined && ev.write.version !== undefined) latest.set(ev.write.site, Math.max(latest.get(ev.write.site) ?? 0, ev.write.version));
    }
    if (ev.load) out.load = { addr: hexAddr(ev.load.addr), symbol: names.name(ev.load.addr), value: hex64(ev.load.value), ...(ev.load.wids ? { wids: ev.load.wids } : {}) };
    if (ev.fetched && ev.site) {
      const saw = [...new Set(ev.fetched.map((f) => f.version).filter((v): v is number => v !== undefined))];
      const last = latest.get(ev.site) ?? 0;
      if (saw.some((v) => v < last)) out.stale = { site: ev.site, saw, latest: last };
    }
    const version = ev.fetched?.find((f) => f.version !== undefined)?.version ?? null;
    if (ev.kind === 'insn' && ev.insn?.op === 'auipc' && ev.insn.rd) auipcs.set(`${ev.task}/${ABI_NAMES[ev.insn.rd]}`, { ev, version });
    if (ev.kind === 'insn' && ev.insn?.op === 'jalr' && ev.regs) {
      const target = ev.regs.find((x) => x.name === 'target');
      const baseName = ABI_NAMES[ev.insn.rs1];
      const base = ev.regs.find((x) => x.name === baseName);
      if (target && base) {
        const a = auipcs.get(`${ev.task}/${baseName}`);
        // Only an auipc whose result is still the base value explains it (nothing wrote it since).
        const hiVal = a?.ev.regs?.find((x) => x.name === baseName)?.value;
        out.jump = {
          target: hex64(target.value),
          base: { reg: baseName, value: hex64(base.value) },
          lo: ev.insn.imm,
          loVersion: version,
          ...(a && hiVal === base.value ? { hi: { pc: hexAddr(a.ev.pc!), symbol: names.name(a.ev.pc!), offset: signedHex(a.ev.insn!.imm), version: a.version } } : {}),
        };
      }
    }
    if (ev.kind === 'insn' && ev.insn && ev.insn.rd && ev.insn.op !== 'auipc') {
      // Any other write of the register ends what the last auipc explains.
      auipcs.delete(`${ev.task}/${ABI_NAMES[ev.insn.rd]}`);
    }
    if (ev.kind === 'insn' && ev.pc !== undefined) {
      out.disasm = (ev.insn ? formatInsn(ev.insn, ev.pc) : formatBits(ev.bits ?? 0, ev.pc)).replace(/\t/g, ' ');
    }
    if (ev.fetched) out.fetched = ev.fetched.map((f) => ({ wid: f.wid, version: f.version ?? null }));
    if (ev.regs) out.regs = ev.regs.map((x) => ({ name: x.name, value: hex64(x.value) }));
    if (ev.text !== undefined) out.text = ev.text;
    if (ev.site !== undefined) out.site = ev.site;
    return out;
  });
  const v = r.violation ?? (found?.kind === 'livelock' ? found : undefined);
  return {
    spec: { name: spec.name, file, harts: spec.harts },
    schedule,
    preemptions: r.preemptions,
    steps,
    violation: v && { ...v, pcSymbol: names.name(v.pc), legitimateSymbols: v.legitimate?.map((t) => names.name(t)) },
    finished: r.finished,
    next: r.next,
    ...(r.cycle ? { cycle: r.cycle } : {}),
    events,
    sites: spec.sites.map((s, i) => ({
      name: s.name,
      base: hexAddr(s.base),
      versions: m.versionsOf(i).map((c) => siteText(c, s.base)),
      targets: [...new Set([...s.targets, s.base + s.size])].map((t) => ({ address: hexAddr(t), symbol: names.name(t) })),
      loc: s.loc,
    })),
    tasks: m.taskNames.map((name, i) => ({ id: `t${i}`, name, harts: m.layout.taskHarts[i] ?? [] })),
  };
}

const signedHex = (n: number) => (n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`);

/**
 * Names addresses with function labels before region names: a region's name is a symbol at its
 * base, and where a label shares that address (`kernel_text` and `static_fn`) the label says
 * what runs there.
 */
export function labelsFirst(spec: Spec, accept: (a: number) => boolean): Symbolizer {
  const regionNames = new Set(spec.regions.map((r) => r.name));
  const labelled = new Set([...spec.symbols].filter(([n]) => !regionNames.has(n)).map(([, a]) => a));
  const symbols = new Map([...spec.symbols].filter(([n, a]) => !regionNames.has(n) || !labelled.has(a)));
  return new Symbolizer(symbols, accept, SENTINEL_NAMES);
}

function lineOf(spec: Spec, pc: number): number | undefined {
  for (const r of spec.regions) {
    if (pc >= r.base && pc < r.base + r.bytes.length) return r.lines.get(pc - r.base);
  }
  return undefined;
}

function writeSteps(spec: Spec): (Step & { op: 'write' })[] {
  const out: (Step & { op: 'write' })[] = [];
  const walk = (steps: readonly Step[]) => {
    for (const s of steps) {
      if (s.op === 'write') out.push(s);
      else if (s.op === 'stop_machine') walk(s.steps);
    }
  };
  for (const t of spec.tasks) if (t.kind === 'patcher') walk(t.steps);
  return out;
}

/** The trace's tag for fetched bytes: site bytes by version (v0, v1, ...), other patchable bytes by write id (w0 = initial image). */
export function versionTag(fetched: WitnessEvent['fetched']): string {
  if (!fetched) return '';
  const vs = fetched.map((f) => (f.version === null ? `w${f.wid}` : `v${f.version}`));
  const uniq = [...new Set(vs)];
  return uniq.length === 1 ? `[${uniq[0]}]` : `[bytes ${vs.join(' ')}]`;
}
