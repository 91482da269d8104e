/**
 * `--format json` / `--report json`: JSON Lines, one record per line, each tagged by `type`
 * and carrying the format `version` (schema/report.schema.json describes every record):
 * `result` (one per spec, the field names issue 3 fixed), `error` (a spec that did not load),
 * `violation` (--all, streamed), `replay`, and for more than one spec a closing `summary`
 * (one spec's output stays one object). Addresses are hex strings (64-bit values do not fit
 * JSON numbers).
 */
import type { ExploreResult, Finding, FoundSchedule } from '../explore/explore.js';
import { hexAddr } from '../isa/symbols.js';
import type { Spec } from '../spec/types.js';
import { gateProblems, modelCaveat } from '../api/check.js';
import type { SpecDiagnostic } from '../spec/diagnostic.js';
import type { SuiteTotals } from './suite.js';

/** Bumped when a field changes meaning or goes away; new fields do not bump it. */
export const JSON_VERSION = 1;

export function violationJson(f: FoundSchedule | Finding) {
  const v = f.violation;
  return {
    property: v.property,
    kind: v.kind,
    site: v.site ?? null,
    hart: v.hart,
    task: v.task,
    target: v.target !== undefined ? hexAddr(v.target) : null,
    versions: v.versions ?? [],
    preemptions: f.preemptions,
    steps: f.steps,
    schedule: f.schedule,
    schedules: 'schedules' in f ? f.schedules : 1,
    landing: v.landing ?? null,
    pc: hexAddr(v.pc),
    message: v.message,
  };
}

export function violationRecord(spec: Spec, f: FoundSchedule) {
  return { type: 'violation' as const, version: JSON_VERSION, spec: spec.name, ...violationJson(f) };
}

export function resultJson(spec: Spec, r: ExploreResult, matches: boolean) {
  return {
    type: 'result' as const,
    version: JSON_VERSION,
    spec: spec.name,
    file: spec.file,
    verdict: r.verdict,
    expect: spec.hasExpect ? spec.expect.verdict : null,
    expectProperty: spec.expect.property ?? null,
    matches,
    gate: gateProblems(spec, r),
    complete: r.complete,
    bound: r.bound,
    limit: r.limit ?? null,
    fetchModel: spec.fetch.model,
    unexplored: modelCaveat(spec, r) ?? null,
    violations: r.findings.map(violationJson),
    stats: { executions: r.stats.executions, states: r.stats.states, ms: r.stats.ms, pruned: r.stats.pruned, maxDepth: r.stats.maxDepth, rate: r.stats.rate, collisionProbability: r.stats.collision ?? null, symmetry: r.stats.symmetry ?? [], ...(r.stats.symmetryAbandoned ? { symmetryAbandoned: r.stats.symmetryAbandoned } : {}), ...(r.stats.unjudged ? { unjudged: r.stats.unjudged } : {}), ...(r.stats.parts ? { parts: r.stats.parts } : {}), ...(r.stats.twoPhase ? { twoPhase: r.stats.twoPhase } : {}), ...(r.stats.oneThread ? { oneThread: r.stats.oneThread } : {}), ...(r.stats.por ? { por: r.stats.por } : {}), ...(r.stats.probes ? { probes: r.stats.probes } : {}) },
  };
}

export function diagnosticsJson(file: string, diags: readonly SpecDiagnostic[]) {
  return {
    type: 'error' as const,
    version: JSON_VERSION,
    spec: file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, ''),
    file,
    verdict: 'error' as const,
    errors: diags.map((d) => ({ code: d.code, file: d.file, line: d.line, column: d.column, message: d.message })),
  };
}

export function summaryJson(t: SuiteTotals, exit: number) {
  return { type: 'summary' as const, version: JSON_VERSION, specs: t.specs, pass: t.pass, fail: t.fail, inconclusive: t.inconclusive, error: t.error, exit };
}
