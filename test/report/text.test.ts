/**
 * The text witness fits the terminal: every line of `check` output at the default width (80,
 * off a terminal) fits an 80-column terminal, so no hart column wraps; the column separators
 * stay blank; narrower terminals stack the harts. Plus the legend, labels before region names,
 * the jump arithmetic and the wording fixes of issue 11.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run } from './helpers.js';
import { wrap } from '../../src/report/text.js';

const SPECS = readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.yaml')).sort();

/** What an 80-column terminal shows: lines longer than the width wrap onto extra rows. */
function terminalRows(text: string, width: number): number {
  return text.split('\n').reduce((n, l) => n + Math.max(1, Math.ceil([...l].length / width)), 0);
}

/** Checks the hart columns of every trace table in `out`. */
function checkColumns(out: string, width: number) {
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(#\s+)hart 0(\s+hart \d+)*$/.exec(lines[i]);
    if (!m || !/hart 1/.test(lines[i])) continue;
    const starts = [...lines[i].matchAll(/hart \d+/g)].map((x) => x.index!);
    for (let j = i + 1; j < lines.length && lines[j] !== ''; j++) {
      for (const s of starts) expect(lines[j][s - 1] ?? ' ', `row ${j}: ${lines[j]}`).toBe(' ');
      expect([...lines[j]].length).toBeLessThanOrEqual(width);
    }
  }
}

describe('text witness width', () => {
  it('every spec of the library: no line wider than 80, hart columns intact', async () => {
    for (const f of SPECS) {
      const r = await run(['check', `specs/${f}`, '--no-timing']);
      const long = r.out.split('\n').filter((l) => [...l].length > 80 && !/^[✓✗?] /.test(l));
      expect(long, f).toEqual([]);
      checkColumns(r.out, 80);
      expect(terminalRows(r.out.split('\n').filter((l) => !/^[✓✗?] /.test(l)).join('\n'), 80)).toBe(r.out.split('\n').filter((l) => !/^[✓✗?] /.test(l)).length);
    }
  }, 120_000);

  it('--width and COLUMNS set the width; too narrow for columns stacks the harts', async () => {
    const wide = await run(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--no-timing', '--width', '140']);
    checkColumns(wide.out, 140);
    expect(wide.out).toMatch(/^#\s+hart 0\s+hart 1$/m);
    const env = await run(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--no-timing'], ROOT, { COLUMNS: '140' });
    expect(env.out).toBe(wide.out);
    const narrow = await run(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--no-timing', '--width', '50']);
    expect(narrow.out).toMatch(/^#\s+hart$/m);
    expect(narrow.out).toMatch(/^13\s+h0 caller: f\+0x4: jalr/m);
    for (const l of narrow.out.split('\n')) if (!/^[✓✗?] /.test(l)) expect([...l].length).toBeLessThanOrEqual(50);
  });

  it('wrap keeps words and indents continuations', () => {
    expect(wrap('aaa bbb ccc ddd', 8)).toEqual(['aaa bbb', '  ccc', '  ddd']);
    expect(wrap('x'.repeat(12), 5)).toEqual(['xxxxx', '  xxx', '  xxx', '  x']);
    expect(wrap('short', 0)).toEqual(['short']);
  });
});

describe('a witness a person can read', () => {
  it('a legend maps the task numbers of the schedule to names', async () => {
    const r = await run(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--no-timing', '--width', '0']);
    expect(r.out).toContain('tasks: t0 = caller (hart 0), t1 = patcher (hart 1), t2 = stopper/0, t3 = stopper/1');
    expect(r.out).toContain('schedule: h0*2.h1.h0>t2.h1>t3.h1.h0.h1.h0.h0>t0');
  });

  it('the arithmetic of a wrong target: auipc hi and jalr lo with their versions', async () => {
    const r = await run(['check', 'specs/b1-stop-machine-preempt-full.yaml', '--no-timing', '--width', '0']);
    expect(r.out).toContain('arithmetic: auipc hi from v0 at f: 0xffffffff80a4bf30 - 0xa40000 = 0xffffffff8000bf30; jalr lo from v1: t0 - 1900 = 0xffffffff8000b7c4');
  });

  it('function labels come before region names', async () => {
    const r = await run(['check', 'specs/e1-static-key-unaligned-two-sh.yaml', '--no-timing', '--width', '0']);
    expect(r.out).toMatch(/80312a40 static_fn: li a0,0/);
    expect(r.out).not.toMatch(/kernel_text: li/);
  });

  it('singular counts and no empty landing word', async () => {
    const r = await run(['check', 'specs/e2-static-key-aligned-sw.yaml', '--no-timing']);
    expect(r.out).toContain('1 execution, ');
    expect(r.out).not.toMatch(/\b1 executions\b/);
    const t = await run(['check', 'specs/e1-static-key-unaligned-two-sh.yaml', '--no-timing']);
    expect(t.out).not.toMatch(/ ; legitimate/);
  });

  it('stale fetches are marked with the latest version', async () => {
    const r = await run(['check', 'specs/v-b2-fence-i-coherence-no-flush.yaml', '--no-timing', '--width', '0']);
    expect(r.out).toMatch(/\[v0\] stale: latest v1/);
  });
});
