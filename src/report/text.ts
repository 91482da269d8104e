/**
 * Text reports: one verdict line per spec, and for violations a trace a kernel developer can
 * follow — a legend of the schedule's task numbers, then one column per hart; each step with
 * pc, symbol+offset, disassembly, the site version of every fetched byte (stale ones marked
 * with the latest version), the registers that matter, and for a wrong or mixed jump the
 * target arithmetic (auipc hi + jalr lo, each with its version). Rendered from a Witness
 * (api/witness.ts) to a width (docs/witness.md): cells wrap inside their column, and when
 * the columns would be too narrow the harts are stacked in one column instead.
 * Colour only through the Chalk instance the caller passes, so the text reads the same without it.
 */
import { Chalk, ChalkInstance } from 'chalk';
import { hexAddr } from '../isa/symbols.js';
import type { Finding, ExploreResult } from '../explore/explore.js';
import type { Spec } from '../spec/types.js';
import { versionTag, Witness, WitnessEvent } from '../api/witness.js';
import { plural } from './suite.js';

/**
 * Colour level. NO_COLOR (set and not empty) wins over everything, as no-color.org asks;
 * otherwise FORCE_COLOR forces a level (0/false turns colour off) whether or not stdout is a
 * terminal; otherwise colour on a terminal only.
 */
export function makeChalk(env: Record<string, string | undefined>, isTTY: boolean): ChalkInstance {
  let level: 0 | 1 | 2 | 3 = isTTY ? 1 : 0;
  const f = env.FORCE_COLOR;
  if (f !== undefined) level = f === '0' || f === 'false' ? 0 : f === '2' ? 2 : f === '3' ? 3 : 1;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') level = 0;
  return new Chalk({ level });
}

/** Default width when stdout is not a terminal and COLUMNS is unset. */
export const DEFAULT_WIDTH = 80;
/** Narrowest hart column worth drawing; below it the harts are stacked. */
const MIN_COL = 30;

const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

function pad(s: string, n: number): string {
  const v = visible(s);
  return v >= n ? s : s + ' '.repeat(n - v);
}

/**
 * Word-wraps one styled line to `width` visible characters; continuation lines are indented
 * by `indent`. Words longer than a line are cut. Escapes are kept with the word they style.
 */
export function wrap(line: string, width: number, indent = 2): string[] {
  if (width <= 0 || visible(line) <= width) return [line];
  const words = line.split(/(?<= )/); // keep the trailing space with each word
  const out: string[] = [];
  let cur = '';
  const room = () => (out.length ? width - indent : width);
  const push = () => {
    out.push((out.length ? ' '.repeat(indent) : '') + cur.trimEnd());
    cur = '';
  };
  for (let w of words) {
    while (visible(cur + w.trimEnd()) > room()) {
      if (cur.trim()) {
        push();
        continue;
      }
      // A word longer than the line: cut it (plain text; escapes are rare in long words).
      const plain = w.replace(/\x1b\[[0-9;]*m/g, '');
      const r = room();
      cur = plain.slice(0, r);
      push();
      w = plain.slice(r);
    }
    cur += w;
  }
  if (cur.trim() || !out.length) push();
  return out;
}

/** Continuation indent: under a first line, 2; under an indented line (registers), the same indent. */
const indentOf = (l: string) => {
  const n = l.length - l.trimStart().length;
  return n === 0 ? 2 : n;
};

/** A register value as the trace shows it: the signed 64-bit value's two's complement in hex. */
const regText = (v: string) => hexAddr(Number(BigInt.asIntN(64, BigInt(v))));

const tag = (ev: WitnessEvent, c: ChalkInstance) => {
  const t = versionTag(ev.fetched);
  if (!ev.stale) return c.cyan(t);
  return c.cyan(t) + ' ' + c.red(`stale: latest v${ev.stale.latest}`);
};

/** The lines of one event's cell (unwrapped); narrow columns leave the pc out (the symbol names the place). */
function cell(ev: WitnessEvent, c: ChalkInstance, withPc: boolean): string[] {
  if (ev.kind === 'insn' && ev.pc !== undefined) {
    const lines = [`${withPc ? c.dim(ev.pc.slice(-8)) + ' ' : ''}${ev.symbol}: ${c.bold(ev.disasm ?? '')} ${tag(ev, c)}`.trimEnd()];
    const regs = (ev.regs ?? []).filter((r) => r.name !== 'zero');
    if (regs.length) lines.push('  ' + regs.map((r) => `${r.name}=${regText(r.value)}`).join(' '));
    if (ev.load) lines.push(`  loaded ${regText(ev.load.value)} from ${ev.load.symbol}${ev.load.wids ? ` [${[...new Set(ev.load.wids)].map((w) => `w${w}`).join(' ')}]` : ''}`);
    if (ev.write) lines.push(c.magenta(`  write #${ev.write.id}${ev.write.site !== undefined ? `: site ${ev.write.site} v${ev.write.version}` : ''}`));
    return lines;
  }
  const text = ev.text ?? ev.kind;
  if (ev.kind === 'switch' || ev.kind === 'irq' || ev.kind === 'ipi') return [c.yellow(`-- ${text}`)];
  if (ev.kind === 'store') return [c.magenta(text)];
  if (ev.fetched && ev.stale) return [c.dim(text) + ' ' + tag(ev, c)];
  return [c.dim(text)];
}

/** `t0 = caller (hart 0), t1 = patcher (hart 1), t2 = stopper/0, ...`: the schedule's task numbers. */
export function legend(w: Witness): string {
  return 'tasks: ' + w.tasks.map((t) => `${t.id} = ${t.name}${t.name.startsWith('stopper/') ? '' : ` (hart${t.harts.length > 1 ? 's' : ''} ${t.harts.join(',')})`}`).join(', ');
}

/** The legend packed into lines of `width`, never breaking an entry (`t3 = stopper/1`). */
function legendLines(w: Witness, width: number): string[] {
  const entries = legend(w).slice('tasks: '.length).split(', ');
  const lines: string[] = [];
  let cur = 'tasks:';
  for (const [i, e] of entries.entries()) {
    const piece = (i ? ',' : '') + ' ' + e;
    // +1: the comma that ends a line when another entry follows.
    if (width > 0 && cur.length + piece.length + (i < entries.length - 1 ? 1 : 0) > width && cur.trim() !== 'tasks:') {
      lines.push(cur + (i ? ',' : ''));
      cur = '       ' + e;
    } else cur += piece;
  }
  lines.push(cur);
  return lines;
}

/**
 * Renders a witness's events with one column per hart, fitting `width` columns (0: no limit,
 * columns as wide as their widest cell). Rows are trace events (a transition may show several);
 * the schedule counts transitions. A livelock's cycle is marked where it starts.
 */
export function renderTrace(w: Witness, c: ChalkInstance, width = DEFAULT_WIDTH): string {
  const harts = w.spec.harts;
  const numW = Math.max(3, String(w.events.length).length + 1);
  const out: string[] = legendLines(w, width).map((l) => c.dim(l));
  let col = width <= 0 ? 0 : Math.floor((width - numW - harts) / harts);
  const stacked = harts > 1 && width > 0 && col < MIN_COL;
  const withPc = width <= 0 || (stacked ? width : col) >= 56;
  const cells = w.events.map((ev) => cell(ev, c, withPc).map((l, k) => (k === 0 ? `${ev.task}: ` : '  ') + l));
  if (width <= 0) col = Math.max(8, ...cells.flat().map(visible));
  if (stacked) {
    // Stacked: one column, each row names its hart.
    out.push(c.underline(`${'#'.padEnd(numW)} hart`));
    w.events.forEach((ev, i) => {
      if (i === w.cycle?.event) out.push(c.yellow(cycleLine(w)));
      cells[i].forEach((line, k) => {
        const head = k === 0 ? `${String(i + 1).padEnd(numW)} h${ev.hart} ` : ' '.repeat(numW + 4);
        for (const [j, part] of wrap(line, width - head.length, indentOf(line)).entries()) out.push((j === 0 ? head : ' '.repeat(head.length)) + part);
      });
    });
    return out.join('\n');
  }
  const head = ['#'.padEnd(numW)];
  for (let h = 0; h < harts; h++) head.push(pad(`hart ${h}`, col));
  out.push(c.underline(head.join(' ').trimEnd()));
  w.events.forEach((ev, i) => {
    if (i === w.cycle?.event) out.push(c.yellow(cycleLine(w)));
    const lines = cells[i].flatMap((l) => wrap(l, col, indentOf(l)));
    lines.forEach((line, k) => {
      const row = [k === 0 ? String(i + 1).padEnd(numW) : ' '.repeat(numW)];
      for (let h = 0; h < harts; h++) row.push(h === ev.hart ? pad(line, col) : ' '.repeat(col));
      out.push(row.join(' ').trimEnd());
    });
  });
  return out.join('\n');
}

/** The line that opens a livelock's cycle in its trace. */
function cycleLine(w: Witness): string {
  const n = w.steps - w.cycle!.step;
  return `-- the cycle: ${n === 1 ? "the schedule's last step returns" : `the schedule's last ${n} steps return`} to this state, moving every hart enabled all along (forever under weak fairness)`;
}

/** The jump the violation is about: the last jalr of its task at its pc. */
export function violationJump(w: Witness): WitnessEvent | undefined {
  const v = w.violation;
  if (!v) return undefined;
  const pc = hexAddr(v.pc);
  for (let i = w.events.length - 1; i >= 0; i--) {
    const ev = w.events[i];
    if (ev.task === v.task && ev.pc === pc && ev.jump) return ev;
  }
  return undefined;
}

/** `auipc hi from v0 at f: 0xffffffff80a4bf30 + 0xff5c0000 = 0x…; jalr lo from v1: -1900 → 0x…`. */
export function jumpArithmetic(ev: WitnessEvent): string {
  const j = ev.jump!;
  const ver = (v: number | null) => (v === null ? '' : ` from v${v}`);
  const lo = `jalr lo${ver(j.loVersion)}: ${j.base.reg} ${j.lo < 0 ? '-' : '+'} ${Math.abs(j.lo)} = ${regText(j.target)}`;
  if (!j.hi) return `${j.base.reg} = ${regText(j.base.value)} (not from an auipc of this pass); ${lo}`;
  const off = j.hi.offset.startsWith('-') ? `- ${j.hi.offset.slice(1)}` : `+ ${j.hi.offset}`;
  return `auipc hi${ver(j.hi.version)} at ${j.hi.symbol}: ${j.hi.pc} ${off} = ${regText(j.base.value)}; ${lo}`;
}

export function describeViolation(w: Witness, c: ChalkInstance): string[] {
  const v = w.violation!;
  const lines: string[] = [];
  const where = v.site ? ` in site ${v.site}` : '';
  // A deadlock has no instruction at fault (pc 0): no `at`.
  lines.push(c.red.bold(`${v.property} (${v.kind})${where}`) + ` — task ${v.task} on hart ${v.hart}${v.pc ? ` at ${v.pcSymbol}` : ''}`);
  lines.push(`  ${v.message}`);
  if (v.target !== undefined && v.legitimate) {
    const landing = v.landing === 'wild' ? ' ' + c.red('wild') : v.landing === 'benign' ? ' ' + c.green('benign') : '';
    lines.push(`  target ${hexAddr(v.target)}${landing}; legitimate: ${v.legitimate.map((t, i) => `${v.legitimateSymbols![i]} ${hexAddr(t)}`).join(', ')}`);
  }
  const jump = violationJump(w);
  if (jump) lines.push(`  arithmetic: ${jumpArithmetic(jump)}`);
  if (v.versions?.length) {
    const site = w.sites.find((s) => s.name === v.site);
    const all = site?.versions ?? [];
    for (const x of [...new Set(v.versions)]) {
      if (x < 0 || !all[x]) continue;
      lines.push(`  v${x}: ${all[x]}`);
    }
  }
  return lines;
}

export function renderFinding(f: Finding, w: Witness, specFile: string, c: ChalkInstance, width = DEFAULT_WIDTH): string {
  const lines = describeViolation(w, c);
  // schedules 0: a member of a symmetry group the search reached only as another (explore/orbit.ts).
  const hit = f.schedules > 0 ? `${plural(f.schedules, 'schedule')} hit it` : 'its symmetry group\'s witness, members swapped (the search ran it as another member)';
  lines.push(`  witness: ${plural(f.preemptions, 'preemption')}, ${plural(f.steps, 'step')}; ${hit}`);
  lines.push(`  schedule: ${f.schedule}`);
  lines.push(c.dim(`  replay:   ftrace-race replay ${specFile} --schedule '${f.schedule}'`));
  const wrapped = lines.flatMap((l) => wrap(l, width, 4));
  wrapped.push('');
  wrapped.push(renderTrace(w, c, width));
  return wrapped.join('\n');
}

export function expectText(spec: Spec): string {
  if (!spec.hasExpect) return 'safe (no expect:)';
  const vs = spec.expect.violations.map((v) => `${v.property}${v.kind ? `/${v.kind}` : ''}${v.site ? `@${v.site}` : ''}`);
  return spec.expect.verdict + (vs.length ? ` ${vs.join(', ')}` : '');
}

export function verdictLine(spec: Spec, r: ExploreResult, matches: boolean, c: ChalkInstance): string {
  const mark = r.verdict === 'inconclusive' ? c.yellow('?') : matches ? c.green('✓') : c.red('✗');
  const verdict = r.verdict === 'unsafe' ? c.red(r.verdict) : r.verdict === 'safe' ? c.green(r.verdict) : c.yellow(r.verdict);
  const first = r.findings[0];
  const what = first ? ` — ${first.violation.property}${first.violation.kind ? ` (${first.violation.kind})` : ''}${first.violation.site ? ` at ${first.violation.site}` : ''}${r.findings.length > 1 ? ` +${r.findings.length - 1} more` : ''}` : '';
  const scope = r.complete ? 'complete' : r.limit ? `stopped: ${r.limit}` : `bounded at ${r.bound}`;
  return `${mark} ${spec.name}: ${verdict} (expected ${expectText(spec)})${what} [${scope}; ${plural(r.stats.executions, 'execution')}, ${plural(r.stats.states, 'state')}]`;
}
