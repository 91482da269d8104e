/**
 * The report path's command line: --report repeatable, one stdout report, JSON records against
 * schema/report.schema.json, GitHub annotations, stdin, missing specs, progress and quiet, and
 * the conventions (no arguments, one error prefix, NO_COLOR over FORCE_COLOR); init and explain.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ROOT, run } from './report/helpers.js';
import { makeChalk } from '../src/report/text.js';
import { makeProgress, progressLine } from '../src/cli/progress.js';
import { explore } from '../src/explore/explore.js';
import { loadSpec } from '../src/spec/load.js';

const validateRecord = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schema', 'report.schema.json'), 'utf8')));
const tmp = () => mkdtempSync(join(tmpdir(), 'ftrace-race-cli-'));

describe('JSON output', () => {
  it('every record of check, check --all and replay validates against schema/report.schema.json', async () => {
    const records: unknown[] = [];
    const lines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    records.push(...lines((await run(['check', 'specs/', 'specs/nosuch.yaml', 'test/check/fixtures/bad-asm.yaml', '--format', 'json', '--no-timing'])).out));
    records.push(...lines((await run(['check', 'specs/b3-nosync-smp.yaml', '--all', '--no-timing'])).out));
    records.push(...lines((await run(['replay', 'specs/b3-nosync-smp.yaml', '--schedule', 'h0*2.h1.h0', '--format', 'json'])).out));
    const types = new Set(records.map((r) => (r as { type: string }).type));
    expect([...types].sort()).toEqual(['error', 'replay', 'result', 'summary', 'violation']);
    for (const r of records) expect(validateRecord(r), JSON.stringify([r, validateRecord.errors]).slice(0, 600)).toBe(true);
    expect(records.every((r) => (r as { version: number }).version === 1)).toBe(true);
  }, 60_000);
});

describe('--report', () => {
  it('one run writes several reports; text stays on stdout', async () => {
    const d = tmp();
    const r = await run(['check', 'specs/b3-nosync-smp.yaml', '--report', `sarif:${d}/a.sarif`, '--report', `junit:${d}/a.xml`, '--report', `json:${d}/a.jsonl`, '--report', `text:${d}/a.txt`, '--no-timing']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^✓ b3-nosync-smp: unsafe/);
    for (const f of ['a.sarif', 'a.xml', 'a.jsonl', 'a.txt']) expect(existsSync(join(d, f)), f).toBe(true);
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe(r.out);
    expect(JSON.parse(readFileSync(join(d, 'a.sarif'), 'utf8')).version).toBe('2.1.0');
  });

  it('only one report may take stdout', async () => {
    const r = await run(['check', 'specs/b3-nosync-smp.yaml', '--report', 'sarif', '--report', 'junit']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ftrace-race: only one report can go to stdout/);
    const bad = await run(['check', 'specs/b3-nosync-smp.yaml', '--report', 'pdf']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^ftrace-race: .*unknown format 'pdf'/);
  });

  it('--all keeps stdout for its JSON lines; SARIF then goes to a file', async () => {
    const bad = await run(['check', 'specs/b3-nosync-smp.yaml', '--all', '--format', 'sarif']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^ftrace-race: --all streams JSON lines to stdout: write the sarif report to a file/);
    const d = tmp();
    const ok = await run(['check', 'specs/b3-nosync-smp.yaml', '--all', '--report', `sarif:${d}/all.sarif`, '--no-timing']);
    expect(ok.code).toBe(0);
    expect(ok.out.trim().split('\n').every((l) => JSON.parse(l).type)).toBe(true);
    expect(JSON.parse(readFileSync(join(d, 'all.sarif'), 'utf8')).version).toBe('2.1.0');
  });

  it('a missing spec still gives a valid SARIF document that says so', async () => {
    const r = await run(['check', 'specs/nosuch.yaml', '--format', 'sarif']);
    expect(r.code).toBe(2);
    const s = JSON.parse(r.out);
    expect(s.runs[0].results[0]).toMatchObject({ ruleId: 'spec/io', level: 'error', message: { text: 'nosuch: no such file or directory' } });
    expect(r.err).toBe('ftrace-race: specs/nosuch.yaml: no such file or directory\n');
  });

  it('--github prints workflow commands at the spec line; automatic under GITHUB_ACTIONS', async () => {
    const argv = ['check', 'specs/b3-nosync-smp.yaml', '--set', 'expect=safe', '--no-timing'];
    const r = await run([...argv, '--github']);
    expect(r.out).toMatch(/^::error file=specs\/b3-nosync-smp\.yaml,line=62,col=5,title=ftrace-race%3A mixed-target \(auipc-jalr\)::b3-nosync-smp: .*%0Aschedule: h0\*2\.h1\.h0%0A/m);
    const auto = await run(argv, ROOT, { GITHUB_ACTIONS: 'true' });
    expect(auto.out).toContain('::error file=specs/b3-nosync-smp.yaml');
    const off = await run([...argv, '--no-github'], ROOT, { GITHUB_ACTIONS: 'true' });
    expect(off.out).not.toContain('::error');
    // With SARIF on stdout the annotations go to stderr.
    const sarif = await run([...argv, '--format', 'sarif'], ROOT, { GITHUB_ACTIONS: 'true' });
    expect(() => JSON.parse(sarif.out)).not.toThrow();
    expect(sarif.err).toContain('::error file=');
  });
});

describe('input, progress, quiet', () => {
  it('- reads a spec from standard input', async () => {
    const text = readFileSync(join(ROOT, 'specs', 'b3-nosync-smp.yaml'), 'utf8');
    const r = await run(['check', '-', '--no-timing'], ROOT, {}, text);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^✓ b3-nosync-smp: unsafe/);
    const rp = await run(['replay', '-', '--schedule', 'h0*2.h1.h0'], ROOT, {}, text);
    expect(rp.code).toBe(1);
  });

  it('--quiet prints only what fails the gate; --progress writes lines to stderr', async () => {
    const q = await run(['check', 'specs/b3-nosync-smp.yaml', 'specs/b2-stop-machine-preempt-none.yaml', '--quiet', '--no-timing']);
    expect(q.code).toBe(0);
    expect(q.out).toBe('');
    const p = await run(['check', 'specs/b3-nosync-smp.yaml', '--progress', '--no-timing']);
    expect(p.err).toMatch(/^ftrace-race: b3-nosync-smp: starting$/m);
    expect(progressLine('b1', 2, 31, { bound: 1, states: 2000, executions: 10, violations: 1 }, 500)).toBe('[3/31] b1: bound 1, 2000 states, 10 executions, 1 violations, 4000 states/s, 0.5 s');
    // With an estimate: the naive search's share of its tree, the partitioned search's parts.
    expect(progressLine('b1', 0, 1, { bound: null, states: 2000, executions: 10, violations: 1, done: 0.25 }, 1000)).toBe('b1: unbounded, 2000 states, 10 executions, 1 violations, 2000 states/s, 1.0 s, about 25% of the tree (~3.0 s left)');
    expect(progressLine('b1', 0, 1, { bound: null, states: 0, executions: 40, violations: 2, parts: { done: 17, of: 71 } }, 3400)).toBe('b1: unbounded, part 17/71 done, 40 executions, 2 violations, 3.4 s, about 10.8 s left');
    expect(progressLine('b1', 0, 1, { bound: null, states: 7000, executions: 40, violations: 2, twoPhase: { taken: 17, of: 71 } }, 3500)).toBe('b1: unbounded, phase 1 of 2, part 17/71 taken, 7000 states, 40 executions, 2 kinds of violation, 2000 states/s, 3.5 s');
    // Random probes (explore/probes.ts): their coverage, rounded down (100% only when all are covered).
    // One unbounded search also gets the rough time left were the coverage the share done; a
    // bound's search (its clock is not `ms`) and phase 1 (phase 2 follows) do not, nor a complete sample.
    expect(progressLine('b1', 0, 1, { bound: null, states: 7000, executions: 40, violations: 2, probes: { runs: 64, states: 0.999 } }, 3500)).toBe('b1: unbounded, 7000 states, 40 executions, 2 violations, 2000 states/s, 3.5 s, 64 random probes 99% covered, roughly 0.0 s left');
    expect(progressLine('b1', 0, 1, { bound: null, states: 7000, executions: 40, violations: 2, probes: { runs: 64, states: 0.25 } }, 3500)).toBe('b1: unbounded, 7000 states, 40 executions, 2 violations, 2000 states/s, 3.5 s, 64 random probes 25% covered, roughly 10.5 s left');
    expect(progressLine('b1', 0, 1, { bound: 2, states: 7000, executions: 40, violations: 2, probes: { runs: 64, states: 0.25 } }, 3500)).toBe('b1: bound 2, 7000 states, 40 executions, 2 violations, 2000 states/s, 3.5 s, 64 random probes 25% covered');
    expect(progressLine('b1', 0, 1, { bound: null, states: 7000, executions: 40, violations: 2, twoPhase: { taken: 17, of: 71 }, probes: { runs: 64, states: 0.25 } }, 3500)).toBe('b1: unbounded, phase 1 of 2, part 17/71 taken, 7000 states, 40 executions, 2 kinds of violation, 2000 states/s, 3.5 s, 64 random probes 25% covered');
    expect(progressLine('b1', 0, 1, { bound: null, states: 7000, executions: 40, violations: 2, probes: { runs: 64, states: 0 } }, 3500)).toBe('b1: unbounded, 7000 states, 40 executions, 2 violations, 2000 states/s, 3.5 s, 64 random probes 0% covered');
    expect(progressLine('b1', 0, 1, { bound: null, states: 7000, executions: 40, violations: 2, probes: { runs: 64, states: 1 } }, 3500)).toBe('b1: unbounded, 7000 states, 40 executions, 2 violations, 2000 states/s, 3.5 s, 64 random probes 100% covered');
  });

  it('--progress-every S: a line every S seconds (a Slurm log of a long search), and bad values are one-line usage errors', async () => {
    let t = 0;
    const lines: string[] = [];
    const sink = makeProgress({ mode: 'lines', every: 5000, now: () => t, stderr: (x) => lines.push(x) })!;
    sink.start('b1', 0, 1);
    for (t = 1000; t <= 12_000; t += 1000) sink.update({ bound: null, states: t, executions: 1, violations: 0 });
    expect(lines.map((l) => l.trim())).toEqual([
      'ftrace-race: b1: starting',
      'ftrace-race: b1: unbounded, 5000 states, 1 executions, 0 violations, 1000 states/s, 5.0 s',
      'ftrace-race: b1: unbounded, 10000 states, 1 executions, 0 violations, 1000 states/s, 10.0 s',
    ]);
    // Off a terminal it implies --progress.
    const p = await run(['check', 'specs/b3-nosync-smp.yaml', '--progress-every', '30', '--no-timing']);
    expect(p.code).toBe(0);
    expect(p.err).toMatch(/^ftrace-race: b3-nosync-smp: starting$/m);
    for (const bad of ['0', '1.5', 'x', '86401']) {
      const r = await run(['check', 'specs/b3-nosync-smp.yaml', '--progress-every', bad]);
      expect([r.code, r.out]).toEqual([2, '']);
      expect(r.err).toBe(`ftrace-race: --progress-every: expected whole seconds from 1 to 86400, got '${bad}'\n`);
    }
  });

  it('the naive search\'s tree estimate only grows, from 0 to all of it', () => {
    const spec = loadSpec(readFileSync('specs/v-b1-three-harts.yaml', 'utf8'), 'specs/v-b1-three-harts.yaml').spec!;
    const seen: number[] = [];
    const r = explore(spec, { strategy: 'exhaustive', naive: true, onProgress: (p) => seen.push(p.done!) });
    expect(r.complete).toBe(true);
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen[0]).toBeGreaterThanOrEqual(0);
    expect(seen[seen.length - 1]).toBeLessThanOrEqual(1);
    expect(seen[seen.length - 1]).toBeGreaterThan(0.5);
    const reduced: (number | undefined)[] = [];
    explore(spec, { strategy: 'exhaustive', naive: false, maxStates: 50_000, onProgress: (p) => reduced.push(p.done) });
    expect(reduced.every((d) => d === undefined)).toBe(true);
  });
});

describe('conventions', () => {
  it('no arguments prints help on stderr and exits 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: ftrace-race');
    expect(r.out).toBe('');
  });

  it('one error prefix: ftrace-race: ', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.err).toMatch(/^ftrace-race: unknown command 'frobnicate'/);
    const opt = await run(['check', 'specs/b3-nosync-smp.yaml', '--bogus']);
    expect(opt.err).toMatch(/^ftrace-race: unknown option '--bogus'/);
    const missing = await run(['replay', 'specs/nosuch.yaml', '--schedule', 'h0']);
    expect(missing.err).toMatch(/^ftrace-race: /);
  });

  it('NO_COLOR wins over FORCE_COLOR (no-color.org); FORCE_COLOR forces colour off a terminal', () => {
    expect(makeChalk({ NO_COLOR: '1', FORCE_COLOR: '1' }, true).level).toBe(0);
    expect(makeChalk({ NO_COLOR: '', FORCE_COLOR: '1' }, false).level).toBe(1);
    expect(makeChalk({ FORCE_COLOR: '3' }, false).level).toBe(3);
  });
});

describe('init and explain', () => {
  it('init writes a template with the schema line, and refuses to overwrite without --force', async () => {
    const d = tmp();
    const file = join(d, 'my-entry.yaml');
    expect((await run(['init', file])).code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*schema\/spec\.schema\.json$/);
    expect(text).toContain('name: my-entry');
    expect(text).toContain('%pcrel_hi(ftrace_caller)');
    const again = await run(['init', file]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^ftrace-race: .*already exists \(use --force to overwrite\)/);
    expect((await run(['init', '--template', 'static-key', '--force', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('static_key_site');
    const list = await run(['init', '--list']);
    expect(list.out.trim().split('\n')).toEqual(['auipc-jalr', 'static-key']);
  });

  it('every template checks with its expected verdict', async () => {
    const d = tmp();
    for (const t of ['auipc-jalr', 'static-key']) {
      const file = join(d, `${t}.yaml`);
      await run(['init', '--template', t, file]);
      const r = await run(['check', file, '--no-timing'], d);
      expect(r.code, `${t}\n${r.out}${r.err}`).toBe(0);
    }
  });

  it('explain shows the model and a coverage summary; a site never entered is a warning', async () => {
    const r = await run(['explain', 'specs/b1-stop-machine-preempt-full.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('t2 = stopper/0: stop_machine\'s stopper on hart 0');
    expect(r.out).toContain('v1 (write at line 84): auipc t0,0xff5c1; jalr t0,-1900(t0)');
    // The coverage is the check's whole search, not a sample.
    expect(r.out).toMatch(/coverage \(the whole search: \d+ executions, \d+ states\)/);
    expect(r.out).toMatch(/site f: entered; versions executed v0, v1 of v0, v1/);
    const d = tmp();
    const spec = readFileSync(join(ROOT, 'specs', 'b2-stop-machine-preempt-none.yaml'), 'utf8').replace(/    call: f\n/, '    call: ftrace_caller\n');
    writeFileSync(join(d, 'never.yaml'), spec);
    const w = await run(['explain', 'never.yaml'], d);
    expect(w.out).toContain('warning: no execution entered site f');
    expect(w.err).toMatch(/^ftrace-race: 1 warning/);
  });
});
