import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * `check --workers N`, `check --shard i/n --shard-out FILE` and `merge` as a user runs them:
 * separate processes of the built CLI. `--workers` (two phases here: explore/shared.ts) gives
 * the same bytes for 1, 2 and 3 workers, and the single search's findings; the merge of shards
 * the same bytes for any order and any number of shards, and the recipes of docs/scale.md (a
 * GitHub Actions matrix, a Kubernetes Indexed Job, a Slurm job array) run as written and merge
 * to that report.
 */

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin/ftrace-race.js');
const SPEC = 'specs/elf-63-enable-modify-preempt-full.yaml';
const ENV = { ...process.env, NO_COLOR: '1', CI: '1', GITHUB_ACTIONS: '' };

function cli(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: ENV, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A working directory like a checkout: specs/ and fixtures/ of the repository. */
function workdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ftr-parts-'));
  symlinkSync(join(ROOT, 'specs'), join(d, 'specs'));
  symlinkSync(join(ROOT, 'fixtures'), join(d, 'fixtures'));
  return d;
}

/** A shell command from the docs, with `npx ftrace-race` this checkout's CLI. */
function sh(command: string, cwd: string, env: Record<string, string> = {}) {
  const line = command.replace(/npx ftrace-race/g, `"${process.execPath}" "${BIN}"`);
  return execFileSync('sh', ['-c', line], { cwd, encoding: 'utf8', env: { ...ENV, ...env }, timeout: 120_000 });
}

const zeroTiming = (jsonLines: string) => jsonLines.trim().split('\n').map((l) => {
  const o = JSON.parse(l);
  if (o.stats) o.stats = { ...o.stats, ms: 0, rate: 0 };
  return JSON.stringify(o);
}).join('\n');

const recipes = (() => {
  const md = readFileSync(join(ROOT, 'docs/scale.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of md.matchAll(/^```\w+ recipe=([\w-]+)\n([\s\S]*?)^```$/gm)) out.set(m[1], m[2]);
  return out;
})();

describe('--workers, --shard and merge: one report, however the parts are run', () => {
  // The merge of 3 shards: the report every merge and recipe must give.
  const shards = workdir();
  const shardOut = [0, 1, 2].map((i) => cli(['check', SPEC, '--exhaustive', '--shard', `${i}/3`, '--shard-out', `s${i}.bin`], shards));
  const reference = cli(['merge', 's2.bin', 's0.bin', 's1.bin', '--no-timing'], shards);
  const referenceJson = cli(['merge', 's0.bin', 's1.bin', 's2.bin', '--no-timing', '--format', 'json'], shards);
  type V = { property: string; kind: string; task: string; preemptions: number; steps: number; schedule: string; schedules: number };
  const single = JSON.parse(cli(['check', SPEC, '--exhaustive', '--no-timing', '--format', 'json']).out);

  it('1, 2 and 3 workers give the same bytes (text and JSON), and the single search\'s verdict, states and witnesses', () => {
    const one = cli(['check', SPEC, '--exhaustive', '--workers', '1', '--no-timing']);
    expect(one.code).toBe(0); // unsafe, as the spec expects
    expect(one.out).toMatch(/two phases: 76 parts below depth 15 over one shared table of states, then the\s+witness search on \d+ states/);
    expect(cli(['check', SPEC, '--exhaustive', '--workers', '2', '--no-timing']).out).toBe(one.out);
    const json = cli(['check', SPEC, '--exhaustive', '--workers', '1', '--no-timing', '--format', 'json']).out;
    for (const n of ['2', '3']) expect(cli(['check', SPEC, '--exhaustive', '--workers', n, '--no-timing', '--format', 'json']).out).toBe(json);
    const two = JSON.parse(json);
    expect([two.verdict, two.stats.states]).toEqual([single.verdict, single.stats.states]);
    // Every finding and witness, schedule text included; the schedules counted are the witness search's.
    const witness = (v: V) => `${v.property}/${v.kind}/${v.task} ${v.preemptions}/${v.steps} ${v.schedule}`;
    expect(two.violations.map(witness)).toEqual(single.violations.map(witness));
    expect(two.stats.executions).toBeLessThan(single.stats.executions);
  }, 180_000);

  it('up to symmetry (the scale family, unsafe, 4 harts): 1 and 2 workers give the same bytes, in two phases, with the single search\'s verdict, states and witnesses', () => {
    const d = workdir();
    const text = execFileSync(process.execPath, ['-e', `import(${JSON.stringify(join(ROOT, 'bench/scale-family.mjs'))}).then((m) => process.stdout.write(m.specText('unsafe', 4)))`], { encoding: 'utf8' });
    writeFileSync(join(d, 'unsafe4.yaml'), text);
    const args = ['check', 'unsafe4.yaml', '--exhaustive', '--no-timing', '--format', 'json'];
    const lone = JSON.parse(cli(args, d).out);
    const w1 = cli([...args, '--workers', '1'], d).out;
    expect(cli([...args, '--workers', '2'], d).out).toBe(w1);
    const two = JSON.parse(w1);
    expect(two.stats.symmetry).toEqual([['caller0', 'caller1', 'caller2']]);
    expect(two.stats.twoPhase.parts).toBeGreaterThan(10);
    expect(two.stats.oneThread).toBeUndefined();
    expect([two.verdict, two.stats.states]).toEqual(['unsafe', lone.stats.states]);
    const witness = (v: V) => `${v.property}/${v.kind}/${v.task} ${v.preemptions}/${v.steps} ${v.schedule}`;
    expect(two.violations.map(witness)).toEqual(lone.violations.map(witness));
  }, 180_000);

  it('--progress on two phases (the scale family, unsafe, 5 harts, no symmetry: about 5 s on 2 workers): lines of phase 1 with the parts taken, every thread\'s states and executions and the random probes\' coverage, never falling, and no estimate', () => {
    const d = workdir();
    const text = execFileSync(process.execPath, ['-e', `import(${JSON.stringify(join(ROOT, 'bench/scale-family.mjs'))}).then((m) => process.stdout.write(m.specText('unsafe', 5)))`], { encoding: 'utf8' });
    writeFileSync(join(d, 'unsafe5.yaml'), text);
    const r = cli(['check', 'unsafe5.yaml', '--exhaustive', '--no-symmetry', '--max-states', '0', '--format', 'json', '--workers', '2', '--progress'], d);
    expect(r.code).toBe(0);
    const lines = r.err.trim().split('\n').slice(1);
    expect(lines.length).toBeGreaterThan(0);
    let states = 0, executions = 0, covered = 0, probed = 0;
    for (const l of lines) {
      const m = /^ftrace-race: scale-unsafe-5: unbounded, phase 1 of 2, part (\d+)\/(\d+) taken, (\d+) states, (\d+) executions, (\d+) kinds of violation, \d+ states\/s, [\d.]+ s(?:, 64 random probes (\d+)% covered)?$/.exec(l);
      expect(m, l).not.toBeNull();
      expect(Number(m![1])).toBeLessThanOrEqual(Number(m![2]));
      expect(Number(m![3])).toBeGreaterThanOrEqual(states);
      expect(Number(m![4])).toBeGreaterThanOrEqual(executions);
      [states, executions] = [Number(m![3]), Number(m![4])];
      if (m![6] === undefined) {
        expect(probed, l).toBe(0); // once shown, shown on every line
        continue;
      }
      expect(Number(m![6])).toBeGreaterThanOrEqual(covered);
      expect(Number(m![6])).toBeLessThanOrEqual(100);
      covered = Number(m![6]);
      probed++;
    }
    expect(probed).toBeGreaterThan(0);
    expect(states).toBeLessThanOrEqual(JSON.parse(r.out).stats.states);
  }, 180_000);

  it('--progress on one unbounded search (the scale family, stale, 7 harts, up to symmetry: about 4 s): once the random probes have run, every line gives their coverage, never falling, and a rough time left read from it', () => {
    const d = workdir();
    const text = execFileSync(process.execPath, ['-e', `import(${JSON.stringify(join(ROOT, 'bench/scale-family.mjs'))}).then((m) => process.stdout.write(m.specText('stale', 7)))`], { encoding: 'utf8' });
    writeFileSync(join(d, 'stale7.yaml'), text);
    const r = cli(['check', 'stale7.yaml', '--exhaustive', '--max-states', '0', '--format', 'json', '--progress'], d);
    expect(r.code).toBe(0);
    const lines = r.err.trim().split('\n').slice(1);
    let covered = 0, probed = 0;
    for (const l of lines) {
      const m = /^ftrace-race: scale-stale-7: unbounded, \d+ states, \d+ executions, \d+ violations, \d+ states\/s, ([\d.]+) s(?:, 64 random probes (\d+)% covered(?:, roughly ([\d.]+) s left)?)?$/.exec(l);
      expect(m, l).not.toBeNull();
      if (m![2] === undefined) {
        expect(probed, l).toBe(0); // once shown, shown on every line
        continue;
      }
      const c = Number(m![2]);
      expect(c).toBeGreaterThanOrEqual(covered);
      // Below 100% the line reads the coverage as the share done: elapsed × (1 − c) / c, to the tenth.
      if (c < 100) {
        expect(m![3], l).toBeDefined();
        const at = Number(m![1]), left = Number(m![3]);
        expect(left).toBeLessThanOrEqual((at + 0.05) * (100 - c) / c + 0.05);
        expect(left).toBeGreaterThanOrEqual((at - 0.05) * (100 - (c + 1)) / (c + 1) - 0.05);
      }
      covered = c;
      probed++;
    }
    expect(probed).toBeGreaterThan(0);
  }, 180_000);

  it('3 shards merged in any order give the same bytes (text and JSON); the verdict, states and signatures are the single search\'s', () => {
    shardOut.forEach((s, i) => {
      expect(s.code).toBe(0);
      expect(s.out).toMatch(new RegExp(`^specs/elf-63-enable-modify-preempt-full.yaml: shard ${i}/3: 2\\d of 76 parts searched, \\d+ executions; wrote s${i}.bin`));
    });
    expect(reference.code).toBe(0);
    expect(reference.out).toMatch(/partitioned: 76 parts below depth 15/);
    expect(cli(['merge', 's1.bin', 's2.bin', 's0.bin', '--no-timing'], shards).out).toBe(reference.out);
    const parted = JSON.parse(referenceJson.out);
    expect(parted.verdict).toBe(single.verdict);
    expect(parted.stats.states).toBe(single.stats.states);
    expect(parted.violations.map((v: V) => `${v.property}/${v.kind}`)).toEqual(single.violations.map((v: V) => `${v.property}/${v.kind}`));
  }, 180_000);

  it('--por: 1 and 2 workers run the single --por search and say so; 2 shards merged in either order give the same bytes, with the single search\'s verdict, signatures and states; a --por shard does not merge with a plain one', () => {
    const por = ['check', SPEC, '--exhaustive', '--por', '--no-timing', '--format', 'json'];
    const one = cli([...por, '--workers', '1']);
    expect(one.code).toBe(0);
    expect(cli([...por, '--workers', '2']).out).toBe(one.out);
    expect(JSON.parse(one.out).stats.oneThread).toMatch(/partial-order reduction/);
    expect({ ...JSON.parse(one.out), stats: { ...JSON.parse(one.out).stats, oneThread: undefined } }).toEqual(JSON.parse(cli(por).out));
    const d = workdir();
    for (let i = 0; i < 2; i++) expect(cli(['check', SPEC, '--exhaustive', '--por', '--shard', `${i}/2`, '--shard-out', `p${i}.bin`], d).code).toBe(0);
    const mergedPor = cli(['merge', 'p1.bin', 'p0.bin', '--no-timing', '--format', 'json'], d).out;
    expect(cli(['merge', 'p0.bin', 'p1.bin', '--no-timing', '--format', 'json'], d).out).toBe(mergedPor);
    const parted = JSON.parse(mergedPor);
    expect(parted.stats.por.slept).toBeGreaterThan(0);
    expect(parted.stats.pruned).toBeLessThan(JSON.parse(referenceJson.out).stats.pruned); // sleep sets: fewer transitions taken
    expect([parted.verdict, parted.stats.states]).toEqual([single.verdict, single.stats.states]);
    expect(parted.violations.map((v: { property: string; kind: string; task: string }) => `${v.property}/${v.kind}/${v.task}`)).toEqual(single.violations.map((v: { property: string; kind: string; task: string }) => `${v.property}/${v.kind}/${v.task}`));
    expect(cli(['check', SPEC, '--exhaustive', '--shard', '1/2', '--shard-out', 'q1.bin'], d).code).toBe(0);
    expect(cli(['merge', 'p0.bin', 'q1.bin'], d).err.trim()).toBe('ftrace-race: q1.bin: a shard of another search than p0.bin (another spec file or other options)');
  }, 180_000);

  it('bad use is one line and exit 2', () => {
    const d = workdir();
    const bounded = cli(['check', 'specs/b2-stop-machine-preempt-none.yaml', '--workers', '2'], d);
    expect([bounded.code, bounded.err.trim()]).toEqual([2, 'ftrace-race: b2-stop-machine-preempt-none: --workers and --shard split a search without a preemption bound: add --exhaustive (iterative bounding decides after each bound whether to go on, which no part can decide alone)']);
    expect(cli(['check', SPEC, '--exhaustive', '--shard', '0/2'], d).err.trim()).toBe('ftrace-race: conflicting options: --shard writes its result to a file: give --shard-out FILE');
    expect(cli(['check', SPEC, '--exhaustive', '--shard', '2/2', '--shard-out', 'x'], d).err).toMatch(/^ftrace-race: --shard: expected i\/n with 0 <= i < n/);
    expect(cli(['check', SPEC, '--workers', '2', '--bound', '2'], d).err).toMatch(/conflicting options: a partitioned search has no preemption bound/);
    expect(cli(['check', SPEC, '--exhaustive', '--shard', '0/2', '--shard-out', 'a.bin'], d).code).toBe(0);
    const again = cli(['check', SPEC, '--exhaustive', '--shard', '0/2', '--shard-out', 'a.bin'], d);
    expect([again.code, again.err.trim()]).toEqual([2, 'ftrace-race: a.bin: exists: a shard never overwrites a file (remove it, or name another)']);
    const missing = cli(['merge', 'a.bin'], d);
    expect([missing.code, missing.err.trim()]).toEqual([2, 'ftrace-race: shard 1 of 2 missing: merge needs all 2']);
    expect(cli(['merge', 'a.bin', 'a.bin'], d).err.trim()).toBe('ftrace-race: a.bin: shard 0/2 again (also a.bin)');
    writeFileSync(join(d, 'junk.bin'), 'not a shard\n');
    expect(cli(['merge', 'junk.bin'], d).err.trim()).toBe("ftrace-race: junk.bin: not a shard file: it does not start with 'ftrace-race shard 1'");
    expect(cli(['check', SPEC, '--exhaustive', '--shard', '1/2', '--shard-out', 'b.bin', '--set', 'kernel.preemption=none'], d).code).toBe(0);
    expect(cli(['merge', 'a.bin', 'b.bin'], d).err.trim()).toBe('ftrace-race: b.bin: a shard of another search than a.bin (another spec file or other options)');
    expect(readFileSync(join(d, 'a.bin')).subarray(0, 20).toString()).toBe('ftrace-race shard 1\n');
  }, 180_000);

  it('a shard file that was changed is refused with one line, never an internal error', () => {
    const d = workdir();
    for (const i of [0, 1]) expect(cli(['check', SPEC, '--exhaustive', '--shard', `${i}/2`, '--shard-out', `s${i}.bin`], d).code).toBe(0);
    // Rewrite s0.bin's JSON header (the fingerprints after it stay as they are).
    const edit = (name: string, change: (h: Record<string, any>) => void) => {
      const bytes = readFileSync(join(d, 's0.bin'));
      const nl1 = bytes.indexOf(10), nl2 = bytes.indexOf(10, nl1 + 1);
      const len = Number(bytes.subarray(nl1 + 1, nl2).toString());
      const h = JSON.parse(bytes.subarray(nl2 + 1, nl2 + 1 + len).toString());
      change(h);
      const head = Buffer.from(JSON.stringify(h));
      writeFileSync(join(d, name), Buffer.concat([Buffer.from(`ftrace-race shard 1\n${head.length}\n`), head, bytes.subarray(nl2 + 1 + len)]));
    };
    const merge = (a: string) => { const r = cli(['merge', a, 's1.bin'], d); return [r.code, r.err.trim()]; };
    edit('of.bin', (h) => { h.of = 2 ** 40; });
    expect(merge('of.bin')).toEqual([2, 'ftrace-race: of.bin: not a shard file: it is shard 0 of 1099511627776 (at most 1024 shards, counted from 0)']);
    edit('lost.bin', (h) => { h.results.pop(); });
    expect(merge('lost.bin')).toEqual([2, 'ftrace-race: lost.bin: not a shard file: its fingerprints are cut short']);
    const withFinding = (() => { let found = ''; edit('probe.bin', (h) => { found = JSON.stringify(h.results.find((r: { findings: unknown[] }) => r.findings.length)?.index ?? null); }); return found; })();
    expect(withFinding).not.toBe('null');
    edit('schedule.bin', (h) => { h.results.find((r: { findings: unknown[] }) => r.findings.length).findings[0].schedule = 'h9'; });
    expect(merge('schedule.bin')).toEqual([2, "ftrace-race: schedule.bin: not a shard of this spec: a finding's schedule does not replay (schedule step 1 'h9' is not possible here (possible: h0, h1))"]);
    edit('violation.bin', (h) => { h.results.find((r: { findings: unknown[] }) => r.findings.length).findings[0].violation.kind = 'auipc-jalr'; });
    expect(merge('violation.bin')).toEqual([2, "ftrace-race: violation.bin: not a shard of this spec: a finding's schedule does not end in its violation (mixed-target/auipc-jalr)"]);
    edit('index.bin', (h) => { h.results[0].index = 1; });
    expect(merge('index.bin')).toEqual([2, "ftrace-race: index.bin: not a shard file: part 1 is not one of shard 0 of 2's parts"]);
    expect(cli(['merge', 's0.bin', 's1.bin'], d).code).toBe(0);
    // The spec's path is read like any spec: a device is refused unread.
    expect(cli(['merge', 's0.bin', 's1.bin', '--spec', '/dev/zero'], d).err.trim()).toBe('ftrace-race: /dev/zero: cannot read the spec the shards searched (is a character device, not a regular file; give --spec FILE)');
  }, 180_000);

  it('the recipes of docs/scale.md run as written and merge to the same report', () => {
    expect([...recipes.keys()].sort()).toEqual(['github-actions', 'kubernetes', 'kubernetes-merge', 'slurm', 'slurm-merge']);
    const refText = reference.out.replace(/\n\n?$/, '');

    // GitHub Actions: each matrix value's run steps, then the merge job's.
    const gh = parse(recipes.get('github-actions')!);
    const ghDir = workdir();
    for (const shard of gh.jobs.shard.strategy.matrix.shard as number[]) {
      for (const step of gh.jobs.shard.steps) if (typeof step.run === 'string' && step.run.includes('ftrace-race')) sh(step.run.replaceAll('${{ matrix.shard }}', String(shard)), ghDir);
    }
    const ghMerge = gh.jobs.merge.steps.find((s: { run?: string }) => s.run?.includes('merge')).run as string;
    const ghOut = spawnSync('sh', ['-c', ghMerge.replace(/npx ftrace-race/g, `"${process.execPath}" "${BIN}"`)], { cwd: ghDir, encoding: 'utf8', env: ENV });
    expect(ghOut.stdout.replace(/\n\n?$/, '')).toBe(refText);
    expect(JSON.parse(readFileSync(join(ghDir, 'ftrace-race.sarif'), 'utf8')).runs).toHaveLength(1);

    // Kubernetes: the container's command with each JOB_COMPLETION_INDEX, /results a directory of ours.
    const job = parse(recipes.get('kubernetes')!);
    const kDir = workdir();
    const results = join(kDir, 'results');
    execFileSync('mkdir', ['-p', results]);
    const container = job.spec.template.spec.containers[0];
    expect(container.command.slice(0, 2)).toEqual(['sh', '-c']);
    for (let i = 0; i < job.spec.completions; i++) sh(container.command[2].replaceAll('/results', results), kDir, { JOB_COMPLETION_INDEX: String(i) });
    sh(recipes.get('kubernetes-merge')!.trim().replaceAll('/results', results), kDir);
    expect(zeroTiming(readFileSync(join(results, 'report.json'), 'utf8'))).toBe(zeroTiming(referenceJson.out));

    // Slurm: the array script with each task id, then the merge script.
    const script = recipes.get('slurm')!;
    const array = /#SBATCH --array=(\d+)-(\d+)/.exec(script)!;
    const cpus = /#SBATCH --cpus-per-task=(\d+)/.exec(script)![1];
    const count = Number(array[2]) - Number(array[1]) + 1;
    const sDir = workdir();
    for (let i = Number(array[1]); i <= Number(array[2]); i++) sh(script, sDir, { SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(count), SLURM_CPUS_PER_TASK: cpus });
    const sOut = spawnSync('sh', ['-c', recipes.get('slurm-merge')!.replace(/npx ftrace-race/g, `"${process.execPath}" "${BIN}"`)], { cwd: sDir, encoding: 'utf8', env: ENV });
    expect(sOut.stdout.replace(/\n\n?$/, '')).toBe(refText);
    expect(readFileSync(join(sDir, 'results/junit.xml'), 'utf8')).toMatch(/^<\?xml/);
  }, 300_000);
});
