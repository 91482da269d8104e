/**
 * The Witness: what every report renders (text, JSON, SARIF, JUnit, HTML). Plain JSON data —
 * addresses and register values as hex strings, disassembly as text, site versions by index —
 * produced by replaying the schedule with tracing on, so reports never need a live model.
 */
import { formatBits, formatInsn } from '../isa/disasm.js';
import { hexAddr } from '../isa/symbols.js';
import type { Spec } from '../spec/types.js';
import type { Violation } from '../check/violation.js';
import { replay } from '../explore/replay.js';
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
}

export interface WitnessSite {
  name: string;
  base: string;
  /** Every version the execution made, as instructions (`auipc t0,0xff5c0; jalr t0,1984(t0)`). */
  versions: string[];
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
  events: WitnessEvent[];
  sites: WitnessSite[];
}

/** A site version as instructions. */
function siteText(content: number[], base: number): string {
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
export function buildWitness(spec: Spec, file: string, schedule: string, steps: number): Witness {
  const r = replay(spec, schedule);
  const m = r.machine;
  const events: WitnessEvent[] = r.trace.map((ev) => {
    const out: WitnessEvent = { hart: ev.hart, task: ev.task, kind: ev.kind };
    if (ev.pc !== undefined) {
      out.pc = hexAddr(ev.pc);
      out.symbol = m.symbolize(ev.pc);
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
  const v = r.violation;
  return {
    spec: { name: spec.name, file, harts: spec.harts },
    schedule,
    preemptions: r.preemptions,
    steps,
    violation: v && { ...v, pcSymbol: m.symbolize(v.pc), legitimateSymbols: v.legitimate?.map((t) => m.symbolize(t)) },
    finished: r.finished,
    next: r.next,
    events,
    sites: spec.sites.map((s, i) => ({ name: s.name, base: hexAddr(s.base), versions: m.versionsOf(i).map((c) => siteText(c, s.base)) })),
  };
}

/** The trace's tag for fetched bytes: site bytes by version (v0, v1, ...), other patchable bytes by write id (w0 = initial image). */
export function versionTag(fetched: WitnessEvent['fetched']): string {
  if (!fetched) return '';
  const vs = fetched.map((f) => (f.version === null ? `w${f.wid}` : `v${f.version}`));
  const uniq = [...new Set(vs)];
  return uniq.length === 1 ? `[${uniq[0]}]` : `[bytes ${vs.join(' ')}]`;
}
