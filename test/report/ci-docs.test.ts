/**
 * docs/ci.md's command lines, run as written (from a temp directory holding the library), and
 * their outputs checked: SARIF against the official 2.1.0 schema, JUnit with an XML parser.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ROOT, run, sarifValidator, workDir } from './helpers.js';

/** `npx ftrace-race check …` lines of docs/ci.md (in YAML `run:`/`- ` items and shell blocks). */
function documentedCommands(): string[][] {
  const doc = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
  const out: string[][] = [];
  for (const line of doc.split('\n')) {
    const m = /^\s*(?:- |run: )?npx ftrace-race (check [^|&;]*?)\s*(\|\||&&|;|$)/.exec(line);
    if (m) out.push(m[1].trim().split(/\s+/));
  }
  return out;
}

const validate = sarifValidator();
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function checkJunit(file: string) {
  const text = readFileSync(file, 'utf8');
  expect(XMLValidator.validate(text)).toBe(true);
  const doc = parser.parse(text);
  const suites = doc.testsuites;
  const cases = asArray(suites.testsuite.testcase);
  expect(Number(suites['@tests'])).toBe(cases.length);
  expect(Number(suites['@failures'])).toBe(cases.filter((c: Record<string, unknown>) => c.failure).length);
  expect(Number(suites['@errors'])).toBe(cases.filter((c: Record<string, unknown>) => c.error).length);
  return { doc, cases };
}

describe('docs/ci.md command lines', () => {
  const commands = documentedCommands();

  it('documents a GitHub, a GitLab and a shell command line', () => {
    expect(commands.length).toBe(3);
    expect(commands.map((c) => c.join(' '))).toEqual([
      expect.stringContaining('--report sarif:ftrace-race.sarif'),
      expect.stringContaining('--report junit:ftrace-race.xml'),
      expect.stringContaining('--quiet'),
    ]);
  });

  it('each runs on the library with exit 0 and writes valid reports', async () => {
    const dir = workDir();
    for (const argv of commands) {
      const r = await run(argv, dir, { GITHUB_ACTIONS: 'true' });
      expect(r.code, `${argv.join(' ')}\n${r.err}`).toBe(0);
    }
    const sarif = JSON.parse(readFileSync(join(dir, 'ftrace-race.sarif'), 'utf8'));
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // The library passes its gate: no results, every expected verdict a notification.
    expect(sarif.runs[0].results).toEqual([]);
    
    expect(sarif.runs[0].originalUriBaseIds.SRCROOT.uri).toMatch(/^file:\/\/.*\/$/);
    const { cases } = checkJunit(join(dir, 'ftrace-race.xml'));
    expect(cases.length).toBe(readdirSync(join(dir, 'specs'), { recursive: true }).filter((f) => /\.ya?ml$/.test(String(f))).length);
    expect(sarif.runs[0].invocations[0].toolExecutionNotifications.length).toBeGreaterThanOrEqual(cases.length);
    expect(existsSync(join(dir, 'ftrace-race.html'))).toBe(true);
    const jsonl = readFileSync(join(dir, 'ftrace-race.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.at(-1)).toMatchObject({ type: 'summary', version: 1, fail: 0, error: 0, exit: 0 });
  }, 120_000);

  it('a failing gate: SARIF results with code flows per hart validate; JUnit has the witness in <failure>', async () => {
    const dir = workDir();
    const argv = ['check', 'specs/b2-stop-machine-preempt-none.yaml', 'specs/b3-nosync-smp.yaml', 'specs/nosuch.yaml', '--set', 'kernel.preemption=full', '--report', 'sarif:out.sarif', '--report', 'junit:out.xml', '--no-timing'];
    const r = await run(argv, dir);
    expect(r.code).toBe(2);
    const sarif = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8'));
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const results = sarif.runs[0].results;
    expect(results.map((x: { ruleId: string }) => x.ruleId)).toEqual(['mixed-target/auipc-jalr', 'spec/io']);
    const flow = results[0].codeFlows[0];
    expect(flow.threadFlows.map((t: { id: string }) => t.id)).toEqual(['hart 0', 'hart 1']);
    const orders = flow.threadFlows.flatMap((t: { locations: { executionOrder: number }[] }) => t.locations.map((l) => l.executionOrder)).sort((a: number, b: number) => a - b);
    expect(orders).toEqual(orders.map((_: number, i: number) => i + 1));
    // Instructions sit at their asm lines, the patch store at its write step.
    const lines = (t: { locations: { location: { physicalLocation?: { region: { startLine: number } } } }[] }) => t.locations.map((l) => l.location.physicalLocation?.region.startLine).filter(Boolean);
    expect(lines(flow.threadFlows[0]).length).toBeGreaterThan(0);
    expect(lines(flow.threadFlows[1])).toContain(78);
    expect(results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'specs/b2-stop-machine-preempt-none.yaml', uriBaseId: 'SRCROOT' });
    expect(results[0].message.text).toContain('auipc hi from v0');
    const rule = sarif.runs[0].tool.driver.rules[results[0].ruleIndex];
    expect(rule.fullDescription.text.length).toBeGreaterThan(100);
    expect(rule.help.text).toContain('How to read the witness');
    // Stable fingerprints: a second run gives the same.
    await run(argv, dir);
    const again = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8'));
    expect(again.runs[0].results.map((x: { partialFingerprints: object }) => x.partialFingerprints)).toEqual(results.map((x: { partialFingerprints: object }) => x.partialFingerprints));
    const { cases } = checkJunit(join(dir, 'out.xml'));
    const failure = cases.find((c: Record<string, unknown>) => c['@name'] === 'b2-stop-machine-preempt-none').failure;
    expect(failure['@type']).toBe('mixed-target');
    expect(failure['#text']).toContain('schedule: h0*2.h1.h0>t2.h1>t3.h1.h0.h1.h0.h0>t0');
    expect(failure['#text']).toMatch(/hart 0 +hart 1/);
    expect(failure['#text']).toContain('t2 = stopper/0');
    const missing = cases.find((c: Record<string, unknown>) => c['@name'] === 'nosuch').error;
    expect(missing['@type']).toBe('spec/io');
  }, 60_000);

  it('URIs are relative to the git top level whatever the working directory', async () => {
    const fromRoot = await run(['check', 'specs/b3-nosync-smp.yaml', '--set', 'expect=safe', '--format', 'sarif']);
    const fromSpecs = await run(['check', 'b3-nosync-smp.yaml', '--set', 'expect=safe', '--format', 'sarif'], join(ROOT, 'specs'));
    const uri = (s: string) => JSON.parse(s).runs[0].results[0].locations[0].physicalLocation.artifactLocation;
    expect(uri(fromSpecs.out)).toEqual(uri(fromRoot.out));
    expect(uri(fromRoot.out)).toEqual({ uri: 'specs/b3-nosync-smp.yaml', uriBaseId: 'SRCROOT' });
  });
});
