import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { bufferIo } from '../src/cli/io.js';
import { expandInputs } from '../src/cli/check.js';
import { readCapped } from '../src/cli/input.js';
import { DEFAULT_LIMITS } from '../src/spec/limits.js';
import type { CliIo } from '../src/cli/term.js';

/**
 * What the CLI reads besides a named spec file, as untrusted or unbounded input: the directory
 * walk of `check DIR` (and of globs) and standard input (`-`). The fuzz harness's second long
 * run (docs/fuzz.md) hung on `check ..` (a walk of several worktrees) and could not say what
 * `-` does with no writer; these are its regression tests.
 */

const ROOT = resolve(__dirname, '..');
const SPEC = `harts: 1
memory:
  - {name: d, kind: data, at: 0x1000, size: 8}
tasks: [{name: p, patch: [fence]}]
`;

async function cli(argv: string[], cwd: string, extra: Partial<CliIo> = {}) {
  const io = Object.assign(bufferIo(), extra);
  io.cwd = cwd;
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

function tree(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'ftr-walk-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

describe('check DIR: the walk is bounded, follows no directory link, skips node_modules and dot-directories', () => {
  it('finds every spec below the directory, subdirectories included (a future specs/kernel/)', () => {
    const d = tree({ 'a.yaml': SPEC, 'kernel/b.yaml': SPEC, 'kernel/deeper/c.yml': SPEC, 'notes.txt': '' });
    expect(expandInputs([d], '/').map((f) => relative(d, f))).toEqual(['a.yaml', 'kernel/b.yaml', 'kernel/deeper/c.yml']);
  });

  it('the library: check specs/ finds every .yaml below specs/', () => {
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
    const all = walk(join(ROOT, 'specs')).sort();
    expect(all.length).toBeGreaterThan(40);
    expect(expandInputs(['specs/'], ROOT)).toEqual(all);
  });

  it('node_modules, dot-directories and links to directories are not entered; links to files are read', async () => {
    const d = tree({ 'ok.yaml': SPEC, 'node_modules/pkg/x.yaml': 'not: a spec', '.git/y.yaml': 'not: a spec', 'elsewhere/z.yaml': 'not: a spec' });
    const outside = tree({ 'w.yaml': 'not: a spec' });
    mkdirSync(join(d, 'specs'));
    symlinkSync(outside, join(d, 'specs', 'linked-dir'));
    symlinkSync(join(d, 'specs'), join(d, 'specs', 'loop'));
    symlinkSync(join(d, 'ok.yaml'), join(d, 'specs', 'linked.yaml'));
    expect(expandInputs(['specs'], d).map((f) => relative(d, f))).toEqual(['specs/linked.yaml']);
    // A directory whose specs are all behind a link says so, and how to get them.
    const only = tree({});
    symlinkSync(outside, join(only, 'lib'));
    const r = await cli(['check', '.'], only);
    expect(r.code).toBe(2);
    expect(r.err).toBe('ftrace-race: .: no .yaml specs in this directory (1 symbolic link to directories not followed: name it directly)\n');
    // Named directly, a link to a directory is walked like the directory.
    expect(expandInputs(['lib'], only)).toEqual([join(only, 'lib', 'w.yaml')]);
  });

  it(`more than walkEntries (${DEFAULT_LIMITS.walkEntries}) entries: one line, exit 2, before any spec is read`, async () => {
    const d = mkdtempSync(join(tmpdir(), 'ftr-walk-'));
    mkdirSync(join(d, 'big', 'many'), { recursive: true });
    writeFileSync(join(d, 'big', 'a.yaml'), SPEC);
    for (let i = 0; i < DEFAULT_LIMITS.walkEntries; i++) closeSync(openSync(join(d, 'big', 'many', `f${i}`), 'w'));
    const r = await cli(['check', 'big'], d);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`ftrace-race: big: more than ${DEFAULT_LIMITS.walkEntries} directory entries below it (limit walkEntries): name a smaller directory, or the spec files\n`);
    // A glob walks its base directory under the same bound.
    expect(() => expandInputs(['big/**/*.yaml'], d)).toThrow(/^big\/\*\*\/\*\.yaml: more than 10000 directory entries below it \(limit walkEntries\)/);
    expect(expandInputs(['big'], d, { walkEntries: 20_000, walkDepth: 16 })).toEqual([join(d, 'big', 'a.yaml')]);
  });

  it(`directories more than walkDepth (${DEFAULT_LIMITS.walkDepth}) levels deep: one line, exit 2`, async () => {
    const deep = Array.from({ length: DEFAULT_LIMITS.walkDepth + 1 }, (_, i) => `d${i}`).join('/');
    const d = tree({ [`top/${deep}/x.yaml`]: SPEC });
    const r = await cli(['check', 'top', '--no-timing'], d);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`ftrace-race: top: directories nest more than ${DEFAULT_LIMITS.walkDepth} levels below it, as ${deep} (limit walkDepth): name a smaller directory, or the spec files\n`);
    // walkDepth levels are fine.
    expect(expandInputs([join(d, 'top', 'd0')], '/')).toHaveLength(1);
  });

  it('the fuzz reproducer: check .. from a directory beside others holding node_modules and linked trees ends at once', async () => {
    // The harness's case 43649 (seed 7): `check --max-states=0 json ..` from a case directory in /tmp.
    const d = tree({ 'case/x.txt': '', 'other/node_modules/a/b.yaml': '', 'other/.cache/c.yaml': '' });
    symlinkSync(ROOT, join(d, 'case', 'repo'));
    const r = await cli(['check', '--max-states=0', 'json', '..', '--max-states', '20000', '--max-time', '4000'], join(d, 'case'));
    expect(r.code).toBe(2);
    expect(r.err.split('\n').slice(0, 2)).toEqual(['ftrace-race: json: no such file or directory', 'ftrace-race: ..: no .yaml specs in this directory (1 symbolic link to directories not followed: name it directly)']);
  });
});

describe('standard input (-): read with the spec size cap; a terminal gets a hint, no input an error', () => {
  it('the reader stops one byte past the cap, whatever the writer has left (an endless /dev/zero)', () => {
    const fd = openSync('/dev/zero', 'r');
    try {
      expect(readCapped(fd, 1000).length).toBe(1001);
      expect(readCapped(fd, (1 << 20) + 5).length).toBe((1 << 20) + 6);
    } finally {
      closeSync(fd);
    }
  });

  it('check - and replay - are asked for at most specBytes + 1 bytes; more is one line, exit 2', async () => {
    const asked: number[] = [];
    const readStdin = (max: number) => {
      asked.push(max);
      return new Uint8Array(max + 1).fill(0x20);
    };
    const c = await cli(['check', '-'], ROOT, { readStdin });
    expect(c.code).toBe(2);
    expect(c.err).toBe(`ftrace-race: -: standard input has more than ${DEFAULT_LIMITS.specBytes} bytes (limit specBytes)\n`);
    const r = await cli(['replay', '-', '--schedule', 'h0'], ROOT, { readStdin });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`ftrace-race: -: standard input has more than ${DEFAULT_LIMITS.specBytes} bytes (limit specBytes)\n`);
    const e = await cli(['explain', '-'], ROOT, { readStdin });
    expect(e.code).toBe(2);
    expect(asked).toEqual([DEFAULT_LIMITS.specBytes, DEFAULT_LIMITS.specBytes, DEFAULT_LIMITS.specBytes]);
  });

  it('the CLI itself: an endless writer on standard input is cut at the cap (exit 2), and empty input is an empty spec', () => {
    const bin = join(ROOT, 'bin', 'ftrace-race.js');
    const zero = openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(process.execPath, [bin, 'check', '-'], { stdio: [zero, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`ftrace-race: -: standard input has more than ${DEFAULT_LIMITS.specBytes} bytes (limit specBytes)\n`);
    } finally {
      closeSync(zero);
    }
    const empty = spawnSync(process.execPath, [bin, 'check', '-'], { input: '', encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toBe('-:1:1: a spec is a YAML mapping (harts:, tasks:, ...)\n');
    const ok = spawnSync(process.execPath, [bin, 'check', '-', '--no-timing'], { input: SPEC, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
  });

  it('from a terminal: a hint on stderr (end with Ctrl-D), then the spec is read like any other', async () => {
    const r = await cli(['check', '-', '--no-timing'], ROOT, { stdinIsTTY: true, readStdin: () => SPEC });
    expect(r.code).toBe(0);
    expect(r.err).toBe('ftrace-race: reading a spec from the terminal (standard input); end it with Ctrl-D, or name a spec file instead of -\n');
  });

  it('no standard input at all: one line, one prefix', async () => {
    expect((await cli(['check', '-'], ROOT)).err).toBe('ftrace-race: -: standard input is not available\n');
    expect((await cli(['replay', '-', '--schedule', 'h0'], ROOT)).err).toBe('ftrace-race: -: standard input is not available\n');
  });
});

describe('explain and litmus read their files with the same caps as check', () => {
  it('/dev/zero and a directory are refused unread', async () => {
    const e = await cli(['explain', '/dev/zero'], ROOT);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/^ftrace-race: [./]*dev\/zero: cannot read the spec: it is a character device, not a regular file\n$/);
    const l = await cli(['litmus', '/dev/zero'], ROOT);
    expect(l.code).toBe(2);
    expect(l.err).toBe('/dev/zero: is a character device, not a regular file\n');
    expect((await cli(['litmus', 'specs'], ROOT)).err).toBe('specs: is a directory\n');
  });

  it('their searches take the limits of check: cut short is exit 3, and --walks is bounded', async () => {
    const e = await cli(['explain', 'specs/b1-stop-machine-preempt-full.yaml', '--max-states', '50'], ROOT);
    expect(e.code).toBe(3);
    expect(e.out).toMatch(/inconclusive .*\[stopped: max-states 50 reached; \d+ executions?, 51 states\]/);
    expect(e.out).toMatch(/coverage \(200 seeded random executions; a sample: the search was cut short\)/);
    const w = await cli(['explain', 'specs/b1-stop-machine-preempt-full.yaml', '--walks', '1e9'], ROOT);
    expect([w.code, w.err]).toEqual([2, "ftrace-race: --walks: at most 100000, got '1e9'\n"]);
    const l = await cli(['litmus', 'test/litmus/MP+fences.litmus', '--max-states', '10'], ROOT);
    expect(l.code).toBe(3);
    expect(l.out).toContain('Limit max-states 10 reached: the states above are incomplete\n');
    expect((await cli(['litmus', 'test/litmus/MP+fences.litmus'], ROOT)).code).toBe(0);
  });
});

describe('a file with thousands of errors prints twenty and a count', () => {
  it('10,000 bad asm statements: 20 located lines, then how many more; JSON keeps them all', async () => {
    const asm = Array.from({ length: 10_000 }, (_, i) => `      frob x${i}`).join('\n');
    const d = tree({ 'bad.yaml': `harts: 1\nmemory:\n  - name: c\n    kind: code\n    at: 0x1000\n    asm: |\n${asm}\ntasks: [{name: p, patch: [fence]}]\n` });
    const r = await cli(['check', 'bad.yaml'], d);
    expect(r.code).toBe(2);
    const lines = r.err.trimEnd().split('\n');
    expect(lines.length).toBe(21);
    expect(lines[0]).toBe("bad.yaml:7:7: unknown mnemonic 'frob'");
    expect(lines[19]).toBe("bad.yaml:26:7: unknown mnemonic 'frob'");
    expect(lines[20]).toBe('ftrace-race: bad.yaml: 9980 more errors not shown (the first 20 are above)');
    const j = await cli(['check', 'bad.yaml', '--format', 'json'], d);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out.trim().split('\n')[0]).errors).toHaveLength(10_000);
  });
});
