/**
 * JSON Schema validation of the raw spec (schema/spec.schema.json, the same file editors use),
 * with ajv's errors reduced to the one most useful message per problem and mapped back to
 * `file:line:col`.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import schema from '../../schema/spec.schema.json';
import type { SpecDiagnostic } from './diagnostic.js';
import type { Path, SpecSource } from './source.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

export const SPEC_SCHEMA = schema;

/** "Exactly one of" groups, checked first so the message names the clash, not a oneOf branch. */
const EXCLUSIVE: { at: (p: Path) => boolean; keys: string[]; what: string; required: boolean }[] = [
  { at: (p) => p.length === 2 && p[0] === 'tasks', keys: ['call', 'patch', 'entry'], what: 'a task', required: true },
  { at: (p) => p.length === 2 && p[0] === 'memory', keys: ['at', 'after'], what: 'a region', required: false },
  { at: (p) => p.length === 2 && p[0] === 'memory', keys: ['asm', 'bytes'], what: 'a region', required: false },
  { at: (p) => p[p.length - 1] === 'write', keys: ['asm', 'bytes'], what: 'a write', required: true },
  { at: (p) => p.length === 2 && p[0] === 'assertions', keys: ['memory', 'register', 'site'], what: 'an assertion', required: true },
];

function exclusiveChecks(data: unknown, src: SpecSource): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const walk = (v: unknown, path: Path): void => {
    if (Array.isArray(v)) v.forEach((w, i) => walk(w, [...path, i]));
    else if (v && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      for (const g of EXCLUSIVE) {
        if (!g.at(path)) continue;
        const present = g.keys.filter((k) => k in obj);
        if (present.length > 1) {
          out.push({ code: 'schema', ...src.keyLoc(path, present[1]), message: `${g.what} takes only one of ${g.keys.map((k) => `'${k}'`).join(', ')} (found ${present.map((k) => `'${k}'`).join(' and ')})` });
        } else if (present.length === 0 && g.required) {
          out.push({ code: 'schema', ...src.loc(path), message: `${g.what} needs one of ${g.keys.map((k) => `'${k}'`).join(', ')}` });
        }
      }
      for (const [k, w] of Object.entries(obj)) walk(w, [...path, k]);
    }
  };
  walk(data, []);
  return out;
}

function pathOf(e: ErrorObject): Path {
  return e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const PREFERENCE: Record<string, number> = {
  additionalProperties: 0,
  enum: 1,
  const: 1,
  type: 2,
  pattern: 2,
  minimum: 2,
  maximum: 2,
  minItems: 2,
  required: 3,
};

function describe(e: ErrorObject, data: unknown): string {
  const p = pathOf(e);
  const field = p.length ? p.join('.') : 'spec';
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field '${(e.params as { additionalProperty: string }).additionalProperty}' in ${field}`;
    case 'required':
      return `${field}: missing field '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'enum':
      return `${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(valueAt(data, p))})`;
    case 'const':
      return `${field}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'pattern':
      return `${field}: ${JSON.stringify(valueAt(data, p))} is not ${field.endsWith('bytes') ? 'hex bytes' : 'a valid name, number or symbol+offset'}`;
    default:
      return `${field}: ${e.message ?? 'invalid'}`;
  }
}

function valueAt(data: unknown, p: Path): unknown {
  let v: unknown = data;
  for (const k of p) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** Validates `data` (the spec as plain values); returns diagnostics, empty when valid. */
export function validateSpecData(data: unknown, src: SpecSource): SpecDiagnostic[] {
  const excl = exclusiveChecks(data, src);
  if (excl.length) return excl;
  const validate = validator();
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((e) => !['oneOf', 'anyOf', 'not', 'if'].includes(e.keyword));
  // Group by the object the error is about; report the deepest, most specific error per group.
  const best = new Map<string, ErrorObject>();
  const rank = (e: ErrorObject) => [-pathOf(e).length, PREFERENCE[e.keyword] ?? 2];
  for (const e of [...errors].sort((a, b) => {
    const ra = rank(a), rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1];
  })) {
    const p = pathOf(e);
    const top = p.slice(0, 2).join('/');
    if (!best.has(top)) best.set(top, e);
  }
  const out: SpecDiagnostic[] = [];
  for (const e of best.values()) {
    const p = pathOf(e);
    const loc =
      e.keyword === 'additionalProperties'
        ? src.keyLoc(p, (e.params as { additionalProperty: string }).additionalProperty)
        : src.loc(p);
    const over = src.overridden.get(p.join('.'));
    out.push({ code: 'schema', ...loc, message: describe(e, data) + (over !== undefined ? ` (from --set ${p.join('.')}=${over})` : '') });
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
