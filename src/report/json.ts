/**
 * `--format json`: one object per spec with the field names issue 3 fixes
 * (spec, verdict, expect, complete, bound, violations[...], stats{executions, states, ms}),
 * plus extra fields. Addresses are hex strings (64-bit values do not fit JSON numbers).
 */
import type { ExploreResult, Finding, FoundSchedule } from '../explore/explore.js';
import { hexAddr } from '../isa/symbols.js';
import type { Spec } from '../spec/types.js';
import { gateProblems, modelCaveat } from '../api/check.js';
import type { SpecDiagnostic } from '../spec/diagnostic.js';

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

export function resultJson(spec: Spec, r: ExploreResult, matches: boolean) {
  return {
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
    unexplored: modelCaveat(spec) ?? null,
    violations: r.findings.map(violationJson),
    stats: { executions: r.stats.executions, states: r.stats.states, ms: r.stats.ms, pruned: r.stats.pruned, maxDepth: r.stats.maxDepth, rate: r.stats.rate, collisionProbability: r.stats.collision ?? null },
  };
}

export function diagnosticsJson(file: string, diags: readonly SpecDiagnostic[]) {
  return {
    spec: file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, ''),
    file,
    verdict: 'error',
    errors: diags.map((d) => ({ code: d.code, file: d.file, line: d.line, column: d.column, message: d.message })),
  };
}
