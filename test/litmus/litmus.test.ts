/**
 * The litmus suite: every test/litmus/*.litmus under every fetch model, against the result its
 * `(* expect base=... ziccid=... ir-decode-w=... ir-decode=... ir3-fetch=... *)` line argues
 * from the rules (docs/litmus.md has the table). "Allowed" = some explored final state
 * satisfies the condition's proposition.
 *
 * Where the checker does not (yet) give the argued result, the case is `it.fails` with the
 * reason; the expectation itself is never weakened. Two kinds:
 * - WAITING: today's fetch models (`fetch.coherence`: `fence.i` has per-byte monotone floors
 *   that fence.i raises to the latest write; `coherent` always fetches the latest write) are
 *   stronger than the issue 8 models; the lead's `fetch.model` plug-ins are to make these pass.
 * - LIMIT: behaviours the operational model cannot produce (a fetch performed after the same
 *   hart's later access; RVWMO data reordering: data memory is sequentially consistent). The
 *   CLI says so (`Unexplored ...`, `Warning ...`); they stay failing until such a model exists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LITMUS_MODELS, LitmusModel, LitmusProgram } from '../../src/spec/litmus-spec.js';
import { loadLitmus, runLitmus } from '../../src/cli/litmus.js';

const DIR = join(import.meta.dirname, '.');
const files = readdirSync(DIR).filter((f) => f.endsWith('.litmus')).sort();

const ALL = LITMUS_MODELS;
const NON_DECODE = ['base', 'ziccid', 'ir-decode-w', 'ir3-fetch'] as const;

/** Rules the cases below cannot reach; each case names one. */
const WHY = {
  late: "LIMIT: needs a fetch performed after the same hart's later load or store (not produced by the operational model)",
  rvwmo: 'LIMIT: needs RVWMO reordering of data accesses (data memory is sequentially consistent in this model)',
  causalNotMca:
    'IMPRECISE: knowledge passes along causal chains only; RVWMO is multi-copy atomic, so a load that reads another ' +
    "hart's store could also learn every write before that store — the model allows more (sound, not precise)",
  ziccidPerByte:
    'IMPRECISE: ziccid keeps a floor per byte; the reading that fetches are in program order across locations ' +
    '(one rising fetch time per hart) forbids more — the model allows more (sound, not precise)',
} as const;

/**
 * Cases whose argued result the checker does not give, each with why. A LIMIT is a behaviour
 * the architecture allows and the operational model cannot produce (said in every verdict);
 * an IMPRECISE case is one the model allows though the argued reading forbids it.
 */
const PENDING: Record<string, { models: readonly LitmusModel[]; why: keyof typeof WHY }[]> = {
  'FenceI.fr-rf': [{ models: ALL, why: 'causalNotMca' }],
  'MP.FF2': [{ models: ['ziccid'], why: 'ziccidPerByte' }],
  'MP.FF2+fencei': [{ models: ['ziccid'], why: 'ziccidPerByte' }],
  'FR.code': [{ models: NON_DECODE, why: 'late' }],
  'MP.FR': [{ models: NON_DECODE, why: 'late' }],
  'LB.FW': [{ models: ['base', 'ziccid', 'ir3-fetch'], why: 'late' }],
  'MP.FF+fencei-nowfence': [{ models: ALL, why: 'rvwmo' }],
  'ISA2.FF+fencei-nofence': [{ models: ALL, why: 'rvwmo' }],
  SB: [{ models: ALL, why: 'rvwmo' }],
};

function expectations(text: string, file: string): Record<LitmusModel, 'Allowed' | 'Forbidden'> {
  const m = /\(\*\s*expect\s+([^*]*)\*\)/.exec(text);
  if (!m) throw new Error(`${file}: no (* expect ... *) line`);
  const out: Partial<Record<LitmusModel, 'Allowed' | 'Forbidden'>> = {};
  for (const kv of m[1].trim().split(/\s+/)) {
    const [k, v] = kv.split('=');
    if (!(ALL as readonly string[]).includes(k) || (v !== 'Allowed' && v !== 'Forbidden')) throw new Error(`${file}: bad expectation '${kv}'`);
    out[k as LitmusModel] = v;
  }
  for (const k of ALL) if (!out[k]) throw new Error(`${file}: no expectation for ${k}`);
  return out as Record<LitmusModel, 'Allowed' | 'Forbidden'>;
}

describe('litmus suite', () => {
  it('has at least 40 tests, each with an argued expectation per model and a unique name', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    const names = new Set<string>();
    for (const f of files) {
      const text = readFileSync(join(DIR, f), 'utf8');
      expectations(text, f);
      const p = loadLitmus(text, f);
      expect(p, f).toBeDefined();
      expect(f).toBe(`${p!.test.name}.litmus`);
      expect(names.has(p!.test.name)).toBe(false);
      names.add(p!.test.name);
      // Each model's argument is written out in a comment.
      for (const k of ALL) expect(text, `${f} argues ${k}`).toMatch(new RegExp(`${k.replace(/-/g, '\\-')}[,:]`));
    }
  });

  it('every pending case names a test and a model that exist', () => {
    const names = new Set(files.map((f) => f.replace(/\.litmus$/, '')));
    for (const [name, list] of Object.entries(PENDING)) {
      expect(names.has(name), name).toBe(true);
      for (const e of list) for (const m of e.models) expect(ALL).toContain(m);
    }
  });

  it('warns about data reordering exactly for the tests whose argued result needs it', () => {
    const rvwmo = Object.entries(PENDING).filter(([, l]) => l.some((e) => e.why === 'rvwmo')).map(([n]) => n).sort();
    const warned = files.filter((f) => loadLitmus(readFileSync(join(DIR, f), 'utf8'), f)!.warnings.length > 0).map((f) => f.replace(/\.litmus$/, ''));
    expect(warned).toEqual(rvwmo);
  });

  for (const f of files) {
    const text = readFileSync(join(DIR, f), 'utf8');
    const exp = expectations(text, f);
    let program: LitmusProgram | undefined;
    const get = () => (program ??= loadLitmus(text, f)!);
    describe(f.replace(/\.litmus$/, ''), () => {
      for (const model of ALL) {
        const pend = PENDING[f.replace(/\.litmus$/, '')]?.find((e) => e.models.includes(model));
        const title = `${model}: ${exp[model]}${pend ? ` (${WHY[pend.why]})` : ''}`;
        (pend ? it.fails : it)(title, () => {
          const r = runLitmus(get(), model);
          expect(r.violations).toEqual([]);
          expect(r.limit).toBeUndefined();
          expect(r.positive > 0 ? 'Allowed' : 'Forbidden').toBe(exp[model]);
        });
      }
    });
  }
});
