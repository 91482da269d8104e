import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSpecText, exploreOptions, replay } from '../../src/api/check.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { libraryInputs } from '../kernel/built.js';

/** Scenario tests are data: each spec with the verdict and violation it must give. */
const CASES = [
  { file: 'specs/b1-stop-machine-preempt-full.yaml', verdict: 'unsafe', property: 'mixed-target', kind: 'auipc-jalr', preemptions: 1, target: '0xffffffff8000b7c4' },
  { file: 'specs/b2-stop-machine-preempt-none.yaml', verdict: 'safe' },
  { file: 'specs/b3-nosync-smp.yaml', verdict: 'unsafe', property: 'mixed-target', kind: 'auipc-jalr', preemptions: 0, target: '0xffffffff8000b7c4' },
] as const;

describe('bundled specs B1-B3', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.verdict}`, () => {
      const r = checkSpecText(readFileSync(c.file, 'utf8'), c.file);
      if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
      expect(r.result.verdict).toBe(c.verdict);
      expect(r.result.complete).toBe(true);
      expect(r.matches).toBe(true);
      if (c.verdict === 'safe') {
        expect(r.result.findings).toEqual([]);
        return;
      }
      const f = r.result.findings.find((x) => x.violation.property === c.property && x.violation.kind === c.kind)!;
      expect(f).toBeDefined();
      expect(f.violation.site).toBe('f');
      expect(f.violation.versions).toEqual([0, 1]);
      expect(f.violation.landing).toBe('wild');
      expect('0x' + BigInt.asUintN(64, BigInt(f.violation.target!)).toString(16)).toBe(c.target);
      expect(f.preemptions).toBe(c.preemptions);
      // The witness replays to the same violation.
      const rep = replay(r.spec, f.schedule);
      expect(rep.violation).toEqual(f.violation);
      const insns = rep.trace.filter((e) => e.kind === 'insn' && e.task === 'caller');
      expect(insns.map((e) => e.insn!.op)).toEqual(['auipc', 'jalr']);
      expect(insns.map((e) => e.fetched!.map((b) => b.version))).toEqual([[0, 0, 0, 0], [1, 1, 1, 1]]);
    });
  }

  it('B1 under --set kernel.preemption=none is safe, so the expectation fails', () => {
    const file = 'specs/b1-stop-machine-preempt-full.yaml';
    const r = checkSpecText(readFileSync(file, 'utf8'), file, { overrides: ['kernel.preemption=none'] });
    if (!r.ok) throw new Error('load');
    expect(r.result.verdict).toBe('safe');
    expect(r.matches).toBe(false);
  });

  it('--naive finds the same violations as the reduced search', () => {
    for (const c of CASES) {
      const text = readFileSync(c.file, 'utf8');
      const a = checkSpecText(text, c.file);
      const b = checkSpecText(text, c.file, { naive: true });
      if (!a.ok || !b.ok) throw new Error('load');
      const sig = (x: typeof a) => (x.ok ? x.result.findings.map((f) => `${f.violation.property}/${f.violation.kind}/${f.violation.versions}`).sort() : []);
      expect(sig(b)).toEqual(sig(a));
      expect(b.result.stats.states).toBeGreaterThan(a.result.stats.states);
    }
  });
});

describe('CLI check/replay', () => {
  it('check specs/b*: exit 0, one line per spec and a summary', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/b1-stop-machine-preempt-full.yaml', 'specs/b2-stop-machine-preempt-none.yaml', 'specs/b3-nosync-smp.yaml'], io);
    expect(io.err).toMatch(/^checked in \d+ ms\n$/); // timing only on stderr
    expect(code).toBe(0);
    const lines = io.out.trim().split('\n');
    expect(lines[0]).toMatch(/^✓ b1-stop-machine-preempt-full: unsafe \(expected unsafe mixed-target\/auipc-jalr\)/);
    expect(lines[1]).toMatch(/^✓ b2-stop-machine-preempt-none: safe \(expected safe\)/);
    expect(lines.at(-1)).toMatch(/^3 specs: 3 as expected, 0 not, 0 inconclusive, 0 with errors/);
  });

  it('--format json has the contract field names', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--format', 'json'], io);
    expect(code).toBe(0);
    const j = JSON.parse(io.out);
    for (const k of ['spec', 'verdict', 'expect', 'complete', 'bound', 'violations', 'stats']) expect(j).toHaveProperty(k);
    for (const k of ['executions', 'states', 'ms']) expect(j.stats).toHaveProperty(k);
    const v = j.violations[0];
    for (const k of ['property', 'kind', 'site', 'hart', 'task', 'target', 'versions', 'preemptions', 'steps', 'schedule', 'schedules']) expect(v).toHaveProperty(k);
    expect(v).toMatchObject({ property: 'mixed-target', kind: 'auipc-jalr', site: 'f', task: 'caller', hart: 0, target: '0xffffffff8000b7c4', versions: [0, 1], preemptions: 1 });
  });

  it('replay prints the same trace as check, and is deterministic', async () => {
    const run = async (argv: string[]) => {
      const io = bufferIo();
      const code = await main(argv, io);
      return { code, out: io.out };
    };
    const file = 'specs/b1-stop-machine-preempt-full.yaml';
    const a = await run(['check', file]);
    const b = await run(['check', file]);
    // Timing goes to stderr: stdout is the same bytes run after run.
    expect(b.out).toBe(a.out);
    const j1 = await run(['check', ...libraryInputs(), '--format', 'json', '--no-timing']);
    const j2 = await run(['check', ...libraryInputs(), '--format', 'json', '--no-timing']);
    expect(j1.code).toBe(0);
    expect(j2.out).toBe(j1.out);
    const schedule = /schedule: (\S+)/.exec(a.out)![1];
    const r = await run(['replay', file, '--schedule', schedule]);
    expect(r.code).toBe(1);
    const traceOf = (s: string) => s.slice(s.indexOf('tasks: t0')).split('\n\n')[0].trimEnd();
    expect(traceOf(r.out)).toBe(traceOf(a.out));
    expect(traceOf(r.out)).toContain('jalr t0,-1900(t0) [v1]');
  });

  it('replay rejects a schedule that does not fit', async () => {
    const io = bufferIo();
    const code = await main(['replay', 'specs/b3-nosync-smp.yaml', '--schedule', 'h0.h5'], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/schedule step 2 'h5' is not possible here/);
  });

  it('bad spec: file:line:col and exit 2', async () => {
    const io = bufferIo();
    const code = await main(['check', 'test/check/fixtures/bad-asm.yaml'], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/^test\/check\/fixtures\/bad-asm\.yaml:\d+:\d+: .*frobnicate/m);
  });

  it('limits: exit 3 with partial statistics', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/b2-stop-machine-preempt-none.yaml', '--max-states', '10'], io);
    expect(code).toBe(3);
    expect(io.out).toMatch(/inconclusive: max-states 10 reached; partial: \d+ executions, \d+ states/);
  });

  it('limits: the heap is bounded by default and by --max-memory; 0 lifts a limit', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/d1-616-jalr-toggle-preempt-full.yaml', '--max-memory', '1'], io);
    expect(code).toBe(3);
    expect(io.out).toMatch(/inconclusive: max-memory 1 MB reached/);
    const loaded = checkSpecText(readFileSync('specs/b2-stop-machine-preempt-none.yaml', 'utf8'), 'b2.yaml');
    if (!loaded.ok) throw new Error('b2 did not load');
    expect(exploreOptions(loaded.spec, {})).toMatchObject({ maxStates: 2_000_000, maxMemory: 2048, maxTime: undefined });
    expect(exploreOptions(loaded.spec, { maxStates: 0, maxMemory: 0 })).toMatchObject({ maxStates: undefined, maxMemory: undefined });
    // A spec may tighten a limit but not loosen it: only the command line can.
    const loose = checkSpecText(readFileSync('specs/b2-stop-machine-preempt-none.yaml', 'utf8'), 'b2.yaml', { overrides: ['explore.max-states=9000000000', 'explore.max-memory=100'] });
    if (!loose.ok) throw new Error(loose.diagnostics.map((d) => d.message).join('\n'));
    expect(exploreOptions(loose.spec, {})).toMatchObject({ maxStates: 2_000_000, maxMemory: 100 });
    expect(exploreOptions(loose.spec, { maxStates: 3_000_000 })).toMatchObject({ maxStates: 3_000_000 });
  });

  it('--bound k searches by bounds up to k even where the spec asks for an exhaustive search', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/d1-616-jalr-toggle-preempt-full.yaml', '--bound', '1', '--format', 'json', '--no-timing'], io);
    const r = JSON.parse(io.out);
    // Safe needs 2 preemptions to see that nothing is cut (bench/por.mjs --bounded): at 1, bounded.
    expect([code, r.verdict, r.bound, r.complete]).toEqual([3, 'inconclusive', 1, false]);
    expect(r.limit).toContain('no violation with at most 1 preemption');
  });

  it('--all streams violating schedules as JSON lines', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/b3-nosync-smp.yaml', '--all'], io);
    expect(code).toBe(0);
    const lines = io.out.trim().split('\n').map((l) => JSON.parse(l));
    const vs = lines.filter((l) => l.type === 'violation');
    expect(vs.length).toBeGreaterThan(1);
    expect(new Set(vs.map((v) => v.schedule)).size).toBe(vs.length);
    expect(lines.at(-1).type).toBe('result');
  });
});
