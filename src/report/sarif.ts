/**
 * SARIF 2.1.0 for a suite, shaped for GitHub code scanning (docs/ci.md says why):
 * - results only for what fails the gate (an unexpected violation, a verdict other than the
 *   expected one, an inconclusive search, a spec that does not load); expected verdicts are
 *   tool-execution notifications, not results, because GitHub shows every result as an open
 *   alert whatever its level and does not honour suppressions;
 * - each violation carries its witness as a codeFlow with one threadFlow per hart, located at
 *   the spec lines of the instructions (asm lines) and of the patch steps;
 * - partialFingerprints from the violation's signature, stable across runs and line moves;
 * - URIs relative to a root (`--sarif-root`, default the git top level) named by
 *   originalUriBaseIds, so the same spec gets the same URI from any working directory.
 */
import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { signature } from '../check/violation.js';
import type { Witness, WitnessEvent } from '../api/witness.js';
import type { Finding } from '../explore/explore.js';
import { VERSION } from '../version.js';
import { PROPERTY_TEXT } from './rules.js';
import { entryName, gate, plural, SuiteEntry } from './suite.js';
import { expectText, jumpArithmetic, violationJump } from './text.js';
import { versionTag } from '../api/witness.js';

export interface SarifOptions {
  /** Absolute directory that URIs are relative to (SRCROOT). */
  root: string;
  /** Exit code of the run, recorded in the invocation. */
  exitCode?: number;
}

type Loc = { file: string; line: number; column?: number };

export function sarif(entries: readonly SuiteEntry[], o: SarifOptions): string {
  const rootUri = pathToFileURL(o.root.endsWith(sep) ? o.root : o.root + sep).href;
  const uriOf = (file: string) => {
    const rel = relative(o.root, file);
    if (rel && !rel.startsWith('..') && !/^[a-zA-Z]:|^\//.test(rel)) return { uri: rel.split(sep).join('/'), uriBaseId: 'SRCROOT' };
    return { uri: pathToFileURL(file).href };
  };
  const physical = (l: Loc) => ({ physicalLocation: { artifactLocation: uriOf(l.file), region: { startLine: l.line, ...(l.column ? { startColumn: l.column } : {}) } } });

  const rules: object[] = [];
  const ruleIndex = new Map<string, number>();
  const rule = (id: string, property: keyof typeof PROPERTY_TEXT, kind?: string) => {
    if (!ruleIndex.has(id)) {
      const t = PROPERTY_TEXT[property];
      ruleIndex.set(id, rules.length);
      rules.push({
        id,
        name: id.replace(/[/-](.)/g, (_, ch: string) => ch.toUpperCase()),
        shortDescription: { text: kind ? `${t.short} (${kind})` : t.short },
        fullDescription: { text: t.full },
        help: { text: t.help, markdown: t.help },
        defaultConfiguration: { level: 'error' },
        properties: { tags: ['live-patching', 'riscv', property] },
      });
    }
    return { ruleId: id, ruleIndex: ruleIndex.get(id)! };
  };
  const results: object[] = [];
  const notes: object[] = [];

  for (const e of entries) {
    const path = e.path ?? e.file;
    const name = entryName(e);
    const g = gate(e);
    if (!e.ok) {
      for (const d of e.diagnostics) {
        results.push({
          ...rule(`spec/${d.code}`, 'spec', d.code),
          kind: 'fail',
          level: 'error',
          message: { text: `${name}: ${d.message}` },
          locations: [physical({ file: path, line: Math.max(1, d.line), column: Math.max(1, d.column) })],
          partialFingerprints: { 'ftraceRace/v1': fingerprint([uriOf(path).uri, 'spec', d.code, d.message]) },
        });
      }
      continue;
    }
    const { spec, result: r } = e;
    const top: Loc = { file: path, line: 1, column: 1 };
    r.findings.forEach((f, i) => {
      const w = e.witnesses?.[i];
      const v = f.violation;
      const expected = g === 'pass' || (spec.expect.verdict === 'unsafe' && v.property === spec.expect.property && (!spec.expect.kind || v.kind === spec.expect.kind));
      const site = spec.sites.find((s) => s.name === v.site);
      const at = site ? { file: path, line: site.loc.line, column: site.loc.column } : violationLine(w, path) ?? top;
      const text = `${spec.name}: ${v.message}${w && violationJump(w) ? `; ${jumpArithmetic(violationJump(w)!)}` : ''}. Schedule ${f.schedule} (${plural(f.preemptions, 'preemption')}); replay: ftrace-race replay ${e.file} --schedule '${f.schedule}'`;
      if (expected) {
        notes.push({ level: 'note', message: { text: `expected verdict: ${text}` }, locations: [physical(at)] });
        return;
      }
      results.push({
        ...rule(`${v.property}/${v.kind}`, v.property, v.kind),
        kind: 'fail',
        level: 'error',
        message: { text },
        locations: [physical(at)],
        partialFingerprints: { 'ftraceRace/v1': fingerprint([uriOf(path).uri, spec.name, signature(v)]) },
        ...(w ? { codeFlows: [codeFlow(w, f, path, physical)] } : {}),
        properties: { spec: spec.name, schedule: f.schedule, preemptions: f.preemptions, steps: f.steps, schedules: f.schedules, expected: expectText(spec) },
      });
    });
    if ((g === 'fail' && !results.some((x) => (x as { properties?: { spec?: string } }).properties?.spec === spec.name)) || g === 'inconclusive') {
      const inconclusive = g === 'inconclusive';
      results.push({
        ...(inconclusive ? rule('inconclusive', 'inconclusive') : rule('verdict/mismatch', 'verdict')),
        kind: 'fail',
        level: 'error',
        message: { text: `${spec.name}: ${r.verdict}, expected ${expectText(spec)}${r.limit ? ` (${r.limit})` : ''}; ${r.stats.executions} executions, ${r.stats.states} states` },
        locations: [physical(top)],
        partialFingerprints: { 'ftraceRace/v1': fingerprint([uriOf(path).uri, spec.name, inconclusive ? 'inconclusive' : `verdict ${r.verdict}`]) },
        properties: { spec: spec.name, verdict: r.verdict, expected: expectText(spec) },
      });
    } else if (g === 'pass' && r.findings.length === 0) {
      notes.push({ level: 'note', message: { text: `expected verdict: ${spec.name}: ${r.verdict} (${r.complete ? 'complete' : `bounded at ${r.bound}`}; ${r.stats.executions} executions, ${r.stats.states} states)` }, locations: [physical(top)] });
    }
  }
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'ftrace-race', version: VERSION, semanticVersion: VERSION, informationUri: 'https://www.npmjs.com/package/ftrace-race', rules } },
      originalUriBaseIds: { SRCROOT: { uri: rootUri, description: { text: 'The repository root (--sarif-root; default the git top level)' } } },
      invocations: [{ executionSuccessful: true, ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}), toolExecutionNotifications: notes }],
      results,
    }],
  }, null, 2) + '\n';
}

function fingerprint(parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

function violationLine(w: Witness | undefined, file: string): Loc | undefined {
  if (!w?.violation) return undefined;
  const pc = '0x' + BigInt.asUintN(64, BigInt(w.violation.pc)).toString(16);
  const ev = [...w.events].reverse().find((x) => x.pc === pc && x.line !== undefined);
  return ev ? { file, line: ev.line! } : undefined;
}

function stepText(ev: WitnessEvent): string {
  if (ev.kind === 'insn') return `${ev.task}: ${ev.symbol}: ${ev.disasm} ${versionTag(ev.fetched)}${ev.stale ? ` (stale: latest v${ev.stale.latest})` : ''}${ev.regs?.length ? ' ' + ev.regs.filter((r) => r.name !== 'zero').map((r) => `${r.name}=${r.value}`).join(' ') : ''}`.trim();
  return `${ev.task}: ${ev.text ?? ev.kind}`;
}

/** The witness as one threadFlow per hart; executionOrder is the step's place in the whole trace. */
function codeFlow(w: Witness, f: Finding, file: string, physical: (l: Loc) => object) {
  const siteLine = new Map(w.sites.map((s) => [s.name, s.loc.line]));
  const threadFlows = [];
  for (let h = 0; h < w.spec.harts; h++) {
    const locations = [];
    for (const [i, ev] of w.events.entries()) {
      if (ev.hart !== h) continue;
      const line = ev.line ?? (ev.site ? siteLine.get(ev.site) : undefined);
      const message = { text: `${i + 1}. ${stepText(ev)}` };
      locations.push({
        location: line !== undefined ? { ...physical({ file, line }), message } : { message },
        executionOrder: i + 1,
      });
    }
    if (locations.length) threadFlows.push({ id: `hart ${h}`, message: { text: `hart ${h}` }, locations });
  }
  return { message: { text: `witness: schedule ${f.schedule}; ${w.tasks.map((t) => `${t.id} = ${t.name}`).join(', ')}` }, threadFlows };
}
