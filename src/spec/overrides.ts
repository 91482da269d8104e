/**
 * `--set path=value` overrides, applied to the YAML document before validation so that one
 * spec can be swept from the command line (`--set kernel.preemption=none`). Paths use dots
 * (yargs-parser's dot notation); numeric segments index lists (`tasks.0.times=3`); values are
 * YAML scalars or flow collections (`--set 'tasks.0.hart=[0,1]'`).
 */
import yargsParser from 'yargs-parser';
import { parse } from 'yaml';
import type { SpecDiagnostic } from './diagnostic.js';
import type { Path, SpecSource } from './source.js';
import { DEFAULT_LIMITS, InputLimits, yamlShape } from './limits.js';

export interface Override {
  path: string[];
  text: string;
}

/** Splits `a.b=c` strings into paths and value texts; malformed ones are reported. */
export function parseOverrides(sets: readonly string[]): { overrides: Override[]; errors: string[] } {
  const errors: string[] = [];
  const good = sets.filter((s) => {
    if (!/^[A-Za-z0-9_.-]+=/.test(s)) {
      errors.push(`--set ${s}: expected path=value (e.g. kernel.preemption=none)`);
      return false;
    }
    return true;
  });
  const parsed = yargsParser(good.map((s) => `--${s}`), {
    configuration: {
      'dot-notation': true,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'camel-case-expansion': false,
      'boolean-negation': false,
      'duplicate-arguments-array': false,
    },
  }) as Record<string, unknown>;
  const overrides: Override[] = [];
  const flatten = (v: unknown, path: string[]): void => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, w] of Object.entries(v)) flatten(w, [...path, k]);
    } else {
      overrides.push({ path, text: String(Array.isArray(v) ? v[v.length - 1] : v) });
    }
  };
  for (const [k, v] of Object.entries(parsed)) if (k !== '_' && k !== '--') flatten(v, [k]);
  // Keep the command line's order (yargs-parser groups by first key).
  const order = (o: Override) => good.findIndex((s) => s.startsWith(`${o.path.join('.')}=`));
  overrides.sort((a, b) => order(a) - order(b));
  return { overrides, errors };
}

/** Applies overrides to the document; numeric path segments index existing lists. */
export function applyOverrides(src: SpecSource, overrides: readonly Override[], limits: InputLimits = DEFAULT_LIMITS): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  for (const o of overrides) {
    const shape = yamlShape(o.text, limits);
    if (shape) {
      out.push({ code: 'limit', file: src.file, line: 1, column: 1, message: `--set ${o.path.join('.')}=…: ${shape.message}` });
      continue;
    }
    const path: Path = [];
    for (const seg of o.path) {
      path.push(/^\d+$/.test(seg) && src.isSeq(path) ? Number(seg) : seg);
    }
    let value: unknown;
    try {
      value = parse(o.text, { intAsBigInt: true, maxAliasCount: limits.yamlAliases });
    } catch {
      value = o.text;
    }
    try {
      src.set(path, value, o.text);
    } catch (e) {
      out.push({ code: 'override', file: src.file, line: 1, column: 1, message: `--set ${o.path.join('.')}=${o.text}: ${(e as Error).message}` });
    }
  }
  return out;
}
