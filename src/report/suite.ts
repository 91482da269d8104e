/**
 * A suite run as plain data: what every suite report (JSON, JUnit, SARIF, GitHub annotations,
 * HTML) renders, and the gate each entry passes or fails.
 */
import type { ExploreResult } from '../explore/explore.js';
import type { Spec } from '../spec/types.js';
import type { SpecDiagnostic } from '../spec/diagnostic.js';
import type { Witness } from '../api/witness.js';

export type SuiteEntry =
  | { file: string; path?: string; ok: true; spec: Spec; result: ExploreResult; matches: boolean; witnesses?: Witness[] }
  | { file: string; path?: string; ok: false; diagnostics: SpecDiagnostic[] };

/** pass: the verdict is the expected one; fail: it is not; inconclusive: a limit; error: the spec did not load. */
export type Gate = 'pass' | 'fail' | 'inconclusive' | 'error';

export function gate(e: SuiteEntry): Gate {
  if (!e.ok) return 'error';
  if (e.result.verdict === 'inconclusive') return 'inconclusive';
  return e.matches ? 'pass' : 'fail';
}

export function entryName(e: SuiteEntry): string {
  return e.ok ? e.spec.name : e.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
}

export interface SuiteTotals {
  specs: number;
  pass: number;
  fail: number;
  inconclusive: number;
  error: number;
  ms: number;
}

export function totals(entries: readonly SuiteEntry[]): SuiteTotals {
  const t: SuiteTotals = { specs: entries.length, pass: 0, fail: 0, inconclusive: 0, error: 0, ms: 0 };
  for (const e of entries) {
    t[gate(e)]++;
    if (e.ok) t.ms += e.result.stats.ms;
  }
  return t;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
