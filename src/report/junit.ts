/**
 * JUnit XML for a suite, shaped for GitLab's and Jenkins' test reports: one testcase per spec;
 * a verdict that is not the expected one is a <failure> whose type is the property and whose
 * body is the witness as text (GitLab shows the failure body, not <system-out>); an
 * inconclusive search and a spec that does not load are an <error>, since both fail the gate;
 * totals on <testsuites> as well as <testsuite>.
 */
import { Chalk } from 'chalk';
import { expectText, renderFinding } from './text.js';
import { entryName, gate, plural, SuiteEntry, totals } from './suite.js';

const plain = new Chalk({ level: 0 });
/** Witness text width in the failure body: wide enough for two hart columns without wrapping much. */
const BODY_WIDTH = 120;

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

export function junit(entries: readonly SuiteEntry[]): string {
  const cases: string[] = [];
  for (const e of entries) {
    const name = entryName(e);
    if (!e.ok) {
      const msg = e.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n');
      const type = `spec/${e.diagnostics[0]?.code ?? 'io'}`;
      cases.push(`  <testcase classname="ftrace-race" name="${xml(name)}" file="${xml(e.file)}" time="0">\n    <error type="${type}" message="${xml(e.diagnostics[0]?.message ?? 'bad spec')}">${xml(msg)}</error>\n  </testcase>`);
      continue;
    }
    const r = e.result;
    const time = (r.stats.ms / 1000).toFixed(3);
    const head = `  <testcase classname="ftrace-race" name="${xml(name)}" file="${xml(e.file)}" time="${time}">`;
    const scope = r.complete ? 'complete' : r.limit ?? `bounded at ${r.bound}`;
    // How far a search a limit stopped had come (explore/probes.ts).
    const covered = r.limit && r.stats.probes ? `; covered ${Math.floor(100 * r.stats.probes.covered)}% of the states of ${plural(r.stats.probes.runs, 'random probe')}` : '';
    const summary = `verdict ${r.verdict}, expected ${expectText(e.spec)}; ${scope}; ${plural(r.stats.executions, 'execution')}, ${plural(r.stats.states, 'state')}${covered}${
      gate(e) === 'fail' && !r.findings.length ? `\nno schedule violates ${e.spec.expect.property ?? 'any property'}${e.spec.expect.kind ? `/${e.spec.expect.kind}` : ''}: if the design changed, update expect:; else check with \`ftrace-race explain ${e.file}\` that the search reaches the site` : ''}`;
    const witnesses = r.findings.map((f, i) => (e.witnesses?.[i] ? renderFinding(f, e.witnesses[i], e.file, plain, BODY_WIDTH) : `${f.violation.property}/${f.violation.kind}: ${f.violation.message}\n  schedule: ${f.schedule}`)).join('\n\n');
    const body = `${summary}\n${witnesses ? '\n' + witnesses + '\n' : ''}`;
    const g = gate(e);
    if (g === 'inconclusive') {
      cases.push(`${head}\n    <error type="inconclusive" message="${xml(`inconclusive: ${r.limit ?? 'limit reached'}`)}">${xml(body)}</error>\n  </testcase>`);
    } else if (g === 'fail') {
      const unexpected = r.findings.find((f) => f.violation.property !== e.spec.expect.property) ?? r.findings[0];
      const type = unexpected ? unexpected.violation.property : e.spec.expect.property ?? 'verdict';
      const message = `${r.verdict}, expected ${expectText(e.spec)}${unexpected ? `: ${unexpected.violation.property} (${unexpected.violation.kind})${unexpected.violation.site ? ` at ${unexpected.violation.site}` : ''}` : ''}`;
      cases.push(`${head}\n    <failure type="${xml(type)}" message="${xml(message)}">${xml(body)}</failure>\n  </testcase>`);
    } else cases.push(`${head}\n    <system-out>${xml(body)}</system-out>\n  </testcase>`);
  }
  const t = totals(entries);
  const attrs = `tests="${t.specs}" failures="${t.fail}" errors="${t.error + t.inconclusive}" skipped="0" time="${(t.ms / 1000).toFixed(3)}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ftrace-race" ${attrs}>\n <testsuite name="ftrace-race check" ${attrs}>\n${cases.join('\n')}\n </testsuite>\n</testsuites>\n`;
}
