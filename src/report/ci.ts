/**
 * CI formats for a suite of specs: JUnit XML (one testcase per spec; a failure when the
 * verdict is not the expected one) and SARIF 2.1.0 (one result per violation, located at the
 * spec line of the site or task involved, so code-review tools annotate the spec).
 */
import type { ExploreResult } from '../explore/explore.js';
import type { Spec } from '../spec/types.js';
import type { SpecDiagnostic } from '../spec/diagnostic.js';
import { VERSION } from '../version.js';
import { expectText } from './text.js';

export type SuiteEntry =
  | { file: string; ok: true; spec: Spec; result: ExploreResult; matches: boolean }
  | { file: string; ok: false; diagnostics: SpecDiagnostic[] };

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

export function junit(entries: readonly SuiteEntry[]): string {
  const cases: string[] = [];
  let failures = 0, errors = 0, skipped = 0;
  let total = 0;
  for (const e of entries) {
    const name = e.ok ? e.spec.name : e.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
    if (!e.ok) {
      errors++;
      const msg = e.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n');
      cases.push(`  <testcase classname="ftrace-race" name="${xml(name)}" file="${xml(e.file)}" time="0"><error message="${xml(e.diagnostics[0]?.message ?? 'bad spec')}">${xml(msg)}</error></testcase>`);
      continue;
    }
    const r = e.result;
    total += r.stats.ms;
    const time = (r.stats.ms / 1000).toFixed(3);
    const head = `  <testcase classname="ftrace-race" name="${xml(name)}" file="${xml(e.file)}" time="${time}">`;
    const out = `<system-out>${xml(`verdict ${r.verdict}, expected ${expectText(e.spec)}; ${r.complete ? 'complete' : r.limit ?? `bounded at ${r.bound}`}; ${r.stats.executions} executions, ${r.stats.states} states\n${r.findings.map((f) => `${f.violation.property}/${f.violation.kind}: ${f.violation.message}\n  schedule ${f.schedule}`).join('\n')}`)}</system-out>`;
    if (r.verdict === 'inconclusive') {
      skipped++;
      cases.push(`${head}<skipped message="${xml(`inconclusive: ${r.limit ?? ''}`)}"/>${out}</testcase>`);
    } else if (!e.matches) {
      failures++;
      cases.push(`${head}<failure message="${xml(`${r.verdict}, expected ${expectText(e.spec)}`)}"/>${out}</testcase>`);
    } else cases.push(`${head}${out}</testcase>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n <testsuite name="ftrace-race check" tests="${entries.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${(total / 1000).toFixed(3)}">\n${cases.join('\n')}\n </testsuite>\n</testsuites>\n`;
}

export function sarif(entries: readonly SuiteEntry[]): string {
  const rules = new Map<string, { id: string; shortDescription: { text: string } }>();
  const results: unknown[] = [];
  const rule = (id: string, text: string) => {
    if (!rules.has(id)) rules.set(id, { id, shortDescription: { text } });
    return id;
  };
  const loc = (file: string, line: number, column: number) => ({
    physicalLocation: { artifactLocation: { uri: file.replace(/\\/g, '/') }, region: { startLine: line, startColumn: column } },
  });
  for (const e of entries) {
    if (!e.ok) {
      for (const d of e.diagnostics) {
        results.push({ ruleId: rule(`spec/${d.code}`, `invalid spec (${d.code})`), level: 'error', message: { text: d.message }, locations: [loc(d.file, d.line, d.column)] });
      }
      continue;
    }
    const { spec, result: r } = e;
    for (const f of r.findings) {
      const v = f.violation;
      const site = spec.sites.find((s) => s.name === v.site);
      const task = spec.tasks.findIndex((t) => t.name === v.task);
      const where = site?.loc ?? { file: spec.file, line: 1, column: 1 };
      results.push({
        ruleId: rule(`${v.property}/${v.kind}`, `${v.property} (${v.kind})`),
        level: e.matches ? 'note' : 'error',
        message: { text: `${spec.name}: ${v.message} (schedule ${f.schedule})` },
        locations: [loc(where.file, where.line, where.column)],
        properties: { spec: spec.name, schedule: f.schedule, preemptions: f.preemptions, schedules: f.schedules, expected: e.matches, task: task >= 0 ? v.task : undefined },
      });
    }
    if (!e.matches && r.findings.length === 0) {
      results.push({
        ruleId: rule(`verdict/${r.verdict}`, `verdict ${r.verdict}`),
        level: r.verdict === 'inconclusive' ? 'warning' : 'error',
        message: { text: `${spec.name}: ${r.verdict}, expected ${expectText(spec)}${r.limit ? ` (${r.limit})` : ''}` },
        locations: [loc(spec.file, 1, 1)],
      });
    }
  }
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'ftrace-race', version: VERSION, rules: [...rules.values()] } }, results }],
  }, null, 2) + '\n';
}
