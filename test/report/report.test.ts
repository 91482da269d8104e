import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { formatSchedule, parseSchedule } from '../../src/explore/schedule.js';
import { makeChalk } from '../../src/report/text.js';

describe('schedules', () => {
  it('compact text form round-trips', () => {
    const tokens = ['h0', 'h0', 'h0', 'h1>t2', 'h1>t2/1', 'i0', 'p1', 'h0/2', 'h0/2'];
    const s = formatSchedule(tokens);
    expect(s).toBe('h0*3.h1>t2.h1>t2/1.i0.p1.h0/2*2');
    expect(parseSchedule(s)).toEqual(tokens);
    expect(parseSchedule('')).toEqual([]);
  });

  it('bad steps are rejected with the step named', () => {
    expect(() => parseSchedule('h0.x9')).toThrow(/bad schedule step 'x9'/);
    expect(() => parseSchedule('h0*0')).toThrow(/bad schedule step/);
  });
});

describe('trace registers', () => {
  it('a torn jalr that is not executed shows the ra it reads and the target it would compute', async () => {
    const io = bufferIo();
    await main(['check', 'specs/elf-616-odd-rvc-torn.yaml', '--width', '0'], io);
    // traced_caller's `jal traced_func` set ra to its return address, 0xffffffff80200036.
    expect(io.out).toMatch(/jalr t0,0\(ra\) \[bytes v1 v1 v0 v0\] stale: latest v1\n\s+target=0xffffffff80200036 ra=0xffffffff80200036\n/);
  });

  it('an executed jalr t0,lo(t0) shows t0 as it read it (the auipc result), not as it wrote it', async () => {
    const io = bufferIo();
    await main(['check', 'specs/b3-nosync-smp.yaml', '--width', '0'], io);
    expect(io.out).toMatch(/auipc t0,0xff5c0 \[v0\]\n\s+t0=0xffffffff8000bf30\n/);
    expect(io.out).toMatch(/jalr t0,-1900\(t0\) \[v1\]\n\s+target=0xffffffff8000b7c4 t0=0xffffffff8000bf30\n/);
  });
});

describe('colour', () => {
  it('honours NO_COLOR, FORCE_COLOR and the terminal', () => {
    expect(makeChalk({}, false).level).toBe(0);
    expect(makeChalk({}, true).level).toBe(1);
    expect(makeChalk({ NO_COLOR: '1' }, true).level).toBe(0);
    expect(makeChalk({ FORCE_COLOR: '1' }, false).level).toBe(1);
    expect(makeChalk({ FORCE_COLOR: '0' }, true).level).toBe(0);
  });

  it('piped output has no escape codes; FORCE_COLOR adds them', async () => {
    const plain = bufferIo();
    await main(['check', 'specs/b3-nosync-smp.yaml'], plain);
    expect(plain.out).not.toMatch(/\x1b\[/);
    const forced = bufferIo({ NO_COLOR: undefined, FORCE_COLOR: '1' });
    await main(['check', 'specs/b3-nosync-smp.yaml'], forced);
    expect(forced.out).toMatch(/\x1b\[/);
    expect(forced.out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\d+ ms|\d+ states\/s/g, '')).toBe(plain.out.replace(/\d+ ms|\d+ states\/s/g, ''));
  });

  it('the trace has one column per hart with pc, symbol, disassembly, versions and registers', async () => {
    const io = bufferIo();
    await main(['check', 'specs/b3-nosync-smp.yaml', '--width', '0'], io);
    const lines = io.out.split('\n');
    const head = lines.find((l) => l.startsWith('#  '))!;
    expect(head).toMatch(/^# +hart 0 +hart 1$/);
    const col1 = head.indexOf('hart 1');
    const auipc = lines.find((l) => l.includes('f: auipc t0,0xff5c0'))!;
    expect(auipc).toMatch(/80a4bf30 f: auipc t0,0xff5c0 \[v0\]/);
    expect(auipc.indexOf('caller')).toBeLessThan(col1);
    const store = lines.find((l) => l.includes('store 8 bytes'))!;
    expect(store.indexOf('patcher')).toBe(col1);
    expect(io.out).toMatch(/jalr t0,-1900\(t0\) \[v1\]\n\s+target=0xffffffff8000b7c4 t0=0xffffffff8000bf30/);
    expect(io.out).toMatch(/legitimate: ftrace_caller 0xffffffff8000c6f0, ftrace_regs_caller 0xffffffff8000c7c4, f\+0x8 0xffffffff80a4bf38/);
  });
});

describe('CI formats', () => {
  it('junit: one testcase per spec, errors for bad specs, totals on <testsuites>', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/b1-stop-machine-preempt-full.yaml', 'specs/b2-stop-machine-preempt-none.yaml', 'test/check/fixtures/bad-asm.yaml', '--format', 'junit'], io);
    expect(code).toBe(2);
    expect(io.out).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="ftrace-race" tests="3" failures="0" errors="1" skipped="0"/);
    expect(io.out).toContain('<testcase classname="ftrace-race" name="b2-stop-machine-preempt-none"');
    expect(io.out).toMatch(/<error type="spec\/asm" message="unknown mnemonic 'frobnicate'">test\/check\/fixtures\/bad-asm\.yaml:8:11:/);
  });

  it('junit: a mismatched verdict is a failure typed by the property', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--set', 'kernel.preemption=none', '--format', 'junit'], io);
    expect(code).toBe(1);
    expect(io.out).toContain('<failure type="mixed-target" message="safe, expected unsafe mixed-target/auipc-jalr">');
  });

  it('junit: an inconclusive search is an <error>, not <skipped>, and says how far the search came', async () => {
    const io = bufferIo();
    const code = await main(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--max-states', '10', '--format', 'junit'], io);
    expect(code).toBe(3);
    expect(io.out).toMatch(/<error type="inconclusive" message="inconclusive: [^"]+">/);
    expect(io.out).toContain('errors="1" skipped="0"');
    expect(io.out).toMatch(/; \d+ executions?, 11 states; covered \d+% of the states of 64 random probes\n/);
  });

  it('sarif: an expected violation is a notification, an unexpected one a result at the site', async () => {
    const io = bufferIo();
    expect(await main(['check', 'specs/b3-nosync-smp.yaml', '--format', 'sarif'], io)).toBe(0);
    const s = JSON.parse(io.out);
    expect(s.version).toBe('2.1.0');
    expect(s.runs[0].results).toEqual([]);
    expect(s.runs[0].invocations[0].toolExecutionNotifications[0].message.text).toMatch(/^expected verdict: b3-nosync-smp: /);
    const bad = bufferIo();
    expect(await main(['check', 'specs/b3-nosync-smp.yaml', '--set', 'expect=safe', '--format', 'sarif'], bad)).toBe(1);
    const r = JSON.parse(bad.out).runs[0].results[0];
    expect(r.ruleId).toBe('mixed-target/auipc-jalr');
    expect(r.level).toBe('error');
    expect(r.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'specs/b3-nosync-smp.yaml', uriBaseId: 'SRCROOT' }, region: { startLine: 62, startColumn: 5 } });
    expect(r.properties.schedule).toBe('h0*2.h1.h0');
  });
});
