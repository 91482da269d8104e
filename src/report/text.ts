/**
 * Text reports: one verdict line per spec, and for violations a trace a kernel developer can
 * follow — one column per hart; each step with pc, symbol+offset, disassembly, the site
 * version of every fetched byte, and the registers that matter (auipc result, jalr target,
 * with the legitimate targets beside a mixed one). Colour only through the Chalk instance the
 * caller passes (level 0 when piped or NO_COLOR), so the text reads the same without it.
 */
import { Chalk, ChalkInstance } from 'chalk';
import { formatBits, formatInsn } from '../isa/disasm.js';
import type { TraceEvent, Machine } from '../model/machine.js';
import { hexAddr } from '../model/machine.js';
import type { Finding, ExploreResult } from '../explore/explore.js';
import type { Spec } from '../spec/types.js';
import type { Violation } from '../check/violation.js';

export function makeChalk(env: Record<string, string | undefined>, isTTY: boolean): ChalkInstance {
  let level: 0 | 1 | 2 | 3 = isTTY ? 1 : 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') level = 0;
  const f = env.FORCE_COLOR;
  if (f !== undefined) level = f === '0' || f === 'false' ? 0 : f === '2' ? 2 : f === '3' ? 3 : 1;
  return new Chalk({ level });
}

const COL = 62;

function pad(s: string, n: number): string {
  // Width ignores ANSI escapes.
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  return visible >= n ? s : s + ' '.repeat(n - visible);
}

function versionTag(ev: TraceEvent): string {
  if (!ev.fetched) return '';
  // Site bytes by version (v0, v1, ...); other patchable bytes by write id (w0 = initial image).
  const vs = ev.fetched.map((f) => (f.version === undefined ? `w${f.wid}` : `v${f.version}`));
  const uniq = [...new Set(vs)];
  return uniq.length === 1 ? `[${uniq[0]}]` : `[bytes ${vs.join(' ')}]`;
}

/** The lines of one event's cell. */
function cell(ev: TraceEvent, m: Machine, c: ChalkInstance): string[] {
  if (ev.kind === 'insn' && ev.pc !== undefined) {
    const dis = ev.insn ? formatInsn(ev.insn, ev.pc).replace(/\t/g, ' ') : formatBits(ev.bits ?? 0, ev.pc).replace(/\t/g, ' ');
    const lines = [`${c.dim(hexAddr(ev.pc).slice(-8))} ${m.symbolize(ev.pc)}: ${c.bold(dis)} ${c.cyan(versionTag(ev))}`];
    const regs = (ev.regs ?? []).filter((r) => r.name !== 'zero');
    if (regs.length) lines.push('    ' + regs.map((r) => `${r.name}=${hexAddr(Number(BigInt.asIntN(64, r.value)))}`).join(' '));
    return lines;
  }
  const text = ev.text ?? ev.kind;
  if (ev.kind === 'switch' || ev.kind === 'irq' || ev.kind === 'ipi') return [c.yellow(`-- ${text}`)];
  if (ev.kind === 'store') return [c.magenta(text)];
  return [c.dim(text)];
}

/** Renders a trace with one column per hart. */
export function renderTrace(trace: readonly TraceEvent[], m: Machine, c: ChalkInstance): string {
  const harts = m.spec.harts;
  const out: string[] = [];
  const head = ['#'.padEnd(5)];
  for (let h = 0; h < harts; h++) head.push(pad(`hart ${h}`, COL));
  out.push(c.underline(head.join(' ').trimEnd()));
  // Rows are trace events (a transition may show several); the schedule counts transitions.
  trace.forEach((ev, i) => {
    const lines = cell(ev, m, c);
    lines.forEach((line, k) => {
      const row = [k === 0 ? String(i + 1).padEnd(5) : ' '.repeat(5)];
      for (let h = 0; h < harts; h++) row.push(h === ev.hart ? pad((k === 0 ? `${ev.task}: ` : '  ') + line, COL) : ' '.repeat(COL));
      out.push(row.join(' ').trimEnd());
    });
  });
  return out.join('\n');
}

/** A site version as instructions: `auipc t0,0xff5c0; jalr t0,1984(t0)`. */
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

export function describeViolation(v: Violation, m: Machine, c: ChalkInstance): string[] {
  const lines: string[] = [];
  const where = v.site ? ` in site ${v.site}` : '';
  lines.push(c.red.bold(`${v.property} (${v.kind})${where}`) + ` — task ${v.task} on hart ${v.hart} at ${m.symbolize(v.pc)}`);
  lines.push(`  ${v.message}`);
  if (v.target !== undefined && v.legitimate) {
    lines.push(`  target ${hexAddr(v.target)} ${v.landing ? (v.landing === 'wild' ? c.red('wild') : c.green('benign')) : ''}; legitimate: ${v.legitimate.map((t) => `${m.symbolize(t)} ${hexAddr(t)}`).join(', ')}`);
  }
  if (v.versions?.length) {
    const site = m.spec.sites.findIndex((s) => s.name === v.site);
    const all = site >= 0 ? m.versionsOf(site) : [];
    for (const x of [...new Set(v.versions)]) {
      if (x < 0 || !all[x]) continue;
      lines.push(`  v${x}: ${siteText(all[x], m.spec.sites[site].base)}`);
    }
  }
  return lines;
}

export function renderFinding(f: Finding, trace: readonly TraceEvent[], m: Machine, specFile: string, c: ChalkInstance): string {
  const lines = describeViolation(f.violation, m, c);
  lines.push(`  witness: ${f.preemptions} preemption${f.preemptions === 1 ? '' : 's'}, ${f.steps} steps; ${f.schedules} schedule${f.schedules === 1 ? '' : 's'} hit it`);
  lines.push(`  schedule: ${f.schedule}`);
  lines.push(c.dim(`  replay:   ftrace-race replay ${specFile} --schedule '${f.schedule}'`));
  lines.push('');
  lines.push(renderTrace(trace, m, c));
  return lines.join('\n');
}

export function expectText(spec: Spec): string {
  if (!spec.hasExpect) return 'safe (no expect:)';
  return spec.expect.verdict + (spec.expect.property ? ` ${spec.expect.property}${spec.expect.kind ? `/${spec.expect.kind}` : ''}` : '');
}

export function verdictLine(spec: Spec, r: ExploreResult, matches: boolean, c: ChalkInstance): string {
  const mark = r.verdict === 'inconclusive' ? c.yellow('?') : matches ? c.green('✓') : c.red('✗');
  const verdict = r.verdict === 'unsafe' ? c.red(r.verdict) : r.verdict === 'safe' ? c.green(r.verdict) : c.yellow(r.verdict);
  const first = r.findings[0];
  const what = first ? ` — ${first.violation.property}${first.violation.kind ? ` (${first.violation.kind})` : ''}${first.violation.site ? ` at ${first.violation.site}` : ''}${r.findings.length > 1 ? ` +${r.findings.length - 1} more` : ''}` : '';
  const scope = r.complete ? 'complete' : r.limit ? `stopped: ${r.limit}` : `bounded at ${r.bound}`;
  return `${mark} ${spec.name}: ${verdict} (expected ${expectText(spec)})${what} [${scope}; ${r.stats.executions} executions, ${r.stats.states} states]`;
}
