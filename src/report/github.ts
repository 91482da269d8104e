/**
 * GitHub Actions workflow commands (`::error file=…,line=…::…`): one annotation per thing that
 * fails the gate, at the spec line of the site (or of the diagnostic), so the pull request
 * shows it beside the spec. Paths are relative to the repository root, as Actions wants them.
 */
import { relative, sep } from 'node:path';
import { gate, SuiteEntry } from './suite.js';
import { expectText, jumpArithmetic, violationJump } from './text.js';

/** Workflow-command escaping (the runner's toolkit: % \r \n in data, also : , in properties). */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function command(level: 'error' | 'warning' | 'notice', file: string, line: number, col: number | undefined, title: string, message: string): string {
  return `::${level} file=${prop(file)},line=${line}${col ? `,col=${col}` : ''},title=${prop(title)}::${data(message)}\n`;
}

export function githubAnnotations(entries: readonly SuiteEntry[], root: string): string {
  const rel = (p: string) => {
    const r = relative(root, p);
    return (r && !r.startsWith('..') ? r : p).split(sep).join('/');
  };
  let out = '';
  for (const e of entries) {
    const file = rel(e.path ?? e.file);
    const g = gate(e);
    if (g === 'pass') continue;
    if (!e.ok) {
      for (const d of e.diagnostics) out += command('error', file, Math.max(1, d.line), d.column || undefined, `ftrace-race: spec ${d.code}`, d.message);
      continue;
    }
    const { spec, result: r } = e;
    if (g === 'inconclusive') {
      out += command('error', file, 1, undefined, `ftrace-race: ${spec.name} inconclusive`, `${r.limit ?? 'limit reached'}; ${r.stats.executions} executions, ${r.stats.states} states`);
      continue;
    }
    const unexpected = r.findings.filter((f) => f.violation.property !== spec.expect.property || (spec.expect.kind && f.violation.kind !== spec.expect.kind));
    if (!unexpected.length) {
      out += command('error', file, 1, undefined, `ftrace-race: ${spec.name} ${r.verdict}`, `${r.verdict}, expected ${expectText(spec)}`);
      continue;
    }
    for (const f of unexpected) {
      const v = f.violation;
      const i = r.findings.indexOf(f);
      const w = e.witnesses?.[i];
      const site = spec.sites.find((s) => s.name === v.site);
      const j = w && violationJump(w);
      out += command('error', file, site?.loc.line ?? 1, site?.loc.column, `ftrace-race: ${v.property} (${v.kind})`, `${spec.name}: ${v.message}${j ? `\n${jumpArithmetic(j)}` : ''}\nschedule: ${f.schedule}\nreplay: ftrace-race replay ${e.file} --schedule '${f.schedule}'`);
    }
  }
  return out;
}
