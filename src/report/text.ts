/**
 * Text reports: one verdict line per spec, and for violations a trace a kernel developer can
 * follow — one column per hart; each step with pc, symbol+offset, disassembly, the site
 * version of every fetched byte, and the registers that matter (auipc result, jalr target,
 * with the legitimate targets beside a mixed one). Rendered from a Witness (api/witness.ts).
 * Colour only through the Chalk instance the caller passes (level 0 when piped or NO_COLOR),
 * so the text reads the same without it.
 */
import { Chalk, ChalkInstance } from 'chalk';
import { hexAddr } from '../isa/symbols.js';
import type { Finding, ExploreResult } from '../explore/explore.js';
import type { Spec } from '../spec/types.js';
import { versionTag, Witness, WitnessEvent } from '../api/witness.js';

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

/** A register value as the trace shows it: the signed 64-bit value's two's complement in hex. */
const regText = (v: string) => hexAddr(Number(BigInt.asIntN(64, BigInt(v))));

/** The lines of one event's cell. */
function cell(ev: WitnessEvent, c: ChalkInstance): string[] {
  if (ev.kind === 'insn' && ev.pc !== undefined) {
    const lines = [`${c.dim(ev.pc.slice(-8))} ${ev.symbol}: ${c.bold(ev.disasm ?? '')} ${c.cyan(versionTag(ev.fetched))}`];
    const regs = (ev.regs ?? []).filter((r) => r.name !== 'zero');
    if (regs.length) lines.push('    ' + regs.map((r) => `${r.name}=${regText(r.value)}`).join(' '));
    return lines;
  }
  const text = ev.text ?? ev.kind;
  if (ev.kind === 'switch' || ev.kind === 'irq' || ev.kind === 'ipi') return [c.yellow(`-- ${text}`)];
  if (ev.kind === 'store') return [c.magenta(text)];
  return [c.dim(text)];
}

/** Renders a witness's events with one column per hart. */
export function renderTrace(w: Witness, c: ChalkInstance): string {
  const harts = w.spec.harts;
  const out: string[] = [];
  const head = ['#'.padEnd(5)];
  for (let h = 0; h < harts; h++) head.push(pad(`hart ${h}`, COL));
  out.push(c.underline(head.join(' ').trimEnd()));
  // Rows are trace events (a transition may show several); the schedule counts transitions.
  w.events.forEach((ev, i) => {
    const lines = cell(ev, c);
    lines.forEach((line, k) => {
      const row = [k === 0 ? String(i + 1).padEnd(5) : ' '.repeat(5)];
      for (let h = 0; h < harts; h++) row.push(h === ev.hart ? pad((k === 0 ? `${ev.task}: ` : '  ') + line, COL) : ' '.repeat(COL));
      out.push(row.join(' ').trimEnd());
    });
  });
  return out.join('\n');
}

export function describeViolation(w: Witness, c: ChalkInstance): string[] {
  const v = w.violation!;
  const lines: string[] = [];
  const where = v.site ? ` in site ${v.site}` : '';
  lines.push(c.red.bold(`${v.property} (${v.kind})${where}`) + ` — task ${v.task} on hart ${v.hart} at ${v.pcSymbol}`);
  lines.push(`  ${v.message}`);
  if (v.target !== undefined && v.legitimate) {
    lines.push(`  target ${hexAddr(v.target)} ${v.landing ? (v.landing === 'wild' ? c.red('wild') : c.green('benign')) : ''}; legitimate: ${v.legitimate.map((t, i) => `${v.legitimateSymbols![i]} ${hexAddr(t)}`).join(', ')}`);
  }
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

export function renderFinding(f: Finding, w: Witness, specFile: string, c: ChalkInstance): string {
  const lines = describeViolation(w, c);
  lines.push(`  witness: ${f.preemptions} preemption${f.preemptions === 1 ? '' : 's'}, ${f.steps} steps; ${f.schedules} schedule${f.schedules === 1 ? '' : 's'} hit it`);
  lines.push(`  schedule: ${f.schedule}`);
  lines.push(c.dim(`  replay:   ftrace-race replay ${specFile} --schedule '${f.schedule}'`));
  lines.push('');
  lines.push(renderTrace(w, c));
  return lines.join('\n');
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
  return `${mark} ${spec.name}: ${verdict} (expected ${expectText(spec)})${what} [${scope}; ${r.stats.executions} executions, ${r.stats.states} states]`;
}
