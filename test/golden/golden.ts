/**
 * The library's output as bytes: `check` in every format, `--all`, and the replay of every
 * witness. Issue 7 (the model split) must not change one byte of it; later work that changes a
 * verdict or a message regenerates the files (`UPDATE_GOLDEN=1 npx vitest run test/golden`) and
 * says why in its commit.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

export const ROOT = join(__dirname, '..', '..');
export const SPECS = readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.yaml')).sort();

/**
 * The top-level library, file by file, for the runs written as `check specs/`: specs/kernel/
 * needs the kernel objects of fixtures/kernel/build.sh (absent in some checkouts) and is
 * checked by test/library/library.test.ts, so the golden bytes cover the rest, as before it.
 */
const LIBRARY = (argv: string[]) => argv.flatMap((a) => (a === 'specs/' ? SPECS.map((f) => `specs/${f}`) : [a]));

async function run(argv: string[]): Promise<string> {
  const io = bufferIo();
  io.cwd = ROOT;
  const code = await main(LIBRARY(argv), io);
  // SARIF names the checkout's absolute root (originalUriBaseIds): the bytes must not depend on where it is.
  const text = `$ ftrace-race ${argv.join(' ')}\n[exit ${code}]\n${io.out}${io.err ? `[stderr]\n${io.err}` : ''}\n`;
  return text.split(`file://${ROOT}/`).join('file://<checkout>/');
}

/** name -> output text, in a fixed order. */
export async function goldenOutputs(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  out.set('check-json', await run(['check', 'specs/', '--format', 'json', '--no-timing']));
  out.set('check-text', await run(['check', 'specs/', '--no-timing']));
  out.set('check-junit', await run(['check', 'specs/', '--format', 'junit', '--no-timing']));
  out.set('check-sarif', await run(['check', 'specs/', '--format', 'sarif', '--no-timing']));
  out.set('check-exhaustive', await run(['check', 'specs/', '--format', 'json', '--no-timing', '--exhaustive']));
  out.set('check-naive', await run(['check', 'specs/', '--format', 'json', '--no-timing', '--naive', '--max-states', '20000']));
  out.set('check-random', await run(['check', 'specs/', '--format', 'json', '--no-timing', '--random', '50', '--seed', '7']));
  let each = '', all = '', replays = '';
  for (const f of SPECS) {
    const spec = `specs/${f}`;
    each += await run(['check', spec, '--no-timing']);
    // --all streams every violating schedule: kept as a digest, a count and its closing record.
    const a = await run(['check', spec, '--all', '--no-timing', '--max-states', '20000']);
    const lines = a.trimEnd().split('\n');
    all += `${lines[0]}\n${lines[1]}\n${lines.length} lines, sha256 ${createHash('sha256').update(a).digest('hex')}\n${lines[lines.length - 1]}\n\n`;
    const io = bufferIo();
    io.cwd = ROOT;
    await main(['check', spec, '--format', 'json', '--no-timing'], io);
    for (const line of io.out.split('\n').filter(Boolean)) {
      for (const v of JSON.parse(line).violations ?? []) {
        replays += await run(['replay', spec, '--schedule', v.schedule]);
        replays += await run(['replay', spec, '--schedule', v.schedule, '--format', 'json']);
      }
    }
  }
  out.set('check-each-text', each);
  out.set('check-each-all', all);
  out.set('replay', replays);
  return out;
}
