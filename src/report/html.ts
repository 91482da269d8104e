/**
 * `--html FILE`: one self-contained page (no network, no external assets): the verdict and
 * statistics of every spec, and each witness as an SVG swimlane — one lane per hart, time
 * going down, one box per trace event coloured by the site version it fetched (old, new, an
 * intermediate one, or mixed), preemptions and stop_machine as marked spans, the violating
 * jump drawn to its target beside the legitimate targets. Hovering a step shows its registers
 * (a small inline script; the SVG <title> says the same without it).
 */
import type { Witness, WitnessEvent } from '../api/witness.js';
import { VERSION } from '../version.js';
import { entryName, gate, SuiteEntry, totals } from './suite.js';
import { expectText, jumpArithmetic, legend, violationJump } from './text.js';
import { versionTag } from '../api/witness.js';

export interface HtmlOptions {
  title: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** How a step is coloured: by the versions of the site bytes it fetched. */
export type StepClass = 'old' | 'new' | 'mid' | 'mixed' | 'code' | 'kernel' | 'switch' | 'store';

export function stepClass(ev: WitnessEvent, w: Witness): StepClass {
  if (ev.kind === 'switch' || ev.kind === 'irq' || ev.kind === 'ipi') return 'switch';
  if (ev.kind === 'store') return 'store';
  const vs = [...new Set((ev.fetched ?? []).map((f) => f.version).filter((v): v is number => v !== null))];
  if (!vs.length) return ev.kind === 'insn' ? 'code' : 'kernel';
  if (vs.length > 1) return 'mixed';
  const site = w.sites.find((s) => s.name === ev.site);
  const last = (site?.versions.length ?? 1) - 1;
  return vs[0] === 0 ? 'old' : vs[0] === last ? 'new' : 'mid';
}

const LANE = 300, ROW = 24, TOP = 34, LEFT = 36, TARGETS = 280;

function regsText(ev: WitnessEvent): string {
  return (ev.regs ?? []).filter((r) => r.name !== 'zero').map((r) => `${r.name}=${r.value}`).join(' ');
}

function label(ev: WitnessEvent): string {
  if (ev.kind === 'insn') return `${ev.symbol}: ${ev.disasm ?? ''}`;
  return ev.text ?? ev.kind;
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The swimlane SVG of one witness. */
export function swimlane(w: Witness): string {
  const harts = w.spec.harts;
  const n = w.events.length;
  const width = LEFT + harts * LANE + TARGETS;
  const height = TOP + n * ROW + 16 + (w.violation?.legitimate?.length ?? 0) * 16 + 40;
  const y = (i: number) => TOP + i * ROW;
  const x = (h: number) => LEFT + h * LANE;
  const parts: string[] = [];
  // stop_machine: from the wake to the last stopper exit, across every lane.
  const wake = w.events.findIndex((e) => e.text?.startsWith('stop_machine:'));
  if (wake >= 0) {
    let end = wake;
    w.events.forEach((e, i) => { if (i > wake && e.text?.startsWith('stopper exits')) end = i; });
    parts.push(`<g class="span stop-machine" data-from="${wake + 1}" data-to="${end + 1}"><rect x="${LEFT - 4}" y="${y(wake) - 2}" width="${harts * LANE + 8}" height="${(end - wake + 1) * ROW + 2}" rx="6"/><text x="${LEFT + harts * LANE + 8}" y="${y(wake) + 14}">stop_machine</text></g>`);
  }
  // A livelock's cycle: from its first step to the end, which returns to the state it starts from.
  if (w.cycle) {
    const from = w.cycle.event;
    parts.push(`<g class="span cycle" data-from="${from + 1}" data-to="${n}"><rect x="${LEFT - 6}" y="${y(from) - 3}" width="${harts * LANE + 12}" height="${(n - from) * ROW + 4}" rx="6"/><text x="${LEFT + harts * LANE + 8}" y="${y(from) + 30}">cycle (${from + 1}-${n}): back to its start, forever</text><title>${esc('the steps from here return to the state they start from, moving every hart (and every task, interrupt or IPI) enabled all along: an execution that runs forever under weak fairness')}</title></g>`);
  }
  // Preemption: from `preempt A -> B` to the step where A runs again on that hart.
  w.events.forEach((e, i) => {
    const m = e.kind === 'switch' && /^preempt (\S+) -> /.exec(e.text ?? '');
    if (!m) return;
    let end = w.events.findIndex((f, j) => j > i && f.hart === e.hart && f.task === m[1]);
    if (end < 0) end = n;
    parts.push(`<g class="span preemption" data-hart="${e.hart}" data-task="${esc(m[1])}" data-from="${i + 1}" data-to="${end}"><rect x="${x(e.hart) + 2}" y="${y(i)}" width="6" height="${(end - i) * ROW}"/><title>${esc(`${m[1]} preempted on hart ${e.hart} (steps ${i + 1}-${end})`)}</title></g>`);
  });
  for (let h = 0; h < harts; h++) {
    const steps: string[] = [];
    w.events.forEach((ev, i) => {
      if (ev.hart !== h) return;
      const cls = stepClass(ev, w);
      const regs = regsText(ev);
      const tip = `${i + 1}. ${ev.task}: ${label(ev)} ${versionTag(ev.fetched)}${ev.stale ? ` (stale: latest v${ev.stale.latest})` : ''}${regs ? '\n' + regs : ''}${ev.jump ? '\n' + jumpArithmetic(ev) : ''}`;
      steps.push(`<g class="step ${cls}${ev.stale ? ' stale' : ''}" data-index="${i + 1}" data-hart="${h}" data-task="${esc(ev.task)}" data-kind="${ev.kind}" data-version="${cls}" data-regs="${esc(regs)}"${ev.pc ? ` data-pc="${ev.pc}"` : ''}><rect x="${x(h) + 12}" y="${y(i) + 2}" width="${LANE - 20}" height="${ROW - 4}" rx="3"/><text x="${x(h) + 16}" y="${y(i) + 16}">${esc(clip(`${ev.task}: ${label(ev)} ${versionTag(ev.fetched)}`, 41))}</text><title>${esc(tip)}</title></g>`);
    });
    parts.push(`<g class="lane" data-hart="${h}"><rect class="lane-bg" x="${x(h) + 8}" y="${TOP - 6}" width="${LANE - 12}" height="${n * ROW + 10}"/><text class="lane-title" x="${x(h) + 12}" y="${TOP - 12}">hart ${h}</text>${steps.join('')}</g>`);
  }
  for (let i = 0; i < n; i++) parts.push(`<text class="row-num" x="${LEFT - 8}" y="${y(i) + 16}">${i + 1}</text>`);
  // The violating jump and the targets it should have reached.
  const v = w.violation;
  if (v?.target !== undefined) {
    const j = violationJump(w);
    const idx = j ? w.events.lastIndexOf(j) : w.events.length - 1;
    const tx = LEFT + harts * LANE + 24;
    const ty = y(Math.max(0, idx));
    const legit = (v.legitimate ?? []).map((t, k) => `<text class="legit" x="${tx}" y="${ty + 54 + k * 16}">${esc(`${v.legitimateSymbols?.[k] ?? ''} 0x${BigInt.asUintN(64, BigInt(t)).toString(16)}`)}</text>`).join('');
    parts.push(`<g class="jump ${v.landing ?? ''}" data-target="0x${BigInt.asUintN(64, BigInt(v.target)).toString(16)}"><line x1="${x(v.hart) + LANE - 8}" y1="${ty + ROW / 2}" x2="${tx - 4}" y2="${ty + ROW / 2}" marker-end="url(#arrow)"/><text class="target" x="${tx}" y="${ty + 16}">${esc(`→ 0x${BigInt.asUintN(64, BigInt(v.target)).toString(16)} ${v.landing ?? ''}`)}</text>${legit ? `<text class="legit-title" x="${tx}" y="${ty + 38}">legitimate targets:</text>${legit}` : ''}</g>`);
  }
  return `<svg class="swimlane" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" data-harts="${harts}" data-steps="${n}" role="img" aria-label="${esc(`witness of ${w.spec.name}: schedule ${w.schedule}`)}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>${parts.join('')}</svg>`;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table.summary{border-collapse:collapse}table.summary td,table.summary th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.gate-pass{color:#1a7f37}.gate-fail,.gate-error,.gate-inconclusive{color:#cf222e;font-weight:600}
.witness p{margin:4px 0}.mono,svg text{font-family:ui-monospace,monospace}
svg text{font-size:11px}.step text{pointer-events:none}.lane-title{font-size:13px;font-weight:600}.row-num{text-anchor:end;fill:#888}
.lane-bg{fill:#fafafa;stroke:#ddd}
.step rect{stroke:#666;stroke-width:.5}.step.old rect{fill:#9ecae1}.step.new rect{fill:#a1d99b}.step.mid rect{fill:#fdd0a2}
.step.mixed rect{fill:#fb6a4a}.step.code rect{fill:#eee}.step.kernel rect{fill:#f4f0fa}.step.switch rect{fill:#fff3b0}.step.store rect{fill:#e5c1f5}
.step.stale rect{stroke:#cf222e;stroke-width:2;stroke-dasharray:3 2}.step:hover rect{stroke:#000;stroke-width:1.5}
.stop-machine rect{fill:#d8c8f0;opacity:.35}.stop-machine text{fill:#6639ba;font-weight:600}.cycle rect{fill:none;stroke:#b26b00;stroke-dasharray:5 3}.cycle text{fill:#b26b00;font-weight:600}
.preemption rect{fill:#e36209}
.jump line{stroke:#cf222e;stroke-width:2}.jump marker path,#arrow path{fill:#cf222e}.jump .target{fill:#cf222e;font-weight:600}.jump.benign .target{fill:#1a7f37}.legit{fill:#1a7f37}
.key span{display:inline-block;padding:0 6px;margin-right:6px;border:1px solid #999;font-size:12px}
#tip{position:fixed;display:none;background:#222;color:#fff;padding:6px 8px;border-radius:4px;font:12px ui-monospace,monospace;white-space:pre;pointer-events:none}
`;

const KEY = `<p class="key"><span style="background:#9ecae1">old (v0)</span><span style="background:#fdd0a2">intermediate</span><span style="background:#a1d99b">new (latest)</span><span style="background:#fb6a4a">mixed bytes</span><span style="background:#eee">other code</span><span style="background:#fff3b0">switch / irq</span><span style="background:#e5c1f5">patch store</span><span style="border:2px dashed #cf222e">stale fetch</span><span style="background:#e36209;color:#fff">preempted</span><span style="background:#d8c8f0">stop_machine</span></p>`;

const SCRIPT = `(function(){var tip=document.getElementById('tip');document.querySelectorAll('.step').forEach(function(g){g.addEventListener('mouseenter',function(e){var t=g.querySelector('title');tip.textContent=t?t.textContent:'';tip.style.display='block';tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';});g.addEventListener('mouseleave',function(){tip.style.display='none';});});})();`;

export function html(entries: readonly SuiteEntry[], o: HtmlOptions): string {
  const t = totals(entries);
  const rows = entries.map((e) => {
    const g = gate(e);
    if (!e.ok) return `<tr class="entry" data-spec="${esc(entryName(e))}" data-gate="${g}"><td>${esc(entryName(e))}</td><td>error</td><td></td><td class="gate-${g}">${g}</td><td colspan="3">${esc(e.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('; '))}</td></tr>`;
    const r = e.result;
    return `<tr class="entry" data-spec="${esc(e.spec.name)}" data-gate="${g}"><td>${esc(e.spec.name)}</td><td>${r.verdict}</td><td>${esc(expectText(e.spec))}</td><td class="gate-${g}">${g}</td><td>${r.stats.executions}</td><td>${r.stats.states}</td><td>${r.complete ? 'complete' : esc(r.limit ?? `bounded at ${r.bound}`)}</td></tr>`;
  });
  const sections: string[] = [];
  for (const e of entries) {
    if (!e.ok || !e.witnesses) continue;
    e.result.findings.forEach((f, i) => {
      const w = e.witnesses![i];
      const v = f.violation;
      const j = violationJump(w);
      sections.push(`<section class="witness" data-spec="${esc(e.spec.name)}" data-schedule="${esc(f.schedule)}">
<h2>${esc(e.spec.name)}: ${esc(v.property)} (${esc(v.kind)})${v.site ? ` in site ${esc(v.site)}` : ''}</h2>
<p>${esc(v.message)}</p>${j ? `<p class="mono">${esc(jumpArithmetic(j))}</p>` : ''}
<p class="mono">schedule ${esc(f.schedule)} — ${f.preemptions} preemption(s), ${f.steps} steps; ${esc(legend(w))}</p>
${w.sites.filter((s) => s.name === v.site).flatMap((s) => s.versions.map((t, k) => `<p class="mono">v${k}: ${esc(t)}</p>`)).join('')}
${swimlane(w)}
</section>`);
    });
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ftrace-race: ${esc(o.title)}</title><style>${CSS}</style></head>
<body>
<h1>ftrace-race ${esc(VERSION)} — ${esc(o.title)}</h1>
<p class="totals">${t.specs} specs: ${t.pass} as expected, ${t.fail} not, ${t.inconclusive} inconclusive, ${t.error} with errors</p>
<table class="summary"><tr><th>spec</th><th>verdict</th><th>expected</th><th>gate</th><th>executions</th><th>states</th><th>search</th></tr>
${rows.join('\n')}
</table>
${sections.length ? KEY : ''}
${sections.join('\n')}
<div id="tip"></div>
<script>${SCRIPT}</script>
</body></html>
`;
}
