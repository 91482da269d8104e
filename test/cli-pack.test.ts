/**
 * The npm package as a user gets it: `npm pack`, the contents checked, the tarball installed in
 * a temp directory outside the repository, and the installed CLI run on a bundled spec that
 * uses fixtures, on the whole bundled library, and `init` from the installed templates.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

describe('npm package', () => {
  it('packs the CLI, specs, fixtures, templates and schemas, and runs once installed elsewhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftrace-race-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    for (const f of ['bin/ftrace-race.js', 'dist/cli.mjs', 'schema/spec.schema.json', 'schema/report.schema.json', 'templates/auipc-jalr.yaml', 'specs/elf-616-odd-rvc-torn.yaml', 'fixtures/patchable/entry4-rvc-odd-616.elf', 'README.md', 'docs/ci.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|node_modules)\//.test(f))).toEqual([]);
    // Every fixture a bundled spec names is in the package.
    for (const f of files.filter((x) => x.startsWith('specs/'))) {
      for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/\.\.\/(fixtures\/\S+)/g)) expect(files, `${f} needs ${m[1]}`).toContain(m[1]);
    }
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed.filename)], { cwd: app, stdio: 'ignore' });
    const cli = (args: string[]) => spawnSync(join(app, 'node_modules', '.bin', 'ftrace-race'), args, { cwd: app, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' } });
    const one = cli(['check', 'node_modules/ftrace-race/specs/elf-616-odd-rvc-torn.yaml', '--no-timing']);
    expect(one.status, one.stdout + one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^✓ elf-616-odd-rvc-torn: unsafe/);
    const all = cli(['check', 'node_modules/ftrace-race/specs/', '--quiet']);
    expect(all.status, all.stdout + all.stderr).toBe(0);
    const init = cli(['init', 'mine.yaml']);
    expect(init.status, init.stderr).toBe(0);
    expect(readFileSync(join(app, 'mine.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/ftrace-race/schema/spec.schema.json');
    expect(cli(['check', 'mine.yaml', '--no-timing']).status).toBe(0);
    expect(cli([]).status).toBe(2);
  }, 180_000);
});
