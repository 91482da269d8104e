import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assemble } from '../../src/isa/asm/assembler.js';
// @ts-expect-error plain JS module shared with bench/fuzz.mjs
import { buildBundle, classify, Pool, ROOT } from './harness.mjs';
// @ts-expect-error plain JS module shared with bench/fuzz.mjs
import { corpus, makeCase } from './gen.mjs';

/**
 * The failures of the fuzz harness's long runs (docs/fuzz.md), regenerated from their seed and
 * case number and run through the harness as the long run ran them: each must now end within
 * its budget with an exit code the command documents. Budgets are the long run's (10 s of CPU,
 * 30 s of wall time for a hang); nothing here asserts a time.
 */
type Result = { code?: number | string; failure?: string; stderr: string; stdout: string };
type Case = { kind: string; argv: string[]; files: Record<string, string | Uint8Array>; stdin?: string | Uint8Array };

const TIME_MS = 10_000;
const MEM_MB = 1024;
let pool: { opts: { bundle: string }; workers: { run(c: Case, ms: number): Promise<Result>; recycled?: number }[]; close(): void };
const lib = corpus(ROOT);
const run = (c: Case) => pool.workers[0].run(c, TIME_MS);

beforeAll(async () => {
  pool = new Pool({ bundle: await buildBundle(), workers: 1, timeMs: TIME_MS, memMb: MEM_MB });
}, 120_000);
afterAll(() => pool?.close());

describe('fuzz regressions (seed 7, second long run)', () => {
  it.each([43649, 61747, 66964])('case %i: check naming .. ends with exit 2 (it was a 30 s timeout)', async (i) => {
    const c = makeCase(lib, 7, i) as Case;
    expect(c.argv).toContain('..');
    const r = await run(c);
    expect(classify(c, r, MEM_MB, TIME_MS), r.stderr).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ftrace-race: \.\.: no \.yaml specs in this directory \(2 symbolic links to directories not followed: name them directly\)$/m);
  }, 120_000);

  it('case 76852: replay of a 285 KB spec whose asm redefines a label 2,000 times is exit 2 inside the budget (it was 10.8 s of CPU)', async () => {
    const c = makeCase(lib, 7, 76852) as Case;
    expect(c.argv).toEqual(['replay', 'case.yaml', '--schedule', 'h9']);
    const r = await run(c);
    expect(classify(c, r, MEM_MB, TIME_MS), r.stderr.slice(0, 500)).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^case\.yaml:\d+:7: symbol 'x' is already defined$/m);
    expect(r.stderr).not.toMatch(/limit prepareMs/);
    // The cause, without a clock: every asm block of the case converges in two passes (it ran
    // all sixteen, each label redefinition moving the label; test/spec/limits.test.ts).
    const blocks = (parse(c.files['case.yaml'] as string).memory as { asm?: string; at: string }[]).filter((m) => typeof m.asm === 'string');
    expect(blocks.length).toBeGreaterThan(0);
    for (const m of blocks) expect(assemble(m.asm!, { base: 0x80000000 }).passes).toBeLessThanOrEqual(2);
  }, 120_000);

  it('case 143032: a site whose initial: is 100 KB of padding: one located line (it was 1.3 MB, cut to nothing by the harness: a silent exit 2)', async () => {
    const c = makeCase(lib, 7, 143032) as Case;
    const r = await run(c);
    expect(classify(c, r, MEM_MB, TIME_MS), r.stderr.slice(0, 500)).toBeNull();
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^case\.yaml:66:14: site 'f' is not where its code is: 'initial' assembles to .* \.\.\. \(\d+ bytes\)/);
    expect(lines[0].length).toBeLessThan(600);
  }, 120_000);

  it('case 208847 (third long run): 200,000 nested [ is refused on the Lexer; a worker is replaced at rest past half the budget', async () => {
    // In the long run this case was killed at 1024 MB RSS: the worker carried some 800 MB of
    // earlier cases' garbage. Alone it grew the worker by about 200 MB (yaml's Parser holds a
    // node per open `[`); the nesting is now counted on the Lexer's tokens first.
    const c = makeCase(lib, 7, 208847) as Case;
    const r = (await run(c)) as Result & { peakKb: number; beforeKb: number };
    expect(classify(c, r, MEM_MB, TIME_MS)).toBeNull();
    expect(r.stderr).toBe('case.yaml:1:65: YAML nests deeper than 64 levels (limit yamlDepth)\n');
    expect(r.peakKb - r.beforeKb).toBeLessThan(64 * 1024);
    // Half of an 80 MB budget is less than a fresh worker at rest (about 50 MB): every case gets a new one.
    const small = new Pool({ bundle: pool.opts.bundle, workers: 1, timeMs: TIME_MS, memMb: 80 });
    try {
      for (let k = 0; k < 2; k++) expect((await small.workers[0].run({ kind: 'rest', argv: ['--version'], files: {} }, TIME_MS)).code).toBe(0);
      expect(small.workers[0].recycled).toBe(2);
    } finally {
      small.close();
    }
  }, 120_000);

  it('case 427653 (fourth long run): merge of a shard file that says it is one of 2^40 is exit 2 (it was exit 70, Invalid array length)', async () => {
    const c = makeCase(lib, 7, 427653) as Case;
    expect(c.argv[0]).toBe('merge');
    const r = await run(c);
    expect(classify(c, r, MEM_MB, TIME_MS), r.stderr).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ftrace-race: s0.bin: not a shard file: it is shard 0 of 1099511627776 (at most 1024 shards, counted from 0)\n');
  }, 120_000);

  it('a case naming - reads the case\'s standard input: empty, a spec, or more than the cap', async () => {
    const spec = lib.specs.find((s: { name: string }) => s.name.startsWith('c2-sd-pair-fetch8-no-preempt')).text;
    const cases: [Case, number, RegExp][] = [
      [{ kind: 'argv', argv: ['check', '-'], files: {}, stdin: '' }, 2, /^-:1:1: a spec is a YAML mapping/],
      [{ kind: 'argv', argv: ['check', '-', '--no-timing'], files: {}, stdin: spec }, 0, /^$/],
      [{ kind: 'argv', argv: ['replay', '-', '--schedule', 'h0'], files: {}, stdin: 'x'.repeat((1 << 20) + 1) }, 2, /^ftrace-race: -: standard input has more than 1048576 bytes \(limit specBytes\)$/],
    ];
    for (const [c, code, err] of cases) {
      const r = await run(c);
      expect(classify(c, r, MEM_MB, TIME_MS)).toBeNull();
      expect(r.code).toBe(code);
      expect(r.stderr.trimEnd()).toMatch(err);
    }
    // The generator gives every case naming - a standard input of its own.
    for (const i of [83358, 83458]) {
      const c = makeCase(lib, 7, i) as Case;
      expect(c.argv).toContain('-');
      expect(c.stdin).toBeDefined();
    }
    expect((makeCase(lib, 7, 83188) as Case).stdin).toBeUndefined();
  }, 120_000);
});
